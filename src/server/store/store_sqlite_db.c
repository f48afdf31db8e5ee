/*
 * The SQLite store's plumbing: the per-handle statement cache, binding,
 * stepping, transactions, input checks, and the one place where SQLite
 * result codes become CAT_E* codes.
 */
#include "store_sqlite.h"

#include <errno.h>
#include <pthread.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

int sq_fail(struct sq *h, int rc)
{
	int ext = sqlite3_extended_errcode(h->db);
	/* SQLite's messages name tables and columns, never bound values */
	const char *msg = sqlite3_errmsg(h->db);

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		if (ext == SQLITE_CONSTRAINT_UNIQUE ||
		    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
			return cat_error_set(CAT_EEXISTS, "store: %s", msg);
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			return cat_error_set(CAT_ENOTFOUND,
					     "store: it refers to an account, "
					     "org, project or grant that does "
					     "not exist");
		return cat_error_set(CAT_EINVAL, "store: %s", msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		/* only after busy_timeout ran out */
		return cat_error_set(CAT_EUNAVAIL,
				     "store: database is busy: %s", msg);
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
	case SQLITE_PERM:
	case SQLITE_NOLFS:
		return cat_error_set(CAT_EUNAVAIL,
				     "store: database unavailable: %s", msg);
	default:
		return cat_error_set(CAT_ERROR, "store: %s", msg);
	}
}

/*
 * The first handles on a brand-new file race to switch it to WAL, which
 * needs an exclusive lock that SQLite does not wait for in its busy
 * handler: the loser gets SQLITE_BUSY at once. The PRAGMAs are idempotent,
 * so running them again once the winner is done is safe. The sleeps are
 * short and jittered so that racing handles do not retry in lockstep.
 */
int sq_setup(struct sq *h, const char *sql, int timeout_ms)
{
	struct timespec ts;
	long waited_ms = 0, step_ms;
	unsigned attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
		/* a brand-new file that other processes are setting up at the
		 * same moment can also read as a short or changing file
		 * (SQLITE_IOERR) for an instant: the pragmas are safe to rerun
		 */
		if ((rc & 0xff) != SQLITE_BUSY &&
		    (rc & 0xff) != SQLITE_LOCKED && (rc & 0xff) != SQLITE_IOERR)
			break;
		if (waited_ms >= timeout_ms)
			break;
		step_ms = 5 + (long)((attempt * 7u + (unsigned)getpid()) % 16u);
		ts.tv_sec = 0;
		ts.tv_nsec = step_ms * 1000000L;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		waited_ms += step_ms;
	}
	return rc == SQLITE_OK ? 0 : sq_fail(h, rc);
}

static int prep(struct sq *h, sqlite3_stmt **out, enum sq_id id,
		const char *sql)
{
	int rc;

	/*
	 * A list op's callback calling the same list op: refuse rather than
	 * reset the walk that is still running.
	 */
	if (h->st[id] && sqlite3_stmt_busy(h->st[id]))
		return cat_error_set(CAT_ERROR,
				     "store: a list callback re-entered its "
				     "own list operation");
	if (!h->st[id]) {
		rc = sqlite3_prepare_v3(h->db, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &h->st[id],
					NULL);
		if (rc != SQLITE_OK)
			return sq_fail(h, rc);
	}
	*out = h->st[id];
	return 0;
}

static int bind(struct sq *h, sqlite3_stmt *st, const struct sq_val *args,
		size_t n)
{
	int rc = SQLITE_OK;
	size_t i;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		if (args[i].text)
			/* static: the caller's string outlives the step */
			rc = sqlite3_bind_text(st, (int)i + 1, args[i].text, -1,
					       SQLITE_STATIC);
		else
			rc = sqlite3_bind_int64(st, (int)i + 1,
						(sqlite3_int64)args[i].num);
	}
	return rc == SQLITE_OK ? 0 : sq_fail(h, rc);
}

/*
 * SQLite lets one writer in at a time; the others spin in its busy handler,
 * which sleeps in steps of milliseconds. Writers of this process queue on a
 * mutex instead, so the busy handler only ever waits for other processes
 * (admin commands, a second catalystd on the same file).
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_begin(struct sq *h)
{
	if (!h->writing) {
		pthread_mutex_lock(&write_lock);
		h->writing = 1;
	}
}

static void write_end(struct sq *h)
{
	if (h->writing) {
		h->writing = 0;
		pthread_mutex_unlock(&write_lock);
	}
}

int sq_write(struct sq *h, enum sq_id id, const char *sql,
	     const struct sq_val *args, size_t n)
{
	sqlite3_stmt *st = NULL;
	struct timespec t0;
	int err, rc, single;

	if ((err = prep(h, &st, id, sql)) < 0)
		return err;
	/* the wait for the write lock is store time too */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* a write outside BEGIN..COMMIT is its own transaction */
	single = !h->writing && !sqlite3_stmt_readonly(st);
	if (single)
		write_begin(h);
	if ((err = bind(h, st, args, n)) == 0) {
		rc = sqlite3_step(st);
		err = rc == SQLITE_DONE ? sqlite3_changes(h->db)
					: sq_fail(h, rc);
	}
	sq_done(st);
	if (single)
		write_end(h);
	cat_store_time_since(&t0);
	return err;
}

int sq_read(struct sq *h, sqlite3_stmt **out, enum sq_id id, const char *sql,
	    const struct sq_val *args, size_t n)
{
	sqlite3_stmt *st = NULL;
	int err;

	*out = NULL;
	if ((err = prep(h, &st, id, sql)) < 0)
		return err;
	if ((err = bind(h, st, args, n)) == 0)
		err = sq_next(h, st);
	if (err == 1)
		*out = st;
	else
		sq_done(st);
	return err;
}

int sq_next(struct sq *h, sqlite3_stmt *st)
{
	struct timespec t0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sqlite3_step(st);
	cat_store_time_since(&t0);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail(h, rc);
}

void sq_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	/* a statement left mid-query would pin an old WAL snapshot */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void sq_col(sqlite3_stmt *st, int i, char *dst, size_t size, int *bad)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	size_t n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= size) {
		*bad = 1;
		dst[0] = '\0';
		return;
	}
	if (n)
		memcpy(dst, v, n);
	dst[n] = '\0';
}

int sq_begin(struct sq *h)
{
	struct timespec t0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	write_begin(h);
	cat_store_time_since(&t0);
	if ((err = sq_write(h, SQ_BEGIN, "BEGIN IMMEDIATE", SQ_NOARGS)) < 0)
		write_end(h);
	return err < 0 ? err : 0;
}

int sq_commit(struct sq *h)
{
	int err = sq_write(h, SQ_COMMIT, "COMMIT", SQ_NOARGS);

	if (err < 0)
		sq_rollback(h);
	write_end(h);
	return err < 0 ? err : 0;
}

void sq_rollback(struct sq *h)
{
	sqlite3_stmt *st = h->st[SQ_ROLLBACK];

	/* some errors (I/O, full disk) already rolled the transaction back */
	if (sqlite3_get_autocommit(h->db))
		goto done;
	/* not through sq_write: the caller's error message must survive */
	if (!st &&
	    sqlite3_prepare_v3(h->db, "ROLLBACK", -1, SQLITE_PREPARE_PERSISTENT,
			       &st, NULL) != SQLITE_OK)
		goto done;
	h->st[SQ_ROLLBACK] = st;
	(void)sqlite3_step(st);
	sqlite3_reset(st);
done:
	write_end(h);
}
