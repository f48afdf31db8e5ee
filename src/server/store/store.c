/*
 * Backend registry: picks the store implementation from the URL scheme so
 * that nothing outside src/server/store knows which database is in use.
 */
#include "store.h"

#include <string.h>

#include "banned.h"

static const struct cat_store_ops *const backends[] = {
	&cat_store_sqlite_ops,
#ifdef CATALYST_WITH_PG
	&cat_store_pg_ops,
#endif
};

const struct cat_store_ops *cat_store_backend_for(const char *url)
{
	const char *want = "sqlite";
	size_t i;

	if (strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0)
		want = "postgres";
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, want) == 0)
			return backends[i];
	return NULL;
}

int cat_store_open(struct cat_store **out, const char *url)
{
	const struct cat_store_ops *ops = cat_store_backend_for(url);

	*out = NULL;
	if (!ops)
		/* never echo the URL: a postgres:// one may hold a password */
		return cat_error_set(
			CAT_EINVAL,
			"no store backend for this --db URL in this "
			"build (PostgreSQL support not compiled in?)");
	return ops->open(out, url);
}

void cat_store_close(struct cat_store *s)
{
	if (s)
		s->ops->close(s);
}
