/*
 * The SQLite driver: one database file in WAL mode, one connection per
 * handle (so per worker thread), every statement prepared once per handle
 * and kept. The one place where SQLite result codes become CAT_E* codes.
 */
#include "store_db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_util.h"
#include "banned.h"

#define BUSY_TIMEOUT_MS 5000
#define SLOT_BEGIN      (DB_SLOTS)
#define SLOT_COMMIT     (DB_SLOTS + 1)
#define SLOT_ROLLBACK   (DB_SLOTS + 2)

struct sqlite_db {
	struct db base; /* first: a struct db * is a struct sqlite_db * */
	sqlite3 *conn;
	sqlite3_stmt *st[DB_SLOTS + 3];
	int writing; /* holds the process-wide write lock */
};

static struct sqlite_db *sq(struct db *db)
{
	return (struct sqlite_db *)db;
}

static int sq_fail(struct sqlite_db *h, int rc)
{
	int ext = sqlite3_extended_errcode(h->conn);
	/* SQLite's messages name tables and columns, never bound values */
	const char *msg = sqlite3_errmsg(h->conn);

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
static int setup(struct sqlite_db *h, const char *sql, int timeout_ms)
{
	struct timespec ts;
	long waited_ms = 0, step_ms;
	unsigned attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		rc = sqlite3_exec(h->conn, sql, NULL, NULL, NULL);
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

/*
 * Creates the file 0600 before SQLite does (it would use 0644): it holds
 * password hashes. SQLite gives the -wal and -shm files the same mode.
 */
static void precreate(const char *path)
{
	int fd;

	if (strcmp(path, ":memory:") == 0)
		return;
	/*
	 * O_EXCL: never open (and so never close) an existing database file:
	 * closing any descriptor of it drops this process's POSIX locks, and
	 * another process would then delete the WAL under our other handles.
	 */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

static void sqlite_close(struct db *db)
{
	struct sqlite_db *h = sq(db);
	size_t i;

	if (!h)
		return;
	for (i = 0; i < sizeof(h->st) / sizeof(h->st[0]); i++)
		sqlite3_finalize(h->st[i]);
	sqlite3_close(h->conn);
	free(h);
}

/*
 * Before the library initialises (the first open): no memory statistics.
 * With them every allocation SQLite makes takes one global mutex, which
 * the worker threads' concurrent reads then queue on (futex calls in every
 * bearer check). Nothing here reads the statistics.
 */
static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sqlite_open(struct db **out, const char *url)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;

	struct sqlite_db *h = NULL;
	const char *path = url;
	int err = 0, rc;

	*out = NULL;
	if (!url)
		return cat_error_set(CAT_EINVAL, "no SQLite database path");
	if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	if (!*path)
		return cat_error_set(CAT_EINVAL, "no SQLite database path");
	if (!(h = calloc(1, sizeof(*h))))
		return cat_error_set(CAT_ERROR, "out of memory");
	h->base.drv = &db_sqlite_driver;
	pthread_once(&configured, sqlite_configure);
	precreate(path);
	/* NOMUTEX: a handle belongs to one thread at a time */
	rc = sqlite3_open_v2(path, &h->conn,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		err = cat_error_set(CAT_EUNAVAIL,
				    "cannot open the SQLite database '%.200s': "
				    "%s",
				    path, sqlite3_errstr(rc));
		goto done;
	}
	sqlite3_busy_timeout(h->conn, BUSY_TIMEOUT_MS);
	/*
	 * WAL: readers never block the writer. synchronous=NORMAL fsyncs the
	 * WAL only at checkpoints, yet a commit is in the file (the OS page
	 * cache) before COMMIT returns, so a kill -9 of catalystd loses
	 * nothing; only a power cut can lose the last transactions.
	 * mmap: token lookups in a large store read the OS page cache
	 * directly, shared by every handle, instead of each handle paging
	 * its own 2 MB cache in and out.
	 */
	err = setup(h,
		    "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = NORMAL;"
		    "PRAGMA foreign_keys = ON;"
		    "PRAGMA mmap_size = 1073741824;"
		    "PRAGMA wal_autocheckpoint = 8000;",
		    BUSY_TIMEOUT_MS);
	if (err < 0)
		goto done;
	*out = &h->base;
	h = NULL;
done:
	if (h)
		sqlite_close(&h->base);
	return err;
}

/*
 * SQLite lets one writer in at a time; the others spin in its busy handler,
 * which sleeps in steps of milliseconds. Writers of this process queue on a
 * mutex instead, so the busy handler only ever waits for other processes
 * (admin commands, a second catalystd on the same file).
 */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_begin(struct sqlite_db *h)
{
	struct timespec t0;

	if (h->writing)
		return;
	/* the wait for the write lock is store time too */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&write_lock);
	h->writing = 1;
	cat_store_time_since(&t0);
}

static void write_end(struct sqlite_db *h)
{
	if (h->writing) {
		h->writing = 0;
		pthread_mutex_unlock(&write_lock);
	}
}

static int prep(struct sqlite_db *h, sqlite3_stmt **out, int slot,
		const char *sql)
{
	int rc;

	if (slot < 0 || slot >= (int)(sizeof(h->st) / sizeof(h->st[0])))
		return cat_error_set(CAT_ERROR, "store: bad statement slot");
	/*
	 * A list op's callback calling the same list op: refuse rather than
	 * reset the walk that is still running.
	 */
	if (h->st[slot] && sqlite3_stmt_busy(h->st[slot]))
		return cat_error_set(CAT_ERROR,
				     "store: a list callback re-entered its "
				     "own list operation");
	if (!h->st[slot]) {
		rc = sqlite3_prepare_v3(h->conn, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &h->st[slot],
					NULL);
		if (rc != SQLITE_OK)
			return sq_fail(h, rc);
	}
	*out = h->st[slot];
	return 0;
}

static int bind(struct sqlite_db *h, sqlite3_stmt *st,
		const struct db_val *args, size_t n)
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

static int step(struct sqlite_db *h, sqlite3_stmt *st)
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

static void reset(sqlite3_stmt *st)
{
	/* a statement left mid-query would pin an old WAL snapshot */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int sqlite_run(struct db *db, struct db_cur *cur, int slot,
		      const char *sql, const struct db_val *args, size_t n)
{
	struct sqlite_db *h = sq(db);
	sqlite3_stmt *st = NULL;
	int err, locked;

	if (cur)
		memset(cur, 0, sizeof(*cur));
	if ((err = prep(h, &st, slot, sql)) < 0)
		return err;
	/*
	 * A write outside BEGIN..COMMIT is its own transaction, which lasts
	 * until the statement is reset: RETURNING rows are read under it.
	 */
	locked = !h->writing && !sqlite3_stmt_readonly(st);
	if (locked)
		write_begin(h);
	if ((err = bind(h, st, args, n)) == 0)
		err = step(h, st);
	if (err == 1 && cur) {
		cur->db = db;
		cur->res = st;
		cur->locked = locked;
		return 1;
	}
	if (err == 0 && !cur)
		err = sqlite3_changes(h->conn);
	reset(st);
	if (locked)
		write_end(h);
	return err;
}

static int sqlite_next(struct db_cur *cur)
{
	return step(sq(cur->db), cur->res);
}

static void sqlite_done(struct db_cur *cur)
{
	if (cur->res)
		reset(cur->res);
	if (cur->locked)
		write_end(sq(cur->db));
	memset(cur, 0, sizeof(*cur));
}

static int64_t sqlite_col_int(const struct db_cur *cur, int i)
{
	return sqlite3_column_int64(cur->res, i);
}

static void sqlite_col_text(const struct db_cur *cur, int i, char *dst,
			    size_t size, int *bad)
{
	const unsigned char *v = sqlite3_column_text(cur->res, i);
	size_t n = v ? (size_t)sqlite3_column_bytes(cur->res, i) : 0;

	if (n >= size) {
		*bad = 1;
		dst[0] = '\0';
		return;
	}
	if (n)
		memcpy(dst, v, n);
	dst[n] = '\0';
}

/* BEGIN IMMEDIATE: takes the write lock now, waiting busy_timeout. */
static int sqlite_begin(struct db *db)
{
	struct sqlite_db *h = sq(db);
	int err;

	write_begin(h);
	err = sqlite_run(db, NULL, SLOT_BEGIN, "BEGIN IMMEDIATE", DB_NOARGS);
	if (err < 0)
		write_end(h);
	return err < 0 ? err : 0;
}

static void sqlite_rollback(struct db *db)
{
	struct sqlite_db *h = sq(db);
	sqlite3_stmt *st = h->st[SLOT_ROLLBACK];

	/* some errors (I/O, full disk) already rolled the transaction back */
	if (sqlite3_get_autocommit(h->conn))
		goto done;
	/* not through sqlite_run: the caller's error message must survive */
	if (!st && sqlite3_prepare_v3(h->conn, "ROLLBACK", -1,
				      SQLITE_PREPARE_PERSISTENT, &st,
				      NULL) != SQLITE_OK)
		goto done;
	h->st[SLOT_ROLLBACK] = st;
	(void)sqlite3_step(st);
	sqlite3_reset(st);
done:
	write_end(h);
}

static int sqlite_commit(struct db *db)
{
	struct sqlite_db *h = sq(db);
	int err = sqlite_run(db, NULL, SLOT_COMMIT, "COMMIT", DB_NOARGS);

	if (err < 0)
		sqlite_rollback(db);
	write_end(h);
	return err < 0 ? err : 0;
}

/* BEGIN IMMEDIATE already serialises every writer of the file. */
static int sqlite_lock(struct db *db, int slot, int64_t lock_class,
		       const char *key)
{
	(void)db;
	(void)slot;
	(void)lock_class;
	(void)key;
	return 0;
}

/* Constant SQL only: sqlite3_exec runs several statements in one go. */
static int sqlite_script(struct db *db, const char *sql)
{
	struct sqlite_db *h = sq(db);
	int rc = sqlite3_exec(h->conn, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(h, rc);
}

const struct db_driver db_sqlite_driver = {
	.name = "sqlite",
	.dialect = DB_SQLITE,
	.open = sqlite_open,
	.close = sqlite_close,
	.run = sqlite_run,
	.next = sqlite_next,
	.done = sqlite_done,
	.col_int = sqlite_col_int,
	.col_text = sqlite_col_text,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.lock = sqlite_lock,
	.script = sqlite_script,
};
