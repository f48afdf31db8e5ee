/*
 * catalystd token list: every CLI token (grant) of an account, revoked ones
 * too, so an operator answering "which of my tokens is this?" sees them all.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "terms.h"
#include "store.h"
#include "timefmt.h"
#include "banned.h"

struct token_list_opts {
	const char *email;
};

static const struct adm_opt token_list_opts[] = {
	{ "email", "EMAIL", O_EMAIL, 1, "the account whose tokens to list" },
	{ NULL, NULL, 0, 0, NULL },
};

static int token_list_opt(void *p, int c, const char *arg)
{
	struct token_list_opts *o = p;

	if (c != O_EMAIL)
		return EXIT_USAGE;
	o->email = arg;
	return 0;
}

/* An ISO time, or "-" for 0 (never). */
static const char *when(char out[CAT_ISO_TIME_LEN], int64_t t)
{
	if (!t)
		return "-";
	cat_iso_time(out, t);
	return out;
}

/* JSON null for 0 (never), else the ISO time. */
static json_t *json_when(int64_t t)
{
	char iso[CAT_ISO_TIME_LEN];

	if (!t)
		return json_null();
	cat_iso_time(iso, t);
	return json_string(iso);
}

static int token_print_cb(const struct cat_grant *g, void *ctx)
{
	json_t *arr = ctx, *row;
	char created[CAT_ISO_TIME_LEN], used[CAT_ISO_TIME_LEN],
		revoked[CAT_ISO_TIME_LEN], client[CAT_ID_MAX + 1],
		device[CAT_DEVICE_NAME_MAX + 1];

	if (!arr) {
		char name[CAT_NAME_MAX + 1], expires[CAT_ISO_TIME_LEN];
		char scope[CAT_ID_MAX + 32];

		/* the terms' columns come last: scripts cutting the first six
		 * keep working */
		cat_token_scope_words(scope, sizeof(scope), g->project_id,
				      g->read_only);
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g->token_id,
		       adm_clean(client, sizeof(client), g->client_id),
		       adm_clean(device, sizeof(device),
				 *g->device_name ? g->device_name : "-"),
		       when(created, g->created_at),
		       when(used, g->last_used_at),
		       g->revoked_at ? when(revoked, g->revoked_at) : "active",
		       adm_clean(name, sizeof(name),
				 *g->name ? g->name : "unnamed"),
		       g->expires_at ? when(expires, g->expires_at) : "never",
		       scope);
		return 0;
	}
	row = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:o}", "id",
			g->token_id, "client_id", g->client_id, "device_name",
			g->device_name, "created_at", json_when(g->created_at),
			"last_used_at", json_when(g->last_used_at), "revoked",
			g->revoked_at != 0, "revoked_at",
			json_when(g->revoked_at));
	if (row && cat_terms_json(row, g) < 0) {
		json_decref(row);
		row = NULL;
	}
	if (!row || json_array_append_new(arr, row) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

static int token_list_run(const struct token_list_opts *o,
			  const struct common_opts *co)
{
	struct cat_store *st = NULL;
	struct cat_account a;
	json_t *arr = NULL;
	int rc;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	if ((rc = adm_account(st, o->email, "cannot list the tokens of", &a)) !=
	    0)
		goto done;
	rc = EXIT_ERR;
	if (co->json && !(arr = json_array())) {
		fprintf(stderr, "catalystd: out of memory\n");
		goto done;
	}
	if (!co->json)
		printf("ID\tCLIENT\tDEVICE\tCREATED\tLAST USED\tREVOKED\tNAME\t"
		       "EXPIRES\tSCOPE\n");
	if (cat_store_grant_list_all(st, a.id, token_print_cb, arr) < 0) {
		fprintf(stderr, "catalystd: cannot list the tokens: %s\n",
			cat_error_last());
		goto done;
	}
	if (co->json)
		adm_print_json(json_pack("{s:I, s:s, s:O}", "account_id",
					 (json_int_t)a.id, "email", a.email,
					 "tokens", arr));
	rc = adm_finish(EXIT_OK);
done:
	json_decref(arr);
	cat_store_close(st);
	return rc;
}

static int cmd_token_list(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct token_list_opts o = { 0 };
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_token_list, &co, token_list_opt,
			    &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.email)
		return adm_cmd_usage_err(&adm_token_list,
					 "--email is required");
	return token_list_run(&o, &co);
}

const struct adm_cmd adm_token_list = {
	.name = "token",
	.sub = "list",
	.summary = "list the CLI tokens of an account, revoked ones too",
	.details =
		"Lists every CLI token (grant) of the account, newest first:\n"
		"id, client, device name, created, last used and when it was\n"
		"revoked (\"active\" when it was not), one per line, "
		"tab-separated,\n"
		"after a header line. Times are UTC; \"-\" means never.",
	.opts = token_list_opts,
	.fn = cmd_token_list,
};
