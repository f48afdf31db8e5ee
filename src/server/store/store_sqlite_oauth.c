/*
 * The SQLite store's OAuth state: device authorizations, grants, access
 * tokens, codes, sessions and rate-limit windows. State changes that must
 * have one winner are conditional UPDATEs under BEGIN IMMEDIATE, checked
 * with sqlite3_changes, so racing handles and processes agree.
 */
#include "store_sqlite.h"

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
	" bound_account_id, account_id, status, interval, created_at,"         \
	" expires_at, last_poll_at, client_addr"

static int row_device(sqlite3_stmt *st, struct cat_device_auth *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, out->device_hash, sizeof(out->device_hash), &bad);
	sq_col(st, 2, out->user_code, sizeof(out->user_code), &bad);
	sq_col(st, 3, out->client_id, sizeof(out->client_id), &bad);
	sq_col(st, 4, out->scope, sizeof(out->scope), &bad);
	sq_col(st, 5, out->device_name, sizeof(out->device_name), &bad);
	out->bound_account_id = sqlite3_column_int64(st, 6);
	out->account_id = sqlite3_column_int64(st, 7);
	out->status = sqlite3_column_int(st, 8);
	out->interval = sqlite3_column_int(st, 9);
	out->created_at = sqlite3_column_int64(st, 10);
	out->expires_at = sqlite3_column_int64(st, 11);
	out->last_poll_at = sqlite3_column_int64(st, 12);
	sq_col(st, 13, out->client_addr, sizeof(out->client_addr), &bad);
	return bad ? cat_error_set(CAT_ERROR,
				   "store: device authorization row too long")
		   : 0;
}

int sq_device_insert(struct cat_store *s, struct cat_device_auth *d)
{
	struct sq *h = sq_of(s);
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
	    (err = cat_store_check(d->client_addr, CAT_ADDR_MAX,
				   "client address")) < 0)
		return err;
	if (!d->created_at)
		d->created_at = time(NULL);
	/*
	 * One statement, so one write transaction: the collision check and
	 * the insert run under the same write lock.
	 */
	err = sq_write(
		h, SQ_DEVICE_INSERT,
		"INSERT INTO device_auths(device_hash, user_code,"
		" client_id, scope, device_name, bound_account_id,"
		" account_id, status, interval, created_at, expires_at,"
		" last_poll_at, client_addr)"
		" SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
		" WHERE NOT EXISTS (SELECT 1 FROM device_auths"
		"  WHERE user_code = ?2 AND expires_at > ?10)",
		SQ_ARGS(SQ_TEXT(d->device_hash), SQ_TEXT(d->user_code),
			SQ_TEXT(d->client_id), SQ_TEXT(d->scope),
			SQ_TEXT(d->device_name), SQ_INT(d->bound_account_id),
			SQ_INT(d->account_id), SQ_INT(d->status),
			SQ_INT(d->interval), SQ_INT(d->created_at),
			SQ_INT(d->expires_at), SQ_INT(d->last_poll_at),
			SQ_TEXT(d->client_addr)));
	if (err == 0 || err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "the user code or device code is in use");
	if (err < 0)
		return err;
	d->id = sqlite3_last_insert_rowid(h->db);
	return 0;
}

int sq_device_by_user_code(struct cat_store *s, struct cat_device_auth *out,
			   const char *user_code, int64_t now)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	if ((err = cat_store_check(user_code, CAT_USER_CODE_LEN, "user code")) <
	    0)
		return err;
	err = sq_read(h, &st, SQ_DEVICE_BY_USER_CODE,
		      "SELECT " DEVICE_COLS " FROM device_auths"
		      " WHERE user_code = ?1 AND expires_at > ?2"
		      " ORDER BY id DESC LIMIT 1",
		      SQ_ARGS(SQ_TEXT(user_code), SQ_INT(now)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown or expired user code");
	if (err < 0)
		return err;
	err = row_device(st, out);
	sq_done(st);
	return err;
}

int sq_device_by_hash(struct cat_store *s, struct cat_device_auth *out,
		      const char *device_hash)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	if ((err = cat_store_check(device_hash, CAT_HASH_HEX - 1,
				   "device code hash")) < 0)
		return err;
	err = sq_read(h, &st, SQ_DEVICE_BY_HASH,
		      "SELECT " DEVICE_COLS " FROM device_auths"
		      " WHERE device_hash = ?1",
		      SQ_ARGS(SQ_TEXT(device_hash)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown device code");
	if (err < 0)
		return err;
	err = row_device(st, out);
	sq_done(st);
	return err;
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
static int device_why(struct sq *h, int64_t id, int want, int64_t now)
{
	sqlite3_stmt *st;
	int64_t expires_at;
	int err, status;

	err = sq_read(h, &st, SQ_DEVICE_STATE,
		      "SELECT status, expires_at FROM device_auths"
		      " WHERE id = ?1",
		      SQ_ARGS(SQ_INT(id)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown device authorization");
	if (err < 0)
		return err;
	status = sqlite3_column_int(st, 0);
	expires_at = sqlite3_column_int64(st, 1);
	sq_done(st);
	if (status != want)
		return cat_error_set(CAT_ECONFLICT,
				     "the device authorization is already %s",
				     status_name(status));
	if (expires_at <= now)
		return cat_error_set(CAT_EEXPIRED,
				     "the device authorization expired");
	return cat_error_set(CAT_ECONFLICT, "the device authorization changed");
}

int sq_device_decide(struct cat_store *s, int64_t id, int64_t account_id,
		     int approve, int64_t now)
{
	struct sq *h = sq_of(s);
	int err;

	if ((err = sq_begin(h)) < 0)
		return err;
	err = sq_write(
		h, SQ_DEVICE_DECIDE,
		"UPDATE device_auths SET status = ?2, account_id = ?3"
		" WHERE id = ?1 AND status = 0 AND expires_at > ?4",
		SQ_ARGS(SQ_INT(id),
			SQ_INT(approve ? CAT_DEV_APPROVED : CAT_DEV_DENIED),
			SQ_INT(account_id), SQ_INT(now)));
	if (err == 0)
		err = device_why(h, id, CAT_DEV_PENDING, now);
	if (err < 0)
		goto done;
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

int sq_device_pending(struct cat_store *s, int64_t now, int64_t *count)
{
	sqlite3_stmt *st;
	int err;

	*count = 0;
	err = sq_read(sq_of(s), &st, SQ_DEVICE_PENDING,
		      "SELECT count(*) FROM device_auths"
		      " WHERE status = 0 AND expires_at > ?1",
		      SQ_ARGS(SQ_INT(now)));
	if (err <= 0)
		return err;
	*count = sqlite3_column_int64(st, 0);
	sq_done(st);
	return 0;
}

int sq_device_touch(struct cat_store *s, int64_t id, int64_t now)
{
	int err = sq_write(sq_of(s), SQ_DEVICE_TOUCH,
			   "UPDATE device_auths SET last_poll_at = ?2"
			   " WHERE id = ?1",
			   SQ_ARGS(SQ_INT(id), SQ_INT(now)));

	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown device authorization");
	return err < 0 ? err : 0;
}

/* Grants */

static int insert_grant(struct sq *h, const struct cat_grant *g)
{
	int err = sq_write(h, SQ_GRANT_INSERT,
			   "INSERT INTO grants(token_id, token_hash,"
			   " account_id, client_id, kind, scope, device_name,"
			   " dc, created_at, last_used_at, revoked_at)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			   " ?11)",
			   SQ_ARGS(SQ_TEXT(g->token_id), SQ_TEXT(g->token_hash),
				   SQ_INT(g->account_id), SQ_TEXT(g->client_id),
				   SQ_INT(g->kind), SQ_TEXT(g->scope),
				   SQ_TEXT(g->device_name), SQ_TEXT(g->dc),
				   SQ_INT(g->created_at ? g->created_at
							: (int64_t)time(NULL)),
				   SQ_INT(g->last_used_at),
				   SQ_INT(g->revoked_at)));

	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a grant with this token id or hash "
				     "already exists");
	if (err == CAT_ENOTFOUND)
		return cat_error_set(CAT_ENOTFOUND,
				     "the grant's account does not exist");
	return err < 0 ? err : 0;
}

static int insert_access(struct sq *h, const struct cat_access *a)
{
	int err = sq_write(h, SQ_ACCESS_INSERT,
			   "INSERT INTO access_tokens(token_hash, token_id,"
			   " expires_at) VALUES (?1, ?2, ?3)",
			   SQ_ARGS(SQ_TEXT(a->token_hash), SQ_TEXT(a->token_id),
				   SQ_INT(a->expires_at)));

	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this access token already exists");
	if (err == CAT_ENOTFOUND)
		return cat_error_set(CAT_ENOTFOUND,
				     "the access token's grant does not "
				     "exist");
	return err < 0 ? err : 0;
}

int sq_device_redeem(struct cat_store *s, int64_t id,
		     const struct cat_grant *grant,
		     const struct cat_access *access, int64_t now)
{
	struct sq *h = sq_of(s);
	int err;

	if ((err = cat_store_check_grant(grant)) < 0 ||
	    (access && (err = cat_store_check_access(access)) < 0))
		return err;
	if ((err = sq_begin(h)) < 0)
		return err;
	/* the loser of a race matches no row here and inserts nothing */
	err = sq_write(h, SQ_DEVICE_REDEEM,
		       "UPDATE device_auths SET status = 3, last_poll_at = ?2"
		       " WHERE id = ?1 AND status = 1",
		       SQ_ARGS(SQ_INT(id), SQ_INT(now)));
	if (err == 0)
		err = device_why(h, id, CAT_DEV_APPROVED, now);
	if (err < 0)
		goto done;
	if ((err = insert_grant(h, grant)) < 0 ||
	    (access && (err = insert_access(h, access)) < 0))
		goto done;
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

#define GRANT_COLS                                                             \
	"token_id, token_hash, account_id, client_id, kind, scope,"            \
	" device_name, dc, created_at, last_used_at, revoked_at"

static int row_grant(sqlite3_stmt *st, struct cat_grant *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->token_id, sizeof(out->token_id), &bad);
	sq_col(st, 1, out->token_hash, sizeof(out->token_hash), &bad);
	out->account_id = sqlite3_column_int64(st, 2);
	sq_col(st, 3, out->client_id, sizeof(out->client_id), &bad);
	out->kind = sqlite3_column_int(st, 4);
	sq_col(st, 5, out->scope, sizeof(out->scope), &bad);
	sq_col(st, 6, out->device_name, sizeof(out->device_name), &bad);
	sq_col(st, 7, out->dc, sizeof(out->dc), &bad);
	out->created_at = sqlite3_column_int64(st, 8);
	out->last_used_at = sqlite3_column_int64(st, 9);
	out->revoked_at = sqlite3_column_int64(st, 10);
	return bad ? cat_error_set(CAT_ERROR, "store: grant row too long") : 0;
}

int sq_grant_insert(struct cat_store *s, const struct cat_grant *g)
{
	int err;

	if ((err = cat_store_check_grant(g)) < 0)
		return err;
	return insert_grant(sq_of(s), g);
}

int sq_grant_by_hash(struct cat_store *s, struct cat_grant *out,
		     const char *token_hash)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	if ((err = cat_store_check(token_hash, CAT_HASH_HEX - 1,
				   "token hash")) < 0)
		return err;
	err = sq_read(h, &st, SQ_GRANT_BY_HASH,
		      "SELECT " GRANT_COLS " FROM grants WHERE token_hash = ?1",
		      SQ_ARGS(SQ_TEXT(token_hash)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown token");
	if (err < 0)
		return err;
	err = row_grant(st, out);
	sq_done(st);
	return err;
}

int sq_grant_by_id(struct cat_store *s, struct cat_grant *out,
		   const char *token_id)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) < 0)
		return err;
	err = sq_read(h, &st, SQ_GRANT_BY_ID,
		      "SELECT " GRANT_COLS " FROM grants WHERE token_id = ?1",
		      SQ_ARGS(SQ_TEXT(token_id)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown token id");
	if (err < 0)
		return err;
	err = row_grant(st, out);
	sq_done(st);
	return err;
}

int sq_grant_list(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		  void *ctx)
{
	struct sq *h = sq_of(s);
	struct cat_grant g;
	sqlite3_stmt *st;
	int err;

	err = sq_read(h, &st, SQ_GRANT_LIST,
		      "SELECT " GRANT_COLS " FROM grants"
		      " WHERE account_id = ?1 AND revoked_at = 0"
		      " ORDER BY created_at DESC, token_id DESC",
		      SQ_ARGS(SQ_INT(account_id)));
	while (err == 1) {
		if ((err = row_grant(st, &g)) < 0 || (err = cb(&g, ctx)) != 0)
			break;
		err = sq_next(h, st);
	}
	sq_done(st);
	return err;
}

int sq_grant_revoke(struct cat_store *s, const char *token_id, int64_t now)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) < 0)
		return err;
	/* revoked_at 0 means active, so a revocation must never write 0 */
	if (now <= 0)
		now = time(NULL);
	if ((err = sq_begin(h)) < 0)
		return err;
	/* only the first revocation sets the time */
	err = sq_write(h, SQ_GRANT_REVOKE,
		       "UPDATE grants SET revoked_at = ?2"
		       " WHERE token_id = ?1 AND revoked_at = 0",
		       SQ_ARGS(SQ_TEXT(token_id), SQ_INT(now)));
	if (err == 0) {
		err = sq_read(h, &st, SQ_GRANT_EXISTS,
			      "SELECT 1 FROM grants WHERE token_id = ?1",
			      SQ_ARGS(SQ_TEXT(token_id)));
		sq_done(st);
		if (err == 0)
			err = cat_error_set(CAT_ENOTFOUND, "unknown token id");
	}
	if (err < 0)
		goto done;
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

int sq_grant_touch_batch(struct cat_store *s, const struct cat_touch *items,
			 size_t n)
{
	struct sq *h = sq_of(s);
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		if ((err = cat_store_check(items[i].token_id, CAT_TOKEN_ID_LEN,
					   "token id")) < 0)
			return err;
	if (n == 0)
		return 0;
	if ((err = sq_begin(h)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		/* max(): a flush that lost a race with a newer one is a no-op
		 */
		err = sq_write(h, SQ_GRANT_TOUCH,
			       "UPDATE grants SET last_used_at = ?2"
			       " WHERE token_id = ?1 AND last_used_at < ?2",
			       SQ_ARGS(SQ_TEXT(items[i].token_id),
				       SQ_INT(items[i].at)));
		if (err < 0)
			goto done;
	}
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err < 0 ? err : 0;
}

/* Access tokens */

int sq_access_insert(struct cat_store *s, const struct cat_access *a)
{
	int err;

	if ((err = cat_store_check_access(a)) < 0)
		return err;
	return insert_access(sq_of(s), a);
}

int sq_access_validate(struct cat_store *s, struct cat_principal *out,
		       const char *token_hash, int64_t now)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err, bad = 0;

	if ((err = cat_store_check(token_hash, CAT_HASH_HEX - 1,
				   "access token hash")) < 0)
		return err;
	/*
	 * The hot path: two primary-key lookups, no write. Reading the grant
	 * every time is what makes a revocation effective at once.
	 */
	err = sq_read(h, &st, SQ_ACCESS_VALIDATE,
		      "SELECT g.account_id, g.token_id, g.client_id,"
		      " a.expires_at, g.last_used_at"
		      " FROM access_tokens a"
		      " JOIN grants g ON g.token_id = a.token_id"
		      " WHERE a.token_hash = ?1 AND a.expires_at > ?2"
		      " AND g.revoked_at = 0",
		      SQ_ARGS(SQ_TEXT(token_hash), SQ_INT(now)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown, expired or revoked token");
	if (err < 0)
		return err;
	memset(out, 0, sizeof(*out));
	out->account_id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, out->token_id, sizeof(out->token_id), &bad);
	sq_col(st, 2, out->client_id, sizeof(out->client_id), &bad);
	out->expires_at = sqlite3_column_int64(st, 3);
	out->grant_last_used_at = sqlite3_column_int64(st, 4);
	sq_done(st);
	return bad ? cat_error_set(CAT_ERROR, "store: grant row too long") : 0;
}

/* Authorization codes */

int sq_code_insert(struct cat_store *s, const struct cat_auth_code *c)
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
	err = sq_write(sq_of(s), SQ_CODE_INSERT,
		       "INSERT INTO auth_codes(code_hash, client_id,"
		       " account_id, redirect_uri, scope, code_challenge,"
		       " expires_at, used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		       " ?8)",
		       SQ_ARGS(SQ_TEXT(c->code_hash), SQ_TEXT(c->client_id),
			       SQ_INT(c->account_id), SQ_TEXT(c->redirect_uri),
			       SQ_TEXT(c->scope), SQ_TEXT(c->code_challenge),
			       SQ_INT(c->expires_at), SQ_INT(c->used != 0)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this authorization code already exists");
	return err < 0 ? err : 0;
}

int sq_code_redeem(struct cat_store *s, struct cat_auth_code *out,
		   const char *code_hash, int64_t now)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st = NULL;
	int err, bad = 0;

	if ((err = cat_store_check(code_hash, CAT_HASH_HEX - 1, "code hash")) <
	    0)
		return err;
	if ((err = sq_begin(h)) < 0)
		return err;
	err = sq_write(h, SQ_CODE_USE,
		       "UPDATE auth_codes SET used = 1"
		       " WHERE code_hash = ?1 AND used = 0 AND expires_at > ?2",
		       SQ_ARGS(SQ_TEXT(code_hash), SQ_INT(now)));
	if (err == 0)
		err = cat_error_set(CAT_ENOTFOUND,
				    "unknown, expired or already used "
				    "authorization code");
	if (err < 0)
		goto done;
	err = sq_read(h, &st, SQ_CODE_GET,
		      "SELECT code_hash, client_id, account_id, redirect_uri,"
		      " scope, code_challenge, expires_at, used"
		      " FROM auth_codes WHERE code_hash = ?1",
		      SQ_ARGS(SQ_TEXT(code_hash)));
	if (err == 0)
		err = cat_error_set(CAT_ERROR, "store: the code vanished");
	if (err < 0)
		goto done;
	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->code_hash, sizeof(out->code_hash), &bad);
	sq_col(st, 1, out->client_id, sizeof(out->client_id), &bad);
	out->account_id = sqlite3_column_int64(st, 2);
	sq_col(st, 3, out->redirect_uri, sizeof(out->redirect_uri), &bad);
	sq_col(st, 4, out->scope, sizeof(out->scope), &bad);
	sq_col(st, 5, out->code_challenge, sizeof(out->code_challenge), &bad);
	out->expires_at = sqlite3_column_int64(st, 6);
	out->used = sqlite3_column_int(st, 7);
	sq_done(st);
	if (bad) {
		err = cat_error_set(CAT_ERROR, "store: code row too long");
		goto done;
	}
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

/* Web sessions */

int sq_session_insert(struct cat_store *s, const struct cat_session *se)
{
	int err;

	if ((err = cat_store_check_key(se->id_hash, CAT_HASH_HEX - 1,
				       "session hash")) < 0 ||
	    (err = cat_store_check(se->csrf, sizeof(se->csrf) - 1,
				   "CSRF token")) < 0)
		return err;
	err = sq_write(sq_of(s), SQ_SESSION_INSERT,
		       "INSERT INTO sessions(id_hash, account_id, csrf,"
		       " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
		       SQ_ARGS(SQ_TEXT(se->id_hash), SQ_INT(se->account_id),
			       SQ_TEXT(se->csrf),
			       SQ_INT(se->created_at ? se->created_at
						     : (int64_t)time(NULL)),
			       SQ_INT(se->expires_at)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this session already exists");
	return err < 0 ? err : 0;
}

int sq_session_get(struct cat_store *s, struct cat_session *out,
		   const char *id_hash, int64_t now)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err, bad = 0;

	if ((err = cat_store_check(id_hash, CAT_HASH_HEX - 1, "session hash")) <
	    0)
		return err;
	err = sq_read(h, &st, SQ_SESSION_GET,
		      "SELECT id_hash, account_id, csrf, created_at, expires_at"
		      " FROM sessions WHERE id_hash = ?1 AND expires_at > ?2",
		      SQ_ARGS(SQ_TEXT(id_hash), SQ_INT(now)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown or expired session");
	if (err < 0)
		return err;
	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->id_hash, sizeof(out->id_hash), &bad);
	out->account_id = sqlite3_column_int64(st, 1);
	sq_col(st, 2, out->csrf, sizeof(out->csrf), &bad);
	out->created_at = sqlite3_column_int64(st, 3);
	out->expires_at = sqlite3_column_int64(st, 4);
	sq_done(st);
	return bad ? cat_error_set(CAT_ERROR, "store: session row too long")
		   : 0;
}

/* Idempotent: signing out of a session that is already gone is fine. */
int sq_session_delete(struct cat_store *s, const char *id_hash)
{
	int err;

	if ((err = cat_store_check(id_hash, CAT_HASH_HEX - 1, "session hash")) <
	    0)
		return err;
	err = sq_write(sq_of(s), SQ_SESSION_DELETE,
		       "DELETE FROM sessions WHERE id_hash = ?1",
		       SQ_ARGS(SQ_TEXT(id_hash)));
	return err < 0 ? err : 0;
}

/* Rate limits */

int sq_ratelimit_hit(struct cat_store *s, int *allowed, const char *key,
		     int64_t now, int window, int limit)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int64_t start, count;
	int err;

	*allowed = 0;
	if ((err = cat_store_check_key(key, CAT_RL_KEY_MAX, "rate-limit key")) <
	    0)
		return err;
	if (window <= 0 || limit < 0)
		return cat_error_set(CAT_EINVAL,
				     "rate-limit window must be > 0 and limit "
				     ">= 0");
	start = now - now % window;
	if (start > now)
		start -= window; /* C rounds toward 0 for negative now */
	if ((err = sq_begin(h)) < 0)
		return err;
	err = sq_read(
		h, &st, SQ_RATELIMIT_HIT,
		"INSERT INTO ratelimits(key, window_start, window_end,"
		" count) VALUES (?1, ?2, ?3, 1)"
		" ON CONFLICT(key, window_start)"
		" DO UPDATE SET count = count + 1"
		" RETURNING count",
		SQ_ARGS(SQ_TEXT(key), SQ_INT(start), SQ_INT(start + window)));
	if (err == 0)
		err = cat_error_set(CAT_ERROR, "store: rate-limit upsert "
					       "returned nothing");
	if (err < 0)
		goto done;
	count = sqlite3_column_int64(st, 0);
	sq_done(st);
	if ((err = sq_commit(h)) < 0)
		goto done;
	*allowed = count <= limit;
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

int sq_ratelimit_count(struct cat_store *s, int64_t *count, const char *key,
		       int64_t now, int window)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
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
	err = sq_read(h, &st, SQ_RATELIMIT_COUNT,
		      "SELECT count FROM ratelimits"
		      " WHERE key = ?1 AND window_start = ?2",
		      SQ_ARGS(SQ_TEXT(key), SQ_INT(start)));
	if (err <= 0)
		return err;
	*count = sqlite3_column_int64(st, 0);
	sq_done(st);
	return 0;
}

/* Purge */

/* Server keys */

/* 1 with out filled when name has a key, 0 when not, or CAT_E*. */
static int key_read(struct sq *h, const char *name, char out[CAT_KEY_HEX])
{
	sqlite3_stmt *st;
	int err, bad = 0;

	err = sq_read(h, &st, SQ_KEY_GET,
		      "SELECT key_hex FROM server_keys WHERE name = ?1",
		      SQ_ARGS(SQ_TEXT(name)));
	if (err <= 0)
		return err;
	sq_col(st, 0, out, CAT_KEY_HEX, &bad);
	sq_done(st);
	return bad ? cat_error_set(CAT_ERROR, "store: server key too long") : 1;
}

int sq_key_get_or_add(struct cat_store *s, const char *name,
		      const char *fresh_hex, char out[CAT_KEY_HEX])
{
	struct sq *h = sq_of(s);
	int err;

	if ((err = cat_store_check_key(name, CAT_KEY_NAME_MAX, "key name")) <
		    0 ||
	    (err = cat_store_check_key(fresh_hex, CAT_KEY_HEX - 1, "key")) < 0)
		return err;
	if ((err = key_read(h, name, out)) != 0)
		return err < 0 ? err : 0;
	/* the first instance to get here wins; the rest read its key */
	err = sq_write(h, SQ_KEY_ADD,
		       "INSERT OR IGNORE INTO server_keys(name, key_hex,"
		       " created_at) VALUES (?1, ?2, ?3)",
		       SQ_ARGS(SQ_TEXT(name), SQ_TEXT(fresh_hex),
			       SQ_INT((int64_t)time(NULL))));
	if (err < 0 || (err = key_read(h, name, out)) < 0)
		return err;
	return err ? 0 : cat_error_set(CAT_ERROR, "store: server key vanished");
}

int sq_purge(struct cat_store *s, int64_t now)
{
	static const struct {
		enum sq_id id;
		int64_t grace;
		const char *sql;
	} purges[] = {
		{ SQ_PURGE_DEVICE, DEVICE_GRACE,
		  "DELETE FROM device_auths WHERE id IN (SELECT id FROM"
		  " device_auths WHERE expires_at <= ?1 LIMIT ?2)" },
		{ SQ_PURGE_ACCESS, 0,
		  "DELETE FROM access_tokens WHERE token_hash IN (SELECT"
		  " token_hash FROM access_tokens WHERE expires_at <= ?1"
		  " LIMIT ?2)" },
		{ SQ_PURGE_CODE, 0,
		  "DELETE FROM auth_codes WHERE code_hash IN (SELECT code_hash"
		  " FROM auth_codes WHERE expires_at <= ?1 LIMIT ?2)" },
		{ SQ_PURGE_SESSION, 0,
		  "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM"
		  " sessions WHERE expires_at <= ?1 LIMIT ?2)" },
		{ SQ_PURGE_RATELIMIT, 0,
		  "DELETE FROM ratelimits WHERE (key, window_start) IN (SELECT"
		  " key, window_start FROM ratelimits WHERE window_end <= ?1"
		  " LIMIT ?2)" },
	};
	struct sq *h = sq_of(s);
	size_t i;
	int n;

	/* batches in their own transactions let other writers in between */
	for (i = 0; i < sizeof(purges) / sizeof(purges[0]); i++) {
		do {
			n = sq_write(h, purges[i].id, purges[i].sql,
				     SQ_ARGS(SQ_INT(now - purges[i].grace),
					     SQ_INT(PURGE_BATCH)));
			if (n < 0)
				return n;
		} while (n == PURGE_BATCH);
	}
	return 0;
}
