/*
 * The PostgreSQL store's OAuth state: device authorizations, grants, access
 * tokens, codes, sessions, rate limits. A change that must have one winner
 * across instances is a conditional UPDATE: PostgreSQL re-checks its WHERE
 * after waiting for a racing writer's row lock, so the loser matches none.
 */
#include "store_pg.h"

#include <string.h>
#include <time.h>

#include "banned.h"

/*
 * Expired device authorizations stay this long, so a late poller hears
 * "expired" instead of "unknown".
 */
#define DEVICE_GRACE 3600
/* Rows deleted per statement, so purging never holds locks for long. */
#define PURGE_BATCH 1000
/* Advisory-lock class of user codes ("cdev"); the key is their hash. */
#define USER_CODE_LOCK_CLASS "1668441462"

/* Device authorizations */

#define DEVICE_COLS                                                            \
	"id, device_hash, user_code, client_id, scope, device_name,"           \
	" bound_account_id, account_id, status, poll_interval, created_at,"    \
	" expires_at, last_poll_at, client_addr"

static int row_device(const PGresult *r, struct cat_device_auth *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = pg_int(r, 0, 0);
	pg_col(r, 0, 1, out->device_hash, sizeof(out->device_hash), &bad);
	pg_col(r, 0, 2, out->user_code, sizeof(out->user_code), &bad);
	pg_col(r, 0, 3, out->client_id, sizeof(out->client_id), &bad);
	pg_col(r, 0, 4, out->scope, sizeof(out->scope), &bad);
	pg_col(r, 0, 5, out->device_name, sizeof(out->device_name), &bad);
	out->bound_account_id = pg_int(r, 0, 6);
	out->account_id = pg_int(r, 0, 7);
	out->status = (int)pg_int(r, 0, 8);
	out->interval = (int)pg_int(r, 0, 9);
	out->created_at = pg_int(r, 0, 10);
	out->expires_at = pg_int(r, 0, 11);
	out->last_poll_at = pg_int(r, 0, 12);
	pg_col(r, 0, 13, out->client_addr, sizeof(out->client_addr), &bad);
	return bad ? cat_error_set(CAT_ERROR,
				   "store: device authorization row too long")
		   : 0;
}

int pg_device_insert(struct cat_store *s, struct cat_device_auth *d)
{
	struct pg *h = pg_of(s);
	PGresult *r = NULL;
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
	 * Under READ COMMITTED two instances could both pass NOT EXISTS for
	 * the same user code; the lock on the code serialises them, and the
	 * INSERT's snapshot, taken after the lock, sees the winner's row.
	 */
	if ((err = pg_begin(h)) < 0)
		return err;
	if ((err = pg_query(h, NULL, PQ_DEVICE_CODE_LOCK,
			    "SELECT pg_advisory_xact_lock(" USER_CODE_LOCK_CLASS
			    ", hashtext($1))",
			    PG_ARGS(PG_TEXT(d->user_code)))) < 0)
		goto done;
	err = pg_query(
		h, &r, PQ_DEVICE_INSERT,
		"INSERT INTO device_auths(device_hash, user_code,"
		" client_id, scope, device_name, bound_account_id,"
		" account_id, status, poll_interval, created_at,"
		" expires_at, last_poll_at, client_addr)"
		" SELECT $1::text, $2::text, $3::text, $4::text,"
		" $5::text, $6::bigint, $7::bigint, $8::integer,"
		" $9::integer, $10::bigint, $11::bigint, $12::bigint,"
		" $13::text"
		" WHERE NOT EXISTS (SELECT 1 FROM device_auths"
		"  WHERE user_code = $2::text AND expires_at > $10::bigint)"
		" RETURNING id",
		PG_ARGS(PG_TEXT(d->device_hash), PG_TEXT(d->user_code),
			PG_TEXT(d->client_id), PG_TEXT(d->scope),
			PG_TEXT(d->device_name), PG_INT(d->bound_account_id),
			PG_INT(d->account_id), PG_INT((int64_t)d->status),
			PG_INT((int64_t)d->interval), PG_INT(d->created_at),
			PG_INT(d->expires_at), PG_INT(d->last_poll_at),
			PG_TEXT(d->client_addr)));
	if (err == 0 || err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the user code or device code is in use");
	if (err < 0)
		goto done;
	d->id = pg_int(r, 0, 0);
	err = pg_commit(h);
done:
	PQclear(r);
	if (err < 0)
		pg_rollback(h);
	return err;
}

int pg_device_by_user_code(struct cat_store *s, struct cat_device_auth *out,
			   const char *user_code, int64_t now)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(user_code, CAT_USER_CODE_LEN, "user code")) <
	    0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_DEVICE_BY_USER_CODE,
		       "SELECT " DEVICE_COLS " FROM device_auths"
		       " WHERE user_code = $1 AND expires_at > $2"
		       " ORDER BY id DESC LIMIT 1",
		       PG_ARGS(PG_TEXT(user_code), PG_INT(now)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND,
				       "unknown or expired user code")
		       : row_device(r, out);
	PQclear(r);
	return err;
}

int pg_device_by_hash(struct cat_store *s, struct cat_device_auth *out,
		      const char *device_hash)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(device_hash, CAT_HASH_HEX - 1,
				   "device code hash")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_DEVICE_BY_HASH,
		       "SELECT " DEVICE_COLS " FROM device_auths"
		       " WHERE device_hash = $1",
		       PG_ARGS(PG_TEXT(device_hash)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "unknown device code")
		       : row_device(r, out);
	PQclear(r);
	return err;
}

/*
 * Why a conditional update on device authorization id matched nothing:
 * CAT_ENOTFOUND, CAT_ECONFLICT (not in the state `want`), or CAT_EEXPIRED.
 * States only move forward, so reading after the failed update is safe.
 */
static int device_why(struct pg *h, int64_t id, int want, int64_t now)
{
	PGresult *r;
	int64_t expires_at = 0;
	int err, status = 0;

	err = pg_query(h, &r, PQ_DEVICE_STATE,
		       "SELECT status, expires_at FROM device_auths"
		       " WHERE id = $1",
		       PG_ARGS(PG_INT(id)));
	if (err < 0)
		return err;
	if (err == 1) {
		status = (int)pg_int(r, 0, 0);
		expires_at = pg_int(r, 0, 1);
	}
	PQclear(r);
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown device authorization");
	if (status != want)
		return cat_error_set(CAT_ECONFLICT,
				     "the device authorization was already %s",
				     status == CAT_DEV_REDEEMED   ? "redeemed"
				     : status == CAT_DEV_DENIED   ? "denied"
				     : status == CAT_DEV_APPROVED ? "approved"
								  : "changed");
	if (expires_at <= now)
		return cat_error_set(CAT_EEXPIRED,
				     "the device authorization expired");
	return cat_error_set(CAT_ECONFLICT, "the device authorization changed");
}

int pg_device_decide(struct cat_store *s, int64_t id, int64_t account_id,
		     int approve, int64_t now)
{
	struct pg *h = pg_of(s);
	int err;

	/* one statement: its own transaction, one winner */
	err = pg_query(h, NULL, PQ_DEVICE_DECIDE,
		       "UPDATE device_auths SET status = $2, account_id = $3"
		       " WHERE id = $1 AND status = 0 AND expires_at > $4",
		       PG_ARGS(PG_INT(id),
			       PG_INT((int64_t)(approve ? CAT_DEV_APPROVED
							: CAT_DEV_DENIED)),
			       PG_INT(account_id), PG_INT(now)));
	if (err == 0)
		return device_why(h, id, CAT_DEV_PENDING, now);
	return err < 0 ? err : 0;
}

int pg_device_pending(struct cat_store *s, int64_t now, int64_t *count)
{
	PGresult *r;
	int err;

	*count = 0;
	err = pg_query(pg_of(s), &r, PQ_DEVICE_PENDING,
		       "SELECT count(*) FROM device_auths"
		       " WHERE status = 0 AND expires_at > $1",
		       PG_ARGS(PG_INT(now)));
	if (err < 0)
		return err;
	if (err == 1)
		*count = pg_int(r, 0, 0);
	PQclear(r);
	return 0;
}

int pg_device_touch(struct cat_store *s, int64_t id, int64_t now)
{
	int err = pg_query(pg_of(s), NULL, PQ_DEVICE_TOUCH,
			   "UPDATE device_auths SET last_poll_at = $2"
			   " WHERE id = $1",
			   PG_ARGS(PG_INT(id), PG_INT(now)));

	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "unknown device authorization");
	return err < 0 ? err : 0;
}

/* Grants */

static int insert_grant(struct pg *h, const struct cat_grant *g)
{
	int err = pg_query(h, NULL, PQ_GRANT_INSERT,
			   "INSERT INTO grants(token_id, token_hash,"
			   " account_id, client_id, kind, scope, device_name,"
			   " dc, created_at, last_used_at, revoked_at)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			   " $11)",
			   PG_ARGS(PG_TEXT(g->token_id), PG_TEXT(g->token_hash),
				   PG_INT(g->account_id), PG_TEXT(g->client_id),
				   PG_INT((int64_t)g->kind), PG_TEXT(g->scope),
				   PG_TEXT(g->device_name), PG_TEXT(g->dc),
				   PG_INT(g->created_at ? g->created_at
							: (int64_t)time(NULL)),
				   PG_INT(g->last_used_at),
				   PG_INT(g->revoked_at)));

	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a grant with this token id or hash "
				     "already exists");
	if (err == CAT_ENOTFOUND)
		return cat_error_set(CAT_ENOTFOUND,
				     "the grant's account does not exist");
	return err < 0 ? err : 0;
}

static int insert_access(struct pg *h, const struct cat_access *a)
{
	int err = pg_query(h, NULL, PQ_ACCESS_INSERT,
			   "INSERT INTO access_tokens(token_hash, token_id,"
			   " expires_at) VALUES ($1, $2, $3)",
			   PG_ARGS(PG_TEXT(a->token_hash), PG_TEXT(a->token_id),
				   PG_INT(a->expires_at)));

	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this access token already exists");
	if (err == CAT_ENOTFOUND)
		return cat_error_set(CAT_ENOTFOUND,
				     "the access token's grant does not "
				     "exist");
	return err < 0 ? err : 0;
}

int pg_device_redeem(struct cat_store *s, int64_t id,
		     const struct cat_grant *grant,
		     const struct cat_access *access, int64_t now)
{
	struct pg *h = pg_of(s);
	int err;

	if ((err = cat_store_check_grant(grant)) < 0 ||
	    (access && (err = cat_store_check_access(access)) < 0))
		return err;
	if ((err = pg_begin(h)) < 0)
		return err;
	/*
	 * A racing poller on another instance waits here for our row lock,
	 * then re-reads status = 3 and matches nothing: it inserts nothing.
	 */
	err = pg_query(h, NULL, PQ_DEVICE_REDEEM,
		       "UPDATE device_auths SET status = 3, last_poll_at = $2"
		       " WHERE id = $1 AND status = 1",
		       PG_ARGS(PG_INT(id), PG_INT(now)));
	if (err == 0)
		err = device_why(h, id, CAT_DEV_APPROVED, now);
	if (err < 0)
		goto done;
	if ((err = insert_grant(h, grant)) < 0 ||
	    (access && (err = insert_access(h, access)) < 0))
		goto done;
	err = pg_commit(h);
done:
	if (err < 0)
		pg_rollback(h);
	return err;
}

#define GRANT_COLS                                                             \
	"token_id, token_hash, account_id, client_id, kind, scope,"            \
	" device_name, dc, created_at, last_used_at, revoked_at"

static int row_grant(const PGresult *r, int row, struct cat_grant *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, row, 0, out->token_id, sizeof(out->token_id), &bad);
	pg_col(r, row, 1, out->token_hash, sizeof(out->token_hash), &bad);
	out->account_id = pg_int(r, row, 2);
	pg_col(r, row, 3, out->client_id, sizeof(out->client_id), &bad);
	out->kind = (int)pg_int(r, row, 4);
	pg_col(r, row, 5, out->scope, sizeof(out->scope), &bad);
	pg_col(r, row, 6, out->device_name, sizeof(out->device_name), &bad);
	pg_col(r, row, 7, out->dc, sizeof(out->dc), &bad);
	out->created_at = pg_int(r, row, 8);
	out->last_used_at = pg_int(r, row, 9);
	out->revoked_at = pg_int(r, row, 10);
	return bad ? cat_error_set(CAT_ERROR, "store: grant row too long") : 0;
}

int pg_grant_insert(struct cat_store *s, const struct cat_grant *g)
{
	int err;

	if ((err = cat_store_check_grant(g)) < 0)
		return err;
	return insert_grant(pg_of(s), g);
}

int pg_grant_by_hash(struct cat_store *s, struct cat_grant *out,
		     const char *token_hash)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(token_hash, CAT_HASH_HEX - 1,
				   "token hash")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_GRANT_BY_HASH,
		       "SELECT " GRANT_COLS
		       " FROM grants WHERE token_hash = $1",
		       PG_ARGS(PG_TEXT(token_hash)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "unknown token")
		       : row_grant(r, 0, out);
	PQclear(r);
	return err;
}

int pg_grant_by_id(struct cat_store *s, struct cat_grant *out,
		   const char *token_id)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_GRANT_BY_ID,
		       "SELECT " GRANT_COLS " FROM grants WHERE token_id = $1",
		       PG_ARGS(PG_TEXT(token_id)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "unknown token id")
		       : row_grant(r, 0, out);
	PQclear(r);
	return err;
}

int pg_grant_list(struct cat_store *s, int64_t account_id, cat_grant_cb cb,
		  void *ctx)
{
	struct cat_grant g;
	PGresult *r;
	int err, n, i;

	n = pg_query(pg_of(s), &r, PQ_GRANT_LIST,
		     "SELECT " GRANT_COLS " FROM grants"
		     " WHERE account_id = $1 AND revoked_at = 0"
		     " ORDER BY created_at DESC, token_id DESC",
		     PG_ARGS(PG_INT(account_id)));
	if (n < 0)
		return n;
	/* all rows are in memory: a callback may call back into the store */
	for (err = 0, i = 0; i < n && err == 0; i++)
		if ((err = row_grant(r, i, &g)) == 0)
			err = cb(&g, ctx);
	PQclear(r);
	return err;
}

int pg_grant_revoke(struct cat_store *s, const char *token_id, int64_t now)
{
	struct pg *h = pg_of(s);
	int err;

	if ((err = cat_store_check(token_id, CAT_TOKEN_ID_LEN, "token id")) < 0)
		return err;
	/* revoked_at 0 means active, so a revocation must never write 0 */
	if (now <= 0)
		now = time(NULL);
	/* only the first revocation sets the time */
	err = pg_query(h, NULL, PQ_GRANT_REVOKE,
		       "UPDATE grants SET revoked_at = $2"
		       " WHERE token_id = $1 AND revoked_at = 0",
		       PG_ARGS(PG_TEXT(token_id), PG_INT(now)));
	if (err == 0) {
		/* grants are never deleted: absent now means never existed */
		err = pg_query(h, NULL, PQ_GRANT_EXISTS,
			       "SELECT 1 FROM grants WHERE token_id = $1",
			       PG_ARGS(PG_TEXT(token_id)));
		if (err == 0)
			err = cat_error_set(CAT_ENOTFOUND, "unknown token id");
	}
	return err < 0 ? err : 0;
}

int pg_grant_touch_batch(struct cat_store *s, const struct cat_touch *items,
			 size_t n)
{
	struct pg *h = pg_of(s);
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		if ((err = cat_store_check(items[i].token_id, CAT_TOKEN_ID_LEN,
					   "token id")) < 0)
			return err;
	if (n == 0)
		return 0;
	if ((err = pg_begin(h)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		/* max(): a flush that lost a race with a newer one is a no-op
		 */
		err = pg_query(h, NULL, PQ_GRANT_TOUCH,
			       "UPDATE grants SET last_used_at = $2"
			       " WHERE token_id = $1 AND last_used_at < $2",
			       PG_ARGS(PG_TEXT(items[i].token_id),
				       PG_INT(items[i].at)));
		if (err < 0)
			goto done;
	}
	err = pg_commit(h);
done:
	if (err < 0)
		pg_rollback(h);
	return err < 0 ? err : 0;
}

/* Access tokens */

int pg_access_insert(struct cat_store *s, const struct cat_access *a)
{
	int err;

	if ((err = cat_store_check_access(a)) < 0)
		return err;
	return insert_access(pg_of(s), a);
}

static int row_principal(const PGresult *r, struct cat_principal *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->account_id = pg_int(r, 0, 0);
	pg_col(r, 0, 1, out->token_id, sizeof(out->token_id), &bad);
	pg_col(r, 0, 2, out->client_id, sizeof(out->client_id), &bad);
	out->expires_at = pg_int(r, 0, 3);
	out->grant_last_used_at = pg_int(r, 0, 4);
	return bad ? cat_error_set(CAT_ERROR, "store: grant row too long") : 0;
}

int pg_access_validate(struct cat_store *s, struct cat_principal *out,
		       const char *token_hash, int64_t now)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(token_hash, CAT_HASH_HEX - 1,
				   "access token hash")) < 0)
		return err;
	/*
	 * The hot path: one round trip, two primary-key lookups, no write.
	 * Reading the grant every time is what makes a revocation on any
	 * instance effective at once on every other.
	 */
	err = pg_query(pg_of(s), &r, PQ_ACCESS_VALIDATE,
		       "SELECT g.account_id, g.token_id, g.client_id,"
		       " a.expires_at, g.last_used_at"
		       " FROM access_tokens a"
		       " JOIN grants g ON g.token_id = a.token_id"
		       " WHERE a.token_hash = $1 AND a.expires_at > $2"
		       " AND g.revoked_at = 0",
		       PG_ARGS(PG_TEXT(token_hash), PG_INT(now)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND,
				       "unknown, expired or revoked token")
		       : row_principal(r, out);
	PQclear(r);
	return err;
}

/* Authorization codes */

int pg_code_insert(struct cat_store *s, const struct cat_auth_code *c)
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
	err = pg_query(pg_of(s), NULL, PQ_CODE_INSERT,
		       "INSERT INTO auth_codes(code_hash, client_id,"
		       " account_id, redirect_uri, scope, code_challenge,"
		       " expires_at, used) VALUES ($1, $2, $3, $4, $5, $6, $7,"
		       " $8)",
		       PG_ARGS(PG_TEXT(c->code_hash), PG_TEXT(c->client_id),
			       PG_INT(c->account_id), PG_TEXT(c->redirect_uri),
			       PG_TEXT(c->scope), PG_TEXT(c->code_challenge),
			       PG_INT(c->expires_at),
			       PG_INT((int64_t)(c->used != 0))));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this authorization code already exists");
	return err < 0 ? err : 0;
}

static int row_code(const PGresult *r, struct cat_auth_code *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, 0, 0, out->code_hash, sizeof(out->code_hash), &bad);
	pg_col(r, 0, 1, out->client_id, sizeof(out->client_id), &bad);
	out->account_id = pg_int(r, 0, 2);
	pg_col(r, 0, 3, out->redirect_uri, sizeof(out->redirect_uri), &bad);
	pg_col(r, 0, 4, out->scope, sizeof(out->scope), &bad);
	pg_col(r, 0, 5, out->code_challenge, sizeof(out->code_challenge), &bad);
	out->expires_at = pg_int(r, 0, 6);
	out->used = (int)pg_int(r, 0, 7);
	return bad ? cat_error_set(CAT_ERROR, "store: code row too long") : 0;
}

int pg_code_redeem(struct cat_store *s, struct cat_auth_code *out,
		   const char *code_hash, int64_t now)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(code_hash, CAT_HASH_HEX - 1, "code hash")) <
	    0)
		return err;
	/* one statement: the use and the read are atomic, one winner */
	err = pg_query(pg_of(s), &r, PQ_CODE_REDEEM,
		       "UPDATE auth_codes SET used = 1"
		       " WHERE code_hash = $1 AND used = 0 AND expires_at > $2"
		       " RETURNING code_hash, client_id, account_id,"
		       " redirect_uri, scope, code_challenge, expires_at, used",
		       PG_ARGS(PG_TEXT(code_hash), PG_INT(now)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND,
				       "unknown, expired or already used "
				       "authorization code")
		       : row_code(r, out);
	PQclear(r);
	return err;
}

/* Web sessions */

int pg_session_insert(struct cat_store *s, const struct cat_session *se)
{
	int err;

	if ((err = cat_store_check_key(se->id_hash, CAT_HASH_HEX - 1,
				       "session hash")) < 0 ||
	    (err = cat_store_check(se->csrf, sizeof(se->csrf) - 1,
				   "CSRF token")) < 0)
		return err;
	err = pg_query(pg_of(s), NULL, PQ_SESSION_INSERT,
		       "INSERT INTO sessions(id_hash, account_id, csrf,"
		       " created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
		       PG_ARGS(PG_TEXT(se->id_hash), PG_INT(se->account_id),
			       PG_TEXT(se->csrf),
			       PG_INT(se->created_at ? se->created_at
						     : (int64_t)time(NULL)),
			       PG_INT(se->expires_at)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "this session already exists");
	return err < 0 ? err : 0;
}

static int row_session(const PGresult *r, struct cat_session *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, 0, 0, out->id_hash, sizeof(out->id_hash), &bad);
	out->account_id = pg_int(r, 0, 1);
	pg_col(r, 0, 2, out->csrf, sizeof(out->csrf), &bad);
	out->created_at = pg_int(r, 0, 3);
	out->expires_at = pg_int(r, 0, 4);
	return bad ? cat_error_set(CAT_ERROR, "store: session row too long")
		   : 0;
}

int pg_session_get(struct cat_store *s, struct cat_session *out,
		   const char *id_hash, int64_t now)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(id_hash, CAT_HASH_HEX - 1, "session hash")) <
	    0)
		return err;
	err = pg_query(
		pg_of(s), &r, PQ_SESSION_GET,
		"SELECT id_hash, account_id, csrf, created_at, expires_at"
		" FROM sessions WHERE id_hash = $1 AND expires_at > $2",
		PG_ARGS(PG_TEXT(id_hash), PG_INT(now)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND,
				       "unknown or expired session")
		       : row_session(r, out);
	PQclear(r);
	return err;
}

/* Idempotent: signing out of a session that is already gone is fine. */
int pg_session_delete(struct cat_store *s, const char *id_hash)
{
	int err;

	if ((err = cat_store_check(id_hash, CAT_HASH_HEX - 1, "session hash")) <
	    0)
		return err;
	err = pg_query(pg_of(s), NULL, PQ_SESSION_DELETE,
		       "DELETE FROM sessions WHERE id_hash = $1",
		       PG_ARGS(PG_TEXT(id_hash)));
	return err < 0 ? err : 0;
}

/* Rate limits */

int pg_ratelimit_hit(struct cat_store *s, int *allowed, const char *key,
		     int64_t now, int window, int limit)
{
	PGresult *r;
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
	/* one statement: instances counting the same key never lose a hit */
	err = pg_query(pg_of(s), &r, PQ_RATELIMIT_HIT,
		       "INSERT INTO ratelimits(key, window_start, window_end,"
		       " count) VALUES ($1, $2, $3, 1)"
		       " ON CONFLICT (key, window_start)"
		       " DO UPDATE SET count = ratelimits.count + 1"
		       " RETURNING count",
		       PG_ARGS(PG_TEXT(key), PG_INT(start),
			       PG_INT(start + (int64_t)window)));
	if (err < 0)
		return err;
	count = err == 1 ? pg_int(r, 0, 0) : -1;
	PQclear(r);
	if (count < 0)
		return cat_error_set(CAT_ERROR, "store: rate-limit upsert "
						"returned nothing");
	*allowed = count <= limit;
	return 0;
}

int pg_ratelimit_count(struct cat_store *s, int64_t *count, const char *key,
		       int64_t now, int window)
{
	PGresult *r;
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
	err = pg_query(pg_of(s), &r, PQ_RATELIMIT_COUNT,
		       "SELECT count FROM ratelimits"
		       " WHERE key = $1 AND window_start = $2",
		       PG_ARGS(PG_TEXT(key), PG_INT(start)));
	if (err < 0)
		return err;
	if (err == 1)
		*count = pg_int(r, 0, 0);
	PQclear(r);
	return 0;
}

/* Server keys */

/* 1 with out filled when name has a key, 0 when not, or CAT_E*. */
static int key_read(struct pg *h, const char *name, char out[CAT_KEY_HEX])
{
	PGresult *r;
	int err, bad = 0;

	err = pg_query(h, &r, PQ_KEY_GET,
		       "SELECT key_hex FROM server_keys WHERE name = $1",
		       PG_ARGS(PG_TEXT(name)));
	if (err < 0)
		return err;
	if (err == 1)
		pg_col(r, 0, 0, out, CAT_KEY_HEX, &bad);
	PQclear(r);
	if (bad)
		return cat_error_set(CAT_ERROR, "store: server key too long");
	return err;
}

int pg_key_get_or_add(struct cat_store *s, const char *name,
		      const char *fresh_hex, char out[CAT_KEY_HEX])
{
	struct pg *h = pg_of(s);
	int err;

	if ((err = cat_store_check_key(name, CAT_KEY_NAME_MAX, "key name")) <
		    0 ||
	    (err = cat_store_check_key(fresh_hex, CAT_KEY_HEX - 1, "key")) < 0)
		return err;
	if ((err = key_read(h, name, out)) != 0)
		return err < 0 ? err : 0;
	/* the first instance to get here wins; the rest read its key */
	err = pg_query(h, NULL, PQ_KEY_ADD,
		       "INSERT INTO server_keys(name, key_hex, created_at)"
		       " VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
		       PG_ARGS(PG_TEXT(name), PG_TEXT(fresh_hex),
			       PG_INT((int64_t)time(NULL))));
	if (err < 0 || (err = key_read(h, name, out)) < 0)
		return err;
	return err ? 0 : cat_error_set(CAT_ERROR, "store: server key vanished");
}

/* Purge */

int pg_purge(struct cat_store *s, int64_t now)
{
	static const struct {
		enum pq_id id;
		int64_t grace;
		const char *sql;
	} purges[] = {
		{ PQ_PURGE_DEVICE, DEVICE_GRACE,
		  "DELETE FROM device_auths WHERE id IN (SELECT id FROM"
		  " device_auths WHERE expires_at <= $1 LIMIT $2)" },
		{ PQ_PURGE_ACCESS, 0,
		  "DELETE FROM access_tokens WHERE token_hash IN (SELECT"
		  " token_hash FROM access_tokens WHERE expires_at <= $1"
		  " LIMIT $2)" },
		{ PQ_PURGE_CODE, 0,
		  "DELETE FROM auth_codes WHERE code_hash IN (SELECT code_hash"
		  " FROM auth_codes WHERE expires_at <= $1 LIMIT $2)" },
		{ PQ_PURGE_SESSION, 0,
		  "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM"
		  " sessions WHERE expires_at <= $1 LIMIT $2)" },
		{ PQ_PURGE_RATELIMIT, 0,
		  "DELETE FROM ratelimits WHERE (key, window_start) IN (SELECT"
		  " key, window_start FROM ratelimits WHERE window_end <= $1"
		  " LIMIT $2)" },
	};
	struct pg *h = pg_of(s);
	size_t i;
	int n;

	/*
	 * Each batch is its own transaction, so writers get in between. Two
	 * instances purging at once just delete fewer rows each.
	 */
	for (i = 0; i < sizeof(purges) / sizeof(purges[0]); i++) {
		do {
			n = pg_query(h, NULL, purges[i].id, purges[i].sql,
				     PG_ARGS(PG_INT(now - purges[i].grace),
					     PG_INT((int64_t)PURGE_BATCH)));
			if (n < 0)
				return n;
		} while (n == PURGE_BATCH);
	}
	return 0;
}
