/*
 * The PostgreSQL store's plumbing: connecting and reconnecting, the
 * per-connection prepared statements, parameters, transactions, input
 * checks, and the one place where SQLSTATEs become CAT_E* codes.
 */
#include "store_pg.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "banned.h"

#define PG_MAX_PARAMS 16
/* After a failed connect, requests fail fast this long before the next. */
#define RECONNECT_BACKOFF_MS 500

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

int pg_connect(struct pg *h)
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

static int prepare(struct pg *h, enum pq_id id, const char *name,
		   const char *sql)
{
	PGresult *r;
	int err = 0;

	if (h->prepared[id])
		return 0;
	/* no parameter types: the server infers them from the SQL */
	r = PQprepare(h->conn, name, sql, 0, NULL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		err = pg_fail(h, r);
	else
		h->prepared[id] = 1;
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

int pg_query(struct pg *h, PGresult **out, enum pq_id id, const char *sql,
	     const struct pg_val *args, size_t n)
{
	char nums[PG_MAX_PARAMS][24], name[16];
	const char *vals[PG_MAX_PARAMS];
	PGresult *r = NULL;
	ExecStatusType st;
	struct timespec t0;
	size_t i;
	int err;

	if (out)
		*out = NULL;
	if (n > PG_MAX_PARAMS)
		return cat_error_set(CAT_ERROR, "store: too many parameters");
	for (i = 0; i < n; i++) {
		if (args[i].text) {
			vals[i] = args[i].text;
		} else {
			snprintf(nums[i], sizeof(nums[i]), "%" PRId64,
				 args[i].num);
			vals[i] = nums[i];
		}
	}
	snprintf(name, sizeof(name), "cat%d", (int)id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = pg_ready(h)) < 0 || (err = prepare(h, id, name, sql)) < 0) {
		cat_store_time_since(&t0);
		return err;
	}
	r = PQexecPrepared(h->conn, name, (int)n, vals, NULL, NULL, 0);
	cat_store_time_since(&t0);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK)
		err = PQntuples(r);
	else if (st == PGRES_COMMAND_OK)
		err = tag_count(r);
	else
		err = pg_fail(h, r);
	if (err >= 0 && out) {
		*out = r;
		r = NULL;
	}
	PQclear(r);
	return err;
}

int pg_script(struct pg *h, const char *sql)
{
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

void pg_col(const PGresult *r, int row, int col, char *dst, size_t size,
	    int *bad)
{
	size_t n =
		PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);

	if (n >= size) {
		*bad = 1;
		dst[0] = '\0';
		return;
	}
	if (n)
		memcpy(dst, PQgetvalue(r, row, col), n);
	dst[n] = '\0';
}

int64_t pg_int(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int pg_begin(struct pg *h)
{
	int err = pg_query(h, NULL, PQ_BEGIN, "BEGIN", PG_NOARGS);

	if (err < 0)
		return err;
	h->in_tx = 1;
	return 0;
}

int pg_commit(struct pg *h)
{
	int err = pg_query(h, NULL, PQ_COMMIT, "COMMIT", PG_NOARGS);

	/* a failed COMMIT ends the transaction too */
	h->in_tx = 0;
	return err < 0 ? err : 0;
}

void pg_rollback(struct pg *h)
{
	PGresult *r;

	if (!h->in_tx)
		return;
	h->in_tx = 0;
	if (h->broken || PQstatus(h->conn) != CONNECTION_OK ||
	    PQtransactionStatus(h->conn) == PQTRANS_IDLE)
		return;
	/* not through pg_query: the caller's error message must survive */
	r = PQexec(h->conn, "ROLLBACK");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		h->broken = 1;
	PQclear(r);
}
