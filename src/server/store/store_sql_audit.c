/*
 * The audit trail of the SQL store: security events, each one row, kept
 * until purge finds it older than the retention. Written once over
 * store_db.h like every operation; contracts in store.h.
 */
#include "store_sql.h"

#include <string.h>
#include <time.h>

#include "banned.h"

/* Rows one purge statement deletes, so other writers get in between. */
#define AUDIT_PURGE_BATCH 1000

#define AUDIT_INSERT                                                           \
	"INSERT INTO audit_events"                                             \
	" (at, event, actor, account_id, token_id, client_id, addr)"

int sql_audit_insert(struct db *db, const struct cat_audit *e)
{
	int err = db_write(db, SL_AUDIT_ADD,
			   AUDIT_INSERT " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			   DB_ARGS(DB_INT(e->at > 0 ? e->at : time(NULL)),
				   DB_TEXT(e->event), DB_TEXT(e->actor),
				   DB_INT(e->account_id), DB_TEXT(e->token_id),
				   DB_TEXT(e->client_id), DB_TEXT(e->addr)));

	return err < 0 ? err : 0;
}

int sql_audit_grants(struct db *db, int64_t account_id, const char *client_id,
		     const char *actor, int64_t now)
{
	int err;

	/* the grants' own rows name them: nothing is read back here */
	if (client_id)
		err = db_write(db, SL_AUDIT_CLIENT_GRANTS,
			       AUDIT_INSERT
			       " SELECT ?2, 'token_revoked', CAST(?3 AS TEXT),"
			       " account_id, token_id, client_id, ''"
			       " FROM grants WHERE client_id = ?1"
			       " AND revoked_at = 0",
			       DB_ARGS(DB_TEXT(client_id), DB_INT(now),
				       DB_TEXT(actor)));
	else
		err = db_write(db, SL_AUDIT_ACCOUNT_GRANTS,
			       AUDIT_INSERT
			       " SELECT ?2, 'token_revoked', CAST(?3 AS TEXT),"
			       " account_id, token_id, client_id, ''"
			       " FROM grants WHERE account_id = ?1"
			       " AND revoked_at = 0",
			       DB_ARGS(DB_INT(account_id), DB_INT(now),
				       DB_TEXT(actor)));
	return err < 0 ? err : 0;
}

static int audit_add_tx(struct db *db, void *arg)
{
	return sql_audit_insert(db, arg);
}

int sql_audit_add(struct cat_store *s, const struct cat_audit *e)
{
	int err = cat_store_check_audit(e);

	if (err < 0)
		return err;
	return sql_tx(s, audit_add_tx, (void *)e, SQL_TX_ONE);
}

static int row_audit(const struct db_cur *c, struct cat_audit *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = db_int(c, 0);
	out->at = db_int(c, 1);
	db_text(c, 2, out->event, sizeof(out->event), &bad);
	db_text(c, 3, out->actor, sizeof(out->actor), &bad);
	out->account_id = db_int(c, 4);
	db_text(c, 5, out->token_id, sizeof(out->token_id), &bad);
	db_text(c, 6, out->client_id, sizeof(out->client_id), &bad);
	db_text(c, 7, out->addr, sizeof(out->addr), &bad);
	db_text(c, 8, out->email, sizeof(out->email), &bad);
	return bad ? cat_error_set(CAT_ERROR, "store: audit row too long") : 0;
}

#define AUDIT_SELECT                                                           \
	"SELECT e.id, e.at, e.event, e.actor, e.account_id, e.token_id,"       \
	" e.client_id, e.addr, COALESCE(a.email, '')"                          \
	" FROM audit_events e LEFT JOIN accounts a ON a.id = e.account_id"

int sql_audit_list(struct cat_store *s, int64_t account_id, int64_t since,
		   size_t limit, cat_audit_cb cb, void *ctx)
{
	struct db *db = db_of(s);
	struct cat_audit e;
	struct db_cur c;
	int err;

	if (limit == 0)
		return 0;
	if (limit > (size_t)INT64_MAX)
		limit = INT64_MAX;
	/* two statements rather than "?1 = 0 OR": each keeps its index */
	if (account_id)
		err = db_read(db, &c, SL_AUDIT_LIST_ACCOUNT,
			      AUDIT_SELECT " WHERE e.account_id = ?1"
					   " AND e.at >= ?2"
					   " ORDER BY e.at DESC, e.id DESC"
					   " LIMIT ?3",
			      DB_ARGS(DB_INT(account_id), DB_INT(since),
				      DB_INT(limit)));
	else
		err = db_read(db, &c, SL_AUDIT_LIST,
			      AUDIT_SELECT " WHERE e.at >= ?1"
					   " ORDER BY e.at DESC, e.id DESC"
					   " LIMIT ?2",
			      DB_ARGS(DB_INT(since), DB_INT(limit)));
	while (err == 1) {
		if ((err = row_audit(&c, &e)) < 0 || (err = cb(&e, ctx)) != 0)
			break;
		err = db_next(&c);
	}
	db_done(&c);
	return err;
}

int sql_audit_purge(struct db *db, int64_t before)
{
	int n;

	do {
		n = db_write(
			db, SL_PURGE_AUDIT,
			"DELETE FROM audit_events WHERE id IN (SELECT id"
			" FROM audit_events WHERE at < ?1 LIMIT ?2)",
			DB_ARGS(DB_INT(before), DB_INT(AUDIT_PURGE_BATCH)));
		if (n < 0)
			return n;
	} while (n == AUDIT_PURGE_BATCH);
	return 0;
}
