/*
 * Private to the SQLite store (store_sqlite*.c): the handle, the statement
 * cache and the helpers every op uses. Nothing outside src/server/store
 * includes this; everyone else sees only store.h.
 */
#ifndef CAT_STORE_SQLITE_H
#define CAT_STORE_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"
#include "store_util.h"

/*
 * One slot per statement. Each is prepared on first use with the SQL text
 * given at its one call site, then kept for the life of the handle.
 */
enum sq_id {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_PING,
	SQ_HAS_VERSION_TABLE,
	SQ_VERSION,
	SQ_VERSION_ADD,
	SQ_ACCOUNT_ADD,
	SQ_ACCOUNT_BY_EMAIL,
	SQ_ACCOUNT_BY_ID,
	SQ_ORG_ADD,
	SQ_ORG_GET,
	SQ_MEMBER_CLEAR_DEFAULT,
	SQ_MEMBER_ADD,
	SQ_ORG_LIST,
	SQ_MEMBER_CHECK,
	SQ_PROJECT_ADD,
	SQ_PROJECT_SET_DOMAIN,
	SQ_ENV_ADD,
	SQ_PROJECT_GET,
	SQ_PROJECT_LIST,
	SQ_ENV_LIST,
	SQ_CLIENT_ADD,
	SQ_CLIENT_GET,
	SQ_DEVICE_LIVE_CODE,
	SQ_DEVICE_INSERT,
	SQ_DEVICE_BY_USER_CODE,
	SQ_DEVICE_BY_HASH,
	SQ_DEVICE_DECIDE,
	SQ_DEVICE_STATE,
	SQ_DEVICE_TOUCH,
	SQ_DEVICE_PENDING,
	SQ_DEVICE_REDEEM,
	SQ_GRANT_INSERT,
	SQ_GRANT_BY_HASH,
	SQ_GRANT_BY_ID,
	SQ_GRANT_LIST,
	SQ_GRANT_REVOKE,
	SQ_GRANT_EXISTS,
	SQ_GRANT_TOUCH,
	SQ_ACCESS_INSERT,
	SQ_ACCESS_VALIDATE,
	SQ_CODE_INSERT,
	SQ_CODE_USE,
	SQ_CODE_GET,
	SQ_SESSION_INSERT,
	SQ_SESSION_GET,
	SQ_SESSION_DELETE,
	SQ_RATELIMIT_HIT,
	SQ_RATELIMIT_COUNT,
	SQ_KEY_ADD,
	SQ_KEY_GET,
	SQ_PURGE_DEVICE,
	SQ_PURGE_ACCESS,
	SQ_PURGE_CODE,
	SQ_PURGE_SESSION,
	SQ_PURGE_RATELIMIT,
	SQ__COUNT
};

struct sq {
	struct cat_store base; /* first: a cat_store * is a struct sq * */
	sqlite3 *db;
	sqlite3_stmt *st[SQ__COUNT];
	int writing; /* holds the process-wide write lock */
};

static inline struct sq *sq_of(struct cat_store *s)
{
	return (struct sq *)s;
}

/* Maps a failed SQLite call to a CAT_E* code and sets the message. */
int sq_fail(struct sq *h, int rc);

/*
 * Runs the PRAGMAs that set up a new handle, retrying for up to
 * timeout_ms while the file is busy. Returns 0 or <0 (sq_fail's code).
 */
int sq_setup(struct sq *h, const char *sql, int timeout_ms);

/*
 * Values bound to ?1, ?2, ... in order. The macros let the compiler check
 * each value's type: SQ_TEXT of a number or SQ_INT of a string does not
 * build.
 */
struct sq_val {
	const char *text; /* NULL: the value is num */
	int64_t num;
};

/* clang-format off */
#define SQ_TEXT(s) {.text = (s)}
#define SQ_INT(n) {.num = (n)}
#define SQ_ARGS(...) \
	(const struct sq_val[]){__VA_ARGS__}, \
	sizeof((const struct sq_val[]){__VA_ARGS__}) / sizeof(struct sq_val)
/* clang-format on */
#define SQ_NOARGS NULL, 0

/*
 * Runs a statement that returns no rows. Returns the number of rows it
 * changed (>= 0) or a CAT_E* code.
 */
int sq_write(struct sq *h, enum sq_id id, const char *sql,
	     const struct sq_val *args, size_t n);

/*
 * Runs a query and steps to its first row. Returns 1 with *out on that row
 * (read the columns, then sq_done(*out)), 0 when there is no row, or a
 * CAT_E* code; *out needs no sq_done unless 1 was returned.
 */
int sq_read(struct sq *h, sqlite3_stmt **out, enum sq_id id, const char *sql,
	    const struct sq_val *args, size_t n);

/* Next row of a query started by sq_read: 1 row, 0 end, or CAT_E*. */
int sq_next(struct sq *h, sqlite3_stmt *st);

/* Resets a statement for its next use (NULL is fine). */
void sq_done(sqlite3_stmt *st);

/*
 * Copies text column i into dst (size bytes). A value that does not fit
 * sets *bad instead of being cut: callers fail the whole row.
 */
void sq_col(sqlite3_stmt *st, int i, char *dst, size_t size, int *bad);

/* BEGIN IMMEDIATE: takes the write lock now, waiting busy_timeout. */
int sq_begin(struct sq *h);
int sq_commit(struct sq *h);
/* Rolls back the open transaction, if any (safe after a failed begin). */
void sq_rollback(struct sq *h);

/* The schema (store_sqlite_schema.c). */
int sq_migrate(struct cat_store *s);
int sq_schema_version(struct cat_store *s, int *out);

/* The OAuth state (store_sqlite_oauth.c); contracts in store.h. */
int sq_device_insert(struct cat_store *s, struct cat_device_auth *d);
int sq_device_by_user_code(struct cat_store *s, struct cat_device_auth *out,
			   const char *user_code, int64_t now);
int sq_device_by_hash(struct cat_store *s, struct cat_device_auth *out,
		      const char *device_hash);
int sq_device_decide(struct cat_store *s, int64_t id, int64_t account_id,
		     int approve, int64_t now);
int sq_device_touch(struct cat_store *s, int64_t id, int64_t now);
int sq_device_pending(struct cat_store *s, int64_t now, int64_t *count);
int sq_device_redeem(struct cat_store *s, int64_t id,
		     const struct cat_grant *grant,
		     const struct cat_access *access, int64_t now);
int sq_grant_insert(struct cat_store *s, const struct cat_grant *g);
int sq_grant_by_hash(struct cat_store *s, struct cat_grant *out,
		     const char *token_hash);
int sq_grant_by_id(struct cat_store *s, struct cat_grant *out,
		   const char *token_id);
int sq_grant_list(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		  void *ctx);
int sq_grant_revoke(struct cat_store *s, const char *token_id, int64_t now);
int sq_grant_touch_batch(struct cat_store *s, const struct cat_touch *items,
			 size_t n);
int sq_access_insert(struct cat_store *s, const struct cat_access *a);
int sq_access_validate(struct cat_store *s, struct cat_principal *out,
		       const char *token_hash, int64_t now);
int sq_code_insert(struct cat_store *s, const struct cat_auth_code *c);
int sq_code_redeem(struct cat_store *s, struct cat_auth_code *out,
		   const char *code_hash, int64_t now);
int sq_session_insert(struct cat_store *s, const struct cat_session *se);
int sq_session_get(struct cat_store *s, struct cat_session *out,
		   const char *id_hash, int64_t now);
int sq_session_delete(struct cat_store *s, const char *id_hash);
int sq_ratelimit_hit(struct cat_store *s, int *allowed, const char *key,
		     int64_t now, int window, int limit);
int sq_ratelimit_count(struct cat_store *s, int64_t *count, const char *key,
		       int64_t now, int window);
int sq_key_get_or_add(struct cat_store *s, const char *name,
		      const char *fresh_hex, char out[CAT_KEY_HEX]);
int sq_purge(struct cat_store *s, int64_t now);

#endif
