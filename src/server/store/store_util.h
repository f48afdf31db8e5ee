/*
 * Input checks every store backend applies before touching its database
 * (store_util.c). Private to src/server/store.
 */
#ifndef CAT_STORE_UTIL_H
#define CAT_STORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

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

/*
 * Field checks of the records the store is given: CAT_EINVAL naming the
 * field that is missing or too long. check_project also parses the org id
 * into *oid (CAT_ENOTFOUND when it cannot be one of ours) and defaults an
 * empty type and timezone.
 */
int cat_store_check_project(struct cat_project *p, int64_t *oid);
int cat_store_check_grant(const struct cat_grant *g);
/* An audit event's words are set and every field is bounded. */
int cat_store_check_audit(const struct cat_audit *e);
int cat_store_check_client(const struct cat_client *c);

/* Adds the time since *t0 (CLOCK_MONOTONIC) to the calling thread's time
 * in database calls (cat_store_thread_us). */
void cat_store_time_since(const struct timespec *t0);

#endif
