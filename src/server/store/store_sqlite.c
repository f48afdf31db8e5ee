/*
 * The SQLite store: one database file in WAL mode, one connection per
 * handle (so per worker thread), every query a cached prepared statement.
 * This file opens handles and keeps the directory (accounts, orgs,
 * projects, clients); the OAuth state lives in store_sqlite_oauth.c.
 */
#include "store_sqlite.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

#define BUSY_TIMEOUT_MS 5000
#define PROJECT_ID_BASE INT64_C(4000000000000)
#define DOMAIN_ID_BASE  5000
/* Production zgids: unique per project, and never an org id (8 digits) */
#define PROD_ZGID_OFFSET INT64_C(5000000000000)

static int64_t now_or(int64_t t)
{
	return t ? t : (int64_t)time(NULL);
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

static void sq_close(struct cat_store *s)
{
	struct sq *h = sq_of(s);
	size_t i;

	if (!h)
		return;
	for (i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(h->st[i]);
	sqlite3_close(h->db);
	free(h);
}

static int sq_open(struct cat_store **out, const char *url)
{
	struct sq *h = NULL;
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
	h->base.ops = &cat_store_sqlite_ops;
	precreate(path);
	/* NOMUTEX: a handle belongs to one thread at a time */
	rc = sqlite3_open_v2(path, &h->db,
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
	sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
	/*
	 * WAL: readers never block the writer. synchronous=NORMAL fsyncs the
	 * WAL only at checkpoints, yet a commit is in the file (the OS page
	 * cache) before COMMIT returns, so a kill -9 of catalystd loses
	 * nothing; only a power cut can lose the last transactions.
	 * mmap: token lookups in a large store read the OS page cache
	 * directly, shared by every handle, instead of each handle paging
	 * its own 2 MB cache in and out.
	 */
	err = sq_setup(h,
		       "PRAGMA journal_mode = WAL;"
		       "PRAGMA synchronous = NORMAL;"
		       "PRAGMA foreign_keys = ON;"
		       "PRAGMA mmap_size = 1073741824;",
		       BUSY_TIMEOUT_MS);
	if (err < 0)
		goto done;
	*out = &h->base;
	h = NULL;
done:
	if (h)
		sq_close(&h->base);
	return err;
}

static int sq_ping(struct cat_store *s)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	/* reads the file header, unlike SELECT 1 */
	int err = sq_read(h, &st, SQ_PING, "SELECT count(*) FROM sqlite_master",
			  SQ_NOARGS);

	sq_done(st);
	return err < 0 ? err : 0;
}

/* Accounts */

#define ACCOUNT_COLS "id, email, first_name, last_name, pw_hash, created_at"

static int row_account(sqlite3_stmt *st, struct cat_account *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	sq_col(st, 1, out->email, sizeof(out->email), &bad);
	sq_col(st, 2, out->first_name, sizeof(out->first_name), &bad);
	sq_col(st, 3, out->last_name, sizeof(out->last_name), &bad);
	sq_col(st, 4, out->pw_hash, sizeof(out->pw_hash), &bad);
	out->created_at = sqlite3_column_int64(st, 5);
	return bad ? cat_error_set(CAT_ERROR, "store: account row too long")
		   : 0;
}

static int sq_account_add(struct cat_store *s, struct cat_account *a)
{
	struct sq *h = sq_of(s);
	int err;

	if ((err = cat_store_check_key(a->email, CAT_EMAIL_MAX, "email")) < 0 ||
	    (err = cat_store_check(a->first_name, CAT_NAME_MAX, "first name")) <
		    0 ||
	    (err = cat_store_check(a->last_name, CAT_NAME_MAX, "last name")) <
		    0 ||
	    (err = cat_store_check(a->pw_hash, CAT_PWHASH_MAX,
				   "password hash")) < 0)
		return err;
	a->created_at = now_or(a->created_at);
	err = sq_write(h, SQ_ACCOUNT_ADD,
		       "INSERT INTO accounts(email, first_name, last_name,"
		       " pw_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
		       SQ_ARGS(SQ_TEXT(a->email), SQ_TEXT(a->first_name),
			       SQ_TEXT(a->last_name), SQ_TEXT(a->pw_hash),
			       SQ_INT(a->created_at)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "an account with this email already "
				     "exists");
	if (err < 0)
		return err;
	a->id = sqlite3_last_insert_rowid(h->db);
	return 0;
}

static int sq_account_by_email(struct cat_store *s, struct cat_account *out,
			       const char *email)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	if ((err = cat_store_check(email, CAT_EMAIL_MAX, "email")) < 0)
		return err;
	err = sq_read(h, &st, SQ_ACCOUNT_BY_EMAIL,
		      "SELECT " ACCOUNT_COLS " FROM accounts WHERE email = ?1",
		      SQ_ARGS(SQ_TEXT(email)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "no account with this email");
	if (err < 0)
		return err;
	err = row_account(st, out);
	sq_done(st);
	return err;
}

static int sq_account_by_id(struct cat_store *s, struct cat_account *out,
			    int64_t id)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err;

	err = sq_read(h, &st, SQ_ACCOUNT_BY_ID,
		      "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1",
		      SQ_ARGS(SQ_INT(id)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "no account %" PRId64, id);
	if (err < 0)
		return err;
	err = row_account(st, out);
	sq_done(st);
	return err;
}

/* Orgs */

static int row_org(sqlite3_stmt *st, struct cat_org *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->id, sizeof(out->id), &bad);
	sq_col(st, 1, out->name, sizeof(out->name), &bad);
	out->is_default = sqlite3_column_int(st, 2);
	out->created_at = sqlite3_column_int64(st, 3);
	return bad ? cat_error_set(CAT_ERROR, "store: org row too long") : 0;
}

static int sq_org_add(struct cat_store *s, struct cat_org *o)
{
	struct sq *h = sq_of(s);
	int err;

	if ((err = cat_store_check_key(o->name, CAT_NAME_MAX, "org name")) < 0)
		return err;
	o->created_at = now_or(o->created_at);
	err = sq_write(h, SQ_ORG_ADD,
		       "INSERT INTO orgs(name, created_at) VALUES (?1, ?2)",
		       SQ_ARGS(SQ_TEXT(o->name), SQ_INT(o->created_at)));
	if (err < 0)
		return err;
	snprintf(o->id, sizeof(o->id), "%" PRId64,
		 (int64_t)sqlite3_last_insert_rowid(h->db));
	o->is_default = 0;
	return 0;
}

static int sq_org_get(struct cat_store *s, struct cat_org *out, const char *id)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(id, &oid, "org")) < 0)
		return err;
	err = sq_read(h, &st, SQ_ORG_GET,
		      "SELECT id, name, 0, created_at FROM orgs WHERE id = ?1",
		      SQ_ARGS(SQ_INT(oid)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown org");
	if (err < 0)
		return err;
	err = row_org(st, out);
	sq_done(st);
	return err;
}

static int sq_member_add(struct cat_store *s, int64_t account_id,
			 const char *org_id, int is_default)
{
	struct sq *h = sq_of(s);
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err;
	/* one transaction: a failed add must not lose the old default */
	if ((err = sq_begin(h)) < 0)
		return err;
	if (is_default &&
	    (err = sq_write(h, SQ_MEMBER_CLEAR_DEFAULT,
			    "UPDATE members SET is_default = 0"
			    " WHERE account_id = ?1 AND is_default = 1",
			    SQ_ARGS(SQ_INT(account_id)))) < 0)
		goto done;
	err = sq_write(h, SQ_MEMBER_ADD,
		       "INSERT INTO members(account_id, org_id, is_default,"
		       " created_at) VALUES (?1, ?2, ?3, ?4)",
		       SQ_ARGS(SQ_INT(account_id), SQ_INT(oid),
			       SQ_INT(is_default != 0), SQ_INT(time(NULL))));
	if (err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the account is already a member of the "
				    "org");
	if (err < 0)
		goto done;
	err = sq_commit(h);
done:
	if (err < 0)
		sq_rollback(h);
	return err;
}

static int sq_org_list(struct cat_store *s, int64_t account_id, cat_org_cb cb,
		       void *ctx)
{
	struct sq *h = sq_of(s);
	struct cat_org o;
	sqlite3_stmt *st;
	int err;

	err = sq_read(h, &st, SQ_ORG_LIST,
		      "SELECT o.id, o.name, m.is_default, o.created_at"
		      " FROM members m JOIN orgs o ON o.id = m.org_id"
		      " WHERE m.account_id = ?1"
		      " ORDER BY m.is_default DESC, o.id",
		      SQ_ARGS(SQ_INT(account_id)));
	while (err == 1) {
		if ((err = row_org(st, &o)) < 0 || (err = cb(&o, ctx)) != 0)
			break;
		err = sq_next(h, st);
	}
	sq_done(st);
	return err;
}

static int sq_member_check(struct cat_store *s, int64_t account_id,
			   const char *org_id)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err;
	err = sq_read(h, &st, SQ_MEMBER_CHECK,
		      "SELECT 1 FROM members"
		      " WHERE account_id = ?1 AND org_id = ?2",
		      SQ_ARGS(SQ_INT(account_id), SQ_INT(oid)));
	sq_done(st);
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "the account is not a member of the org");
	return err < 0 ? err : 0;
}

/* Projects */

#define PROJECT_COLS                                                           \
	"id, org_id, name, type, timezone, domain_id, domain_name, created_at"

static int row_project(sqlite3_stmt *st, struct cat_project *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->id, sizeof(out->id), &bad);
	sq_col(st, 1, out->org_id, sizeof(out->org_id), &bad);
	sq_col(st, 2, out->name, sizeof(out->name), &bad);
	sq_col(st, 3, out->type, sizeof(out->type), &bad);
	sq_col(st, 4, out->timezone, sizeof(out->timezone), &bad);
	sq_col(st, 5, out->domain_id, sizeof(out->domain_id), &bad);
	sq_col(st, 6, out->domain_name, sizeof(out->domain_name), &bad);
	out->created_at = sqlite3_column_int64(st, 7);
	return bad ? cat_error_set(CAT_ERROR, "store: project row too long")
		   : 0;
}

static int add_env(struct sq *h, int64_t pid, int type, const char *zgid,
		   const char *name)
{
	int err = sq_write(h, SQ_ENV_ADD,
			   "INSERT INTO envs(project_id, type, zgid, name,"
			   " status) VALUES (?1, ?2, ?3, ?4, 'Active')",
			   SQ_ARGS(SQ_INT(pid), SQ_INT(type), SQ_TEXT(zgid),
				   SQ_TEXT(name)));

	return err < 0 ? err : 0;
}

static int sq_project_add(struct cat_store *s, struct cat_project *p)
{
	struct sq *h = sq_of(s);
	char domain[sizeof(p->domain_name)], prod[CAT_ID_MAX + 1];
	int64_t oid, pid;
	int err, n;

	if ((err = cat_store_check_project(p, &oid)) < 0)
		return err;
	n = snprintf(domain, sizeof(domain), "%s-%s", p->name, p->org_id);
	if (n < 0 || (size_t)n >= sizeof(domain))
		return cat_error_set(CAT_EINVAL,
				     "project name is too long: with '-' and "
				     "the org id it must fit in %d bytes",
				     CAT_NAME_MAX);
	p->created_at = now_or(p->created_at);
	if ((err = sq_begin(h)) < 0)
		return err;
	err = sq_write(h, SQ_PROJECT_ADD,
		       "INSERT INTO projects(org_id, name, type, timezone,"
		       " domain_id, domain_name, created_at)"
		       " VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)",
		       SQ_ARGS(SQ_INT(oid), SQ_TEXT(p->name), SQ_TEXT(p->type),
			       SQ_TEXT(p->timezone), SQ_TEXT(domain),
			       SQ_INT(p->created_at)));
	if (err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the org already has a project of that "
				    "name");
	else if (err == CAT_ENOTFOUND)
		err = cat_error_set(CAT_ENOTFOUND, "unknown org");
	if (err < 0)
		goto done;
	pid = sqlite3_last_insert_rowid(h->db);
	snprintf(p->id, sizeof(p->id), "%" PRId64, pid);
	snprintf(p->domain_id, sizeof(p->domain_id), "%" PRId64,
		 pid - PROJECT_ID_BASE + DOMAIN_ID_BASE);
	snprintf(prod, sizeof(prod), "%" PRId64, pid + PROD_ZGID_OFFSET);
	if ((err = sq_write(h, SQ_PROJECT_SET_DOMAIN,
			    "UPDATE projects SET domain_id = ?2 WHERE id = ?1",
			    SQ_ARGS(SQ_INT(pid), SQ_TEXT(p->domain_id)))) < 0 ||
	    /* the reference CLI takes the org id as the Development zgid */
	    (err = add_env(h, pid, 3, p->org_id, "Development")) < 0 ||
	    (err = add_env(h, pid, 2, prod, "Production")) < 0)
		goto done;
	memcpy(p->domain_name, domain, sizeof(domain));
	err = sq_commit(h);
done:
	if (err < 0) {
		sq_rollback(h);
		p->id[0] = p->domain_id[0] = '\0';
	}
	return err;
}

static int sq_project_get(struct cat_store *s, struct cat_project *out,
			  const char *id)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int64_t pid;
	int err;

	if ((err = cat_store_parse_id(id, &pid, "project")) < 0)
		return err;
	err = sq_read(h, &st, SQ_PROJECT_GET,
		      "SELECT " PROJECT_COLS " FROM projects WHERE id = ?1",
		      SQ_ARGS(SQ_INT(pid)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown project");
	if (err < 0)
		return err;
	err = row_project(st, out);
	sq_done(st);
	return err;
}

static int sq_project_list(struct cat_store *s, const char *org_id,
			   cat_project_cb cb, void *ctx)
{
	struct sq *h = sq_of(s);
	struct cat_project p;
	sqlite3_stmt *st;
	int64_t oid;
	int err;

	/* an id that cannot exist has no projects */
	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err == CAT_ENOTFOUND ? 0 : err;
	err = sq_read(h, &st, SQ_PROJECT_LIST,
		      "SELECT " PROJECT_COLS " FROM projects"
		      " WHERE org_id = ?1 ORDER BY id",
		      SQ_ARGS(SQ_INT(oid)));
	while (err == 1) {
		if ((err = row_project(st, &p)) < 0 || (err = cb(&p, ctx)) != 0)
			break;
		err = sq_next(h, st);
	}
	sq_done(st);
	return err;
}

static int row_env(sqlite3_stmt *st, struct cat_env *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->zgid, sizeof(out->zgid), &bad);
	sq_col(st, 1, out->project_id, sizeof(out->project_id), &bad);
	sq_col(st, 2, out->name, sizeof(out->name), &bad);
	out->type = sqlite3_column_int(st, 3);
	sq_col(st, 4, out->status, sizeof(out->status), &bad);
	return bad ? cat_error_set(CAT_ERROR, "store: env row too long") : 0;
}

static int sq_env_list(struct cat_store *s, const char *project_id,
		       cat_env_cb cb, void *ctx)
{
	struct sq *h = sq_of(s);
	struct cat_env e;
	sqlite3_stmt *st;
	int64_t pid;
	int err;

	if ((err = cat_store_parse_id(project_id, &pid, "project")) < 0)
		return err == CAT_ENOTFOUND ? 0 : err;
	/* type 3 (Development) before 2 (Production) */
	err = sq_read(h, &st, SQ_ENV_LIST,
		      "SELECT zgid, project_id, name, type, status FROM envs"
		      " WHERE project_id = ?1 ORDER BY type DESC",
		      SQ_ARGS(SQ_INT(pid)));
	while (err == 1) {
		if ((err = row_env(st, &e)) < 0 || (err = cb(&e, ctx)) != 0)
			break;
		err = sq_next(h, st);
	}
	sq_done(st);
	return err;
}

/* OAuth clients */

static int sq_client_add(struct cat_store *s, const struct cat_client *c)
{
	struct sq *h = sq_of(s);
	int err;

	if ((err = cat_store_check_client(c)) < 0)
		return err;
	err = sq_write(
		h, SQ_CLIENT_ADD,
		"INSERT INTO clients(id, secret_hash, name, kind,"
		" created_at, is_public) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		SQ_ARGS(SQ_TEXT(c->id), SQ_TEXT(c->secret_hash),
			SQ_TEXT(c->name), SQ_INT(c->kind),
			SQ_INT(now_or(c->created_at)), SQ_INT(c->is_public)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a client with this id already exists");
	return err < 0 ? err : 0;
}

static int sq_client_get(struct cat_store *s, struct cat_client *out,
			 const char *id)
{
	struct sq *h = sq_of(s);
	sqlite3_stmt *st;
	int err, bad = 0;

	if ((err = cat_store_check(id, CAT_ID_MAX, "client id")) < 0)
		return err;
	err = sq_read(h, &st, SQ_CLIENT_GET,
		      "SELECT id, secret_hash, name, kind, created_at,"
		      " is_public FROM clients WHERE id = ?1",
		      SQ_ARGS(SQ_TEXT(id)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown client");
	if (err < 0)
		return err;
	memset(out, 0, sizeof(*out));
	sq_col(st, 0, out->id, sizeof(out->id), &bad);
	sq_col(st, 1, out->secret_hash, sizeof(out->secret_hash), &bad);
	sq_col(st, 2, out->name, sizeof(out->name), &bad);
	out->kind = sqlite3_column_int(st, 3);
	out->created_at = sqlite3_column_int64(st, 4);
	out->is_public = sqlite3_column_int(st, 5) != 0;
	sq_done(st);
	return bad ? cat_error_set(CAT_ERROR, "store: client row too long") : 0;
}

const struct cat_store_ops cat_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.migrate = sq_migrate,
	.ping = sq_ping,
	.schema_version = sq_schema_version,
	.account_add = sq_account_add,
	.account_by_email = sq_account_by_email,
	.account_by_id = sq_account_by_id,
	.org_add = sq_org_add,
	.org_get = sq_org_get,
	.member_add = sq_member_add,
	.org_list = sq_org_list,
	.member_check = sq_member_check,
	.project_add = sq_project_add,
	.project_get = sq_project_get,
	.project_list = sq_project_list,
	.env_list = sq_env_list,
	.client_add = sq_client_add,
	.client_get = sq_client_get,
	.device_insert = sq_device_insert,
	.device_by_user_code = sq_device_by_user_code,
	.device_by_hash = sq_device_by_hash,
	.device_decide = sq_device_decide,
	.device_touch = sq_device_touch,
	.device_pending = sq_device_pending,
	.device_redeem = sq_device_redeem,
	.grant_insert = sq_grant_insert,
	.grant_by_hash = sq_grant_by_hash,
	.grant_by_id = sq_grant_by_id,
	.grant_list = sq_grant_list,
	.grant_revoke = sq_grant_revoke,
	.grant_touch_batch = sq_grant_touch_batch,
	.access_insert = sq_access_insert,
	.access_validate = sq_access_validate,
	.code_insert = sq_code_insert,
	.code_redeem = sq_code_redeem,
	.session_insert = sq_session_insert,
	.session_get = sq_session_get,
	.session_delete = sq_session_delete,
	.ratelimit_hit = sq_ratelimit_hit,
	.ratelimit_count = sq_ratelimit_count,
	.key_get_or_add = sq_key_get_or_add,
	.purge = sq_purge,
};
