/*
 * Private to the SQL store (store_sql*.c): the handle, the statement slots
 * and the operations, each written once over the driver interface of
 * store_db.h. Nothing outside src/server/store includes this; everyone
 * else sees only store.h.
 */
#ifndef CAT_STORE_SQL_H
#define CAT_STORE_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_db.h"
#include "store_util.h"

/* One slot per statement (store_db.h): its SQL is at its one call site. */
enum sql_slot {
	SL_PING,
	SL_HAS_VERSION_TABLE,
	SL_VERSION,
	SL_VERSION_ADD,
	SL_MIGRATE_LOCK,
	SL_ACCOUNT_ADD,
	SL_ACCOUNT_BY_EMAIL,
	SL_ACCOUNT_BY_ID,
	SL_ACCOUNT_LIST,
	SL_ACCOUNT_DISABLE,
	SL_ACCOUNT_ENABLE,
	SL_ACCOUNT_GRANTS_REVOKE,
	SL_ACCOUNT_SESSIONS_DELETE,
	SL_ACCOUNT_DEVICES_DENY,
	SL_ACCOUNT_CODES_USE,
	SL_ORG_ADD,
	SL_ORG_GET,
	SL_MEMBER_CLEAR_DEFAULT,
	SL_MEMBER_ADD,
	SL_ORG_LIST,
	SL_MEMBER_CHECK,
	SL_PROJECT_ADD,
	SL_PROJECT_SET_DOMAIN,
	SL_ENV_ADD,
	SL_PROJECT_GET,
	SL_PROJECT_LIST,
	SL_ENV_LIST,
	SL_CLIENT_ADD,
	SL_CLIENT_GET,
	SL_CLIENT_LIST,
	SL_CLIENT_REMOVE,
	SL_CLIENT_EXISTS,
	SL_CLIENT_GRANTS_REVOKE,
	SL_DEVICE_INSERT,
	SL_DEVICE_BY_USER_CODE,
	SL_DEVICE_BY_HASH,
	SL_DEVICE_DECIDE,
	SL_DEVICE_STATE,
	SL_DEVICE_TOUCH,
	SL_DEVICE_PENDING,
	SL_DEVICE_REDEEM,
	SL_READ_BEGIN,
	SL_READ_END,
	SL_GRANT_INSERT,
	SL_GRANT_ACCOUNT,
	SL_GRANT_BY_HASH,
	SL_GRANT_BY_ID,
	SL_GRANT_LIST,
	SL_GRANT_LIST_ALL,
	SL_GRANT_REVOKE,
	SL_GRANT_EXISTS,
	SL_GRANT_ROTATE,
	SL_GRANT_TOUCH,
	SL_BEARER_LOOKUP,
	SL_CODE_INSERT,
	SL_CODE_REDEEM,
	SL_SESSION_INSERT,
	SL_SESSION_GET,
	SL_SESSION_DELETE,
	SL_RATELIMIT_HIT,
	SL_RATELIMIT_COUNT,
	SL_KEY_ADD,
	SL_KEY_GET,
	SL_PURGE_DEVICE,
	SL_PURGE_CODE,
	SL_PURGE_SESSION,
	SL_PURGE_RATELIMIT,
	SL_AUDIT_ADD,
	SL_AUDIT_LIST,
	SL_AUDIT_LIST_ACCOUNT,
	SL_AUDIT_ACCOUNT_GRANTS,
	SL_AUDIT_CLIENT_GRANTS,
	SL_PURGE_AUDIT,
	SL_SAVEPOINT,
	SL_RELEASE,
	SL_ROLLBACK_TO,
	SL__COUNT
};

struct sql_group;

struct sql_store {
	struct cat_store base; /* first: a cat_store * is a sql_store * */
	struct db *db;
	struct sql_group *group; /* writers sharing commits; NULL: none */
};

/*
 * The body of a write: its statements, run inside a transaction that
 * sql_tx opens and commits (never begin or commit in a body). Returns
 * >= 0 (passed back by sql_tx) or a CAT_E* code, which rolls back what
 * the body wrote and nothing else.
 */
typedef int (*sql_tx_fn)(struct db *db, void *arg);

/* The body is one statement: alone, it needs no BEGIN. */
#define SQL_TX_ONE 1

/*
 * Runs fn(db, arg) in a write transaction and returns once that is
 * committed (or failed). On SQLite, concurrent writers of one process
 * share transactions (group commit, store_sql_tx.c).
 */
int sql_tx(struct cat_store *s, sql_tx_fn fn, void *arg, int flags);
/* The writers' group of the database at url (one per URL, kept for the
 * life of the process); NULL when out of memory. */
struct sql_group *sql_group_for(const char *url);

static inline struct db *db_of(struct cat_store *s)
{
	return ((struct sql_store *)s)->db;
}

/* Fills out (a struct of the caller's type) from the current row. */
typedef int (*sql_row_fn)(const struct db_cur *c, void *out);

/*
 * Runs a query expected to return at most one row and decodes it with
 * row: 0, CAT_ENOTFOUND with message absent when there is no row, or a
 * CAT_E* code.
 */
int sql_get(struct db *db, int slot, const char *sql, const struct db_val *args,
	    size_t n, sql_row_fn row, void *out, const char *absent);

/* Unix seconds now when t is 0. */
int64_t sql_now_or(int64_t t);

/* The schema (store_sql_schema.c). */
int sql_migrate(struct cat_store *s);
int sql_schema_version(struct cat_store *s, int *out);

/* The directory (store_sql.c); contracts in store.h. */
int sql_account_add(struct cat_store *s, struct cat_account *a);
int sql_account_by_email(struct cat_store *s, struct cat_account *out,
			 const char *email);
int sql_account_by_id(struct cat_store *s, struct cat_account *out, int64_t id);
int sql_account_list(struct cat_store *s, cat_account_cb cb, void *ctx);
int sql_org_add(struct cat_store *s, struct cat_org *o);
int sql_org_get(struct cat_store *s, struct cat_org *out, const char *id);
int sql_member_add(struct cat_store *s, int64_t account_id, const char *org_id,
		   int is_default);
int sql_org_list(struct cat_store *s, int64_t account_id, cat_org_cb cb,
		 void *ctx);
int sql_member_check(struct cat_store *s, int64_t account_id,
		     const char *org_id);
int sql_project_add(struct cat_store *s, struct cat_project *p);
int sql_project_get(struct cat_store *s, struct cat_project *out,
		    const char *id);
int sql_project_list(struct cat_store *s, const char *org_id, cat_project_cb cb,
		     void *ctx);
int sql_env_list(struct cat_store *s, const char *project_id, cat_env_cb cb,
		 void *ctx);
int sql_client_add(struct cat_store *s, const struct cat_client *c);
int sql_client_get(struct cat_store *s, struct cat_client *out, const char *id);
int sql_client_list(struct cat_store *s, cat_client_cb cb, void *ctx);

/* The OAuth state (store_sql_oauth.c); contracts in store.h. */
int sql_device_insert(struct cat_store *s, struct cat_device_auth *d);
int sql_device_by_user_code(struct cat_store *s, struct cat_device_auth *out,
			    const char *user_code, int64_t now);
int sql_device_by_hash(struct cat_store *s, struct cat_device_auth *out,
		       const char *device_hash);
int sql_device_decide(struct cat_store *s, int64_t id, int64_t account_id,
		      int approve, int64_t now);
int sql_device_touch(struct cat_store *s, int64_t id, int64_t now);
int sql_device_pending(struct cat_store *s, int64_t now, int64_t *count);
int sql_device_redeem(struct cat_store *s, int64_t id,
		      const struct cat_grant *grant, int64_t now);
int sql_grant_insert(struct cat_store *s, const struct cat_grant *g);
int sql_grant_by_hash(struct cat_store *s, struct cat_grant *out,
		      const char *token_hash, int64_t now);
int sql_grant_rotate(struct cat_store *s, const char *token_id,
		     const char *old_hash, const char *new_hash,
		     int64_t prev_valid_until);
int sql_grant_by_id(struct cat_store *s, struct cat_grant *out,
		    const char *token_id);
int sql_grant_list(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		   void *ctx);
int sql_grant_list_all(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		       void *ctx);
int sql_grant_revoke(struct cat_store *s, const char *token_id, int64_t now,
		     const struct cat_audit *ev);
int sql_grant_revoke_account(struct cat_store *s, int64_t account_id,
			     int64_t now, const char *actor, int64_t *revoked);
int sql_account_set_disabled(struct cat_store *s, int64_t account_id,
			     int disable, int64_t now);
int sql_client_remove(struct cat_store *s, const char *id, int64_t now,
		      int64_t *revoked);
int sql_grant_touch_batch(struct cat_store *s, const struct cat_touch *items,
			  size_t n);
int sql_bearer_lookup(struct cat_store *s, struct cat_principal *out,
		      const char *token_id);
int sql_code_insert(struct cat_store *s, const struct cat_auth_code *c);
int sql_code_redeem(struct cat_store *s, struct cat_auth_code *out,
		    const char *code_hash, int64_t now);
int sql_session_insert(struct cat_store *s, const struct cat_session *se);
int sql_session_get(struct cat_store *s, struct cat_session *out,
		    const char *id_hash, int64_t now);
int sql_session_delete(struct cat_store *s, const char *id_hash);
int sql_ratelimit_hit(struct cat_store *s, int *allowed, const char *key,
		      int64_t now, int window, int limit);
int sql_ratelimit_count(struct cat_store *s, int64_t *count, const char *key,
			int64_t now, int window);
int sql_key_get_or_add(struct cat_store *s, const char *name,
		       const char *fresh_hex, char out[CAT_KEY_HEX]);
int sql_purge(struct cat_store *s, int64_t now, int64_t audit_keep);

/* The audit trail (store_sql_audit.c); contracts in store.h. */
int sql_audit_add(struct cat_store *s, const struct cat_audit *e);
int sql_audit_list(struct cat_store *s, int64_t account_id, int64_t since,
		   size_t limit, cat_audit_cb cb, void *ctx);
/*
 * Inside a revoking transaction, before its revocation: a token_revoked
 * event by actor for each live grant of the client (client_id not NULL)
 * or else of the account. 0 or CAT_E*.
 */
int sql_audit_grants(struct db *db, int64_t account_id, const char *client_id,
		     const char *actor, int64_t now);
/* Inside a transaction: one event (e->at 0: now). 0 or CAT_E*. */
int sql_audit_insert(struct db *db, const struct cat_audit *e);
/* Deletes audit events with at < before, in batches. */
int sql_audit_purge(struct db *db, int64_t before);

#endif
