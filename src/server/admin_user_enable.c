/*
 * catalystd user enable: lets a disabled account sign in again. Tokens
 * revoked when it was disabled stay revoked: the person signs in and
 * makes new ones, so a token that leaked stays dead.
 */
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "banned.h"

static const struct adm_opt user_enable_opts[] = {
	{ "email", "EMAIL", O_EMAIL, 1, "the account to enable" },
	{ NULL, NULL, 0, 0, NULL },
};

static int email_opt(void *p, int c, const char *arg)
{
	if (c != O_EMAIL)
		return EXIT_USAGE;
	*(const char **)p = arg;
	return 0;
}

static int cmd_user_enable(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct cat_store *st = NULL;
	struct cat_account a;
	const char *email = NULL;
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_user_enable, &co, email_opt,
			    &email)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!email)
		return adm_cmd_usage_err(&adm_user_enable,
					 "--email is required");
	if ((rc = adm_open_store(&st, co.db)) != 0 ||
	    (rc = adm_account(st, email, "cannot enable user", &a)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (cat_store_account_set_disabled(st, a.id, 0, (int64_t)time(NULL)) <
	    0) {
		fprintf(stderr, "catalystd: cannot enable user %lld: %s\n",
			(long long)a.id, cat_error_last());
		goto done;
	}
	if (co.json)
		adm_print_json(json_pack("{s:I, s:s, s:b, s:b}", "id",
					 (json_int_t)a.id, "email", a.email,
					 "disabled", 0, "was_disabled",
					 a.disabled_at != 0));
	else
		printf("enabled user %lld%s\n", (long long)a.id,
		       a.disabled_at ? "" : " (it was not disabled)");
	rc = adm_finish(EXIT_OK);
done:
	cat_store_close(st);
	return rc;
}

const struct adm_cmd adm_user_enable = {
	.name = "user",
	.sub = "enable",
	.summary = "let a disabled account sign in again",
	.details = "Lets a disabled account sign in again. Its tokens revoked "
		   "by\n"
		   "'catalystd user disable' stay revoked.",
	.opts = user_enable_opts,
	.fn = cmd_user_enable,
};
