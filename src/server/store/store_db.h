/*
 * The SQL driver interface under the store (private to src/server/store).
 *
 * Every store operation is written once, in store_sql*.c, against this
 * small interface; a driver (store_db_sqlite.c, store_db_pg.c) maps it to
 * its library. What a driver owns: connecting, the per-connection cache of
 * prepared statements, binding, stepping, transactions, locking, and the
 * one place where its library's errors become CAT_E* codes. What it never
 * holds: knowledge of any table.
 *
 * SQL text is written once with ?1, ?2, ... placeholders, which both
 * dialects accept after the PostgreSQL driver renames them to $1, $2, ....
 * Where the dialects really differ (case-insensitive lookups, sequences,
 * the version table), the caller picks the text with db_pick().
 */
#ifndef CAT_STORE_DB_H
#define CAT_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum db_dialect {
	DB_SQLITE,
	DB_PG,
};

/*
 * Statement slots: each call site names one, and the driver prepares the
 * slot's SQL on first use on a connection, then reuses it. The slots are
 * enumerated by the store (store_sql.h); DB_SLOTS bounds them.
 */
#define DB_SLOTS 96

/*
 * Values bound to ?1, ?2, ... in order. The macros let the compiler check
 * each value's type: DB_TEXT of a number or DB_INT of a string does not
 * build.
 */
struct db_val {
	const char *text; /* NULL: the value is num */
	int64_t num;
};

/* clang-format off */
#define DB_TEXT(s) {.text = (s)}
#define DB_INT(n) {.num = (int64_t)(n)}
#define DB_ARGS(...) \
	(const struct db_val[]){__VA_ARGS__}, \
	sizeof((const struct db_val[]){__VA_ARGS__}) / sizeof(struct db_val)
/* clang-format on */
#define DB_NOARGS   NULL, 0
#define DB_MAX_ARGS 24

struct db;

/*
 * A query's position. The caller owns it (on its stack); the driver fills
 * it. Always end a read with db_done, whatever it returned.
 */
struct db_cur {
	struct db *db;
	void *res;     /* sqlite3_stmt * or PGresult * */
	int row, rows; /* PostgreSQL: the current row of the result */
	int locked;    /* SQLite: this statement holds the write lock */
};

struct db_driver {
	const char *name; /* "sqlite", "postgres" */
	enum db_dialect dialect;
	int (*open)(struct db **out, const char *url);
	void (*close)(struct db *db);
	/*
	 * Runs the statement of slot with args. Returns 1 with *cur on the
	 * first row, 0 when it returned no row, or a CAT_E* code. With
	 * cur == NULL it returns the number of rows changed instead.
	 */
	int (*run)(struct db *db, struct db_cur *cur, int slot, const char *sql,
		   const struct db_val *args, size_t n);
	/* The next row: 1, 0 at the end, or CAT_E*. */
	int (*next)(struct db_cur *cur);
	void (*done)(struct db_cur *cur);
	int64_t (*col_int)(const struct db_cur *cur, int i);
	/* Copies text column i; a value that does not fit sets *bad. */
	void (*col_text)(const struct db_cur *cur, int i, char *dst,
			 size_t size, int *bad);
	/*
	 * A write transaction. SQLite takes its write lock at begin, so
	 * everything read inside is current until commit.
	 */
	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	/* Ends the open transaction, if any; keeps the caller's error. */
	void (*rollback)(struct db *db);
	/*
	 * Inside a transaction: serialises it with every other transaction
	 * that takes the same (class, key) until it ends. A no-op where
	 * begin already serialises all writers (SQLite).
	 */
	int (*lock)(struct db *db, int slot, int64_t lock_class,
		    const char *key);
	/* Runs constant SQL, possibly several statements (migrations). */
	int (*script)(struct db *db, const char *sql);
};

/* Every driver's handle starts with this. */
struct db {
	const struct db_driver *drv;
};

extern const struct db_driver db_sqlite_driver;
#ifdef CATALYST_WITH_PG
extern const struct db_driver db_pg_driver;
#endif

static inline const char *db_pick(const struct db *db, const char *sqlite_sql,
				  const char *pg_sql)
{
	return db->drv->dialect == DB_PG ? pg_sql : sqlite_sql;
}

/* A statement that returns no rows: rows changed (>= 0) or CAT_E*. */
static inline int db_write(struct db *db, int slot, const char *sql,
			   const struct db_val *args, size_t n)
{
	return db->drv->run(db, NULL, slot, sql, args, n);
}

/* A query: 1 with a row in *cur, 0 none, or CAT_E*. Then db_done(cur). */
static inline int db_read(struct db *db, struct db_cur *cur, int slot,
			  const char *sql, const struct db_val *args, size_t n)
{
	return db->drv->run(db, cur, slot, sql, args, n);
}

static inline int db_next(struct db_cur *cur)
{
	return cur->db->drv->next(cur);
}

static inline void db_done(struct db_cur *cur)
{
	if (cur->db)
		cur->db->drv->done(cur);
}

static inline int64_t db_int(const struct db_cur *cur, int i)
{
	return cur->db->drv->col_int(cur, i);
}

static inline void db_text(const struct db_cur *cur, int i, char *dst,
			   size_t size, int *bad)
{
	cur->db->drv->col_text(cur, i, dst, size, bad);
}

static inline int db_begin(struct db *db)
{
	return db->drv->begin(db);
}

static inline int db_commit(struct db *db)
{
	return db->drv->commit(db);
}

static inline void db_rollback(struct db *db)
{
	db->drv->rollback(db);
}

static inline int db_lock(struct db *db, int slot, int64_t lock_class,
			  const char *key)
{
	return db->drv->lock(db, slot, lock_class, key);
}

static inline int db_script(struct db *db, const char *sql)
{
	return db->drv->script(db, sql);
}

#endif
