/*
 * catalystd user list: every account with whether it may sign in, so an
 * operator can find the email to disable or whose tokens to list.
 */
#include <stdio.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "timefmt.h"
#include "banned.h"

static const struct adm_opt user_list_opts[] = {
	{ NULL, NULL, 0, 0, NULL },
};

static int user_print_cb(const struct cat_account *a, void *ctx)
{
	json_t *arr = ctx, *row;
	char created[CAT_ISO_TIME_LEN], disabled[CAT_ISO_TIME_LEN],
		email[CAT_EMAIL_MAX + 1], first[CAT_NAME_MAX + 1],
		last[CAT_NAME_MAX + 1];

	cat_iso_time(created, a->created_at);
	if (a->disabled_at)
		cat_iso_time(disabled, a->disabled_at);
	if (!arr) {
		printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)a->id,
		       adm_clean(email, sizeof(email), a->email),
		       adm_clean(first, sizeof(first),
				 *a->first_name ? a->first_name : "-"),
		       adm_clean(last, sizeof(last),
				 *a->last_name ? a->last_name : "-"),
		       created, a->disabled_at ? disabled : "active");
		return 0;
	}
	row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s?}", "id",
			(json_int_t)a->id, "email", a->email, "first_name",
			a->first_name, "last_name", a->last_name, "created_at",
			created, "disabled", a->disabled_at != 0, "disabled_at",
			a->disabled_at ? disabled : NULL);
	if (!row || json_array_append_new(arr, row) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

static int walk_users(struct cat_store *st, json_t *arr)
{
	return cat_store_account_list(st, user_print_cb, arr);
}

static int cmd_user_list(int argc, char **argv)
{
	return adm_list_main(
		argc, argv, &adm_user_list,
		"ID\tEMAIL\tFIRST NAME\tLAST NAME\tCREATED\tDISABLED", "users",
		"users", walk_users);
}

const struct adm_cmd adm_user_list = {
	.name = "user",
	.sub = "list",
	.summary = "list every account and whether it is disabled",
	.details = "Lists every account, oldest first: id, email, first and "
		   "last\n"
		   "name, created, and when it was disabled (\"active\" when "
		   "it may\n"
		   "sign in), one per line, tab-separated, after a header "
		   "line.",
	.opts = user_list_opts,
	.fn = cmd_user_list,
};
