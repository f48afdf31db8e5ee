/* Placeholder until the PostgreSQL store lands (issue: PostgreSQL store). */
#include "store.h"

static int pg_open(struct cat_store **out, const char *url)
{
	(void)url;
	*out = NULL;
	return cat_error_set(CAT_EINVAL,
			     "the PostgreSQL store is not available yet; use a SQLite path");
}

static void pg_close(struct cat_store *s)
{
	(void)s;
}

const struct cat_store_ops cat_store_pg_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
};
