/*
 * catalystd client add: registers an OAuth client. A minted secret is
 * printed once; the store keeps only its SHA-256. A secret given by the
 * operator comes from stdin or a prompt, never from argv.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "admin.h"
#include "admin_secret.h"
#include "admin_util.h"
#include "dc.h"
#include "store.h"
#include "token.h"
#include "banned.h"

#define SECRET_BUF         1024
#define CLIENT_SECRET_MIN  16
#define CLIENT_ID_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static const struct adm_opt client_add_opts[] = {
	{ "name", "NAME", O_NAME, 1, "client name shown on consent pages" },
	{ "kind", "KIND", O_KIND, 1,
	  "device (CLI tokens m_...) or browser (w_...)" },
	{ "id", "ID", O_ID, 0,
	  "client id (default 1000. + 30 random characters)" },
	{ "public", NULL, O_PUBLIC, 0,
	  "a public client (RFC 6749 2.1): no secret; browser\nclients then "
	  "must use PKCE S256" },
	{ "secret-stdin", NULL, O_SECSTDIN, 0,
	  "read the secret from stdin instead of minting one" },
	{ "dc", "CODE", O_DC, 0,
	  "data center of a minted secret (default us)" },
	{ NULL, NULL, 0, 0, NULL },
};

struct client_opts {
	const char *name, *kind, *id, *dc;
	int secret_stdin, is_public;
};

static int client_opt(void *p, int c, const char *arg)
{
	struct client_opts *o = p;

	switch (c) {
	case O_NAME:
		o->name = arg;
		break;
	case O_KIND:
		o->kind = arg;
		break;
	case O_ID:
		o->id = arg;
		break;
	case O_DC:
		o->dc = arg;
		break;
	case O_SECSTDIN:
		o->secret_stdin = 1;
		break;
	case O_PUBLIC:
		o->is_public = 1;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

static int client_add_run(const struct client_opts *o,
			  const struct common_opts *co, int kind,
			  const char *dc)
{
	struct cat_store *st = NULL;
	struct cat_client c = { 0 };
	char *secret = NULL;
	const char *why = NULL;
	long n;
	int rc = EXIT_ERR, err;

	if (!(secret = sodium_malloc(SECRET_BUF))) {
		why = "out of memory";
		goto done;
	}
	if (o->id)
		snprintf(c.id, sizeof(c.id), "%s", o->id);
	else {
		memcpy(c.id, "1000.", 5);
		cat_random_chars(c.id + 5, 30, CLIENT_ID_ALPHABET);
	}
	if (o->is_public) {
		secret[0] = '\0';
	} else if (o->secret_stdin) {
		n = isatty(STDIN_FILENO)
			    ? cat_secret_prompt("Client secret: ", secret,
						SECRET_BUF, &why)
			    : cat_secret_read_line(secret, SECRET_BUF, &why);
		if (n < 0)
			goto done;
		if (n < CLIENT_SECRET_MIN ||
		    !adm_valid_text(secret, SECRET_BUF)) {
			why = "the secret must be at least 16 printable "
			      "characters";
			goto done;
		}
	} else if (cat_token_new(secret, CAT_TOK_SECRET, dc) < 0) {
		why = cat_error_last();
		goto done;
	}
	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (!o->is_public)
		cat_token_hash(c.secret_hash, secret);
	c.is_public = o->is_public;
	snprintf(c.name, sizeof(c.name), "%s", o->name);
	c.kind = kind;
	c.created_at = (int64_t)time(NULL);
	if ((err = cat_store_client_add(st, &c)) < 0) {
		why = err == CAT_EEXISTS ? "client id already exists"
					 : cat_error_last();
		goto done;
	}
	if (co->json && o->is_public)
		adm_print_json(json_pack("{s:s, s:s, s:s, s:s}", "client_id",
					 c.id, "client_type", "public", "kind",
					 o->kind, "name", c.name));
	else if (co->json)
		adm_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}",
					 "client_id", c.id, "client_secret",
					 secret, "client_type", "confidential",
					 "kind", o->kind, "name", c.name));
	else if (o->is_public)
		printf("client_id: %s\nclient_type: public\n", c.id);
	else
		printf("client_id: %s\nclient_secret: %s\n", c.id, secret);
	rc = adm_finish(EXIT_OK);
	/* only for a person: a script capturing stdout knows */
	if (rc == EXIT_OK && !o->secret_stdin && !o->is_public &&
	    isatty(STDOUT_FILENO))
		fprintf(stderr, "catalystd: store the secret now; it cannot be "
				"shown again\n");
done:
	if (why)
		fprintf(stderr, "catalystd: cannot add client '%s': %s\n",
			o->id ? o->id : o->name, why);
	sodium_free(secret);
	cat_store_close(st);
	return rc;
}

static int cmd_client_add(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct client_opts o = { 0 };
	const struct cat_dc *dc;
	int rc, kind;

	if ((rc = adm_parse(argc, argv, &adm_client_add, &co, client_opt,
			    &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.name || !o.kind)
		return adm_cmd_usage_err(&adm_client_add,
					 "--name and --kind are required");
	if (!adm_valid_text(o.name, CAT_NAME_MAX))
		return adm_cmd_usage_err(
			&adm_client_add,
			"--name is 1-127 bytes of text without "
			"control characters");
	if (strcmp(o.kind, "device") == 0)
		kind = CAT_CLIENT_DEVICE;
	else if (strcmp(o.kind, "browser") == 0)
		kind = CAT_CLIENT_BROWSER;
	else
		return adm_cmd_usage_err(&adm_client_add,
					 "--kind is device or browser");
	if (o.id && !adm_valid_id(o.id))
		return adm_cmd_usage_err(
			&adm_client_add,
			"--id is 1-63 characters of A-Z a-z 0-9 . _ -");
	if (o.is_public && (o.secret_stdin || o.dc))
		return adm_cmd_usage_err(
			&adm_client_add,
			"a --public client has no secret: drop "
			"--secret-stdin and --dc");
	if (!(dc = cat_dc_find(o.dc ? o.dc : "us")))
		return adm_cmd_usage_err(
			&adm_client_add,
			"unknown --dc (one of us eu in au ca sa jp ae)");
	return client_add_run(&o, &co, kind, dc->code);
}

const struct adm_cmd adm_client_add = {
	.name = "client",
	.sub = "add",
	.summary = "register an OAuth client; prints its id and secret",
	.details = "Registers an OAuth client and prints its id and secret. "
		   "The secret is\nshown only now: the store keeps its SHA-256 "
		   "hash.",
	.opts = client_add_opts,
	.fn = cmd_client_add,
};
