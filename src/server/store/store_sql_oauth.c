/*
 * The store's OAuth state, over either driver: device authorizations,
 * grants (and the bearer check's read of them), codes, sessions,
 * rate-limit windows and server keys. A change that must have one winner is a
 * conditional UPDATE whose changed-row count says who won: SQLite runs writers
 * one at a time, and PostgreSQL re-checks the WHERE after waiting for a racing
 * writer's row lock, so the loser matches nothing in either.
 */
#include "store_sql.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "banned.h"

/*
 * Expired device authorizations stay this long, so a late poller hears
 * "expired" instead of "unknown".
 */
#define DEVICE_GRACE 3600
/* Rows deleted per statement, so purging never holds the lock for long. */
#define PURGE_BATCH 1000

/* Device authorizations */

#define DEVICE_COLS                                                            \
	"id, device_hash, user_code, client_id, scope, device_name,"           \
	" bound_account_id, account_id, status, poll_interval, created_at,"    \
	" expires_at, last_poll_at, client_addr, token_name,"                  \
	" token_expires_at, project_id, read_only"

static int row_device(const struct db_cur *c, void *row)
{
	struct cat_device_auth *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = db_int(c, 0);
	db_text(c, 1, out->device_hash, sizeof(out->device_hash), &bad);
	db_text(c, 2, out->user_code, sizeof(out->user_code), &bad);
	db_text(c, 3, out->client_id, sizeof(out->client_id), &bad);
	db_text(c, 4, out->scope, sizeof(out->scope), &bad);
	db_text(c, 5, out->device_name, sizeof(out->device_name), &bad);
	out->bound_account_id = db_int(c, 6);
	out->account_id = db_int(c, 7);
	out->status = (int)db_int(c, 8);
	out->interval = (int)db_int(c, 9);
	out->created_at = db_int(c, 10);
	out->expires_at = db_int(c, 11);
	out->last_poll_at = db_int(c, 12);
	db_text(c, 13, out->client_addr, sizeof(out->client_addr), &bad);
	db_text(c, 14, out->token_name, sizeof(out->token_name), &bad);
	out->token_expires_at = db_int(c, 15);
	db_text(c, 16, out->project_id, sizeof(out->project_id), &bad);
	out->read_only = db_int(c, 17) != 0;
	return bad ? cat_error_set(CAT_ERROR,
				   "store: device authorization row too long")
		   : 0;
}

/* One statement: the unique indexes on user_code and device_hash refuse a
 * code in use, so there is nothing to lock or look up first. */
static int device_insert_tx(struct db *db, void *arg)
{
	struct cat_device_auth *d = arg;
	struct db_cur c;
	int err = db_read(
		db, &c, SL_DEVICE_INSERT,
		"INSERT INTO device_auths(device_hash, user_code,"
		" client_id, scope, device_name, bound_account_id,"
		" account_id, status, poll_interval, created_at,"
		" expires_at, last_poll_at, client_addr, token_name,"
		" token_expires_at, project_id, read_only)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17)"
		" RETURNING id",
		DB_ARGS(DB_TEXT(d->device_hash), DB_TEXT(d->user_code),
			DB_TEXT(d->client_id), DB_TEXT(d->scope),
			DB_TEXT(d->device_name), DB_INT(d->bound_account_id),
			DB_INT(d->account_id), DB_INT(d->status),
			DB_INT(d->interval), DB_INT(d->created_at),
			DB_INT(d->expires_at), DB_INT(d->last_poll_at),
			DB_TEXT(d->client_addr), DB_TEXT(d->token_name),
			DB_INT(d->token_expires_at), DB_TEXT(d->project_id),
			DB_INT(d->read_only ? 1 : 0)));

	if (err == 1)
		d->id = db_int(&c, 0);
	db_done(&c);
	if (err == 0 || err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the user code or device code is in use");
	return err < 0 ? err : 0;
}

int sql_device_insert(struct cat_store *s, struct cat_device_auth *d)
{
	int err;

	if ((err = cat_store_check_key(d->device_hash, CAT_HASH_HEX - 1,
				       "device code hash")) < 0 ||
	    (err = cat_store_check_key(d->user_code, CAT_USER_CODE_LEN,
				       "user code")) < 0 ||
	    (err = cat_store_check_key(d->client_id, CAT_ID_MAX, "client id")) <
		    0 ||
	    (err = cat_store_check(d->scope, CAT_SCOPE_MAX, "scope")) < 0 ||
	    (err = cat_store_check(d->device_name, CAT_DEVICE_NAME_MAX,
				   "device name")) < 0 ||
	    (err = cat_store_check(d->token_name, CAT_NAME_MAX, "token name")) <
		    0 ||
	    (err = cat_store_check(d->project_id, CAT_ID_MAX, "project id")) <
		    0 ||
	    (err = cat_store_check(d->client_addr, CAT_ADDR_MAX,
				   "client address")) < 0)
		return err;
	if (!d->created_at)
		d->created_at = time(NULL);
	return sql_tx(s, device_insert_tx, d, SQL_TX_ONE);
}

int sql_device_by_user_code(struct cat_store *s, struct cat_device_auth *out,
			    const char *user_code, int64_t now)
{
	struct db *db = db_of(s);
	int err;

	if ((err = cat_store_check(user_code, CAT_USER_CODE_LEN, "user code")) <
	    0)
		return err;
	/* unique among the rows kept (migration 10) */
	err = sql_get(db, SL_DEVICE_BY_USER_CODE,
		      "SELECT " DEVICE_COLS " FROM device_auths"
		      " WHERE user_code = ?1",
		      DB_ARGS(DB_TEXT(user_code)), row_device, out,
		      "unknown user code");
	if (err == 0 && out->expires_at <= now) {
		memset(out, 0, sizeof(*out));
		return cat_error_set(CAT_EEXPIRED, "the user code expired");
	}
	return err;
}

int sql_device_by_hash(struct cat_store *s, struct cat_device_auth *out,
		       const char *device_hash)
{
	struct db *db = db_of(s);
	int err;

	if ((err = cat_store_check(device_hash, CAT_HASH_HEX - 1,
				   "device code hash")) < 0)
		return err;
	return sql_get(db, SL_DEVICE_BY_HASH,
		       "SELECT " DEVICE_COLS " FROM device_auths"
		       " WHERE device_hash = ?1",
		       DB_ARGS(DB_TEXT(device_hash)), row_device, out,
		       "unknown device code");
}

static const char *status_name(int status)
{
	switch (status) {
	case CAT_DEV_PENDING:
		return "pending";
	case CAT_DEV_APPROVED:
		return "approved";
	case CAT_DEV_DENIED:
		return "denied";
	case CAT_DEV_REDEEMED:
		return "redeemed";
	default:
		return "in an unknown state";
	}
}

/*
 * Why a conditional update on device authorization id matched nothing:
 * CAT_ENOTFOUND, CAT_ECONFLICT (not in the state `want`), or CAT_EEXPIRED.
 */
static int device_why(struct db *db, int64_t id, int want, int64_t now)
{
	struct db_cur c;
	int64_t expires_at;
	int err, status;

	err = db_read(db, &c, SL_DEVICE_STATE,
		      "SELECT status, expires_at FROM device_auths"
		      " WHERE id = ?1",
		      DB_ARGS(DB_INT(id)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown device authorization");
	if (err < 0)
		return err;
	status = (int)db_int(&c, 0);
	expires_at = db_int(&c, 1);
	db_done(&c);
	if (status != want)
		return cat_error_set(CAT_ECONFLICT,
				     "the device authorization is already %s",
				     status_name(status));
	if (expires_at <= now)
		return cat_error_set(CAT_EEXPIRED,
				     "the device authorization expired");
	return cat_error_set(CAT_ECONFLICT, "the device authorization changed");
}

struct decide {
	int64_t id, account_id, now;
	int approve;
};

static int device_decide_tx(struct db *db, void *arg)
{
	const struct decide *a = arg;
	int err = db_write(
		db, SL_DEVICE_DECIDE,
		"UPDATE device_auths SET status = ?2, account_id = ?3"
		" WHERE id = ?1 AND status = 0 AND expires_at > ?4",
		DB_ARGS(DB_INT(a->id),
			DB_INT(a->approve ? CAT_DEV_APPROVED : CAT_DEV_DENIED),
			DB_INT(a->account_id), DB_INT(a->now)));

	if (err == 0)
		err = device_why(db, a->id, CAT_DEV_PENDING, a->now);
	return err < 0 ? err : 0;
}

int sql_device_decide(struct cat_store *s, int64_t id, int64_t account_id,
		      int approve, int64_t now)
{
	struct decide a = { id, account_id, now, approve };

	return sql_tx(s, device_decide_tx, &a, 0);
}

int sql_device_pending(struct cat_store *s, int64_t now, int64_t *count)
{
	struct db_cur c;
	int err;

	*count = 0;
	err = db_read(db_of(s), &c, SL_DEVICE_PENDING,
		      "SELECT count(*) FROM device_auths"
		      " WHERE status = 0 AND expires_at > ?1",
		      DB_ARGS(DB_INT(now)));
	if (err <= 0)
		return err;
	*count = db_int(&c, 0);
	db_done(&c);
	return 0;
}

struct touch {
	int64_t id, now;
};

static int device_touch_tx(struct db *db, void *arg)
{
	const struct touch *a = arg;
	int err = db_write(db, SL_DEVICE_TOUCH,
			   "UPDATE device_auths SET last_poll_at = ?2"
			   " WHERE id = ?1",
			   DB_ARGS(DB_INT(a->id), DB_INT(a->now)));

	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown device authorization");
	return err < 0 ? err : 0;
}

int sql_device_touch(struct cat_store *s, int64_t id, int64_t now)
{
	struct touch a = { id, now };

	return sql_tx(s, device_touch_tx, &a, SQL_TX_ONE);
}

/* Grants */

/*
 * The grant goes in only while its account may act: an account disabled
 * between a flow's approval and its redeem (or code exchange) gets no
 * live grant that enabling it again would bring back. On PostgreSQL the
 * account row is share-locked, so a concurrent disable either waits for
 * this insert (and its revocation, a later statement, then sees the grant)
 * or has committed, and the row no longer qualifies.
 */
#define GRANT_INSERT                                                           \
	"INSERT INTO grants(token_id, token_hash, account_id, client_id,"      \
	" kind, scope, device_name, dc, created_at, last_used_at,"             \
	" revoked_at, name, expires_at, project_id, read_only)"                \
	" SELECT CAST(?1 AS TEXT), CAST(?2 AS TEXT), a.id, CAST(?4 AS TEXT),"  \
	" CAST(?5 AS INTEGER), CAST(?6 AS TEXT), CAST(?7 AS TEXT),"            \
	" CAST(?8 AS TEXT), CAST(?9 AS BIGINT), CAST(?10 AS BIGINT),"          \
	" CAST(?11 AS BIGINT), CAST(?12 AS TEXT), CAST(?13 AS BIGINT),"        \
	" CAST(?14 AS TEXT), CAST(?15 AS INTEGER)"                             \
	" FROM accounts a WHERE a.id = CAST(?3 AS BIGINT)"                     \
	" AND a.disabled_at = 0"

static int insert_grant(struct db *db, void *arg)
{
	const struct cat_grant *g = arg;
	struct db_cur c;
	int err = db_write(
		db, SL_GRANT_INSERT,
		db_pick(db, GRANT_INSERT, GRANT_INSERT " FOR SHARE OF a"),
		DB_ARGS(DB_TEXT(g->token_id), DB_TEXT(g->token_hash),
			DB_INT(g->account_id), DB_TEXT(g->client_id),
			DB_INT(g->kind), DB_TEXT(g->scope),
			DB_TEXT(g->device_name), DB_TEXT(g->dc),
			DB_INT(g->created_at ? g->created_at
					     : (int64_t)time(NULL)),
			DB_INT(g->last_used_at), DB_INT(g->revoked_at),
			DB_TEXT(g->name), DB_INT(g->expires_at),
			DB_TEXT(g->project_id), DB_INT(g->read_only ? 1 : 0)));

	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a grant with this token id or hash "
				     "already exists");
	if (err != 0)
		return err < 0 ? err : 0;
	/* no row: accounts are never deleted, so it is missing or disabled */
	err = db_read(db, &c, SL_GRANT_ACCOUNT,
		      "SELECT 1 FROM accounts WHERE id = ?1",
		      DB_ARGS(DB_INT(g->account_id)));
	db_done(&c);
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "the grant's account does not exist");
	return err < 0 ? err
		       : cat_error_set(CAT_EDENIED,
				       "the grant's account is disabled");
}

struct redeem {
	int64_t id, now;
	const struct cat_grant *grant;
};

static int device_redeem_tx(struct db *db, void *arg)
{
	const struct redeem *a = arg;
	/* the loser of a race matches no row here and inserts nothing */
	int err =
		db_write(db, SL_DEVICE_REDEEM,
			 "UPDATE device_auths SET status = 3, last_poll_at = ?2"
			 " WHERE id = ?1 AND status = 1",
			 DB_ARGS(DB_INT(a->id), DB_INT(a->now)));

	if (err == 0)
		err = device_why(db, a->id, CAT_DEV_APPROVED, a->now);
	if (err < 0 || (err = insert_grant(db, (void *)a->grant)) < 0)
		return err;
	return 0;
}

int sql_device_redeem(struct cat_store *s, int64_t id,
		      const struct cat_grant *grant, int64_t now)
{
	struct redeem a = { id, now, grant };
	int err;

	if ((err = cat_store_check_grant(grant)) < 0)
		return err;
	return sql_tx(s, device_redeem_tx, &a, 0);
}

#define GRANT_COLS                                                             \
	"token_id, token_hash, account_id, client_id, kind, scope,"            \
	" device_name, dc, created_at, last_used_at, revoked_at, name,"        \
	" expires_at, project_id, read_only, last_used_addr"

static int row_grant(const struct db_cur *c, void *row)
{
	struct cat_grant *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->token_id, sizeof(out->token_id), &bad);
	db_text(c, 1, out->token_hash, sizeof(out->token_hash), &bad);
	out->account_id = db_int(c, 2);
	db_text(c, 3, out->client_id, sizeof(out->client_id), &bad);
	out->kind = (int)db_int(c, 4);
	db_text(c, 5, out->scope, sizeof(out->scope), &bad);
	db_text(c, 6, out->device_name, sizeof(out->device_name), &bad);
	db_text(c, 7, out->dc, sizeof(out->dc), &bad);
	out->created_at = db_int(c, 8);
	out->last_used_at = db_int(c, 9);
	out->revoked_at = db_int(c, 10);
	db_text(c, 11, out->name, sizeof(out->name), &bad);
	out->expires_at = db_int(c, 12);
	db_text(c, 13, out->project_id, sizeof(out->project_id), &bad);
	out->read_only = db_int(c, 14) != 0;
	db_text(c, 15, out->last_used_addr, sizeof(out->last_used_addr), &bad);
	return bad ? cat_error_set(CAT_ERROR, "store: grant row too long") : 0;
}

int sql_grant_insert(struct cat_store *s, const struct cat_grant *g)
{
	int err;

	if ((err = cat_store_check_grant(g)) < 0)
		return err;
	return sql_tx(s, insert_grant, (void *)g, SQL_TX_ONE);
}

int sql_grant_by_hash(struct cat_store *s, struct cat_grant *out,
		      const char *token_hash, int64_t now)
{
	struct db *db = db_of(s);
	int err;

	if ((err = cat_store_check(token_hash, CAT_HASH_HEX - 1,
				   "token hash")) < 0)
		return err;
	/* both columns are indexed (a union of two index reads); an unused
	 * prev_token_hash is '', which no hash equals */
	return sql_get(db, SL_GRANT_BY_HASH,
		       "SELECT " GRANT_COLS " FROM grants WHERE token_hash = ?1"
		       " OR (prev_token_hash = ?1 AND prev_valid_until > ?2)",
		       DB_ARGS(DB_TEXT(token_hash), DB_INT(now)), row_grant,
		       out, "unknown token");
}

struct rotate {
	const char *token_id, *old_hash, *new_hash;
	int64_t prev_valid_until;
};

static int grant_rotate_tx(struct db *db, void *arg)
{
	const struct rotate *a = arg;
	struct cat_grant g;
	/* the WHERE is the whole check: a second rotation with the same old
	 * secret, or one racing it, matches no row */
	int err = db_write(db, SL_GRANT_ROTATE,
			   "UPDATE grants SET prev_token_hash = token_hash,"
			   " prev_valid_until = ?4, token_hash = ?3"
			   " WHERE token_id = ?1 AND token_hash = ?2"
			   " AND revoked_at = 0",
			   DB_ARGS(DB_TEXT(a->token_id), DB_TEXT(a->old_hash),
				   DB_TEXT(a->new_hash),
				   DB_INT(a->prev_valid_until)));

	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a grant with this token hash already "
				     "exists");
	if (err != 0)
		return err < 0 ? err : 0;
	/* nothing matched: say why */
	err = sql_get(db, SL_GRANT_BY_ID,
		      "SELECT " GRANT_COLS " FROM grants WHERE token_id = ?1",
		      DB_ARGS(DB_TEXT(a->token_id)), row_grant, &g,
		      "unknown token id");
	if (err < 0)
		return err;
	if (g.revoked_at)
		return cat_error_set(CAT_ENOTFOUND, "the token was revoked");
	return cat_error_set(CAT_ECONFLICT, "only the token's current secret "
					    "can rotate it");
}

int sql_grant_rotate(struct cat_store *s, const char *token_id,
		     const char *old_hash, const char *new_hash,
		     int64_t prev_valid_until)
{
	struct rotate a = { token_id, old_hash, new_hash, prev_valid_until };
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) <
		    0 ||
	    (err = cat_store_check_key(old_hash, CAT_HASH_HEX - 1,
				       "token hash")) < 0 ||
	    (err = cat_store_check_key(new_hash, CAT_HASH_HEX - 1,
				       "token hash")) < 0)
		return err;
	if (strcmp(old_hash, new_hash) == 0)
		return cat_error_set(CAT_EINVAL, "a rotation needs a new "
						 "token hash");
	return sql_tx(s, grant_rotate_tx, &a, 0);
}

int sql_grant_by_id(struct cat_store *s, struct cat_grant *out,
		    const char *token_id)
{
	struct db *db = db_of(s);
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) < 0)
		return err;
	return sql_get(db, SL_GRANT_BY_ID,
		       "SELECT " GRANT_COLS " FROM grants WHERE token_id = ?1",
		       DB_ARGS(DB_TEXT(token_id)), row_grant, out,
		       "unknown token id");
}

int sql_grant_list(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		   void *ctx)
{
	struct db *db = db_of(s);
	struct cat_grant g;
	struct db_cur c;
	int err;

	err = db_read(db, &c, SL_GRANT_LIST,
		      "SELECT " GRANT_COLS " FROM grants"
		      " WHERE account_id = ?1 AND revoked_at = 0"
		      " ORDER BY created_at DESC, token_id DESC",
		      DB_ARGS(DB_INT(account_id)));
	while (err == 1) {
		if ((err = row_grant(&c, &g)) < 0 || (err = cb(&g, ctx)) != 0)
			break;
		err = db_next(&c);
	}
	db_done(&c);
	return err;
}

struct revoke {
	const char *token_id;
	int64_t now;
	const struct cat_audit *ev;
	int revoked; /* by this call */
};

static int grant_revoke_tx(struct db *db, void *arg)
{
	struct revoke *a = arg;
	struct db_cur c;
	/* only the first revocation sets the time, and records the event:
	 * the row lock makes a racing one wait and then change nothing */
	int err = db_write(db, SL_GRANT_REVOKE,
			   "UPDATE grants SET revoked_at = ?2"
			   " WHERE token_id = ?1 AND revoked_at = 0",
			   DB_ARGS(DB_TEXT(a->token_id), DB_INT(a->now)));

	a->revoked = err > 0;
	/* the event's time is its own (0: now, like every other event's),
	 * so the trail orders it among the others as they happened */
	if (err > 0 && a->ev)
		err = sql_audit_insert(db, a->ev);
	else if (err == 0) {
		/* grants are never deleted: absent now means never existed */
		err = db_read(db, &c, SL_GRANT_EXISTS,
			      "SELECT 1 FROM grants WHERE token_id = ?1",
			      DB_ARGS(DB_TEXT(a->token_id)));
		db_done(&c);
		if (err == 0)
			err = cat_error_set(CAT_ENOTFOUND, "unknown token id");
	}
	return err < 0 ? err : 0;
}

int sql_grant_revoke(struct cat_store *s, const char *token_id, int64_t now,
		     const struct cat_audit *ev)
{
	struct revoke a = { token_id, now, ev, 0 };
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) <
		    0 ||
	    (ev && (err = cat_store_check_audit(ev)) < 0))
		return err;
	/* revoked_at 0 means active, so a revocation must never write 0 */
	if (a.now <= 0)
		a.now = time(NULL);
	if ((err = sql_tx(s, grant_revoke_tx, &a, 0)) < 0)
		return err;
	return a.revoked;
}

int sql_grant_list_all(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		       void *ctx)
{
	struct db *db = db_of(s);
	struct cat_grant g;
	struct db_cur c;
	int err;

	err = db_read(db, &c, SL_GRANT_LIST_ALL,
		      "SELECT " GRANT_COLS " FROM grants WHERE account_id = ?1"
		      " ORDER BY created_at DESC, token_id DESC",
		      DB_ARGS(DB_INT(account_id)));
	while (err == 1) {
		if ((err = row_grant(&c, &g)) < 0 || (err = cb(&g, ctx)) != 0)
			break;
		err = db_next(&c);
	}
	db_done(&c);
	return err;
}

/* What an operator's revocation of many grants works on, and its count. */
struct revoke_many {
	int64_t account_id;
	const char *client_id;
	const char *actor; /* of the audit events */
	int64_t now;
	int64_t revoked;
};

/* Revokes the account's live grants; the partial index grants_account_live
 * holds exactly those. */
static int revoke_account_grants(struct db *db, struct revoke_many *a)
{
	int err = sql_audit_grants(db, a->account_id, NULL, a->actor, a->now);

	if (err < 0)
		return err;
	err = db_write(db, SL_ACCOUNT_GRANTS_REVOKE,
		       "UPDATE grants SET revoked_at = ?2"
		       " WHERE account_id = ?1 AND revoked_at = 0",
		       DB_ARGS(DB_INT(a->account_id), DB_INT(a->now)));

	if (err < 0)
		return err;
	a->revoked = err;
	return 0;
}

static int grant_revoke_account_tx(struct db *db, void *arg)
{
	return revoke_account_grants(db, arg);
}

int sql_grant_revoke_account(struct cat_store *s, int64_t account_id,
			     int64_t now, const char *actor, int64_t *revoked)
{
	/* revoked_at 0 means active, so a revocation must never write 0 */
	struct revoke_many a = { .account_id = account_id,
				 .actor = actor,
				 .now = now > 0 ? now : time(NULL) };
	int err;

	if (!actor || !*actor)
		return cat_error_set(CAT_EINVAL,
				     "store: the actor is required");
	if ((err = cat_store_check(actor, CAT_AUDIT_WORD_MAX, "actor")) < 0)
		return err;
	/* two statements now: the audit events, then the revocation */
	err = sql_tx(s, grant_revoke_account_tx, &a, 0);

	if (err == 0 && revoked)
		*revoked = a.revoked;
	return err;
}

/* The operator's act on an account, as an audit event. */
static int account_audit(struct db *db, const struct revoke_many *a,
			 const char *event)
{
	struct cat_audit e = { .at = a->now, .account_id = a->account_id };

	snprintf(e.event, sizeof(e.event), "%s", event);
	snprintf(e.actor, sizeof(e.actor), "%s", a->actor);
	return sql_audit_insert(db, &e);
}

/*
 * Disabling ends everything the account holds in one transaction: its
 * grants (and so every access token derived from them), its sessions
 * (so no page acts for it), the device authorizations it approved but
 * no client redeemed yet and its unused authorization codes (so nothing
 * approved before can still mint a grant after).
 */
static int account_disable_tx(struct db *db, void *arg)
{
	struct revoke_many *a = arg;
	int err;

	/*
	 * The ways to a new grant are closed before the grants are revoked:
	 * on PostgreSQL a redeem racing with this either commits first (its
	 * grant is then seen by the revocation, a later statement) or finds
	 * its authorization denied.
	 */
	err = db_write(db, SL_ACCOUNT_DISABLE,
		       "UPDATE accounts SET disabled_at = ?2"
		       " WHERE id = ?1 AND disabled_at = 0",
		       DB_ARGS(DB_INT(a->account_id), DB_INT(a->now)));
	if (err < 0)
		return err;
	/* the operator's act itself, even when it was already disabled */
	if ((err = account_audit(db, a, "user_disabled")) < 0)
		return err;
	err = db_write(db, SL_ACCOUNT_DEVICES_DENY,
		       "UPDATE device_auths SET status = ?2"
		       " WHERE account_id = ?1 AND status = ?3",
		       DB_ARGS(DB_INT(a->account_id), DB_INT(CAT_DEV_DENIED),
			       DB_INT(CAT_DEV_APPROVED)));
	if (err < 0)
		return err;
	err = db_write(db, SL_ACCOUNT_CODES_USE,
		       "UPDATE auth_codes SET used = 1"
		       " WHERE account_id = ?1 AND used = 0",
		       DB_ARGS(DB_INT(a->account_id)));
	if (err < 0)
		return err;
	err = db_write(db, SL_ACCOUNT_SESSIONS_DELETE,
		       "DELETE FROM sessions WHERE account_id = ?1",
		       DB_ARGS(DB_INT(a->account_id)));
	if (err < 0)
		return err;
	return revoke_account_grants(db, a);
}

static int account_enable_tx(struct db *db, void *arg)
{
	struct revoke_many *a = arg;
	int err = db_write(db, SL_ACCOUNT_ENABLE,
			   "UPDATE accounts SET disabled_at = 0 WHERE id = ?1",
			   DB_ARGS(DB_INT(a->account_id)));

	if (err < 0)
		return err;
	return account_audit(db, a, "user_enabled");
}

int sql_account_set_disabled(struct cat_store *s, int64_t account_id,
			     int disable, int64_t now)
{
	/* only the operators' commands disable an account */
	struct revoke_many a = { .account_id = account_id,
				 .actor = "operator",
				 .now = now > 0 ? now : time(NULL) };
	struct cat_account acct;
	int err;

	/* accounts are never deleted: a check before the write cannot be
	 * made stale by another writer */
	if ((err = sql_account_by_id(s, &acct, account_id)) < 0)
		return err;
	return sql_tx(s, disable ? account_disable_tx : account_enable_tx, &a,
		      0);
}

/*
 * The client row stays (marked removed): its id can then never be
 * registered again, so no new client inherits the grants that name it.
 */
static int client_remove_tx(struct db *db, void *arg)
{
	struct revoke_many *a = arg;
	struct db_cur c;
	int err;

	err = db_read(db, &c, SL_CLIENT_EXISTS,
		      "SELECT 1 FROM clients WHERE id = ?1",
		      DB_ARGS(DB_TEXT(a->client_id)));
	db_done(&c);
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown client");
	if (err < 0)
		return err;
	err = db_write(db, SL_CLIENT_REMOVE,
		       "UPDATE clients SET removed_at = ?2"
		       " WHERE id = ?1 AND removed_at = 0",
		       DB_ARGS(DB_TEXT(a->client_id), DB_INT(a->now)));
	if (err < 0)
		return err;
	if ((err = sql_audit_grants(db, 0, a->client_id, a->actor, a->now)) < 0)
		return err;
	err = db_write(db, SL_CLIENT_GRANTS_REVOKE,
		       "UPDATE grants SET revoked_at = ?2"
		       " WHERE client_id = ?1 AND revoked_at = 0",
		       DB_ARGS(DB_TEXT(a->client_id), DB_INT(a->now)));
	if (err < 0)
		return err;
	a->revoked = err;
	return 0;
}

int sql_client_remove(struct cat_store *s, const char *id, int64_t now,
		      int64_t *revoked)
{
	struct revoke_many a = { .client_id = id,
				 .actor = "operator",
				 .now = now > 0 ? now : time(NULL) };
	int err;

	if ((err = cat_store_check(id, CAT_ID_MAX, "client id")) < 0)
		return err;
	if ((err = sql_tx(s, client_remove_tx, &a, 0)) == 0 && revoked)
		*revoked = a.revoked;
	return err;
}

struct touches {
	const struct cat_touch *items;
	size_t n;
};

static int grant_touch_tx(struct db *db, void *arg)
{
	const struct touches *a = arg;
	size_t i;
	int err;

	for (i = 0; i < a->n; i++) {
		/* max(): a flush that lost a race with a newer one is a no-op
		 */
		err = db_write(
			db, SL_GRANT_TOUCH,
			"UPDATE grants SET last_used_at = ?2,"
			" last_used_addr = CASE WHEN CAST(?3 AS TEXT) = ''"
			" THEN last_used_addr ELSE CAST(?3 AS TEXT) END"
			" WHERE token_id = ?1 AND last_used_at < ?2",
			DB_ARGS(DB_TEXT(a->items[i].token_id),
				DB_INT(a->items[i].at),
				DB_TEXT(a->items[i].addr)));
		if (err < 0)
			return err;
	}
	return 0;
}

int sql_grant_touch_batch(struct cat_store *s, const struct cat_touch *items,
			  size_t n)
{
	struct touches a = { items, n };
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		if ((err = cat_store_check(items[i].token_id, CAT_TOKEN_ID_LEN,
					   "token id")) < 0)
			return err;
	if (n == 0)
		return 0;
	return sql_tx(s, grant_touch_tx, &a, 0);
}

/* Access tokens */

static int row_principal(const struct db_cur *c, void *row)
{
	struct cat_principal *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->token_id, sizeof(out->token_id), &bad);
	out->account_id = db_int(c, 1);
	db_text(c, 2, out->client_id, sizeof(out->client_id), &bad);
	out->grant_last_used_at = db_int(c, 3);
	out->grant_revoked_at = db_int(c, 4);
	db_text(c, 5, out->email, sizeof(out->email), &bad);
	db_text(c, 6, out->first_name, sizeof(out->first_name), &bad);
	db_text(c, 7, out->last_name, sizeof(out->last_name), &bad);
	db_text(c, 8, out->org_id, sizeof(out->org_id), &bad);
	out->account_disabled_at = db_int(c, 9);
	out->grant_expires_at = db_int(c, 10);
	db_text(c, 11, out->project_id, sizeof(out->project_id), &bad);
	out->read_only = db_int(c, 12) != 0;
	return bad ? cat_error_set(CAT_ERROR, "store: grant row too long") : 0;
}

int sql_bearer_lookup(struct cat_store *s, struct cat_principal *out,
		      const char *token_id)
{
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) < 0)
		return err;
	/*
	 * The hot path, and one read: the grant by its key (read every time,
	 * which is what makes a revocation effective at once), its account
	 * by key, and the default org by the members_default index, so that
	 * user info and the admin API need no second read.
	 */
	return sql_get(db_of(s), SL_BEARER_LOOKUP,
		       "SELECT g.token_id, g.account_id, g.client_id,"
		       " g.last_used_at, g.revoked_at, a.email, a.first_name,"
		       " a.last_name,"
		       " (SELECT CAST(m.org_id AS TEXT) FROM members m"
		       "  WHERE m.account_id = g.account_id"
		       "  ORDER BY m.is_default DESC, m.org_id LIMIT 1),"
		       " a.disabled_at, g.expires_at, g.project_id, g.read_only"
		       " FROM grants g JOIN accounts a ON a.id = g.account_id"
		       " WHERE g.token_id = ?1",
		       DB_ARGS(DB_TEXT(token_id)), row_principal, out,
		       "unknown token id");
}

/* Authorization codes */

static int code_insert_tx(struct db *db, void *arg)
{
	const struct cat_auth_code *c = arg;
	int err;

	err = db_write(db, SL_CODE_INSERT,
		       "INSERT INTO auth_codes(code_hash, client_id,"
		       " account_id, redirect_uri, scope, code_challenge,"
		       " expires_at, used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		       " ?8)",
		       DB_ARGS(DB_TEXT(c->code_hash), DB_TEXT(c->client_id),
			       DB_INT(c->account_id), DB_TEXT(c->redirect_uri),
			       DB_TEXT(c->scope), DB_TEXT(c->code_challenge),
			       DB_INT(c->expires_at), DB_INT(c->used != 0)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this authorization code already exists");
	return err < 0 ? err : 0;
}

int sql_code_insert(struct cat_store *s, const struct cat_auth_code *c)
{
	int err;

	if ((err = cat_store_check_key(c->code_hash, CAT_HASH_HEX - 1,
				       "code hash")) < 0 ||
	    (err = cat_store_check_key(c->client_id, CAT_ID_MAX, "client id")) <
		    0 ||
	    (err = cat_store_check(c->redirect_uri, CAT_URI_MAX,
				   "redirect URI")) < 0 ||
	    (err = cat_store_check(c->scope, CAT_SCOPE_MAX, "scope")) < 0 ||
	    (err = cat_store_check(c->code_challenge,
				   sizeof(c->code_challenge) - 1,
				   "code challenge")) < 0)
		return err;
	return sql_tx(s, code_insert_tx, (void *)c, SQL_TX_ONE);
}

struct code_use {
	struct cat_auth_code *out;
	const char *hash;
	int64_t now;
};

static int code_redeem_tx(struct db *db, void *arg)
{
	struct code_use *a = arg;
	struct db_cur c;
	int err, bad = 0;

	/* one statement: the use and the read are atomic, one winner */
	err = db_read(db, &c, SL_CODE_REDEEM,
		      "UPDATE auth_codes SET used = 1"
		      " WHERE code_hash = ?1 AND used = 0 AND expires_at > ?2"
		      " RETURNING code_hash, client_id, account_id,"
		      " redirect_uri, scope, code_challenge, expires_at, used",
		      DB_ARGS(DB_TEXT(a->hash), DB_INT(a->now)));
	if (err == 0)
		err = cat_error_set(CAT_ENOTFOUND,
				    "unknown, expired or already used "
				    "authorization code");
	if (err == 1) {
		memset(a->out, 0, sizeof(*a->out));
		db_text(&c, 0, a->out->code_hash, sizeof(a->out->code_hash),
			&bad);
		db_text(&c, 1, a->out->client_id, sizeof(a->out->client_id),
			&bad);
		a->out->account_id = db_int(&c, 2);
		db_text(&c, 3, a->out->redirect_uri,
			sizeof(a->out->redirect_uri), &bad);
		db_text(&c, 4, a->out->scope, sizeof(a->out->scope), &bad);
		db_text(&c, 5, a->out->code_challenge,
			sizeof(a->out->code_challenge), &bad);
		a->out->expires_at = db_int(&c, 6);
		a->out->used = (int)db_int(&c, 7);
		err = bad ? cat_error_set(CAT_ERROR, "store: code row too long")
			  : 0;
	}
	db_done(&c);
	return err;
}

int sql_code_redeem(struct cat_store *s, struct cat_auth_code *out,
		    const char *code_hash, int64_t now)
{
	struct code_use a = { out, code_hash, now };
	int err;

	if ((err = cat_store_check(code_hash, CAT_HASH_HEX - 1, "code hash")) <
	    0)
		return err;
	return sql_tx(s, code_redeem_tx, &a, SQL_TX_ONE);
}

/* Web sessions */

static int session_insert_tx(struct db *db, void *arg)
{
	const struct cat_session *se = arg;
	int err;

	err = db_write(db, SL_SESSION_INSERT,
		       "INSERT INTO sessions(id_hash, account_id, csrf,"
		       " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
		       DB_ARGS(DB_TEXT(se->id_hash), DB_INT(se->account_id),
			       DB_TEXT(se->csrf),
			       DB_INT(se->created_at ? se->created_at
						     : (int64_t)time(NULL)),
			       DB_INT(se->expires_at)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this session already exists");
	return err < 0 ? err : 0;
}

int sql_session_insert(struct cat_store *s, const struct cat_session *se)
{
	int err;

	if ((err = cat_store_check_key(se->id_hash, CAT_HASH_HEX - 1,
				       "session hash")) < 0 ||
	    (err = cat_store_check(se->csrf, sizeof(se->csrf) - 1,
				   "CSRF token")) < 0)
		return err;
	return sql_tx(s, session_insert_tx, (void *)se, SQL_TX_ONE);
}

static int row_session(const struct db_cur *c, void *row)
{
	struct cat_session *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->id_hash, sizeof(out->id_hash), &bad);
	out->account_id = db_int(c, 1);
	db_text(c, 2, out->csrf, sizeof(out->csrf), &bad);
	out->created_at = db_int(c, 3);
	out->expires_at = db_int(c, 4);
	return bad ? cat_error_set(CAT_ERROR, "store: session row too long")
		   : 0;
}

int sql_session_get(struct cat_store *s, struct cat_session *out,
		    const char *id_hash, int64_t now)
{
	int err;

	if ((err = cat_store_check(id_hash, CAT_HASH_HEX - 1, "session hash")) <
	    0)
		return err;
	return sql_get(
		db_of(s), SL_SESSION_GET,
		"SELECT id_hash, account_id, csrf, created_at, expires_at"
		" FROM sessions WHERE id_hash = ?1 AND expires_at > ?2",
		DB_ARGS(DB_TEXT(id_hash), DB_INT(now)), row_session, out,
		"unknown or expired session");
}

static int session_delete_tx(struct db *db, void *arg)
{
	int err = db_write(db, SL_SESSION_DELETE,
			   "DELETE FROM sessions WHERE id_hash = ?1",
			   DB_ARGS(DB_TEXT(arg)));

	return err < 0 ? err : 0;
}

/* Idempotent: signing out of a session that is already gone is fine. */
int sql_session_delete(struct cat_store *s, const char *id_hash)
{
	int err;

	if ((err = cat_store_check(id_hash, CAT_HASH_HEX - 1, "session hash")) <
	    0)
		return err;
	return sql_tx(s, session_delete_tx, (void *)id_hash, SQL_TX_ONE);
}

/* Rate limits */

struct hit {
	const char *key;
	int64_t start, end, count;
};

/* one statement: instances counting the same key never lose a hit */
static int ratelimit_hit_tx(struct db *db, void *arg)
{
	struct hit *a = arg;
	struct db_cur c;
	int err = db_read(
		db, &c, SL_RATELIMIT_HIT,
		"INSERT INTO ratelimits(key, window_start, window_end,"
		" count) VALUES (?1, ?2, ?3, 1)"
		" ON CONFLICT (key, window_start)"
		" DO UPDATE SET count = ratelimits.count + 1"
		" RETURNING count",
		DB_ARGS(DB_TEXT(a->key), DB_INT(a->start), DB_INT(a->end)));

	if (err == 1)
		a->count = db_int(&c, 0);
	db_done(&c);
	if (err == 0)
		err = cat_error_set(CAT_ERROR, "store: rate-limit upsert "
					       "returned nothing");
	return err < 0 ? err : 0;
}

int sql_ratelimit_hit(struct cat_store *s, int *allowed, const char *key,
		      int64_t now, int window, int limit)
{
	struct hit a = { key, 0, 0, 0 };
	int err;

	*allowed = 0;
	if ((err = cat_store_check_key(key, CAT_RL_KEY_MAX, "rate-limit key")) <
	    0)
		return err;
	if (window <= 0 || limit < 0)
		return cat_error_set(CAT_EINVAL,
				     "rate-limit window must be > 0 and limit "
				     ">= 0");
	a.start = now - now % window;
	if (a.start > now)
		a.start -= window; /* C rounds toward 0 for negative now */
	a.end = a.start + window;
	if ((err = sql_tx(s, ratelimit_hit_tx, &a, SQL_TX_ONE)) < 0)
		return err;
	*allowed = a.count <= limit;
	return 0;
}

int sql_ratelimit_count(struct cat_store *s, int64_t *count, const char *key,
			int64_t now, int window)
{
	struct db *db = db_of(s);
	struct db_cur c;
	int64_t start;
	int err;

	*count = 0;
	if ((err = cat_store_check_key(key, CAT_RL_KEY_MAX, "rate-limit key")) <
	    0)
		return err;
	if (window <= 0)
		return cat_error_set(CAT_EINVAL,
				     "rate-limit window must be > 0");
	start = now - now % window;
	if (start > now)
		start -= window;
	err = db_read(db, &c, SL_RATELIMIT_COUNT,
		      "SELECT count FROM ratelimits"
		      " WHERE key = ?1 AND window_start = ?2",
		      DB_ARGS(DB_TEXT(key), DB_INT(start)));
	if (err <= 0)
		return err;
	*count = db_int(&c, 0);
	db_done(&c);
	return 0;
}

/* Purge */

/* Server keys */

/* 1 with out filled when name has a key, 0 when not, or CAT_E*. */
static int key_read(struct db *db, const char *name, char out[CAT_KEY_HEX])
{
	struct db_cur c;
	int err, bad = 0;

	err = db_read(db, &c, SL_KEY_GET,
		      "SELECT key_hex FROM server_keys WHERE name = ?1",
		      DB_ARGS(DB_TEXT(name)));
	if (err <= 0)
		return err;
	db_text(&c, 0, out, CAT_KEY_HEX, &bad);
	db_done(&c);
	return bad ? cat_error_set(CAT_ERROR, "store: server key too long") : 1;
}

int sql_key_get_or_add(struct cat_store *s, const char *name,
		       const char *fresh_hex, char out[CAT_KEY_HEX])
{
	struct db *db = db_of(s);
	int err;

	if ((err = cat_store_check_key(name, CAT_KEY_NAME_MAX, "key name")) <
		    0 ||
	    (fresh_hex && (err = cat_store_check_key(fresh_hex, CAT_KEY_HEX - 1,
						     "key")) < 0))
		return err;
	if ((err = key_read(db, name, out)) != 0)
		return err < 0 ? err : 0;
	if (!fresh_hex)
		return cat_error_set(CAT_ENOTFOUND, "no server key '%s'", name);
	/* the first instance to get here wins; the rest read its key */
	err = db_write(db, SL_KEY_ADD,
		       "INSERT INTO server_keys(name, key_hex, created_at)"
		       " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
		       DB_ARGS(DB_TEXT(name), DB_TEXT(fresh_hex),
			       DB_INT((int64_t)time(NULL))));
	if (err < 0 || (err = key_read(db, name, out)) < 0)
		return err;
	return err ? 0 : cat_error_set(CAT_ERROR, "store: server key vanished");
}

int sql_purge(struct cat_store *s, int64_t now, int64_t audit_keep)
{
	static const struct {
		int id;
		int64_t grace;
		const char *sql;
	} purges[] = {
		{ SL_PURGE_DEVICE, DEVICE_GRACE,
		  "DELETE FROM device_auths WHERE id IN (SELECT id FROM"
		  " device_auths WHERE expires_at <= ?1 LIMIT ?2)" },
		{ SL_PURGE_CODE, 0,
		  "DELETE FROM auth_codes WHERE code_hash IN (SELECT code_hash"
		  " FROM auth_codes WHERE expires_at <= ?1 LIMIT ?2)" },
		{ SL_PURGE_SESSION, 0,
		  "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM"
		  " sessions WHERE expires_at <= ?1 LIMIT ?2)" },
		{ SL_PURGE_RATELIMIT, 0,
		  "DELETE FROM ratelimits WHERE (key, window_start) IN (SELECT"
		  " key, window_start FROM ratelimits WHERE window_end <= ?1"
		  " LIMIT ?2)" },
	};
	struct db *db = db_of(s);
	size_t i;
	int n;

	/* batches in their own transactions let other writers in between */
	for (i = 0; i < sizeof(purges) / sizeof(purges[0]); i++) {
		do {
			n = db_write(db, purges[i].id, purges[i].sql,
				     DB_ARGS(DB_INT(now - purges[i].grace),
					     DB_INT(PURGE_BATCH)));
			if (n < 0)
				return n;
		} while (n == PURGE_BATCH);
	}
	return audit_keep > 0 ? sql_audit_purge(db, now - audit_keep) : 0;
}
