/*
 * catalystd token revoke: an operator's way to end a CLI token (a lost
 * laptop) by its id, or every token of an account at once. Revoking a
 * grant ends its refresh token and every access token derived from it on
 * the next request, on every instance.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "audit.h"
#include "store.h"
#include "audit.h"
#include "banned.h"

struct token_revoke_opts {
	const char *id, *email;
	int all;
};

static const struct adm_opt token_revoke_opts[] = {
	{ "id", "ID", O_ID, 0, "the token id (see 'catalystd token list')" },
	{ "email", "EMAIL", O_EMAIL, 0, "with --all: the account" },
	{ "all", NULL, O_ALL, 0, "with --email: every token of the account" },
	{ NULL, NULL, 0, 0, NULL },
};

static int token_revoke_opt(void *p, int c, const char *arg)
{
	struct token_revoke_opts *o = p;

	switch (c) {
	case O_ID:
		o->id = arg;
		break;
	case O_EMAIL:
		o->email = arg;
		break;
	case O_ALL:
		o->all = 1;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

static int revoke_one(struct cat_store *st, const char *id,
		      const struct common_opts *co)
{
	struct cat_grant g;
	struct cat_audit ev;
	char shown[CAT_TOKEN_ID_LEN + 8];
	int err, already;

	/* what was typed is printed back: no control characters */
	adm_clean(shown, sizeof(shown), id);
	/* the grant names the account and client of the event */
	err = cat_store_grant_by_id(st, &g, id);
	if (err == 0) {
		cat_audit_fill(&ev, "token_revoked", CAT_ACTOR_OPERATOR,
			       g.account_id, g.token_id, g.client_id, NULL);
		/* the event goes in with the revocation, or neither does */
		err = cat_store_grant_revoke(st, id, (int64_t)time(NULL), &ev);
	}
	if (err < 0) {
		fprintf(stderr, "catalystd: cannot revoke token '%s': %s\n",
			shown,
			err == CAT_ENOTFOUND || err == CAT_EINVAL
				? "no token with this id (see 'catalystd "
				  "token list')"
				: cat_error_last());
		return EXIT_ERR;
	}
	already = err == 0;
	if (co->json)
		adm_print_json(json_pack("{s:s, s:b}", "id", id,
					 "already_revoked", already));
	else if (already)
		printf("token %s was already revoked\n", shown);
	else
		printf("revoked token %s\n", shown);
	return adm_finish(EXIT_OK);
}

static int revoke_all(struct cat_store *st, const char *email,
		      const struct common_opts *co)
{
	struct cat_account a;
	int64_t n = 0;
	int rc;

	if ((rc = adm_account(st, email, "cannot revoke the tokens of", &a)) !=
	    0)
		return rc;
	if (cat_store_grant_revoke_account(st, a.id, (int64_t)time(NULL),
					   CAT_ACTOR_OPERATOR, &n) < 0) {
		fprintf(stderr, "catalystd: cannot revoke the tokens: %s\n",
			cat_error_last());
		return EXIT_ERR;
	}
	if (co->json)
		adm_print_json(json_pack("{s:I, s:s, s:I}", "account_id",
					 (json_int_t)a.id, "email", a.email,
					 "revoked", (json_int_t)n));
	else
		printf("revoked %lld token%s\n", (long long)n,
		       n == 1 ? "" : "s");
	return adm_finish(EXIT_OK);
}

static int cmd_token_revoke(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct token_revoke_opts o = { 0 };
	struct cat_store *st = NULL;
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_token_revoke, &co,
			    token_revoke_opt, &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (o.id && (o.email || o.all))
		return adm_cmd_usage_err(&adm_token_revoke,
					 "give either --id or --email with "
					 "--all, not both");
	if (!o.id && !(o.email && o.all))
		return adm_cmd_usage_err(
			&adm_token_revoke,
			o.email ? "--email revokes every token of the account "
				  "only with --all"
				: "--id ID or --email EMAIL --all is required");
	if ((rc = adm_open_store(&st, co.db)) != 0)
		goto done;
	rc = o.id ? revoke_one(st, o.id, &co) : revoke_all(st, o.email, &co);
done:
	cat_store_close(st);
	return rc;
}

const struct adm_cmd adm_token_revoke = {
	.name = "token",
	.sub = "revoke",
	.summary = "revoke one CLI token, or every token of an account",
	.details =
		"Revokes the CLI token --id, or with --email and --all every "
		"token\n"
		"of the account. Its refresh token and every access token "
		"derived\n"
		"from it are refused from the next request on. Revoking a "
		"revoked\n"
		"token again succeeds and changes nothing.",
	.opts = token_revoke_opts,
	.fn = cmd_token_revoke,
};
