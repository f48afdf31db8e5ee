/*
 * catalystd client remove: retires an OAuth client (a leaked secret, a
 * retired integration). The client is marked removed, not deleted: its id
 * stays taken, so no client registered later inherits the grants that
 * name it, and `token list` still shows which client a token came from.
 */
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "banned.h"

static const struct adm_opt client_remove_opts[] = {
	{ "id", "ID", O_ID, 1, "the client id (see 'catalystd client list')" },
	{ NULL, NULL, 0, 0, NULL },
};

static int id_opt(void *p, int c, const char *arg)
{
	if (c != O_ID)
		return EXIT_USAGE;
	*(const char **)p = arg;
	return 0;
}

static int cmd_client_remove(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct cat_store *st = NULL;
	const char *id = NULL;
	char shown[CAT_ID_MAX + 1];
	int64_t n = 0;
	int rc, err;

	if ((rc = adm_parse(argc, argv, &adm_client_remove, &co, id_opt,
			    &id)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!id)
		return adm_cmd_usage_err(&adm_client_remove,
					 "--id is required");
	if ((rc = adm_open_store(&st, co.db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if ((err = cat_store_client_remove(st, id, (int64_t)time(NULL), &n)) <
	    0) {
		fprintf(stderr, "catalystd: cannot remove client '%s': %s\n",
			adm_clean(shown, sizeof(shown), id),
			err == CAT_ENOTFOUND || err == CAT_EINVAL
				? "no client with this id (see 'catalystd "
				  "client list')"
				: cat_error_last());
		goto done;
	}
	if (co.json)
		adm_print_json(json_pack("{s:s, s:b, s:I}", "client_id", id,
					 "removed", 1, "revoked",
					 (json_int_t)n));
	else
		printf("removed client %s; revoked %lld token%s\n",
		       adm_clean(shown, sizeof(shown), id), (long long)n,
		       n == 1 ? "" : "s");
	rc = adm_finish(EXIT_OK);
done:
	cat_store_close(st);
	return rc;
}

const struct adm_cmd adm_client_remove = {
	.name = "client",
	.sub = "remove",
	.summary = "remove an OAuth client and revoke its tokens",
	.details = "Removes the client: every token (grant) issued to it is "
		   "revoked in\n"
		   "the same transaction, and it can no longer authenticate, "
		   "start a\n"
		   "device flow or be shown on a consent page. Its row stays, "
		   "marked\n"
		   "removed, so its id cannot be registered again. Removing it "
		   "twice\n"
		   "changes nothing.",
	.opts = client_remove_opts,
	.fn = cmd_client_remove,
};
