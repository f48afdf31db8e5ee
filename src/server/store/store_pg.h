/*
 * Private to the PostgreSQL store (store_pg*.c): the handle, the table of
 * named prepared statements and the helpers every op uses. Nothing outside
 * src/server/store includes this; everyone else sees only store.h.
 */
#ifndef CAT_STORE_PG_H
#define CAT_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store.h"
#include "store_util.h"

/*
 * One slot per statement. Each is prepared (PQprepare, named "cat<id>") on
 * its first use on a connection, with the SQL text given at its one call
 * site, and reused with PQexecPrepared until the connection is replaced.
 */
enum pq_id {
	PQ_BEGIN,
	PQ_COMMIT,
	PQ_PING,
	PQ_HAS_VERSION_TABLE,
	PQ_VERSION,
	PQ_VERSION_ADD,
	PQ_MIGRATE_LOCK,
	PQ_ACCOUNT_ADD,
	PQ_ACCOUNT_BY_EMAIL,
	PQ_ACCOUNT_BY_ID,
	PQ_ORG_ADD,
	PQ_ORG_GET,
	PQ_MEMBER_CLEAR_DEFAULT,
	PQ_MEMBER_ADD,
	PQ_ORG_LIST,
	PQ_MEMBER_CHECK,
	PQ_PROJECT_NEXT_ID,
	PQ_PROJECT_ADD,
	PQ_ENV_ADD,
	PQ_PROJECT_GET,
	PQ_PROJECT_LIST,
	PQ_ENV_LIST,
	PQ_CLIENT_ADD,
	PQ_CLIENT_GET,
	PQ_DEVICE_CODE_LOCK,
	PQ_DEVICE_INSERT,
	PQ_DEVICE_BY_USER_CODE,
	PQ_DEVICE_BY_HASH,
	PQ_DEVICE_DECIDE,
	PQ_DEVICE_STATE,
	PQ_DEVICE_TOUCH,
	PQ_DEVICE_PENDING,
	PQ_DEVICE_REDEEM,
	PQ_GRANT_INSERT,
	PQ_GRANT_BY_HASH,
	PQ_GRANT_BY_ID,
	PQ_GRANT_LIST,
	PQ_GRANT_REVOKE,
	PQ_GRANT_EXISTS,
	PQ_GRANT_TOUCH,
	PQ_ACCESS_INSERT,
	PQ_ACCESS_VALIDATE,
	PQ_CODE_INSERT,
	PQ_CODE_REDEEM,
	PQ_SESSION_INSERT,
	PQ_SESSION_GET,
	PQ_SESSION_DELETE,
	PQ_RATELIMIT_HIT,
	PQ_RATELIMIT_COUNT,
	PQ_KEY_ADD,
	PQ_KEY_GET,
	PQ_PURGE_DEVICE,
	PQ_PURGE_ACCESS,
	PQ_PURGE_CODE,
	PQ_PURGE_SESSION,
	PQ_PURGE_RATELIMIT,
	PQ__COUNT
};

struct pg {
	struct cat_store base; /* first: a cat_store * is a struct pg * */
	PGconn *conn;          /* NULL only while opening */
	char *url;             /* holds the password: never in a message */
	char where[192];       /* "host:port/dbname": safe to print */
	unsigned char prepared[PQ__COUNT]; /* on the current connection */
	int in_tx;        /* between pg_begin and commit/rollback */
	int broken;       /* replace the connection before the next op */
	int64_t retry_at; /* CLOCK_MONOTONIC ms: no reconnect before */
};

static inline struct pg *pg_of(struct cat_store *s)
{
	return (struct pg *)s;
}

/*
 * Connects h->conn (a new connection, or PQreset of a failed one). 0, or
 * CAT_EUNAVAIL with a message naming h->where. Failed attempts are spaced
 * out, so a dead server costs one connect per handle per interval.
 */
int pg_connect(struct pg *h);

/*
 * Values for $1, $2, ... in order, sent as text. The macros let the
 * compiler check each value's type: PG_TEXT of a number or PG_INT of a
 * string does not build.
 */
struct pg_val {
	const char *text; /* NULL: the value is num */
	int64_t num;
};

#define PG_TEXT(s)                                                             \
	{                                                                      \
		.text = (s)                                                    \
	}
#define PG_INT(n)                                                              \
	{                                                                      \
		.num = (n)                                                     \
	}
#define PG_ARGS(...)                                                           \
	(const struct pg_val[]){ __VA_ARGS__ },                                \
		sizeof((const struct pg_val[]){ __VA_ARGS__ }) /               \
			sizeof(struct pg_val)
#define PG_NOARGS NULL, 0

/*
 * Runs statement id with the n values in args. Returns the number of rows
 * returned (a query, or RETURNING) or changed (any other statement), or a
 * CAT_E* code. With out != NULL and a result >= 0, *out holds the result:
 * read it, then PQclear(*out).
 */
int pg_query(struct pg *h, PGresult **out, enum pq_id id, const char *sql,
	     const struct pg_val *args, size_t n);

/* Runs constant SQL, possibly several statements (migrations only). */
int pg_script(struct pg *h, const char *sql);

/*
 * Copies text column col of row into dst (size bytes). A value that does
 * not fit sets *bad instead of being cut: callers fail the whole row.
 */
void pg_col(const PGresult *r, int row, int col, char *dst, size_t size,
	    int *bad);
/* Integer column col of row (0 for NULL). */
int64_t pg_int(const PGresult *r, int row, int col);

int pg_begin(struct pg *h);
int pg_commit(struct pg *h);
/* Ends the open transaction, if any; keeps the caller's error message. */
void pg_rollback(struct pg *h);

/* The schema (store_pg_schema.c). */
int pg_migrate(struct cat_store *s);
int pg_schema_version(struct cat_store *s, int *out);

/* The OAuth state (store_pg_oauth.c); contracts in store.h. */
int pg_device_insert(struct cat_store *s, struct cat_device_auth *d);
int pg_device_by_user_code(struct cat_store *s, struct cat_device_auth *out,
			   const char *user_code, int64_t now);
int pg_device_by_hash(struct cat_store *s, struct cat_device_auth *out,
		      const char *device_hash);
int pg_device_decide(struct cat_store *s, int64_t id, int64_t account_id,
		     int approve, int64_t now);
int pg_device_touch(struct cat_store *s, int64_t id, int64_t now);
int pg_device_pending(struct cat_store *s, int64_t now, int64_t *count);
int pg_device_redeem(struct cat_store *s, int64_t id,
		     const struct cat_grant *grant,
		     const struct cat_access *access, int64_t now);
int pg_grant_insert(struct cat_store *s, const struct cat_grant *g);
int pg_grant_by_hash(struct cat_store *s, struct cat_grant *out,
		     const char *token_hash);
int pg_grant_by_id(struct cat_store *s, struct cat_grant *out,
		   const char *token_id);
int pg_grant_list(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		  void *ctx);
int pg_grant_revoke(struct cat_store *s, const char *token_id, int64_t now);
int pg_grant_touch_batch(struct cat_store *s, const struct cat_touch *items,
			 size_t n);
int pg_access_insert(struct cat_store *s, const struct cat_access *a);
int pg_access_validate(struct cat_store *s, struct cat_principal *out,
		       const char *token_hash, int64_t now);
int pg_code_insert(struct cat_store *s, const struct cat_auth_code *c);
int pg_code_redeem(struct cat_store *s, struct cat_auth_code *out,
		   const char *code_hash, int64_t now);
int pg_session_insert(struct cat_store *s, const struct cat_session *se);
int pg_session_get(struct cat_store *s, struct cat_session *out,
		   const char *id_hash, int64_t now);
int pg_session_delete(struct cat_store *s, const char *id_hash);
int pg_ratelimit_hit(struct cat_store *s, int *allowed, const char *key,
		     int64_t now, int window, int limit);
int pg_ratelimit_count(struct cat_store *s, int64_t *count, const char *key,
		       int64_t now, int window);
int pg_key_get_or_add(struct cat_store *s, const char *name,
		      const char *fresh_hex, char out[CAT_KEY_HEX]);
int pg_purge(struct cat_store *s, int64_t now);

#endif
