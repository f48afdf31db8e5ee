/*
 * The schema as one ordered list of migrations, each with its text for
 * each dialect (the types, sequences and collations differ; the tables are
 * the same). migrations[i] takes the database from version i to i + 1;
 * schema_version has one row per applied migration. Never edit a released
 * migration: append a new one.
 */
#include "store_sql.h"

#include <time.h>

#include "banned.h"

/*
 * Every catalystd instance migrates at start, so several may race on an
 * empty database. Each migration runs in a write transaction that first
 * takes this lock ("cata" in ASCII on PostgreSQL; SQLite's BEGIN
 * IMMEDIATE already excludes other writers) and reads the version under it.
 */
#define MIGRATE_LOCK_CLASS INT64_C(1667331169)

struct migration {
	const char *sqlite; /* NULL: nothing to do in this dialect */
	const char *pg;
};

/*
 * 10: a user code is unique among the authorizations kept (until purged,
 * an hour after they expire), so issuing one is a single INSERT: no lock,
 * no NOT EXISTS, one round trip on PostgreSQL. Only one row of a code was
 * ever unexpired (the newest): the older ones, expired, go now.
 */
#define MIGRATION_10                                                           \
	"DELETE FROM device_auths WHERE id NOT IN"                             \
	" (SELECT MAX(id) FROM device_auths GROUP BY user_code);"              \
	"DROP INDEX device_auths_user_code;"                                   \
	"CREATE UNIQUE INDEX device_auths_user_code"                           \
	" ON device_auths (user_code);"

static const struct migration migrations[] = {
	{
		/* SQLite */
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

		/* NOCASE: the name becomes a domain label, and DNS ignores case
		 */
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
		"CREATE INDEX grants_account_live ON grants(account_id, "
		"created_at)"
		" WHERE revoked_at = 0;"

		/*
		 * Grants are never deleted, so the foreign key needs no index
		 * on access_tokens(token_id): revocation flips the grant, and
		 * the join in access_validate does the rest.
		 */
		"CREATE TABLE access_tokens ("
		" token_hash TEXT PRIMARY KEY,"
		" token_id TEXT NOT NULL REFERENCES grants(token_id),"
		" expires_at INTEGER NOT NULL) WITHOUT ROWID;"
		"CREATE INDEX access_tokens_expires ON "
		"access_tokens(expires_at);"

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
		/* PostgreSQL */
		/* 1: everything catalystd keeps */
		/*
		 * Ids that look like the reference service's: ZUIDs 70000001..,
		 * org ids 60001234.., project ids 4000000000001..
		 */
		"CREATE SEQUENCE accounts_id_seq START WITH 70000001;"
		"CREATE SEQUENCE orgs_id_seq START WITH 60001234;"
		"CREATE SEQUENCE projects_id_seq START WITH 4000000000001;"

		"CREATE TABLE accounts ("
		" id BIGINT PRIMARY KEY DEFAULT nextval('accounts_id_seq'),"
		" email TEXT NOT NULL,"
		" first_name TEXT NOT NULL,"
		" last_name TEXT NOT NULL,"
		" pw_hash TEXT NOT NULL,"
		" created_at BIGINT NOT NULL);"
		"ALTER SEQUENCE accounts_id_seq OWNED BY accounts.id;"
		/* emails are unique and looked up ignoring case */
		"CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));"

		"CREATE TABLE orgs ("
		" id BIGINT PRIMARY KEY DEFAULT nextval('orgs_id_seq'),"
		" name TEXT NOT NULL,"
		" created_at BIGINT NOT NULL);"
		"ALTER SEQUENCE orgs_id_seq OWNED BY orgs.id;"

		"CREATE TABLE members ("
		" account_id BIGINT NOT NULL REFERENCES accounts(id),"
		" org_id BIGINT NOT NULL REFERENCES orgs(id),"
		" is_default INTEGER NOT NULL DEFAULT 0,"
		" created_at BIGINT NOT NULL,"
		" PRIMARY KEY (account_id, org_id));"
		"CREATE UNIQUE INDEX members_default ON members (account_id)"
		" WHERE is_default = 1;"

		/* the name becomes a domain label, and DNS ignores case */
		"CREATE TABLE projects ("
		" id BIGINT PRIMARY KEY,"
		" org_id BIGINT NOT NULL REFERENCES orgs(id),"
		" name TEXT NOT NULL,"
		" type TEXT NOT NULL,"
		" timezone TEXT NOT NULL,"
		" domain_id TEXT NOT NULL,"
		" domain_name TEXT NOT NULL,"
		" created_at BIGINT NOT NULL);"
		"ALTER SEQUENCE projects_id_seq OWNED BY projects.id;"
		"CREATE UNIQUE INDEX projects_org_name ON projects (org_id, "
		"lower(name));"

		"CREATE TABLE envs ("
		" project_id BIGINT NOT NULL REFERENCES projects(id),"
		" type INTEGER NOT NULL,"
		" zgid TEXT NOT NULL,"
		" name TEXT NOT NULL,"
		" status TEXT NOT NULL,"
		" PRIMARY KEY (project_id, type));"

		/*
		 * Keys that are hashes or random ids compare bytewise (COLLATE
		 * "C"): cheaper than the database's locale on the hot path.
		 */
		"CREATE TABLE clients ("
		" id TEXT COLLATE \"C\" PRIMARY KEY,"
		" secret_hash TEXT NOT NULL,"
		" name TEXT NOT NULL,"
		" kind INTEGER NOT NULL,"
		" created_at BIGINT NOT NULL);"

		"CREATE TABLE device_auths ("
		" id BIGSERIAL PRIMARY KEY,"
		" device_hash TEXT COLLATE \"C\" NOT NULL UNIQUE,"
		" user_code TEXT COLLATE \"C\" NOT NULL,"
		" client_id TEXT NOT NULL,"
		" scope TEXT NOT NULL,"
		" device_name TEXT NOT NULL,"
		" bound_account_id BIGINT NOT NULL,"
		" account_id BIGINT NOT NULL,"
		" status INTEGER NOT NULL,"
		" poll_interval INTEGER NOT NULL,"
		" created_at BIGINT NOT NULL,"
		" expires_at BIGINT NOT NULL,"
		" last_poll_at BIGINT NOT NULL);"
		"CREATE INDEX device_auths_user_code"
		" ON device_auths (user_code, expires_at);"
		"CREATE INDEX device_auths_expires ON device_auths "
		"(expires_at);"

		"CREATE TABLE grants ("
		" token_id TEXT COLLATE \"C\" PRIMARY KEY,"
		" token_hash TEXT COLLATE \"C\" NOT NULL UNIQUE,"
		" account_id BIGINT NOT NULL REFERENCES accounts(id),"
		" client_id TEXT NOT NULL,"
		" kind INTEGER NOT NULL,"
		" scope TEXT NOT NULL,"
		" device_name TEXT NOT NULL,"
		" dc TEXT NOT NULL,"
		" created_at BIGINT NOT NULL,"
		" last_used_at BIGINT NOT NULL,"
		" revoked_at BIGINT NOT NULL);"
		"CREATE INDEX grants_account_live ON grants (account_id, "
		"created_at)"
		" WHERE revoked_at = 0;"

		/*
		 * Grants are never deleted, so the foreign key needs no index
		 * on access_tokens(token_id): revocation flips the grant, and
		 * the join in access_validate does the rest.
		 */
		"CREATE TABLE access_tokens ("
		" token_hash TEXT COLLATE \"C\" PRIMARY KEY,"
		" token_id TEXT COLLATE \"C\" NOT NULL REFERENCES "
		"grants(token_id),"
		" expires_at BIGINT NOT NULL);"
		"CREATE INDEX access_tokens_expires ON access_tokens "
		"(expires_at);"

		"CREATE TABLE auth_codes ("
		" code_hash TEXT COLLATE \"C\" PRIMARY KEY,"
		" client_id TEXT NOT NULL,"
		" account_id BIGINT NOT NULL,"
		" redirect_uri TEXT NOT NULL,"
		" scope TEXT NOT NULL,"
		" code_challenge TEXT NOT NULL,"
		" expires_at BIGINT NOT NULL,"
		" used INTEGER NOT NULL);"
		"CREATE INDEX auth_codes_expires ON auth_codes (expires_at);"

		"CREATE TABLE sessions ("
		" id_hash TEXT COLLATE \"C\" PRIMARY KEY,"
		" account_id BIGINT NOT NULL,"
		" csrf TEXT NOT NULL,"
		" created_at BIGINT NOT NULL,"
		" expires_at BIGINT NOT NULL);"
		"CREATE INDEX sessions_expires ON sessions (expires_at);"

		"CREATE TABLE ratelimits ("
		" key TEXT COLLATE \"C\" NOT NULL,"
		" window_start BIGINT NOT NULL,"
		" window_end BIGINT NOT NULL,"
		" count BIGINT NOT NULL,"
		" PRIMARY KEY (key, window_start));"
		"CREATE INDEX ratelimits_end ON ratelimits (window_end);",
	},
	{
		/* SQLite */
		/* 2: RFC 6749 2.1 client types; a client stored without a
		 * secret could only ever be used without one, so it is public
		 */
		"ALTER TABLE clients ADD COLUMN is_public INTEGER NOT NULL "
		"DEFAULT 0;"
		"UPDATE clients SET is_public = 1 WHERE secret_hash = '';",
		/* PostgreSQL */
		/* 2: RFC 6749 2.1 client types; a client stored without a
		 * secret could only ever be used without one, so it is public
		 */
		"ALTER TABLE clients ADD COLUMN is_public SMALLINT NOT NULL "
		"DEFAULT 0;"
		"UPDATE clients SET is_public = 1 WHERE secret_hash = '';",
	},
	{
		/* SQLite */
		/* 3: the confirmation page shows where a device request came
		 * from; keys every instance shares (the web pages' MAC key) */
		"ALTER TABLE device_auths ADD COLUMN client_addr TEXT NOT NULL"
		" DEFAULT '';"
		"CREATE TABLE server_keys ("
		" name TEXT PRIMARY KEY,"
		" key_hex TEXT NOT NULL,"
		" created_at INTEGER NOT NULL) WITHOUT ROWID;",
		/* PostgreSQL */
		/* 3: the confirmation page shows where a device request came
		 * from; keys every instance shares (the web pages' MAC key) */
		"ALTER TABLE device_auths ADD COLUMN client_addr TEXT NOT NULL"
		" DEFAULT '';"
		"CREATE TABLE server_keys ("
		" name TEXT COLLATE \"C\" PRIMARY KEY,"
		" key_hex TEXT NOT NULL,"
		" created_at BIGINT NOT NULL);",
	},
	{
		/* 4: one column name in both dialects ("interval" is a
		 * reserved word in PostgreSQL, which used poll_interval from
		 * the start) */
		"ALTER TABLE device_auths RENAME COLUMN interval"
		" TO poll_interval;",
		NULL,
	},
	{
		/* 5: access tokens are signed, not stored (access.c): the
		 * table has had no reader since */
		"DROP TABLE access_tokens;",
		"DROP TABLE access_tokens;",
	},
	{
		/* SQLite */
		/* 6: operators disable accounts and remove clients; a
		 * removed client's row stays so its id is never reused.
		 * Disabling deletes an account's sessions: by index */
		"ALTER TABLE accounts ADD COLUMN disabled_at INTEGER NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE clients ADD COLUMN removed_at INTEGER NOT NULL"
		" DEFAULT 0;"
		"CREATE INDEX sessions_account ON sessions(account_id);",
		/* PostgreSQL */
		/* 6: operators disable accounts and remove clients; a
		 * removed client's row stays so its id is never reused.
		 * Disabling deletes an account's sessions: by index */
		"ALTER TABLE accounts ADD COLUMN disabled_at BIGINT NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE clients ADD COLUMN removed_at BIGINT NOT NULL"
		" DEFAULT 0;"
		"CREATE INDEX sessions_account ON sessions (account_id);",
	},
	{
		/* SQLite */
		/* 7: the audit trail; no foreign key, so an event outlives
		 * nothing it names and costs its insert no lookup. Listed by
		 * account and newest first, purged by age */
		"CREATE TABLE audit_events ("
		" id INTEGER PRIMARY KEY AUTOINCREMENT,"
		" at INTEGER NOT NULL,"
		" event TEXT NOT NULL,"
		" actor TEXT NOT NULL,"
		" account_id INTEGER NOT NULL,"
		" token_id TEXT NOT NULL,"
		" client_id TEXT NOT NULL,"
		" addr TEXT NOT NULL);"
		"CREATE INDEX audit_events_at ON audit_events(at);"
		"CREATE INDEX audit_events_account ON audit_events"
		"(account_id, at);",
		/* PostgreSQL */
		/* 7: the audit trail; no foreign key, so an event outlives
		 * nothing it names and costs its insert no lookup. Listed by
		 * account and newest first, purged by age */
		"CREATE TABLE audit_events ("
		" id BIGSERIAL PRIMARY KEY,"
		" at BIGINT NOT NULL,"
		" event TEXT NOT NULL,"
		" actor TEXT NOT NULL,"
		" account_id BIGINT NOT NULL,"
		" token_id TEXT COLLATE \"C\" NOT NULL,"
		" client_id TEXT COLLATE \"C\" NOT NULL,"
		" addr TEXT NOT NULL);"
		"CREATE INDEX audit_events_at ON audit_events (at);"
		"CREATE INDEX audit_events_account ON audit_events"
		" (account_id, at);",
	},
	{
		/* SQLite */
		/* 8: token rotation; the previous secret's hash, still
		 * accepted until prev_valid_until. grant_by_hash reads it by
		 * index, as it reads token_hash */
		"ALTER TABLE grants ADD COLUMN prev_token_hash TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE grants ADD COLUMN prev_valid_until INTEGER NOT "
		"NULL"
		" DEFAULT 0;"
		"CREATE INDEX grants_prev_hash ON grants(prev_token_hash);",
		/* PostgreSQL */
		/* 8: token rotation; the previous secret's hash, still
		 * accepted until prev_valid_until. grant_by_hash reads it by
		 * index, as it reads token_hash */
		"ALTER TABLE grants ADD COLUMN prev_token_hash TEXT COLLATE"
		" \"C\" NOT NULL DEFAULT '';"
		"ALTER TABLE grants ADD COLUMN prev_valid_until BIGINT NOT NULL"
		" DEFAULT 0;"
		"CREATE INDEX grants_prev_hash ON grants (prev_token_hash);",
	},
	{
		/* SQLite */
		/* 9: a token's name, expiry and limits (token:generate
		 * --name, --expires-in, --project, --read-only), asked for in
		 * the device authorization and copied to its grant; and the
		 * address of the last use, flushed with its time */
		"ALTER TABLE device_auths ADD COLUMN token_name TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE device_auths ADD COLUMN token_expires_at INTEGER"
		" NOT NULL DEFAULT 0;"
		"ALTER TABLE device_auths ADD COLUMN project_id TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE device_auths ADD COLUMN read_only INTEGER NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE grants ADD COLUMN name TEXT NOT NULL DEFAULT '';"
		"ALTER TABLE grants ADD COLUMN expires_at INTEGER NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE grants ADD COLUMN project_id TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE grants ADD COLUMN read_only INTEGER NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE grants ADD COLUMN last_used_addr TEXT NOT NULL"
		" DEFAULT '';",
		/* PostgreSQL */
		/* 9: as above */
		"ALTER TABLE device_auths ADD COLUMN token_name TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE device_auths ADD COLUMN token_expires_at BIGINT"
		" NOT NULL DEFAULT 0;"
		"ALTER TABLE device_auths ADD COLUMN project_id TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE device_auths ADD COLUMN read_only INTEGER NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE grants ADD COLUMN name TEXT NOT NULL DEFAULT '';"
		"ALTER TABLE grants ADD COLUMN expires_at BIGINT NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE grants ADD COLUMN project_id TEXT NOT NULL"
		" DEFAULT '';"
		"ALTER TABLE grants ADD COLUMN read_only INTEGER NOT NULL"
		" DEFAULT 0;"
		"ALTER TABLE grants ADD COLUMN last_used_addr TEXT NOT NULL"
		" DEFAULT '';",
	},
	/* 10: one text, valid in both dialects */
	{ MIGRATION_10, MIGRATION_10 },
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The highest applied migration (the table must exist). */
static int current_version(struct db *db, int *out)
{
	struct db_cur c;
	int err;

	*out = 0;
	err = db_read(db, &c, SL_VERSION,
		      "SELECT COALESCE(MAX(version), 0) FROM schema_version",
		      DB_NOARGS);
	if (err == 1)
		*out = (int)db_int(&c, 0);
	db_done(&c);
	return err < 0 ? err : 0;
}

/*
 * Applies the first missing migration in its own transaction, or sets
 * *done when there is none. The lock is held until the transaction ends,
 * so concurrent migrators serialise and the later ones find nothing left
 * to do.
 */
static int migrate_step(struct db *db, int *done)
{
	const char *text;
	int err, v = 0;

	*done = 0;
	if ((err = db_begin(db)) < 0)
		return err;
	if ((err = db_lock(db, SL_MIGRATE_LOCK, MIGRATE_LOCK_CLASS,
			   "migrate")) < 0 ||
	    (err = db_script(db, db_pick(db,
					 "CREATE TABLE IF NOT EXISTS"
					 " schema_version ("
					 " version INTEGER PRIMARY KEY,"
					 " applied_at INTEGER NOT NULL)",
					 "CREATE TABLE IF NOT EXISTS"
					 " schema_version ("
					 " version INTEGER PRIMARY KEY,"
					 " applied_at BIGINT NOT NULL)"))) <
		    0 ||
	    (err = current_version(db, &v)) < 0)
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
		text = db_pick(db, migrations[v].sqlite, migrations[v].pg);
		if (text && (err = db_script(db, text)) < 0)
			goto done;
		err = db_write(db, SL_VERSION_ADD,
			       "INSERT INTO schema_version(version, applied_at)"
			       " VALUES (?1, ?2)",
			       DB_ARGS(DB_INT(v + 1), DB_INT(time(NULL))));
		if (err < 0)
			goto done;
	}
	err = db_commit(db);
done:
	if (err < 0)
		db_rollback(db);
	return err;
}

int sql_migrate(struct cat_store *s)
{
	struct db *db = db_of(s);
	int err, done = 0;

	while (!done)
		if ((err = migrate_step(db, &done)) < 0)
			return err;
	return 0;
}

int sql_schema_version(struct cat_store *s, int *out)
{
	struct db *db = db_of(s);
	struct db_cur c;
	int err, has = 0;

	*out = 0;
	/* an unmigrated database has no schema_version table: version 0 */
	err = db_read(
		db, &c, SL_HAS_VERSION_TABLE,
		db_pick(db,
			"SELECT count(*) FROM sqlite_master"
			" WHERE type = 'table' AND name = 'schema_version'",
			"SELECT CAST(to_regclass('schema_version') IS NOT"
			" NULL AS INTEGER)"),
		DB_NOARGS);
	if (err == 1)
		has = db_int(&c, 0) != 0;
	db_done(&c);
	if (err == 0)
		return cat_error_set(CAT_ERROR, "store: no row");
	if (err < 0)
		return err;
	return has ? current_version(db, out) : 0;
}
