/*
 * Input checks every store backend applies before touching its database
 * (store_util.c). Private to src/server/store.
 */
#ifndef CAT_STORE_UTIL_H
#define CAT_STORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CAT_EINVAL when s is NULL or longer than max bytes. */
int cat_store_check(const char *s, size_t max, const char *what);
/* As cat_store_check, and CAT_EINVAL when s is empty. */
int cat_store_check_key(const char *s, size_t max, const char *what);
/*
 * Parses one of our numeric ids (digits, no leading zero, at most 18).
 * CAT_EINVAL when too long, CAT_ENOTFOUND when not such an id: no stored
 * row can have it.
 */
int cat_store_parse_id(const char *s, int64_t *out, const char *what);

#endif
