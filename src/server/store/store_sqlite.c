/* Placeholder until the SQLite store lands. */
#include "store.h"

static int sq_open(struct cat_store **out, const char *url)
{
	(void)url;
	*out = NULL;
	return cat_error_set(CAT_ERROR, "sqlite store not implemented");
}

static void sq_close(struct cat_store *s)
{
	(void)s;
}

const struct cat_store_ops cat_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
};
