/*
 * catalystd user disable: locks an account out at once (a departed
 * employee, a compromised account): every CLI token and web session of it
 * ends and it can no longer sign in, on every instance sharing the store.
 */
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "banned.h"

static const struct adm_opt user_disable_opts[] = {
	{ "email", "EMAIL", O_EMAIL, 1, "the account to disable" },
	{ NULL, NULL, 0, 0, NULL },
};

static int email_opt(void *p, int c, const char *arg)
{
	if (c != O_EMAIL)
		return EXIT_USAGE;
	*(const char **)p = arg;
	return 0;
}

static int cmd_user_disable(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct cat_store *st = NULL;
	struct cat_account a;
	const char *email = NULL;
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_user_disable, &co, email_opt,
			    &email)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!email)
		return adm_cmd_usage_err(&adm_user_disable,
					 "--email is required");
	if ((rc = adm_open_store(&st, co.db)) != 0 ||
	    (rc = adm_account(st, email, "cannot disable user", &a)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (cat_store_account_set_disabled(st, a.id, 1, (int64_t)time(NULL)) <
	    0) {
		fprintf(stderr, "catalystd: cannot disable user %lld: %s\n",
			(long long)a.id, cat_error_last());
		goto done;
	}
	if (co.json)
		adm_print_json(json_pack("{s:I, s:s, s:b, s:b}", "id",
					 (json_int_t)a.id, "email", a.email,
					 "disabled", 1, "already_disabled",
					 a.disabled_at != 0));
	else
		printf("disabled user %lld%s\n", (long long)a.id,
		       a.disabled_at ? " (it was already disabled)" : "");
	rc = adm_finish(EXIT_OK);
done:
	cat_store_close(st);
	return rc;
}

const struct adm_cmd adm_user_disable = {
	.name = "user",
	.sub = "disable",
	.summary = "disable an account: revoke its tokens and sessions",
	.details =
		"Disables the account: every CLI token and web session of it "
		"is\n"
		"revoked in one transaction, its access tokens and refresh "
		"tokens are\n"
		"refused from the next request on, and it cannot sign in "
		"until\n"
		"'catalystd user enable'. Disabling twice changes nothing.",
	.opts = user_disable_opts,
	.fn = cmd_user_disable,
};
