/*
 * The admin subcommands of catalystd: migrate, user/org/project/client add.
 * Each parses its options into a struct, then a *_run function does the work
 * on an open store. Secrets never come from argv (ps and shell history see
 * it): they are read from stdin or prompted for with terminal echo off.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
#define PASSWORD_MIN       8
#define CLIENT_SECRET_MIN  16
#define CLIENT_ID_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* Returns 1 (stop the walk) at the first org: "does it have any?" */
static int any_org_cb(const struct cat_org *o, void *ctx)
{
	(void)o;
	(void)ctx;
	return 1;
}

/* ---- migrate ------------------------------------------------------- */

static const char migrate_usage[] =
	"usage: catalystd migrate [--db URL] [--json]\n"
	"\n"
	"Creates or upgrades the store schema and prints its version.\n"
	"\n" COMMON_USAGE;

int cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS,
					      { NULL, 0, NULL, 0 } };
	struct common_opts co = { 0 };
	struct cat_store *st = NULL;
	int rc, version = 0;

	if ((rc = adm_parse_opts(argc, argv, opts, migrate_usage, &co, NULL,
				 NULL)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if ((rc = adm_open_store(&st, co.db)) != 0)
		goto done;
	if (cat_store_schema_version(st, &version) < 0) {
		fprintf(stderr,
			"catalystd: cannot read the schema version: %s\n",
			cat_error_last());
		rc = EXIT_ERR;
		goto done;
	}
	if (co.json)
		adm_print_json(json_pack("{s:i}", "schema_version", version));
	else
		printf("schema version %d\n", version);
	rc = adm_finish(EXIT_OK);
done:
	cat_store_close(st);
	return rc;
}

/* ---- user add ------------------------------------------------------ */

static const char user_usage[] =
	"usage: catalystd user add --email EMAIL [options]\n"
	"\n"
	"Adds an account and prints its id. The password is read from stdin\n"
	"(one line) when stdin is not a terminal or --password-stdin is "
	"given;\n"
	"otherwise it is asked for twice on the terminal.\n"
	"\n"
	"  --email EMAIL       sign-in email (unique, case-insensitive)\n"
	"  --first-name NAME   first name\n"
	"  --last-name NAME    last name\n"
	"  --org ORG_ID        make the account a member of this org\n"
	"  --password-stdin    read the password from stdin even on a "
	"terminal\n" COMMON_USAGE;

struct user_opts {
	const char *email, *first, *last, *org;
	int pw_stdin;
};

static int user_opt(void *p, int c, const char *arg)
{
	struct user_opts *o = p;

	switch (c) {
	case O_EMAIL:
		o->email = arg;
		break;
	case O_FIRST:
		o->first = arg;
		break;
	case O_LAST:
		o->last = arg;
		break;
	case O_ORG:
		o->org = arg;
		break;
	case O_PWSTDIN:
		o->pw_stdin = 1;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

/* Hashes the password into out (Argon2id); 0 or EXIT_* after a message. */
static int get_password_hash(const struct user_opts *o,
			     char out[crypto_pwhash_STRBYTES])
{
	char *pw = NULL, *again = NULL;
	const char *why = NULL;
	long n;
	int rc = EXIT_ERR;

	pw = sodium_malloc(SECRET_BUF);
	again = sodium_malloc(SECRET_BUF);
	if (!pw || !again) {
		why = "out of memory";
		goto done;
	}
	if (o->pw_stdin || !isatty(STDIN_FILENO)) {
		n = cat_secret_read_line(pw, SECRET_BUF, &why);
	} else {
		n = cat_secret_prompt("Password: ", pw, SECRET_BUF, &why);
		if (n >= 0 && cat_secret_prompt("Retype password: ", again,
						SECRET_BUF, &why) < 0)
			n = -1;
		if (n >= 0 && !cat_secret_eq(pw, again)) {
			why = "the passwords do not match";
			n = -1;
		}
	}
	if (n < 0)
		goto done;
	if (n == 0) {
		why = "no password given (one line on stdin or at the prompt)";
		goto done;
	}
	if (!cat_utf8_valid(pw, (size_t)n)) {
		why = "the password is not valid UTF-8";
		goto done;
	}
	if (adm_utf8_chars(pw) < PASSWORD_MIN) {
		why = "the password is shorter than 8 characters";
		goto done;
	}
	if (crypto_pwhash_str(out, pw, (unsigned long long)n,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		why = "cannot hash the password (out of memory)";
		goto done;
	}
	rc = 0;
done:
	if (why)
		fprintf(stderr, "catalystd: cannot add user '%s': %s\n",
			o->email, why);
	sodium_free(pw); /* zeroes before freeing */
	sodium_free(again);
	return rc;
}

static int user_add_run(const struct user_opts *o, const struct common_opts *co,
			const char *pw_hash)
{
	struct cat_store *st = NULL;
	struct cat_account a = { 0 };
	struct cat_org org;
	int rc, err;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (o->org && (err = cat_store_org_get(st, &org, o->org)) < 0) {
		fprintf(stderr, "catalystd: cannot add user '%s': %s\n",
			o->email,
			err == CAT_ENOTFOUND || err == CAT_EINVAL
				? "no such org (see 'catalystd org add')"
				: cat_error_last());
		goto done;
	}
	snprintf(a.email, sizeof(a.email), "%s", o->email);
	snprintf(a.first_name, sizeof(a.first_name), "%s",
		 o->first ? o->first : "");
	snprintf(a.last_name, sizeof(a.last_name), "%s",
		 o->last ? o->last : "");
	snprintf(a.pw_hash, sizeof(a.pw_hash), "%s", pw_hash);
	a.created_at = (int64_t)time(NULL);
	if ((err = cat_store_account_add(st, &a)) < 0) {
		fprintf(stderr, "catalystd: cannot add user '%s': %s\n",
			o->email,
			err == CAT_EEXISTS ? "email already exists"
					   : cat_error_last());
		goto done;
	}
	/* a new account has no org yet, so this one becomes its default */
	if (o->org && (err = cat_store_member_add(st, a.id, o->org, 1)) < 0) {
		fprintf(stderr,
			"catalystd: user %lld was added but not to org '%s': "
			"%s\n",
			(long long)a.id, o->org, cat_error_last());
		goto done;
	}
	if (co->json)
		adm_print_json(json_pack("{s:I, s:s, s:s?}", "id",
					 (json_int_t)a.id, "email", a.email,
					 "org_id", o->org));
	else
		printf("%lld\n", (long long)a.id);
	rc = adm_finish(EXIT_OK);
done:
	cat_store_close(st);
	return rc;
}

int cmd_user_add(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_OPTS,
		{ "email", required_argument, NULL, O_EMAIL },
		{ "first-name", required_argument, NULL, O_FIRST },
		{ "last-name", required_argument, NULL, O_LAST },
		{ "org", required_argument, NULL, O_ORG },
		{ "password-stdin", no_argument, NULL, O_PWSTDIN },
		{ NULL, 0, NULL, 0 },
	};
	struct common_opts co = { 0 };
	struct user_opts o = { 0 };
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if ((rc = adm_parse_opts(argc, argv, opts, user_usage, &co, user_opt,
				 &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.email)
		return adm_usage_err(user_usage, "--email is required");
	if (!adm_valid_email(o.email))
		return adm_usage_err(
			user_usage,
			"--email wants an address like name@example.com");
	if ((o.first && !adm_valid_text(o.first, CAT_NAME_MAX)) ||
	    (o.last && !adm_valid_text(o.last, CAT_NAME_MAX)))
		return adm_usage_err(user_usage,
				     "names are 1-127 bytes of text without "
				     "control characters");
	if (o.org && !adm_valid_id(o.org))
		return adm_usage_err(user_usage, "--org wants an org id");
	/* ask for the password before touching the store: a typo at the
	 * prompt must not leave a half-made account behind */
	if ((rc = get_password_hash(&o, hash)) != 0)
		return rc;
	return user_add_run(&o, &co, hash);
}

/* ---- org add ------------------------------------------------------- */

static const char org_usage[] =
	"usage: catalystd org add --name NAME [--member EMAIL]...\n"
	"\n"
	"Adds an org and prints its id. Each member must be an existing\n"
	"account; the org becomes their default if it is their first.\n"
	"\n"
	"  --name NAME         org name\n"
	"  --member EMAIL      add this account as a member "
	"(repeatable)\n" COMMON_USAGE;

struct org_opts {
	const char *name;
	const char **members; /* at most argc of them */
	size_t nmembers;
};

static int org_opt(void *p, int c, const char *arg)
{
	struct org_opts *o = p;

	if (c == O_NAME)
		o->name = arg;
	else if (c == O_MEMBER)
		o->members[o->nmembers++] = arg;
	else
		return EXIT_USAGE;
	return 0;
}

static int org_add_run(const struct org_opts *o, const struct common_opts *co)
{
	struct cat_store *st = NULL;
	struct cat_account *accts = NULL;
	struct cat_org org = { 0 };
	json_t *ids = NULL;
	size_t i;
	int rc, err, has;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (!(accts = calloc(o->nmembers + 1, sizeof(*accts))) ||
	    !(ids = json_array())) {
		fprintf(stderr, "catalystd: out of memory\n");
		goto done;
	}
	/* resolve every member first: an unknown email creates nothing */
	for (i = 0; i < o->nmembers; i++) {
		err = cat_store_account_by_email(st, &accts[i], o->members[i]);
		if (err == CAT_ENOTFOUND || err == CAT_EINVAL)
			cat_error_set(err,
				      "no account '%s' (see 'catalystd "
				      "user add')",
				      o->members[i]);
		if (err < 0) {
			fprintf(stderr, "catalystd: cannot add org '%s': %s\n",
				o->name, cat_error_last());
			goto done;
		}
	}
	snprintf(org.name, sizeof(org.name), "%s", o->name);
	org.created_at = (int64_t)time(NULL);
	if (cat_store_org_add(st, &org) < 0) {
		fprintf(stderr, "catalystd: cannot add org '%s': %s\n", o->name,
			cat_error_last());
		goto done;
	}
	for (i = 0; i < o->nmembers; i++) {
		has = cat_store_org_list(st, accts[i].id, any_org_cb, NULL);
		err = has < 0 ? has
			      : cat_store_member_add(st, accts[i].id, org.id,
						     has == 0);
		if (err == CAT_EEXISTS) /* the same --member twice */
			continue;
		if (err < 0) {
			fprintf(stderr,
				"catalystd: org %s was added but member '%s' "
				"was not: %s\n",
				org.id, accts[i].email, cat_error_last());
			goto done;
		}
		json_array_append_new(ids, json_integer(accts[i].id));
	}
	if (co->json)
		adm_print_json(json_pack("{s:s, s:s, s:O}", "id", org.id,
					 "name", org.name, "members", ids));
	else
		printf("%s\n", org.id);
	rc = adm_finish(EXIT_OK);
done:
	json_decref(ids);
	free(accts);
	cat_store_close(st);
	return rc;
}

int cmd_org_add(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_OPTS,
		{ "name", required_argument, NULL, O_NAME },
		{ "member", required_argument, NULL, O_MEMBER },
		{ NULL, 0, NULL, 0 },
	};
	struct common_opts co = { 0 };
	struct org_opts o = { 0 };
	size_t i;
	int rc;

	if (!(o.members = calloc((size_t)argc + 1, sizeof(*o.members)))) {
		fprintf(stderr, "catalystd: out of memory\n");
		return EXIT_ERR;
	}
	rc = adm_parse_opts(argc, argv, opts, org_usage, &co, org_opt, &o);
	if (rc != 0) {
		rc = rc == HELP_SHOWN ? EXIT_OK : rc;
		goto done;
	}
	rc = EXIT_USAGE;
	if (!o.name) {
		adm_usage_err(org_usage, "--name is required");
		goto done;
	}
	if (!adm_valid_text(o.name, CAT_NAME_MAX)) {
		adm_usage_err(org_usage, "--name is 1-127 bytes of text "
					 "without control characters");
		goto done;
	}
	for (i = 0; i < o.nmembers; i++) {
		if (!adm_valid_email(o.members[i])) {
			fprintf(stderr,
				"catalystd: --member '%s' is not an email "
				"address\n",
				o.members[i]);
			goto done;
		}
	}
	rc = org_add_run(&o, &co);
done:
	free(o.members);
	return rc;
}

/* ---- project add --------------------------------------------------- */

static const char project_usage[] =
	"usage: catalystd project add --org ORG_ID --name NAME [options]\n"
	"\n"
	"Adds a project with its Development and Production environments and\n"
	"prints its id, then one line per environment: name, id, status.\n"
	"\n"
	"  --org ORG_ID        the org that owns the project\n"
	"  --name NAME         project name (unique within the org)\n"
	"  --type TYPE         Live (default) or Demo\n"
	"  --timezone TZ       e.g. Asia/Kolkata (default UTC)\n" COMMON_USAGE;

struct project_opts {
	const char *org, *name, *type, *tz;
};

static int project_opt(void *p, int c, const char *arg)
{
	struct project_opts *o = p;

	switch (c) {
	case O_ORG:
		o->org = arg;
		break;
	case O_NAME:
		o->name = arg;
		break;
	case O_TYPE:
		o->type = arg;
		break;
	case O_TZ:
		o->tz = arg;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

static int env_print_cb(const struct cat_env *e, void *ctx)
{
	json_t *arr = ctx, *ej;

	if (!arr) {
		printf("%s\t%s\t%s\n", e->name, e->zgid, e->status);
		return 0;
	}
	ej = json_pack("{s:s, s:s, s:i, s:s}", "env_zgid", e->zgid, "env_name",
		       e->name, "env_type", e->type, "env_status", e->status);
	if (json_array_append_new(arr, ej) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

static int project_add_run(const struct project_opts *o,
			   const struct common_opts *co)
{
	struct cat_store *st = NULL;
	struct cat_project p = { 0 };
	struct cat_org org;
	json_t *envs = NULL;
	int rc, err;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if ((err = cat_store_org_get(st, &org, o->org)) < 0) {
		fprintf(stderr, "catalystd: cannot add project '%s': %s\n",
			o->name,
			err == CAT_ENOTFOUND || err == CAT_EINVAL
				? "no such org (see 'catalystd org add')"
				: cat_error_last());
		goto done;
	}
	snprintf(p.org_id, sizeof(p.org_id), "%s", o->org);
	snprintf(p.name, sizeof(p.name), "%s", o->name);
	snprintf(p.type, sizeof(p.type), "%s", o->type ? o->type : "Live");
	snprintf(p.timezone, sizeof(p.timezone), "%s", o->tz ? o->tz : "UTC");
	p.created_at = (int64_t)time(NULL);
	if ((err = cat_store_project_add(st, &p)) < 0) {
		fprintf(stderr, "catalystd: cannot add project '%s': %s\n",
			o->name,
			err == CAT_EEXISTS
				? "the org already has a project of that name"
				: cat_error_last());
		goto done;
	}
	if (co->json) {
		if (!(envs = json_array()))
			goto done;
	} else {
		printf("%s\n", p.id);
	}
	if (cat_store_env_list(st, p.id, env_print_cb, envs) < 0) {
		fprintf(stderr,
			"catalystd: project %s was added but its environments "
			"cannot be listed: %s\n",
			p.id, cat_error_last());
		goto done;
	}
	if (co->json)
		adm_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}",
					 "id", p.id, "name", p.name, "org_id",
					 p.org_id, "type", p.type, "timezone",
					 p.timezone, "domain_name",
					 p.domain_name, "environments", envs));
	rc = adm_finish(EXIT_OK);
done:
	json_decref(envs);
	cat_store_close(st);
	return rc;
}

int cmd_project_add(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_OPTS,
		{ "org", required_argument, NULL, O_ORG },
		{ "name", required_argument, NULL, O_NAME },
		{ "type", required_argument, NULL, O_TYPE },
		{ "timezone", required_argument, NULL, O_TZ },
		{ NULL, 0, NULL, 0 },
	};
	struct common_opts co = { 0 };
	struct project_opts o = { 0 };
	int rc;

	if ((rc = adm_parse_opts(argc, argv, opts, project_usage, &co,
				 project_opt, &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.org || !o.name)
		return adm_usage_err(project_usage,
				     "--org and --name are required");
	if (!adm_valid_id(o.org))
		return adm_usage_err(project_usage, "--org wants an org id");
	if (!adm_valid_text(o.name, CAT_NAME_MAX))
		return adm_usage_err(project_usage,
				     "--name is 1-127 bytes of text without "
				     "control characters");
	if (o.type && strcmp(o.type, "Live") != 0 &&
	    strcmp(o.type, "Demo") != 0)
		return adm_usage_err(project_usage, "--type is Live or Demo");
	if (o.tz && (!adm_valid_text(o.tz, 63) ||
		     strcspn(o.tz, " \"'<>\\") != strlen(o.tz)))
		return adm_usage_err(
			project_usage,
			"--timezone wants a zone name like Asia/Kolkata");
	return project_add_run(&o, &co);
}

/* ---- client add ---------------------------------------------------- */

static const char client_usage[] =
	"usage: catalystd client add --name NAME --kind device|browser "
	"[options]\n"
	"\n"
	"Registers an OAuth client and prints its id and secret. The secret "
	"is\n"
	"shown only now: the store keeps its SHA-256 hash.\n"
	"\n"
	"  --name NAME         client name shown on consent pages\n"
	"  --kind KIND         device (CLI tokens m_...) or browser (w_...)\n"
	"  --id ID             client id (default 1000. + 30 random "
	"characters)\n"
	"  --public            a public client (RFC 6749 2.1): no secret; "
	"browser\n"
	"                      clients then must use PKCE S256\n"
	"  --secret-stdin      read the secret from stdin instead of minting "
	"one\n"
	"  --dc CODE           data center of a minted secret (default "
	"us)\n" COMMON_USAGE;

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

int cmd_client_add(int argc, char **argv)
{
	static const struct option opts[] = {
		COMMON_OPTS,
		{ "name", required_argument, NULL, O_NAME },
		{ "kind", required_argument, NULL, O_KIND },
		{ "id", required_argument, NULL, O_ID },
		{ "secret-stdin", no_argument, NULL, O_SECSTDIN },
		{ "dc", required_argument, NULL, O_DC },
		{ "public", no_argument, NULL, O_PUBLIC },
		{ NULL, 0, NULL, 0 },
	};
	struct common_opts co = { 0 };
	struct client_opts o = { 0 };
	const struct cat_dc *dc;
	int rc, kind;

	if ((rc = adm_parse_opts(argc, argv, opts, client_usage, &co,
				 client_opt, &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.name || !o.kind)
		return adm_usage_err(client_usage,
				     "--name and --kind are required");
	if (!adm_valid_text(o.name, CAT_NAME_MAX))
		return adm_usage_err(client_usage,
				     "--name is 1-127 bytes of text without "
				     "control characters");
	if (strcmp(o.kind, "device") == 0)
		kind = CAT_CLIENT_DEVICE;
	else if (strcmp(o.kind, "browser") == 0)
		kind = CAT_CLIENT_BROWSER;
	else
		return adm_usage_err(client_usage,
				     "--kind is device or browser");
	if (o.id && !adm_valid_id(o.id))
		return adm_usage_err(
			client_usage,
			"--id is 1-63 characters of A-Z a-z 0-9 . _ -");
	if (o.is_public && (o.secret_stdin || o.dc))
		return adm_usage_err(client_usage,
				     "a --public client has no secret: drop "
				     "--secret-stdin and --dc");
	if (!(dc = cat_dc_find(o.dc ? o.dc : "us")))
		return adm_usage_err(
			client_usage,
			"unknown --dc (one of us eu in au ca sa jp ae)");
	return client_add_run(&o, &co, kind, dc->code);
}
