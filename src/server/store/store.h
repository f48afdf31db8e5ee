/*
 * The store: every piece of state catalystd keeps, behind one table of
 * operations. Backends (SQLite, PostgreSQL) embed struct cat_store as their
 * first member and keep all SQL inside their own file. Callers use the
 * cat_store_* wrappers below, never the ops table.
 *
 * A handle is NOT thread-safe: catalystd opens one per worker thread.
 * Several handles (threads, processes, instances) may share one database;
 * every operation documented as atomic stays correct across them.
 *
 * Conventions: times are Unix seconds (int64_t). Strings are NUL-terminated
 * and bounded by the CAT_*_MAX constants: an op given a longer string fails
 * with CAT_EINVAL. Secrets are never passed in: only their SHA-256 hex
 * (cat_token_hash). Return 0, or a negative CAT_E* code with
 * cat_error_set() called; CAT_EUNAVAIL means the database is unreachable.
 */
#ifndef CAT_STORE_H
#define CAT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "token.h"

#define CAT_EMAIL_MAX       255
#define CAT_NAME_MAX        127
#define CAT_ID_MAX          63 /* org ids, project ids, client ids */
#define CAT_SCOPE_MAX       4095
#define CAT_DEVICE_NAME_MAX 127
#define CAT_URI_MAX         511
#define CAT_PWHASH_MAX      255
#define CAT_RL_KEY_MAX      127
#define CAT_ADDR_MAX        63 /* a client address as text (IPv6 fits) */
#define CAT_KEY_NAME_MAX    63
#define CAT_KEY_HEX         65 /* 32-byte server key in hex, and its NUL */

struct cat_account {
	int64_t id; /* also shown as ZUID */
	char email[CAT_EMAIL_MAX + 1];
	char first_name[CAT_NAME_MAX + 1];
	char last_name[CAT_NAME_MAX + 1];
	char pw_hash[CAT_PWHASH_MAX + 1]; /* crypto_pwhash_str output */
	int64_t created_at;
	int64_t disabled_at; /* 0: may sign in (account_set_disabled) */
};

struct cat_org {
	char id[CAT_ID_MAX + 1]; /* digits, assigned by the store */
	char name[CAT_NAME_MAX + 1];
	int is_default; /* for the account it was listed for */
	int64_t created_at;
};

struct cat_project {
	char id[CAT_ID_MAX + 1]; /* digits, assigned by the store */
	char org_id[CAT_ID_MAX + 1];
	char name[CAT_NAME_MAX + 1];
	char type[16]; /* "Live" or "Demo" */
	char timezone[64];
	char domain_id[CAT_ID_MAX + 1];
	char domain_name[CAT_NAME_MAX + 1]; /* "<project name>-<org id>" */
	int64_t created_at;
};

struct cat_env {
	char zgid[CAT_ID_MAX + 1]; /* Development: equals the org id */
	char project_id[CAT_ID_MAX + 1];
	char name[32];   /* "Development", "Production" */
	int type;        /* 3 Development, 2 Production */
	char status[16]; /* "Active" */
};

enum cat_client_kind {
	CAT_CLIENT_DEVICE = 'm',  /* device flow: CLI tokens "m_..." */
	CAT_CLIENT_BROWSER = 'w', /* browser + loopback redirect: "w_..." */
};

/*
 * RFC 6749 2.1 client types. A confidential client authenticates with its
 * secret on every grant; a public one has none (secret_hash is "") and
 * must use PKCE S256 for authorization codes.
 */
struct cat_client {
	char id[CAT_ID_MAX + 1];
	char secret_hash[CAT_HASH_HEX]; /* "" exactly when is_public */
	char name[CAT_NAME_MAX + 1];
	int kind;      /* enum cat_client_kind */
	int is_public; /* 0 confidential, 1 public */
	int64_t created_at;
	int64_t removed_at; /* 0: live (client_remove) */
};

enum cat_device_status {
	CAT_DEV_PENDING = 0,
	CAT_DEV_APPROVED = 1,
	CAT_DEV_DENIED = 2,
	CAT_DEV_REDEEMED = 3,
};

struct cat_device_auth {
	int64_t id;                            /* assigned by device_insert */
	char device_hash[CAT_HASH_HEX];        /* hash of device_code */
	char user_code[CAT_USER_CODE_LEN + 1]; /* canonical, no dash */
	char client_id[CAT_ID_MAX + 1];
	char scope[CAT_SCOPE_MAX + 1];
	char device_name[CAT_DEVICE_NAME_MAX + 1];
	int64_t bound_account_id; /* 0: any account may approve */
	int64_t account_id;       /* who approved/denied, 0 before */
	int status;               /* enum cat_device_status */
	int interval;             /* seconds between polls */
	int64_t created_at;
	int64_t expires_at;
	int64_t last_poll_at;
	/* who asked: shown on the confirmation page ("" when unknown) */
	char client_addr[CAT_ADDR_MAX + 1];
	/* what the token asked for will be (token:generate's flags; see
	 * struct cat_grant), shown before approval, copied on redeem */
	char token_name[CAT_NAME_MAX + 1];
	int64_t token_expires_at;
	char project_id[CAT_ID_MAX + 1];
	int read_only;
};

/* A refresh grant: the server side of a CLI token (or login credential). */
struct cat_grant {
	char token_id[CAT_TOKEN_ID_LEN + 1]; /* short public ID */
	char token_hash[CAT_HASH_HEX];       /* hash of the refresh token */
	int64_t account_id;
	char client_id[CAT_ID_MAX + 1];
	int kind; /* enum cat_client_kind of the flow */
	char scope[CAT_SCOPE_MAX + 1];
	char device_name[CAT_DEVICE_NAME_MAX + 1];
	char dc[3];
	int64_t created_at;
	int64_t last_used_at; /* 0: never used */
	int64_t revoked_at;   /* 0: active */
	/* The token's own limits, fixed at creation (rotation keeps them):
	 * a name ("" for unnamed), an expiry (0: never), one project of
	 * the account's orgs ("": all) and reading requests only. */
	char name[CAT_NAME_MAX + 1];
	int64_t expires_at;
	char project_id[CAT_ID_MAX + 1];
	int read_only;
	char last_used_addr[CAT_ADDR_MAX + 1]; /* "" when never used */
};

/*
 * Who a bearer request acts for: the grant behind its access token and
 * what the routes need of its account, read at once (bearer_lookup).
 */
struct cat_principal {
	int64_t account_id;
	char token_id[CAT_TOKEN_ID_LEN + 1];
	char client_id[CAT_ID_MAX + 1];
	int64_t expires_at; /* of the access token (set by the caller) */
	int64_t grant_last_used_at;
	int64_t grant_revoked_at;        /* 0: active */
	int64_t grant_expires_at;        /* 0: never */
	char project_id[CAT_ID_MAX + 1]; /* "": every project */
	int read_only;
	int64_t account_disabled_at; /* 0: the account may act */
	char email[CAT_EMAIL_MAX + 1];
	char first_name[CAT_NAME_MAX + 1];
	char last_name[CAT_NAME_MAX + 1];
	/* the account's default org (else its first), "" when in none */
	char org_id[CAT_ID_MAX + 1];
};

/* One pending last-used time of a grant (grant_touch_batch). */
struct cat_touch {
	char token_id[CAT_TOKEN_ID_LEN + 1];
	int64_t at;
	char addr[CAT_ADDR_MAX + 1]; /* where from ("" keeps the last one) */
};

/* Authorization code of the browser flow (/oauth/v2/auth). */
struct cat_auth_code {
	char code_hash[CAT_HASH_HEX];
	char client_id[CAT_ID_MAX + 1];
	int64_t account_id;
	char redirect_uri[CAT_URI_MAX + 1];
	char scope[CAT_SCOPE_MAX + 1];
	char code_challenge[128]; /* "" when the client sent no PKCE */
	int64_t expires_at;
	int used;
};

/* A browser session; account_id 0 is an anonymous (pre-sign-in) session. */
struct cat_session {
	char id_hash[CAT_HASH_HEX];
	int64_t account_id;
	char csrf[CAT_TOKEN_MAX]; /* random, compared in constant time */
	int64_t created_at;
	int64_t expires_at;
};

/*
 * One security event of the audit trail (audit_add, audit_list). event and
 * actor are words of docs/catalystd.md ("Audit trail"); every other field
 * may be empty or 0 when the event has none. Never a secret.
 */
#define CAT_AUDIT_WORD_MAX 31
struct cat_audit {
	int64_t id; /* assigned by the store, increasing */
	int64_t at;
	/* "signin_ok", "token_revoked", ... */
	char event[CAT_AUDIT_WORD_MAX + 1];
	char actor[CAT_AUDIT_WORD_MAX + 1]; /* device, user, operator, system */
	int64_t account_id;                 /* 0: none (an unknown email) */
	char token_id[CAT_TOKEN_ID_LEN + 1];
	char client_id[CAT_ID_MAX + 1];
	char addr[CAT_ADDR_MAX + 1];   /* the client's address, "" for none */
	char email[CAT_EMAIL_MAX + 1]; /* audit_list only: the account's */
};

typedef int (*cat_account_cb)(const struct cat_account *a, void *ctx);
typedef int (*cat_audit_cb)(const struct cat_audit *e, void *ctx);
typedef int (*cat_org_cb)(const struct cat_org *org, void *ctx);
typedef int (*cat_project_cb)(const struct cat_project *p, void *ctx);
typedef int (*cat_env_cb)(const struct cat_env *e, void *ctx);
typedef int (*cat_grant_cb)(const struct cat_grant *g, void *ctx);
typedef int (*cat_client_cb)(const struct cat_client *c, void *ctx);

struct cat_store;

struct cat_store_ops {
	const char *name; /* "sqlite", "postgres" */
	/* url is "sqlite:/path", a plain path, or "postgres://..." */
	int (*open)(struct cat_store **out, const char *url);
	void (*close)(struct cat_store *s);
	/* Creates or upgrades the schema; safe to run concurrently and twice.
	 */
	int (*migrate)(struct cat_store *s);
	/* Cheap liveness check for /healthz. */
	int (*ping)(struct cat_store *s);
	/* The schema version currently in the database. */
	int (*schema_version)(struct cat_store *s, int *out);

	/* Accounts. account_add: CAT_EEXISTS when the email (case-insensitive)
	 * is taken; sets a->id. */
	int (*account_add)(struct cat_store *s, struct cat_account *a);
	/* CAT_ENOTFOUND when absent. Email match is case-insensitive. */
	int (*account_by_email)(struct cat_store *s, struct cat_account *out,
				const char *email);
	int (*account_by_id)(struct cat_store *s, struct cat_account *out,
			     int64_t id);
	/* Every account, by id (disabled ones too); cb returning non-zero
	 * stops the walk and that value is returned. */
	int (*account_list)(struct cat_store *s, cat_account_cb cb, void *ctx);
	/*
	 * Atomic, one transaction. disable != 0: sets disabled_at to now
	 * (kept when already disabled), revokes every unrevoked grant of the
	 * account (revoked_at = now), deletes its web sessions, denies its
	 * approved but unredeemed device authorizations and uses up its
	 * authorization codes, so nothing issued before can mint a token
	 * after. disable == 0: disabled_at = 0 and nothing else (revoked
	 * grants stay revoked). Both are idempotent. CAT_ENOTFOUND when the
	 * account is unknown. In the same transaction it records the audit
	 * events, actor "operator" (only the operators' commands call it):
	 * user_disabled or user_enabled, and token_revoked for each grant it
	 * revoked.
	 */
	int (*account_set_disabled)(struct cat_store *s, int64_t account_id,
				    int disable, int64_t now);

	/* Orgs: org_add assigns o->id. member_add: CAT_EEXISTS if already a
	 * member; is_default makes this the account's default org (clearing any
	 * other). */
	int (*org_add)(struct cat_store *s, struct cat_org *o);
	int (*org_get)(struct cat_store *s, struct cat_org *out,
		       const char *id);
	int (*member_add)(struct cat_store *s, int64_t account_id,
			  const char *org_id, int is_default);
	/* The account's orgs, default first then by creation; cb returning
	 * non-zero stops the walk and that value is returned. */
	int (*org_list)(struct cat_store *s, int64_t account_id, cat_org_cb cb,
			void *ctx);
	/* 0 when the account is a member of org_id, else CAT_ENOTFOUND. */
	int (*member_check)(struct cat_store *s, int64_t account_id,
			    const char *org_id);

	/* Projects: project_add assigns p->id, domain fields and created_at and
	 * creates its Development (zgid = org id) and Production environments.
	 * CAT_EEXISTS when the org already has a project of that name. */
	int (*project_add)(struct cat_store *s, struct cat_project *p);
	int (*project_get)(struct cat_store *s, struct cat_project *out,
			   const char *id);
	/* In creation order. */
	int (*project_list)(struct cat_store *s, const char *org_id,
			    cat_project_cb cb, void *ctx);
	/* Development first. */
	int (*env_list)(struct cat_store *s, const char *project_id,
			cat_env_cb cb, void *ctx);

	/* OAuth clients. CAT_EEXISTS on a duplicate id; CAT_EINVAL when a
	 * public client has a secret hash or a confidential one none. */
	int (*client_add)(struct cat_store *s, const struct cat_client *c);
	/* CAT_ENOTFOUND when unknown or removed: a removed client can no
	 * longer authenticate or be shown. */
	int (*client_get)(struct cat_store *s, struct cat_client *out,
			  const char *id);
	/* Every client, oldest first (then by id), removed ones too (see
	 * removed_at); cb returning non-zero stops the walk and that value
	 * is returned. */
	int (*client_list)(struct cat_store *s, cat_client_cb cb, void *ctx);
	/*
	 * Atomic, one transaction: marks the client removed (removed_at =
	 * now; the row stays, so its id is never reused and grants keep
	 * naming it) and revokes every unrevoked grant issued to it; *revoked
	 * (may be NULL) is how many. Removing a removed client again revokes
	 * nothing and is 0. CAT_ENOTFOUND when the id is unknown.
	 */
	int (*client_remove)(struct cat_store *s, const char *id, int64_t now,
			     int64_t *revoked);

	/* Device authorizations. device_insert sets d->id; one statement.
	 * CAT_EEXISTS when user_code is any kept authorization's (unexpired,
	 * or expired and not yet purged: an hour) or device_hash is taken;
	 * the caller retries with a new code. */
	int (*device_insert)(struct cat_store *s, struct cat_device_auth *d);
	/* The authorization with this user code, whatever its status,
	 * when unexpired (expires_at > now); CAT_EEXPIRED when it
	 * has expired (expired ones are kept an hour, then purged),
	 * CAT_ENOTFOUND when there is none. */
	int (*device_by_user_code)(struct cat_store *s,
				   struct cat_device_auth *out,
				   const char *user_code, int64_t now);
	/* By device_code hash, expired or not; CAT_ENOTFOUND when unknown. */
	int (*device_by_hash)(struct cat_store *s, struct cat_device_auth *out,
			      const char *device_hash);
	/* Atomic: pending and unexpired -> approved (approve != 0) or denied,
	 * recording account_id. CAT_ECONFLICT when no longer pending,
	 * CAT_EEXPIRED when expired, CAT_ENOTFOUND when unknown. */
	int (*device_decide)(struct cat_store *s, int64_t id,
			     int64_t account_id, int approve, int64_t now);
	/* Records a poll time (for slow_down). */
	int (*device_touch)(struct cat_store *s, int64_t id, int64_t now);
	/* How many authorizations are pending and unexpired at now. */
	int (*device_pending)(struct cat_store *s, int64_t now, int64_t *count);
	/* Atomic, one transaction: approved -> redeemed, then inserts grant
	 * (its account_id, scope, device_name taken from the authorization
	 * by the caller). CAT_ECONFLICT when it was not in the approved state
	 * (already redeemed by a racing poller): nothing is inserted then. */
	int (*device_redeem)(struct cat_store *s, int64_t id,
			     const struct cat_grant *grant, int64_t now);

	/* Grants (refresh tokens). grant_insert: CAT_EEXISTS on a duplicate
	 * token_id or hash, CAT_ENOTFOUND when the account does not exist,
	 * CAT_EDENIED when it is disabled (account_set_disabled), also when
	 * the disabling races with the insert; device_redeem alike. */
	int (*grant_insert)(struct cat_store *s, const struct cat_grant *g);
	/* By refresh-token hash, revoked or not: the grant whose current
	 * hash it is, or whose previous hash (grant_rotate) it is while now <
	 * prev_valid_until (out->token_hash is then the current hash, which
	 * is how a caller tells an old secret in its grace from the current
	 * one). One indexed read. CAT_ENOTFOUND if unknown or past grace. */
	int (*grant_by_hash)(struct cat_store *s, struct cat_grant *out,
			     const char *token_hash, int64_t now);
	int (*grant_by_id)(struct cat_store *s, struct cat_grant *out,
			   const char *token_id);
	/* The account's unrevoked grants, newest first. */
	int (*grant_list)(struct cat_store *s, int64_t account_id,
			  cat_grant_cb cb, void *ctx);
	/* Every grant of the account, revoked ones too, newest first (then
	 * by token id); cb returning non-zero stops the walk and that value
	 * is returned. */
	int (*grant_list_all)(struct cat_store *s, int64_t account_id,
			      cat_grant_cb cb, void *ctx);
	/* Atomic, one transaction: revokes every unrevoked grant of the
	 * account (revoked_at = now); *revoked (may be NULL) is how many, 0
	 * when it had none. Grants revoked before keep their time. In the
	 * same transaction: a token_revoked audit event by actor (a word of
	 * audit.h: "operator", "user") for each grant it revoked. */
	int (*grant_revoke_account)(struct cat_store *s, int64_t account_id,
				    int64_t now, const char *actor,
				    int64_t *revoked);
	/*
	 * Atomic, one statement: gives the unrevoked grant token_id whose
	 * current hash is old_hash the new hash new_hash; the old hash becomes
	 * its previous hash, which grant_by_hash still finds while now <
	 * prev_valid_until (pass now itself for no grace). Everything else of
	 * the grant stays. Only the current hash rotates: CAT_ECONFLICT when
	 * old_hash is not the grant's current hash (a secret in its grace, or
	 * a rotation that won a race), CAT_ENOTFOUND when the grant is unknown
	 * or revoked, CAT_EEXISTS when new_hash is some grant's hash.
	 */
	int (*grant_rotate)(struct cat_store *s, const char *token_id,
			    const char *old_hash, const char *new_hash,
			    int64_t prev_valid_until);
	/*
	 * Atomic, one transaction: sets revoked_at of a live grant and then
	 * stores ev (audit_add's rules, at 0 meaning now; NULL: no event),
	 * so a revocation and
	 * its audit event happen together or not at all, and of several
	 * racing revocations of one grant exactly one does both. Returns 1
	 * when this call revoked it, 0 when it was revoked already (nothing
	 * changes, no event), CAT_ENOTFOUND when unknown. Every access token
	 * of the grant stops validating at once.
	 */
	int (*grant_revoke)(struct cat_store *s, const char *token_id,
			    int64_t now, const struct cat_audit *ev);
	/* In one transaction, last_used_at = max(last_used_at, at) for each
	 * item, and last_used_addr = addr when at is newer and addr not "":
	 * instances flushing at once never move a time backwards.
	 * Unknown token ids are skipped; n may be 0. */
	int (*grant_touch_batch)(struct cat_store *s,
				 const struct cat_touch *items, size_t n);

	/* The bearer check's one read, no write: the grant token_id (revoked
	 * or not: see grant_revoked_at) with its account's names, email,
	 * disabled_at and default org, all but expires_at. CAT_ENOTFOUND
	 * when unknown. */
	int (*bearer_lookup)(struct cat_store *s, struct cat_principal *out,
			     const char *token_id);

	/* Authorization codes (browser flow). */
	int (*code_insert)(struct cat_store *s, const struct cat_auth_code *c);
	/* Atomic: an unused, unexpired code becomes used and is returned in
	 * *out. CAT_ENOTFOUND when unknown, expired or already used. */
	int (*code_redeem)(struct cat_store *s, struct cat_auth_code *out,
			   const char *code_hash, int64_t now);

	/* Web sessions. */
	int (*session_insert)(struct cat_store *s,
			      const struct cat_session *se);
	/* CAT_ENOTFOUND when unknown or expired. */
	int (*session_get)(struct cat_store *s, struct cat_session *out,
			   const char *id_hash, int64_t now);
	int (*session_delete)(struct cat_store *s, const char *id_hash);

	/* Fixed-window rate limiting shared by all instances. Atomic: counts
	 * one hit for key in the window [now - now % window, +window) and sets
	 * *allowed to 1 while the count is <= limit. */
	int (*ratelimit_hit)(struct cat_store *s, int *allowed, const char *key,
			     int64_t now, int window, int limit);
	/* Read-only: the hits counted for key in the current window (0 when
	 * none), so a caller can refuse before work it would count only on
	 * failure (wrong codes, wrong passwords). */
	int (*ratelimit_count)(struct cat_store *s, int64_t *count,
			       const char *key, int64_t now, int window);

	/* Server keys every instance must share (the web pages' MAC key).
	 * Atomic: stores fresh_hex under name when name has no key yet, then
	 * returns the stored key in out, so racing instances all end up with
	 * the first one stored. Keys are never changed or purged. With
	 * fresh_hex NULL it only reads: CAT_ENOTFOUND when name has no key
	 * (what verifying, which must never create one, wants). */
	int (*key_get_or_add)(struct cat_store *s, const char *name,
			      const char *fresh_hex, char out[CAT_KEY_HEX]);

	/* A hint that this handle will mostly write: SQLite then reads
	 * through its page cache instead of a memory map of the file, which
	 * every commit by another handle would make it unmap and map again.
	 * Changes nothing else. */
	int (*prefer_writes)(struct cat_store *s);
	/*
	 * read_snapshot(s, 1), then reads only, then read_snapshot(s, 0)
	 * (only after a 1 that returned 0): where one snapshot for all
	 * those reads costs less than one per statement, they share one
	 * (SQLite: one read transaction, so one round of WAL locks for all
	 * the reads of a request, and a consistent view of them). Where it
	 * would cost more (PostgreSQL: two round trips) both are no-ops.
	 */
	int (*read_snapshot)(struct cat_store *s, int on);

	/*
	 * The audit trail. audit_add stores e (its id and email ignored; at
	 * 0 means now); CAT_EINVAL when event or actor is empty or a field
	 * is too long. One statement, a transaction of its own.
	 */
	int (*audit_add)(struct cat_store *s, const struct cat_audit *e);
	/*
	 * Events with at >= since, of account_id (0: every account), newest
	 * first (then by id, newest first), at most limit of them (0: none),
	 * each with its account's email ("" when none). cb returning
	 * non-zero stops the walk and that value is returned.
	 */
	int (*audit_list)(struct cat_store *s, int64_t account_id,
			  int64_t since, size_t limit, cat_audit_cb cb,
			  void *ctx);

	/* Deletes expired device authorizations, codes, sessions and
	 * rate-limit windows, and audit events older than audit_keep
	 * seconds (at < now - audit_keep; audit_keep <= 0 keeps them all),
	 * in batches of their own transactions. Never touches grants. */
	int (*purge)(struct cat_store *s, int64_t now, int64_t audit_keep);
};

struct cat_store {
	const struct cat_store_ops *ops;
};

/*
 * Opens a store for url: "postgres://" / "postgresql://" URLs pick the
 * PostgreSQL backend, anything else ("sqlite:PATH" or a path) SQLite.
 */
int cat_store_open(struct cat_store **out, const char *url);
void cat_store_close(struct cat_store *s);
/* The backend that cat_store_open would use for url. */
const struct cat_store_ops *cat_store_backend_for(const char *url);
/* Microseconds the calling thread has spent in database calls so far; the
 * dispatcher takes the difference around a request. */
uint64_t cat_store_thread_us(void);
/*
 * Write transactions committed by this process and the writes they
 * carried. On SQLite, concurrent writes share commits (group commit), so
 * under load writes outnumber commits.
 */
void cat_store_commit_stats(uint64_t *commits, uint64_t *writes);

extern const struct cat_store_ops cat_store_sqlite_ops;
#ifdef CATALYST_WITH_PG
extern const struct cat_store_ops cat_store_pg_ops;
#endif

static inline int cat_store_migrate(struct cat_store *s)
{
	return s->ops->migrate(s);
}
static inline int cat_store_ping(struct cat_store *s)
{
	return s->ops->ping(s);
}
static inline int cat_store_schema_version(struct cat_store *s, int *out)
{
	return s->ops->schema_version(s, out);
}
static inline int cat_store_account_add(struct cat_store *s,
					struct cat_account *a)
{
	return s->ops->account_add(s, a);
}
static inline int cat_store_account_by_email(struct cat_store *s,
					     struct cat_account *out,
					     const char *email)
{
	return s->ops->account_by_email(s, out, email);
}
static inline int cat_store_account_by_id(struct cat_store *s,
					  struct cat_account *out, int64_t id)
{
	return s->ops->account_by_id(s, out, id);
}
static inline int cat_store_account_list(struct cat_store *s, cat_account_cb cb,
					 void *ctx)
{
	return s->ops->account_list(s, cb, ctx);
}
static inline int cat_store_account_set_disabled(struct cat_store *s,
						 int64_t account_id,
						 int disable, int64_t now)
{
	return s->ops->account_set_disabled(s, account_id, disable, now);
}
static inline int cat_store_org_add(struct cat_store *s, struct cat_org *o)
{
	return s->ops->org_add(s, o);
}
static inline int cat_store_org_get(struct cat_store *s, struct cat_org *out,
				    const char *id)
{
	return s->ops->org_get(s, out, id);
}
static inline int cat_store_member_add(struct cat_store *s, int64_t account_id,
				       const char *org_id, int is_default)
{
	return s->ops->member_add(s, account_id, org_id, is_default);
}
static inline int cat_store_org_list(struct cat_store *s, int64_t account_id,
				     cat_org_cb cb, void *ctx)
{
	return s->ops->org_list(s, account_id, cb, ctx);
}
static inline int cat_store_member_check(struct cat_store *s,
					 int64_t account_id, const char *org_id)
{
	return s->ops->member_check(s, account_id, org_id);
}
static inline int cat_store_project_add(struct cat_store *s,
					struct cat_project *p)
{
	return s->ops->project_add(s, p);
}
static inline int cat_store_project_get(struct cat_store *s,
					struct cat_project *out, const char *id)
{
	return s->ops->project_get(s, out, id);
}
static inline int cat_store_project_list(struct cat_store *s,
					 const char *org_id, cat_project_cb cb,
					 void *ctx)
{
	return s->ops->project_list(s, org_id, cb, ctx);
}
static inline int cat_store_env_list(struct cat_store *s,
				     const char *project_id, cat_env_cb cb,
				     void *ctx)
{
	return s->ops->env_list(s, project_id, cb, ctx);
}
static inline int cat_store_client_add(struct cat_store *s,
				       const struct cat_client *c)
{
	return s->ops->client_add(s, c);
}
static inline int cat_store_client_get(struct cat_store *s,
				       struct cat_client *out, const char *id)
{
	return s->ops->client_get(s, out, id);
}
static inline int cat_store_client_list(struct cat_store *s, cat_client_cb cb,
					void *ctx)
{
	return s->ops->client_list(s, cb, ctx);
}
static inline int cat_store_client_remove(struct cat_store *s, const char *id,
					  int64_t now, int64_t *revoked)
{
	return s->ops->client_remove(s, id, now, revoked);
}
static inline int cat_store_device_insert(struct cat_store *s,
					  struct cat_device_auth *d)
{
	return s->ops->device_insert(s, d);
}
static inline int cat_store_device_by_user_code(struct cat_store *s,
						struct cat_device_auth *out,
						const char *user_code,
						int64_t now)
{
	return s->ops->device_by_user_code(s, out, user_code, now);
}
static inline int cat_store_device_pending(struct cat_store *s, int64_t now,
					   int64_t *count)
{
	return s->ops->device_pending(s, now, count);
}
static inline int cat_store_device_by_hash(struct cat_store *s,
					   struct cat_device_auth *out,
					   const char *device_hash)
{
	return s->ops->device_by_hash(s, out, device_hash);
}
static inline int cat_store_device_decide(struct cat_store *s, int64_t id,
					  int64_t account_id, int approve,
					  int64_t now)
{
	return s->ops->device_decide(s, id, account_id, approve, now);
}
static inline int cat_store_device_touch(struct cat_store *s, int64_t id,
					 int64_t now)
{
	return s->ops->device_touch(s, id, now);
}
static inline int cat_store_device_redeem(struct cat_store *s, int64_t id,
					  const struct cat_grant *g,
					  int64_t now)
{
	return s->ops->device_redeem(s, id, g, now);
}
static inline int cat_store_grant_insert(struct cat_store *s,
					 const struct cat_grant *g)
{
	return s->ops->grant_insert(s, g);
}
static inline int cat_store_grant_by_hash(struct cat_store *s,
					  struct cat_grant *out, const char *h,
					  int64_t now)
{
	return s->ops->grant_by_hash(s, out, h, now);
}
static inline int cat_store_grant_rotate(struct cat_store *s,
					 const char *token_id,
					 const char *old_hash,
					 const char *new_hash,
					 int64_t prev_valid_until)
{
	return s->ops->grant_rotate(s, token_id, old_hash, new_hash,
				    prev_valid_until);
}
static inline int cat_store_grant_by_id(struct cat_store *s,
					struct cat_grant *out, const char *id)
{
	return s->ops->grant_by_id(s, out, id);
}
static inline int cat_store_grant_list(struct cat_store *s, int64_t account_id,
				       cat_grant_cb cb, void *ctx)
{
	return s->ops->grant_list(s, account_id, cb, ctx);
}
static inline int cat_store_grant_list_all(struct cat_store *s,
					   int64_t account_id, cat_grant_cb cb,
					   void *ctx)
{
	return s->ops->grant_list_all(s, account_id, cb, ctx);
}
static inline int cat_store_grant_revoke_account(struct cat_store *s,
						 int64_t account_id,
						 int64_t now, const char *actor,
						 int64_t *revoked)
{
	return s->ops->grant_revoke_account(s, account_id, now, actor, revoked);
}
static inline int cat_store_grant_revoke(struct cat_store *s,
					 const char *token_id, int64_t now,
					 const struct cat_audit *ev)
{
	return s->ops->grant_revoke(s, token_id, now, ev);
}
static inline int cat_store_grant_touch_batch(struct cat_store *s,
					      const struct cat_touch *items,
					      size_t n)
{
	return s->ops->grant_touch_batch(s, items, n);
}
static inline int cat_store_bearer_lookup(struct cat_store *s,
					  struct cat_principal *out,
					  const char *token_id)
{
	return s->ops->bearer_lookup(s, out, token_id);
}
static inline int cat_store_code_insert(struct cat_store *s,
					const struct cat_auth_code *c)
{
	return s->ops->code_insert(s, c);
}
static inline int cat_store_code_redeem(struct cat_store *s,
					struct cat_auth_code *out,
					const char *h, int64_t now)
{
	return s->ops->code_redeem(s, out, h, now);
}
static inline int cat_store_session_insert(struct cat_store *s,
					   const struct cat_session *se)
{
	return s->ops->session_insert(s, se);
}
static inline int cat_store_session_get(struct cat_store *s,
					struct cat_session *out, const char *h,
					int64_t now)
{
	return s->ops->session_get(s, out, h, now);
}
static inline int cat_store_session_delete(struct cat_store *s, const char *h)
{
	return s->ops->session_delete(s, h);
}
static inline int cat_store_ratelimit_hit(struct cat_store *s, int *allowed,
					  const char *key, int64_t now,
					  int window, int limit)
{
	return s->ops->ratelimit_hit(s, allowed, key, now, window, limit);
}
static inline int cat_store_ratelimit_count(struct cat_store *s, int64_t *count,
					    const char *key, int64_t now,
					    int window)
{
	return s->ops->ratelimit_count(s, count, key, now, window);
}
static inline int cat_store_key_get_or_add(struct cat_store *s,
					   const char *name,
					   const char *fresh_hex,
					   char out[CAT_KEY_HEX])
{
	return s->ops->key_get_or_add(s, name, fresh_hex, out);
}
static inline int cat_store_prefer_writes(struct cat_store *s)
{
	return s->ops->prefer_writes(s);
}
static inline int cat_store_read_snapshot(struct cat_store *s, int on)
{
	return s->ops->read_snapshot(s, on);
}
static inline int cat_store_audit_add(struct cat_store *s,
				      const struct cat_audit *e)
{
	return s->ops->audit_add(s, e);
}
static inline int cat_store_audit_list(struct cat_store *s, int64_t account_id,
				       int64_t since, size_t limit,
				       cat_audit_cb cb, void *ctx)
{
	return s->ops->audit_list(s, account_id, since, limit, cb, ctx);
}
static inline int cat_store_purge(struct cat_store *s, int64_t now,
				  int64_t audit_keep)
{
	return s->ops->purge(s, now, audit_keep);
}

#endif
