/*
 * catalystd client list: every registered OAuth client, removed ones too
 * (their ids stay taken), without secrets: only hashes are stored.
 */
#include <stdio.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "timefmt.h"
#include "banned.h"

static const struct adm_opt client_list_opts[] = {
	{ NULL, NULL, 0, 0, NULL },
};

static int client_print_cb(const struct cat_client *c, void *ctx)
{
	json_t *arr = ctx, *row;
	const char *kind = c->kind == CAT_CLIENT_DEVICE ? "device" : "browser";
	const char *type = c->is_public ? "public" : "confidential";
	char created[CAT_ISO_TIME_LEN], removed[CAT_ISO_TIME_LEN],
		id[CAT_ID_MAX + 1], name[CAT_NAME_MAX + 1];

	cat_iso_time(created, c->created_at);
	if (c->removed_at)
		cat_iso_time(removed, c->removed_at);
	if (!arr) {
		printf("%s\t%s\t%s\t%s\t%s\t%s\n",
		       adm_clean(id, sizeof(id), c->id), kind, type,
		       adm_clean(name, sizeof(name), c->name), created,
		       c->removed_at ? removed : "active");
		return 0;
	}
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s?}", "client_id",
			c->id, "kind", kind, "client_type", type, "name",
			c->name, "created_at", created, "removed",
			c->removed_at != 0, "removed_at",
			c->removed_at ? removed : NULL);
	if (!row || json_array_append_new(arr, row) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

static int walk_clients(struct cat_store *st, json_t *arr)
{
	return cat_store_client_list(st, client_print_cb, arr);
}

static int cmd_client_list(int argc, char **argv)
{
	return adm_list_main(argc, argv, &adm_client_list,
			     "ID\tKIND\tTYPE\tNAME\tCREATED\tREMOVED",
			     "clients", "clients", walk_clients);
}

const struct adm_cmd adm_client_list = {
	.name = "client",
	.sub = "list",
	.summary = "list the OAuth clients, removed ones too",
	.details =
		"Lists every OAuth client, oldest first: id, kind (device or\n"
		"browser), type (confidential or public), name, created, and "
		"when\n"
		"it was removed (\"active\" when it was not), one per line,\n"
		"tab-separated, after a header line. Secrets cannot be shown: "
		"only\n"
		"their hashes are stored.",
	.opts = client_list_opts,
	.fn = cmd_client_list,
};
