/*
 * The PostgreSQL schema as an ordered list of migrations, numbered like
 * SQLite's: migrations[i] takes the database from version i to i + 1, and
 * schema_version has one row per applied migration. Never edit a released
 * migration: append a new one (to both backends).
 */
#include "store_pg.h"

#include <time.h>

#include "banned.h"

/*
 * Every catalystd instance migrates at start, so several may race on an
 * empty database: each migration runs in a transaction that first takes
 * this advisory lock ("catalyst" in ASCII), and reads the version under it.
 */
#define MIGRATE_LOCK "7161132844276347764"

static const char *const migrations[] = {
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
	 * Keys that are hashes or random ids compare bytewise (COLLATE "C"):
	 * cheaper than the database's locale on the hot path.
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
	"CREATE INDEX device_auths_expires ON device_auths (expires_at);"

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
	"CREATE INDEX grants_account_live ON grants (account_id, created_at)"
	" WHERE revoked_at = 0;"

	/*
	 * Grants are never deleted, so the foreign key needs no index on
	 * access_tokens(token_id): revocation flips the grant, and the join
	 * in access_validate does the rest.
	 */
	"CREATE TABLE access_tokens ("
	" token_hash TEXT COLLATE \"C\" PRIMARY KEY,"
	" token_id TEXT COLLATE \"C\" NOT NULL REFERENCES grants(token_id),"
	" expires_at BIGINT NOT NULL);"
	"CREATE INDEX access_tokens_expires ON access_tokens (expires_at);"

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

	/* 2: RFC 6749 2.1 client types; a client stored without a secret
	 * could only ever be used without one, so it is public */
	"ALTER TABLE clients ADD COLUMN is_public SMALLINT NOT NULL DEFAULT 0;"
	"UPDATE clients SET is_public = 1 WHERE secret_hash = '';",

	/* 3: the confirmation page shows where a device request came from;
	 * keys every instance shares (the web pages' MAC key) */
	"ALTER TABLE device_auths ADD COLUMN client_addr TEXT NOT NULL"
	" DEFAULT '';"
	"CREATE TABLE server_keys ("
	" name TEXT COLLATE \"C\" PRIMARY KEY,"
	" key_hex TEXT NOT NULL,"
	" created_at BIGINT NOT NULL);",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The highest applied migration (the table must exist). */
static int current_version(struct pg *h, int *out)
{
	PGresult *r;
	int err;

	*out = 0;
	err = pg_query(h, &r, PQ_VERSION,
		       "SELECT COALESCE(MAX(version), 0) FROM schema_version",
		       PG_NOARGS);
	if (err < 0)
		return err;
	if (err == 1)
		*out = (int)pg_int(r, 0, 0);
	PQclear(r);
	return 0;
}

/*
 * Applies the first missing migration in its own transaction, or sets
 * *done when there is none. The advisory lock is held until the
 * transaction ends, so concurrent migrators serialise and the later ones
 * find nothing left to do.
 */
static int migrate_step(struct pg *h, int *done)
{
	int err, v = 0;

	*done = 0;
	if ((err = pg_begin(h)) < 0)
		return err;
	if ((err = pg_query(h, NULL, PQ_MIGRATE_LOCK,
			    "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
			    PG_NOARGS)) < 0 ||
	    (err = pg_script(h, "CREATE TABLE IF NOT EXISTS schema_version ("
				" version INTEGER PRIMARY KEY,"
				" applied_at BIGINT NOT NULL)")) < 0 ||
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
		if ((err = pg_script(h, migrations[v])) < 0)
			goto done;
		err = pg_query(h, NULL, PQ_VERSION_ADD,
			       "INSERT INTO schema_version(version, applied_at)"
			       " VALUES ($1, $2)",
			       PG_ARGS(PG_INT((int64_t)v + 1),
				       PG_INT((int64_t)time(NULL))));
		if (err < 0)
			goto done;
	}
	err = pg_commit(h);
done:
	if (err < 0)
		pg_rollback(h);
	return err;
}

int pg_migrate(struct cat_store *s)
{
	struct pg *h = pg_of(s);
	int err, done = 0;

	while (!done)
		if ((err = migrate_step(h, &done)) < 0)
			return err;
	return 0;
}

int pg_schema_version(struct cat_store *s, int *out)
{
	struct pg *h = pg_of(s);
	PGresult *r;
	int err, has;

	*out = 0;
	/* an unmigrated database has no schema_version table: version 0 */
	err = pg_query(h, &r, PQ_HAS_VERSION_TABLE,
		       "SELECT to_regclass('schema_version') IS NOT NULL",
		       PG_NOARGS);
	if (err < 0)
		return err;
	has = err == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return has ? current_version(h, out) : 0;
}
