/*
 * The SQLite schema as an ordered list of migrations. migrations[i] takes
 * the database from version i to i + 1; schema_version has one row per
 * applied migration. Never edit a released migration: append a new one.
 */
#include "store_sqlite.h"

#include <time.h>

#include "banned.h"

static const char *const migrations[] = {
	/* 1: everything catalystd keeps */
	"CREATE TABLE accounts ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	/* NOCASE folds ASCII only, which is what email domains need */
	" email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	" first_name TEXT NOT NULL,"
	" last_name TEXT NOT NULL,"
	" pw_hash TEXT NOT NULL,"
	" created_at INTEGER NOT NULL);"

	"CREATE TABLE orgs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL);"

	"CREATE TABLE members ("
	" account_id INTEGER NOT NULL REFERENCES accounts(id),"
	" org_id INTEGER NOT NULL REFERENCES orgs(id),"
	" is_default INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (account_id, org_id)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX members_default ON members(account_id)"
	" WHERE is_default = 1;"

	/* NOCASE: the name becomes a domain label, and DNS ignores case */
	"CREATE TABLE projects ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" org_id INTEGER NOT NULL REFERENCES orgs(id),"
	" name TEXT NOT NULL COLLATE NOCASE,"
	" type TEXT NOT NULL,"
	" timezone TEXT NOT NULL,"
	" domain_id TEXT NOT NULL,"
	" domain_name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE (org_id, name));"

	"CREATE TABLE envs ("
	" project_id INTEGER NOT NULL REFERENCES projects(id),"
	" type INTEGER NOT NULL,"
	" zgid TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" status TEXT NOT NULL,"
	" PRIMARY KEY (project_id, type)) WITHOUT ROWID;"

	"CREATE TABLE clients ("
	" id TEXT PRIMARY KEY,"
	" secret_hash TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" kind INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL) WITHOUT ROWID;"

	"CREATE TABLE device_auths ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device_hash TEXT NOT NULL UNIQUE,"
	" user_code TEXT NOT NULL,"
	" client_id TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" device_name TEXT NOT NULL,"
	" bound_account_id INTEGER NOT NULL,"
	" account_id INTEGER NOT NULL,"
	" status INTEGER NOT NULL,"
	" interval INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" last_poll_at INTEGER NOT NULL);"
	"CREATE INDEX device_auths_user_code"
	" ON device_auths(user_code, expires_at);"
	"CREATE INDEX device_auths_expires ON device_auths(expires_at);"

	/* no rowid: access_validate then finds a grant in one b-tree */
	"CREATE TABLE grants ("
	" token_id TEXT PRIMARY KEY,"
	" token_hash TEXT NOT NULL UNIQUE,"
	" account_id INTEGER NOT NULL REFERENCES accounts(id),"
	" client_id TEXT NOT NULL,"
	" kind INTEGER NOT NULL,"
	" scope TEXT NOT NULL,"
	" device_name TEXT NOT NULL,"
	" dc TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" last_used_at INTEGER NOT NULL,"
	" revoked_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX grants_account_live ON grants(account_id, created_at)"
	" WHERE revoked_at = 0;"

	/*
	 * Grants are never deleted, so the foreign key needs no index on
	 * access_tokens(token_id): revocation flips the grant, and the join
	 * in access_validate does the rest.
	 */
	"CREATE TABLE access_tokens ("
	" token_hash TEXT PRIMARY KEY,"
	" token_id TEXT NOT NULL REFERENCES grants(token_id),"
	" expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX access_tokens_expires ON access_tokens(expires_at);"

	"CREATE TABLE auth_codes ("
	" code_hash TEXT PRIMARY KEY,"
	" client_id TEXT NOT NULL,"
	" account_id INTEGER NOT NULL,"
	" redirect_uri TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" code_challenge TEXT NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" used INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX auth_codes_expires ON auth_codes(expires_at);"

	"CREATE TABLE sessions ("
	" id_hash TEXT PRIMARY KEY,"
	" account_id INTEGER NOT NULL,"
	" csrf TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX sessions_expires ON sessions(expires_at);"

	"CREATE TABLE ratelimits ("
	" key TEXT NOT NULL,"
	" window_start INTEGER NOT NULL,"
	" window_end INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" PRIMARY KEY (key, window_start)) WITHOUT ROWID;"
	"CREATE INDEX ratelimits_end ON ratelimits(window_end);"

	/*
	 * Ids that look like the reference service's: ZUIDs 70000001..,
	 * org ids 60001234.., project ids 4000000000001..
	 */
	"INSERT INTO sqlite_sequence(name, seq) VALUES"
	" ('accounts', 70000000), ('orgs', 60001233),"
	" ('projects', 4000000000000);",

	/* 2: RFC 6749 2.1 client types; a client stored without a secret
	 * could only ever be used without one, so it is public */
	"ALTER TABLE clients ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0;"
	"UPDATE clients SET is_public = 1 WHERE secret_hash = '';",

	/* 3: the confirmation page shows where a device request came from;
	 * keys every instance shares (the web pages' MAC key) */
	"ALTER TABLE device_auths ADD COLUMN client_addr TEXT NOT NULL"
	" DEFAULT '';"
	"CREATE TABLE server_keys ("
	" name TEXT PRIMARY KEY,"
	" key_hex TEXT NOT NULL,"
	" created_at INTEGER NOT NULL) WITHOUT ROWID;",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The highest applied migration (the table must exist). */
static int current_version(struct sq *h, int *out)
{
	sqlite3_stmt *st;
	int err;

	*out = 0;
	err = sq_read(h, &st, SQ_VERSION,
		      "SELECT COALESCE(MAX(version), 0) FROM schema_version",
		      SQ_NOARGS);
	if (err <= 0)
		return err;
	*out = sqlite3_column_int(st, 0);
	sq_done(st);
	return 0;
}

/* Constant SQL only: sqlite3_exec runs several statements in one go. */
static int exec_script(struct sq *h, const char *sql)
{
	int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(h, rc);
}

/*
 * Applies the first missing migration in its own transaction, or sets
 * *done when there is none. BEGIN IMMEDIATE takes the write lock before
 * reading the version, so two processes migrating at once serialise and
 * the second finds nothing left to do.
 */
static int migrate_step(struct sq *h, int *done)
{
	int err, v = 0;

	*done = 0;
	if ((err = sq_begin(h)) < 0)
		return err;
	if ((err = exec_script(h, "CREATE TABLE IF NOT EXISTS schema_version ("
				  " version INTEGER PRIMARY KEY,"
				  " applied_at INTEGER NOT NULL)")) < 0 ||
	    (err = current_version(h, &v)) < 0)
		goto done;
	if (v > SCHEMA_VERSION) {
		err = cat_error_set(CAT_ERROR,
				    "the database schema is version %d, newer "
				    "than this catalystd knows (%d): upgrade "
				    "catalystd",
				    v, SCHEMA_VERSION);
		goto done;
	}
	if (v == SCHEMA_VERSION) {
		*done = 1;
	} else {
		if ((err = exec_script(h, migrations[v])) < 0)
			goto done;
		err = sq_write(h, SQ_VERSION_ADD,
			       "INSERT INTO schema_version(version, applied_at)"
			       " VALUES (?1, ?2)",
			       SQ_ARGS(SQ_INT(v + 1), SQ_INT(time(NULL))));
		if (err < 0)
			goto done;
	}
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

int sq_migrate(struct cat_store *s)
{
	struct sq *h = sq_of(s);
	int err, done = 0;

	while (!done)
		if ((err = migrate_step(h, &done)) < 0)
			return err;
	return 0;
}

int sq_schema_version(struct cat_store *s, int *out)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err, has;

	*out = 0;
	/* an unmigrated database has no schema_version table: version 0 */
	err = sq_read(h, &st, SQ_HAS_VERSION_TABLE,
		      "SELECT count(*) FROM sqlite_master"
		      " WHERE type = 'table' AND name = 'schema_version'",
		      SQ_NOARGS);
	if (err <= 0)
		return err < 0 ? err
			       : cat_error_set(CAT_ERROR, "store: no row");
	has = sqlite3_column_int(st, 0);
	sq_done(st);
	return has ? current_version(h, out) : 0;
}
