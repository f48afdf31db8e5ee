/*
 * The PostgreSQL driver, for several catalystd instances on one database:
 * one libpq connection per handle (so per worker thread), connecting and
 * reconnecting, named prepared statements per connection, and the one
 * place where SQLSTATEs become CAT_E* codes.
 */
#include "store_db.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_util.h"
#include "banned.h"

/* After a failed connect, requests fail fast this long before the next. */
#define RECONNECT_BACKOFF_MS 500
#define SLOT_BEGIN           (DB_SLOTS)
#define SLOT_COMMIT          (DB_SLOTS + 1)
#define SLOT__COUNT          (DB_SLOTS + 2)
/* renaming placeholders keeps the length: the longest statement fits */
#define SQL_MAX 4096

struct pg {
	struct db base;  /* first: a struct db * is a struct pg * */
	PGconn *conn;    /* NULL only while opening */
	char *url;       /* holds the password: never in a message */
	char where[192]; /* "host:port/dbname": safe to print */
	unsigned char prepared[SLOT__COUNT]; /* on the current connection */
	int in_tx;        /* between begin and commit/rollback */
	int broken;       /* replace the connection before the next op */
	int64_t retry_at; /* CLOCK_MONOTONIC ms: no reconnect before */
};

static struct pg *pg(struct db *db)
{
	return (struct pg *)db;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq's messages span lines ("\n\tIs the server running..."): one line. */
static void one_line(char *dst, size_t size, const char *msg)
{
	size_t i, n = 0;
	int space = 0;

	for (i = 0; msg && msg[i] && n + 1 < size; i++) {
		if (msg[i] == '\n' || msg[i] == '\t' || msg[i] == '\r') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < size)
			dst[n++] = ' ';
		space = 0;
		dst[n++] = msg[i];
	}
	dst[n] = '\0';
}

/*
 * Server notices (a terminating backend's farewell, "there is no
 * transaction in progress") would go to stderr by default.
 */
static void notice(void *arg, const char *msg)
{
	char line[256];

	(void)arg;
	one_line(line, sizeof(line), msg);
	cat_log_debug("store: postgres says: %s", line);
}

static int pg_connect(struct pg *h)
{
	/*
	 * Defaults first, then the URL (expand_dbname): libpq lets later
	 * keywords win, so anything the URL sets overrides these.
	 */
	static const char *const keys[] = {
		"connect_timeout",
		"keepalives_idle",
		"keepalives_interval",
		"keepalives_count",
		"tcp_user_timeout",
		"fallback_application_name",
		"dbname",
		NULL,
	};
	/* a dead peer is noticed within about a minute, idle or mid-query */
	const char *vals[] = { "5",     "30",        "10",   "3",
			       "30000", "catalystd", h->url, NULL };
	char msg[320];
	int64_t now = mono_ms();

	if (h->conn && now < h->retry_at)
		return cat_error_set(CAT_EUNAVAIL,
				     "store: PostgreSQL at %s is unreachable; "
				     "retrying shortly",
				     h->where);
	memset(h->prepared, 0, sizeof(h->prepared));
	h->in_tx = 0;
	h->broken = 0;
	if (h->conn) {
		PQreset(h->conn);
	} else {
		h->conn = PQconnectdbParams(keys, vals, 1);
		if (!h->conn)
			return cat_error_set(CAT_ERROR, "out of memory");
		PQsetNoticeProcessor(h->conn, notice, NULL);
	}
	if (PQstatus(h->conn) != CONNECTION_OK) {
		h->retry_at = now + RECONNECT_BACKOFF_MS;
		one_line(msg, sizeof(msg), PQerrorMessage(h->conn));
		return cat_error_set(CAT_EUNAVAIL,
				     "store: cannot connect to PostgreSQL at "
				     "%s: %s",
				     h->where, msg);
	}
	return 0;
}

/*
 * An idle connection whose server went away (restart, failover, idle
 * timeout) has the goodbye and the EOF waiting in its socket. Reading them
 * now costs one poll() and saves the request from failing on a connection
 * that is already known dead.
 */
static int peer_gone(struct pg *h)
{
	struct pollfd p = { .fd = PQsocket(h->conn), .events = POLLIN };
	int i;

	if (p.fd < 0)
		return 1;
	for (i = 0; i < 4; i++) {
		if (poll(&p, 1, 0) <= 0)
			return 0;
		if (!PQconsumeInput(h->conn) ||
		    PQstatus(h->conn) != CONNECTION_OK)
			return 1;
	}
	return 0;
}

/*
 * Makes the connection usable for the next statement. Inside a
 * transaction a lost connection is an error, never a silent reconnect: the
 * rest of the transaction would then commit on its own.
 */
static int pg_ready(struct pg *h)
{
	if (h->in_tx) {
		if (!h->broken && PQstatus(h->conn) == CONNECTION_OK)
			return 0;
		return cat_error_set(CAT_EUNAVAIL,
				     "store: lost the connection to PostgreSQL "
				     "at %s mid-transaction",
				     h->where);
	}
	if (!h->broken && PQstatus(h->conn) == CONNECTION_OK && !peer_gone(h))
		return 0;
	return pg_connect(h);
}

/* Is this SQLSTATE a sign that the connection itself is gone or unusable? */
static int state_is_connection(const char *state)
{
	/* 08: connection exception; 57P01-57P03: the server is shutting
	 * down or starting; 25006: a read-only server (a standby after a
	 * failover), which a new connection may not be */
	return strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0 ||
	       strcmp(state, "25006") == 0;
}

/*
 * Maps a failed statement to a CAT_E* code and sets the message. Only the
 * primary message is used: DETAIL lines quote the offending values.
 */
static int pg_fail(struct pg *h, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *primary =
		r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[320];

	one_line(msg, sizeof(msg), primary ? primary : PQerrorMessage(h->conn));
	if (PQstatus(h->conn) != CONNECTION_OK || !state ||
	    state_is_connection(state)) {
		h->broken = 1;
		return cat_error_set(CAT_EUNAVAIL,
				     "store: PostgreSQL at %s is unavailable: "
				     "%s",
				     h->where, msg);
	}
	/* "cached plan must not change result type": another instance
	 * migrated the schema under our prepared statements; a new
	 * connection prepares them again */
	if (strcmp(state, "0A000") == 0) {
		h->broken = 1;
		return cat_error_set(
			CAT_EUNAVAIL,
			"store: the schema changed under a prepared "
			"statement: %s",
			msg);
	}
	/* 53: out of connections, memory or disk; 57014: statement_timeout;
	 * 40: serialization failure or deadlock; 55P03: lock timeout. All
	 * pass, so "retry shortly" is the truth. */
	if (strncmp(state, "53", 2) == 0 || strcmp(state, "57014") == 0 ||
	    strncmp(state, "40", 2) == 0 || strcmp(state, "55P03") == 0)
		return cat_error_set(CAT_EUNAVAIL,
				     "store: PostgreSQL is busy: "
				     "%s (SQLSTATE %s)",
				     msg, state);
	if (strcmp(state, "23505") == 0)
		return cat_error_set(CAT_EEXISTS, "store: %s", msg);
	if (strcmp(state, "23503") == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "store: it refers to an account, org, "
				     "project or grant that does not exist");
	if (strncmp(state, "23", 2) == 0)
		return cat_error_set(CAT_EINVAL, "store: %s", msg);
	/* data exceptions quote the value in the primary message too */
	if (strcmp(state, "22021") == 0)
		return cat_error_set(CAT_EINVAL,
				     "store: a text value is not valid UTF-8");
	if (strncmp(state, "22", 2) == 0)
		return cat_error_set(CAT_EINVAL,
				     "store: a value is malformed or out of "
				     "range (SQLSTATE %s)",
				     state);
	return cat_error_set(CAT_ERROR, "store: %s (SQLSTATE %s)", msg, state);
}

/*
 * The store's SQL uses ?N placeholders (SQLite's); PostgreSQL wants $N.
 * Quoted literals are copied as they are.
 */
static int rename_params(char *dst, size_t size, const char *sql)
{
	size_t n = 0;
	char quote = 0;

	for (; *sql; sql++) {
		char c = *sql;

		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '?') {
			c = '$';
		}
		if (n + 1 >= size)
			return cat_error_set(CAT_ERROR,
					     "store: statement too long");
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

static int prepare(struct pg *h, int slot, const char *name, const char *sql)
{
	char text[SQL_MAX];
	PGresult *r;
	int err;

	if (h->prepared[slot])
		return 0;
	if ((err = rename_params(text, sizeof(text), sql)) < 0)
		return err;
	/* no parameter types: the server infers them from the SQL */
	r = PQprepare(h->conn, name, text, 0, NULL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		err = pg_fail(h, r);
	else
		h->prepared[slot] = 1;
	PQclear(r);
	return err;
}

/* The count in a command tag ("UPDATE 3", "INSERT 0 1"); "" is 0. */
static int tag_count(const PGresult *r)
{
	const char *t = PQcmdTuples((PGresult *)r);
	long v = 0;

	for (; *t >= '0' && *t <= '9' && v < INT32_MAX / 10; t++)
		v = v * 10 + (*t - '0');
	return (int)v;
}

/*
 * The whole result is in memory before the caller sees a row, so a list
 * callback may call back into the store, even the same operation.
 */
static int pg_run(struct db *db, struct db_cur *cur, int slot, const char *sql,
		  const struct db_val *args, size_t n)
{
	struct pg *h = pg(db);
	char nums[DB_MAX_ARGS][24], name[16];
	const char *vals[DB_MAX_ARGS];
	PGresult *r = NULL;
	ExecStatusType st;
	struct timespec t0;
	size_t i;
	int err;

	if (cur)
		memset(cur, 0, sizeof(*cur));
	if (n > DB_MAX_ARGS)
		return cat_error_set(CAT_ERROR, "store: too many parameters");
	if (slot < 0 || slot >= SLOT__COUNT)
		return cat_error_set(CAT_ERROR, "store: bad statement slot");
	for (i = 0; i < n; i++) {
		if (args[i].text) {
			vals[i] = args[i].text;
		} else {
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64,
				 args[i].num);
			vals[i] = nums[i];
		}
	}
	snprintf(name, sizeof(name), "cat%d", slot);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = pg_ready(h)) < 0 ||
	    (err = prepare(h, slot, name, sql)) < 0) {
		cat_store_time_since(&t0);
		return err;
	}
	r = PQexecPrepared(h->conn, name, (int)n, vals, NULL, NULL, 0);
	cat_store_time_since(&t0);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK && cur) {
		err = PQntuples(r) > 0;
		if (err) {
			cur->db = db;
			cur->res = r;
			cur->rows = PQntuples(r);
			return 1;
		}
	} else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		err = st == PGRES_TUPLES_OK ? PQntuples(r) : tag_count(r);
	} else {
		err = pg_fail(h, r);
	}
	PQclear(r);
	return err;
}

static int pg_next(struct db_cur *cur)
{
	return ++cur->row < cur->rows;
}

static void pg_done(struct db_cur *cur)
{
	PQclear(cur->res);
	memset(cur, 0, sizeof(*cur));
}

static int64_t pg_col_int(const struct db_cur *cur, int i)
{
	if (PQgetisnull(cur->res, cur->row, i))
		return 0;
	return (int64_t)strtoll(PQgetvalue(cur->res, cur->row, i), NULL, 10);
}

static void pg_col_text(const struct db_cur *cur, int i, char *dst, size_t size,
			int *bad)
{
	const PGresult *r = cur->res;
	size_t n = PQgetisnull(r, cur->row, i)
			   ? 0
			   : (size_t)PQgetlength(r, cur->row, i);

	if (n >= size) {
		*bad = 1;
		dst[0] = '\0';
		return;
	}
	if (n)
		memcpy(dst, PQgetvalue(r, cur->row, i), n);
	dst[n] = '\0';
}

static int pg_begin(struct db *db)
{
	int err = pg_run(db, NULL, SLOT_BEGIN, "BEGIN", DB_NOARGS);

	if (err < 0)
		return err;
	pg(db)->in_tx = 1;
	return 0;
}

static int pg_commit(struct db *db)
{
	int err = pg_run(db, NULL, SLOT_COMMIT, "COMMIT", DB_NOARGS);

	/* a failed COMMIT ends the transaction too */
	pg(db)->in_tx = 0;
	return err < 0 ? err : 0;
}

static void pg_rollback(struct db *db)
{
	struct pg *h = pg(db);
	PGresult *r;

	if (!h->in_tx)
		return;
	h->in_tx = 0;
	if (h->broken || PQstatus(h->conn) != CONNECTION_OK ||
	    PQtransactionStatus(h->conn) == PQTRANS_IDLE)
		return;
	/* not through pg_run: the caller's error message must survive */
	r = PQexec(h->conn, "ROLLBACK");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		h->broken = 1;
	PQclear(r);
}

/*
 * Under READ COMMITTED, two transactions can both pass a NOT EXISTS check
 * for the same value; a transaction-scoped advisory lock on (class, hash
 * of the key) serialises them until the first one ends.
 */
static int pg_lock(struct db *db, int slot, int64_t lock_class, const char *key)
{
	int err = pg_run(db, NULL, slot,
			 "SELECT pg_advisory_xact_lock(CAST(?1 AS INTEGER),"
			 " hashtext(?2))",
			 DB_ARGS(DB_INT(lock_class), DB_TEXT(key)));

	return err < 0 ? err : 0;
}

static int pg_script(struct db *db, const char *sql)
{
	struct pg *h = pg(db);
	struct timespec t0;
	PGresult *r;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = pg_ready(h)) < 0) {
		cat_store_time_since(&t0);
		return err;
	}
	r = PQexec(h->conn, sql);
	cat_store_time_since(&t0);
	if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK &&
		   PQresultStatus(r) != PGRES_TUPLES_OK))
		err = pg_fail(h, r);
	PQclear(r);
	return err;
}

static void pg_close(struct db *db)
{
	struct pg *h = pg(db);

	if (!h)
		return;
	PQfinish(h->conn);
	free(h->url);
	free(h);
}

/*
 * "host:port/dbname" for messages, from the parsed URL: the URL itself
 * may carry a password.
 */
static int describe(char *out, size_t n, const char *url)
{
	const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
	PQconninfoOption *opts, *o;
	char *errmsg = NULL;

	if (!(opts = PQconninfoParse(url, &errmsg))) {
		/* libpq's message may quote the URL, password included */
		PQfreemem(errmsg);
		return cat_error_set(
			CAT_EINVAL, "the PostgreSQL URL is malformed (expected "
				    "postgres://USER[:PASSWORD]@HOST[:PORT]/"
				    "DB[?PARAM=VALUE...])");
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "host") == 0 ||
		    (strcmp(o->keyword, "hostaddr") == 0 && !host))
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
	}
	snprintf(out, n, "%.60s:%.20s/%.60s", host ? host : "localhost",
		 port ? port : "5432",
		 db     ? db
		 : user ? user
			: "(default)");
	PQconninfoFree(opts);
	return 0;
}

static int pg_open(struct db **out, const char *url)
{
	struct pg *h = NULL;
	int err;

	*out = NULL;
	if (!url || !*url)
		return cat_error_set(CAT_EINVAL, "no PostgreSQL URL");
	if (!(h = calloc(1, sizeof(*h))) || !(h->url = strdup(url))) {
		err = cat_error_set(CAT_ERROR, "out of memory");
		goto done;
	}
	h->base.drv = &db_pg_driver;
	if ((err = describe(h->where, sizeof(h->where), url)) < 0 ||
	    (err = pg_connect(h)) < 0)
		goto done;
	*out = &h->base;
	h = NULL;
done:
	if (h)
		pg_close(&h->base);
	return err;
}

const struct db_driver db_pg_driver = {
	.name = "postgres",
	.dialect = DB_PG,
	.open = pg_open,
	.close = pg_close,
	.run = pg_run,
	.next = pg_next,
	.done = pg_done,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.script = pg_script,
};
