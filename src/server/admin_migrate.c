/*
 * catalystd migrate: creates or upgrades the store schema (serve does it
 * too) and prints the version, for deployments that migrate before they
 * roll instances.
 */
#include <stdio.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "banned.h"

static const struct adm_opt migrate_opts[] = {
	{ NULL, NULL, 0, 0, NULL },
};

static int cmd_migrate(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct cat_store *st = NULL;
	int rc, version = 0;

	if ((rc = adm_parse(argc, argv, &adm_migrate, &co, NULL, NULL)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if ((rc = adm_open_store(&st, co.db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (cat_store_schema_version(st, &version) < 0) {
		fprintf(stderr,
			"catalystd: cannot read the schema version: %s\n",
			cat_error_last());
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

const struct adm_cmd adm_migrate = {
	.name = "migrate",
	.summary = "create or upgrade the store schema",
	.details = "Creates or upgrades the store schema and prints its "
		   "version.",
	.opts = migrate_opts,
	.fn = cmd_migrate,
};
