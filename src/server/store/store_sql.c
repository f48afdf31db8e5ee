/*
 * The SQL store: opening handles over a driver (SQLite or PostgreSQL) and
 * the directory (accounts, orgs, projects, clients). Every operation is
 * written once over store_db.h; the OAuth state is in store_sql_oauth.c,
 * the schema in store_sql_schema.c.
 */
#include "store_sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

#define PROJECT_ID_BASE INT64_C(4000000000000)
#define DOMAIN_ID_BASE  5000
/* Production zgids: unique per project, and never an org id (8 digits) */
#define PROD_ZGID_OFFSET INT64_C(5000000000000)

_Static_assert(SL__COUNT <= DB_SLOTS, "raise DB_SLOTS in store_db.h");

int64_t sql_now_or(int64_t t)
{
	return t ? t : (int64_t)time(NULL);
}

static void sql_close(struct cat_store *s)
{
	struct sql_store *h = (struct sql_store *)s;

	if (!h)
		return;
	if (h->db)
		h->db->drv->close(h->db);
	free(h);
}

static int sql_open(struct cat_store **out, const char *url,
		    const struct cat_store_ops *ops,
		    const struct db_driver *drv)
{
	struct sql_store *h;
	int err;

	*out = NULL;
	if (!(h = calloc(1, sizeof(*h))))
		return cat_error_set(CAT_ERROR, "out of memory");
	h->base.ops = ops;
	if ((err = drv->open(&h->db, url)) < 0) {
		sql_close(&h->base);
		return err;
	}
	/* see store_sql_tx.c for why only SQLite groups commits */
	if (drv->dialect == DB_SQLITE)
		h->group = sql_group_for(url);
	*out = &h->base;
	return 0;
}

static int sql_ping(struct cat_store *s)
{
	struct db *db = db_of(s);
	struct db_cur c;
	/* SQLite: reads the file header, unlike SELECT 1 */
	int err = db_read(
		db, &c, SL_PING,
		db_pick(db, "SELECT count(*) FROM sqlite_master", "SELECT 1"),
		DB_NOARGS);

	db_done(&c);
	return err < 0 ? err : 0;
}

static int sql_read_snapshot(struct cat_store *s, int on)
{
	struct db *db = db_of(s);
	const char *sql =
		on ? db_pick(db, "BEGIN", NULL) : db_pick(db, "COMMIT", NULL);
	int err;

	if (!sql)
		return 0;
	err = db_write(db, on ? SL_READ_BEGIN : SL_READ_END, sql, DB_NOARGS);
	return err < 0 ? err : 0;
}

static int sql_prefer_writes(struct cat_store *s)
{
	struct db *db = db_of(s);
	const char *sql = db_pick(db, "PRAGMA mmap_size = 0", NULL);

	return sql ? db_script(db, sql) : 0;
}

/* Accounts */

#define ACCOUNT_COLS                                                           \
	"id, email, first_name, last_name, pw_hash, created_at, disabled_at"

static int row_account(const struct db_cur *c, void *row)
{
	struct cat_account *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = db_int(c, 0);
	db_text(c, 1, out->email, sizeof(out->email), &bad);
	db_text(c, 2, out->first_name, sizeof(out->first_name), &bad);
	db_text(c, 3, out->last_name, sizeof(out->last_name), &bad);
	db_text(c, 4, out->pw_hash, sizeof(out->pw_hash), &bad);
	out->created_at = db_int(c, 5);
	out->disabled_at = db_int(c, 6);
	return bad ? cat_error_set(CAT_ERROR, "store: account row too long")
		   : 0;
}

/* Runs an INSERT ... RETURNING id: the new row's id in *id. */
static int insert_id(struct db *db, int64_t *id, int slot, const char *sql,
		     const struct db_val *args, size_t n)
{
	struct db_cur c;
	int err = db_read(db, &c, slot, sql, args, n);

	if (err == 1)
		*id = db_int(&c, 0);
	db_done(&c);
	if (err == 0)
		return cat_error_set(CAT_ERROR, "store: no id returned");
	return err < 0 ? err : 0;
}

int sql_get(struct db *db, int slot, const char *sql, const struct db_val *args,
	    size_t n, sql_row_fn row, void *out, const char *absent)
{
	struct db_cur c;
	int err = db_read(db, &c, slot, sql, args, n);

	if (err == 0)
		err = cat_error_set(CAT_ENOTFOUND, "%s", absent);
	else if (err == 1)
		err = row(&c, out);
	db_done(&c);
	return err;
}

int sql_account_add(struct cat_store *s, struct cat_account *a)
{
	int err;

	if ((err = cat_store_check_key(a->email, CAT_EMAIL_MAX, "email")) < 0 ||
	    (err = cat_store_check(a->first_name, CAT_NAME_MAX, "first name")) <
		    0 ||
	    (err = cat_store_check(a->last_name, CAT_NAME_MAX, "last name")) <
		    0 ||
	    (err = cat_store_check(a->pw_hash, CAT_PWHASH_MAX,
				   "password hash")) < 0)
		return err;
	a->created_at = sql_now_or(a->created_at);
	err = insert_id(db_of(s), &a->id, SL_ACCOUNT_ADD,
			"INSERT INTO accounts(email, first_name, last_name,"
			" pw_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
			" RETURNING id",
			DB_ARGS(DB_TEXT(a->email), DB_TEXT(a->first_name),
				DB_TEXT(a->last_name), DB_TEXT(a->pw_hash),
				DB_INT(a->created_at)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "an account with this email already "
				     "exists");
	return err;
}

int sql_account_by_email(struct cat_store *s, struct cat_account *out,
			 const char *email)
{
	struct db *db = db_of(s);
	int err;

	if ((err = cat_store_check(email, CAT_EMAIL_MAX, "email")) < 0)
		return err;
	/* SQLite's column folds case itself (NOCASE); PostgreSQL's index is
	 * on lower(email) */
	return sql_get(db, SL_ACCOUNT_BY_EMAIL,
		       db_pick(db,
			       "SELECT " ACCOUNT_COLS " FROM accounts"
			       " WHERE email = ?1",
			       "SELECT " ACCOUNT_COLS " FROM accounts"
			       " WHERE lower(email) = lower(?1)"),
		       DB_ARGS(DB_TEXT(email)), row_account, out,
		       "no account with this email");
}

int sql_account_by_id(struct cat_store *s, struct cat_account *out, int64_t id)
{
	return sql_get(db_of(s), SL_ACCOUNT_BY_ID,
		       "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1",
		       DB_ARGS(DB_INT(id)), row_account, out,
		       "no such account");
}

/* Orgs */

static int row_org(const struct db_cur *c, void *row)
{
	struct cat_org *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->id, sizeof(out->id), &bad);
	db_text(c, 1, out->name, sizeof(out->name), &bad);
	out->is_default = (int)db_int(c, 2);
	out->created_at = db_int(c, 3);
	return bad ? cat_error_set(CAT_ERROR, "store: org row too long") : 0;
}

int sql_org_add(struct cat_store *s, struct cat_org *o)
{
	int64_t id = 0;
	int err;

	if ((err = cat_store_check_key(o->name, CAT_NAME_MAX, "org name")) < 0)
		return err;
	o->created_at = sql_now_or(o->created_at);
	err = insert_id(db_of(s), &id, SL_ORG_ADD,
			"INSERT INTO orgs(name, created_at) VALUES (?1, ?2)"
			" RETURNING id",
			DB_ARGS(DB_TEXT(o->name), DB_INT(o->created_at)));
	if (err < 0)
		return err;
	snprintf(o->id, sizeof(o->id), "%" PRId64, id);
	o->is_default = 0;
	return 0;
}

int sql_org_get(struct cat_store *s, struct cat_org *out, const char *id)
{
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(id, &oid, "org")) < 0)
		return err;
	return sql_get(db_of(s), SL_ORG_GET,
		       "SELECT id, name, 0, created_at FROM orgs WHERE id = ?1",
		       DB_ARGS(DB_INT(oid)), row_org, out, "unknown org");
}

int sql_member_add(struct cat_store *s, int64_t account_id, const char *org_id,
		   int is_default)
{
	struct db *db = db_of(s);
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err;
	/* one transaction: a failed add must not lose the old default */
	if ((err = db_begin(db)) < 0)
		return err;
	if (is_default &&
	    (err = db_write(db, SL_MEMBER_CLEAR_DEFAULT,
			    "UPDATE members SET is_default = 0"
			    " WHERE account_id = ?1 AND is_default = 1",
			    DB_ARGS(DB_INT(account_id)))) < 0)
		goto done;
	err = db_write(db, SL_MEMBER_ADD,
		       "INSERT INTO members(account_id, org_id, is_default,"
		       " created_at) VALUES (?1, ?2, ?3, ?4)",
		       DB_ARGS(DB_INT(account_id), DB_INT(oid),
			       DB_INT(is_default != 0), DB_INT(time(NULL))));
	if (err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the account is already a member of the "
				    "org");
	if (err < 0)
		goto done;
	err = db_commit(db);
done:
	if (err < 0)
		db_rollback(db);
	return err;
}

/* Walks the rows of a list query started by db_read. */
#define WALK(err, c, row_fn, item, cb, ctx)                                    \
	do {                                                                   \
		while ((err) == 1) {                                           \
			if (((err) = row_fn((c), (item))) < 0 ||               \
			    ((err) = (cb)((item), (ctx))) != 0)                \
				break;                                         \
			(err) = db_next(c);                                    \
		}                                                              \
		db_done(c);                                                    \
	} while (0)

/* Every account, for operators: the pw_hash comes along, unused. */
int sql_account_list(struct cat_store *s, cat_account_cb cb, void *ctx)
{
	struct cat_account a;
	struct db_cur c;
	int err;

	err = db_read(db_of(s), &c, SL_ACCOUNT_LIST,
		      "SELECT " ACCOUNT_COLS " FROM accounts ORDER BY id",
		      DB_NOARGS);
	WALK(err, &c, row_account, &a, cb, ctx);
	return err;
}

int sql_org_list(struct cat_store *s, int64_t account_id, cat_org_cb cb,
		 void *ctx)
{
	struct cat_org o;
	struct db_cur c;
	int err;

	err = db_read(db_of(s), &c, SL_ORG_LIST,
		      "SELECT o.id, o.name, m.is_default, o.created_at"
		      " FROM members m JOIN orgs o ON o.id = m.org_id"
		      " WHERE m.account_id = ?1"
		      " ORDER BY m.is_default DESC, o.id",
		      DB_ARGS(DB_INT(account_id)));
	WALK(err, &c, row_org, &o, cb, ctx);
	return err;
}

int sql_member_check(struct cat_store *s, int64_t account_id,
		     const char *org_id)
{
	struct db_cur c;
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err;
	err = db_read(db_of(s), &c, SL_MEMBER_CHECK,
		      "SELECT 1 FROM members"
		      " WHERE account_id = ?1 AND org_id = ?2",
		      DB_ARGS(DB_INT(account_id), DB_INT(oid)));
	db_done(&c);
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "the account is not a member of the org");
	return err < 0 ? err : 0;
}

/* Projects */

#define PROJECT_COLS                                                           \
	"id, org_id, name, type, timezone, domain_id, domain_name, created_at"

static int row_project(const struct db_cur *c, void *row)
{
	struct cat_project *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->id, sizeof(out->id), &bad);
	db_text(c, 1, out->org_id, sizeof(out->org_id), &bad);
	db_text(c, 2, out->name, sizeof(out->name), &bad);
	db_text(c, 3, out->type, sizeof(out->type), &bad);
	db_text(c, 4, out->timezone, sizeof(out->timezone), &bad);
	db_text(c, 5, out->domain_id, sizeof(out->domain_id), &bad);
	db_text(c, 6, out->domain_name, sizeof(out->domain_name), &bad);
	out->created_at = db_int(c, 7);
	return bad ? cat_error_set(CAT_ERROR, "store: project row too long")
		   : 0;
}

static int add_env(struct db *db, int64_t pid, int type, const char *zgid,
		   const char *name)
{
	int err = db_write(db, SL_ENV_ADD,
			   "INSERT INTO envs(project_id, type, zgid, name,"
			   " status) VALUES (?1, ?2, ?3, ?4, 'Active')",
			   DB_ARGS(DB_INT(pid), DB_INT(type), DB_TEXT(zgid),
				   DB_TEXT(name)));

	return err < 0 ? err : 0;
}

int sql_project_add(struct cat_store *s, struct cat_project *p)
{
	struct db *db = db_of(s);
	char domain[sizeof(p->domain_name)], prod[CAT_ID_MAX + 1];
	int64_t oid, pid = 0;
	int err, n;

	if ((err = cat_store_check_project(p, &oid)) < 0)
		return err;
	n = snprintf(domain, sizeof(domain), "%s-%s", p->name, p->org_id);
	if (n < 0 || (size_t)n >= sizeof(domain))
		return cat_error_set(CAT_EINVAL,
				     "project name is too long: with '-' and "
				     "the org id it must fit in %d bytes",
				     CAT_NAME_MAX);
	p->created_at = sql_now_or(p->created_at);
	if ((err = db_begin(db)) < 0)
		return err;
	/* the domain id derives from the new id, so it is set after */
	err = insert_id(db, &pid, SL_PROJECT_ADD,
			db_pick(db,
				"INSERT INTO projects(org_id, name, type,"
				" timezone, domain_id, domain_name, created_at)"
				" VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)"
				" RETURNING id",
				"INSERT INTO projects(id, org_id, name, type,"
				" timezone, domain_id, domain_name, created_at)"
				" VALUES (nextval('projects_id_seq'), ?1, ?2,"
				" ?3, ?4, '', ?5, ?6) RETURNING id"),
			DB_ARGS(DB_INT(oid), DB_TEXT(p->name), DB_TEXT(p->type),
				DB_TEXT(p->timezone), DB_TEXT(domain),
				DB_INT(p->created_at)));
	if (err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the org already has a project of that "
				    "name");
	else if (err == CAT_ENOTFOUND)
		err = cat_error_set(CAT_ENOTFOUND, "unknown org");
	if (err < 0)
		goto done;
	snprintf(p->id, sizeof(p->id), "%" PRId64, pid);
	snprintf(p->domain_id, sizeof(p->domain_id), "%" PRId64,
		 pid - PROJECT_ID_BASE + DOMAIN_ID_BASE);
	snprintf(prod, sizeof(prod), "%" PRId64, pid + PROD_ZGID_OFFSET);
	if ((err = db_write(db, SL_PROJECT_SET_DOMAIN,
			    "UPDATE projects SET domain_id = ?2 WHERE id = ?1",
			    DB_ARGS(DB_INT(pid), DB_TEXT(p->domain_id)))) < 0 ||
	    /* the reference CLI takes the org id as the Development zgid */
	    (err = add_env(db, pid, 3, p->org_id, "Development")) < 0 ||
	    (err = add_env(db, pid, 2, prod, "Production")) < 0)
		goto done;
	memcpy(p->domain_name, domain, sizeof(domain));
	err = db_commit(db);
done:
	if (err < 0) {
		db_rollback(db);
		p->id[0] = p->domain_id[0] = '\0';
	}
	return err;
}

int sql_project_get(struct cat_store *s, struct cat_project *out,
		    const char *id)
{
	int64_t pid;
	int err;

	if ((err = cat_store_parse_id(id, &pid, "project")) < 0)
		return err;
	return sql_get(db_of(s), SL_PROJECT_GET,
		       "SELECT " PROJECT_COLS " FROM projects WHERE id = ?1",
		       DB_ARGS(DB_INT(pid)), row_project, out,
		       "unknown project");
}

int sql_project_list(struct cat_store *s, const char *org_id, cat_project_cb cb,
		     void *ctx)
{
	struct cat_project p;
	struct db_cur c;
	int64_t oid;
	int err;

	/* an id that cannot exist has no projects */
	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err == CAT_ENOTFOUND ? 0 : err;
	err = db_read(db_of(s), &c, SL_PROJECT_LIST,
		      "SELECT " PROJECT_COLS " FROM projects"
		      " WHERE org_id = ?1 ORDER BY id",
		      DB_ARGS(DB_INT(oid)));
	WALK(err, &c, row_project, &p, cb, ctx);
	return err;
}

static int row_env(const struct db_cur *c, void *row)
{
	struct cat_env *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->zgid, sizeof(out->zgid), &bad);
	db_text(c, 1, out->project_id, sizeof(out->project_id), &bad);
	db_text(c, 2, out->name, sizeof(out->name), &bad);
	out->type = (int)db_int(c, 3);
	db_text(c, 4, out->status, sizeof(out->status), &bad);
	return bad ? cat_error_set(CAT_ERROR, "store: env row too long") : 0;
}

int sql_env_list(struct cat_store *s, const char *project_id, cat_env_cb cb,
		 void *ctx)
{
	struct cat_env e;
	struct db_cur c;
	int64_t pid;
	int err;

	if ((err = cat_store_parse_id(project_id, &pid, "project")) < 0)
		return err == CAT_ENOTFOUND ? 0 : err;
	/* type 3 (Development) before 2 (Production) */
	err = db_read(db_of(s), &c, SL_ENV_LIST,
		      "SELECT zgid, project_id, name, type, status FROM envs"
		      " WHERE project_id = ?1 ORDER BY type DESC",
		      DB_ARGS(DB_INT(pid)));
	WALK(err, &c, row_env, &e, cb, ctx);
	return err;
}

/* OAuth clients */

int sql_client_add(struct cat_store *s, const struct cat_client *c)
{
	int err;

	if ((err = cat_store_check_client(c)) < 0)
		return err;
	err = db_write(
		db_of(s), SL_CLIENT_ADD,
		"INSERT INTO clients(id, secret_hash, name, kind,"
		" created_at, is_public) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		DB_ARGS(DB_TEXT(c->id), DB_TEXT(c->secret_hash),
			DB_TEXT(c->name), DB_INT(c->kind),
			DB_INT(sql_now_or(c->created_at)),
			DB_INT(c->is_public)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a client with this id already exists");
	return err < 0 ? err : 0;
}

#define CLIENT_COLS                                                            \
	"id, secret_hash, name, kind, created_at, is_public, removed_at"

static int row_client(const struct db_cur *c, void *row)
{
	struct cat_client *out = row;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	db_text(c, 0, out->id, sizeof(out->id), &bad);
	db_text(c, 1, out->secret_hash, sizeof(out->secret_hash), &bad);
	db_text(c, 2, out->name, sizeof(out->name), &bad);
	out->kind = (int)db_int(c, 3);
	out->created_at = db_int(c, 4);
	out->is_public = db_int(c, 5) != 0;
	out->removed_at = db_int(c, 6);
	return bad ? cat_error_set(CAT_ERROR, "store: client row too long") : 0;
}

int sql_client_get(struct cat_store *s, struct cat_client *out, const char *id)
{
	int err;

	if ((err = cat_store_check(id, CAT_ID_MAX, "client id")) < 0)
		return err;
	return sql_get(db_of(s), SL_CLIENT_GET,
		       "SELECT " CLIENT_COLS " FROM clients"
		       " WHERE id = ?1 AND removed_at = 0",
		       DB_ARGS(DB_TEXT(id)), row_client, out, "unknown client");
}

int sql_client_list(struct cat_store *s, cat_client_cb cb, void *ctx)
{
	struct cat_client c;
	struct db_cur cur;
	int err;

	err = db_read(db_of(s), &cur, SL_CLIENT_LIST,
		      "SELECT " CLIENT_COLS " FROM clients"
		      " ORDER BY created_at, id",
		      DB_NOARGS);
	WALK(err, &cur, row_client, &c, cb, ctx);
	return err;
}

/* The two backends: the same operations over different drivers. */

/* clang-format off */
#define SQL_STORE_OPS(name_, open_)                                            \
	{                                                                      \
		.name = (name_), .open = (open_), .close = sql_close,          \
		.migrate = sql_migrate, .ping = sql_ping,                      \
		.schema_version = sql_schema_version,                          \
		.account_add = sql_account_add,                                \
		.account_by_email = sql_account_by_email,                      \
		.account_by_id = sql_account_by_id, .org_add = sql_org_add,    \
		.account_list = sql_account_list,                              \
		.account_set_disabled = sql_account_set_disabled,              \
		.org_get = sql_org_get, .member_add = sql_member_add,          \
		.org_list = sql_org_list, .member_check = sql_member_check,    \
		.project_add = sql_project_add,                                \
		.project_get = sql_project_get,                                \
		.project_list = sql_project_list, .env_list = sql_env_list,    \
		.client_add = sql_client_add, .client_get = sql_client_get,    \
		.client_list = sql_client_list,                                \
		.client_remove = sql_client_remove,                            \
		.device_insert = sql_device_insert,                            \
		.device_by_user_code = sql_device_by_user_code,                \
		.device_by_hash = sql_device_by_hash,                          \
		.device_decide = sql_device_decide,                            \
		.device_touch = sql_device_touch,                              \
		.device_pending = sql_device_pending,                          \
		.device_redeem = sql_device_redeem,                            \
		.grant_insert = sql_grant_insert,                              \
		.grant_by_hash = sql_grant_by_hash,                            \
		.grant_by_id = sql_grant_by_id, .grant_list = sql_grant_list,  \
		.grant_list_all = sql_grant_list_all,                          \
		.grant_revoke = sql_grant_revoke,                              \
		.grant_rotate = sql_grant_rotate,                              \
		.grant_revoke_account = sql_grant_revoke_account,              \
		.grant_touch_batch = sql_grant_touch_batch,                    \
		.bearer_lookup = sql_bearer_lookup,  \
		.code_insert = sql_code_insert,                                \
		.code_redeem = sql_code_redeem,                                \
		.session_insert = sql_session_insert,                          \
		.session_get = sql_session_get,                                \
		.session_delete = sql_session_delete,                          \
		.ratelimit_hit = sql_ratelimit_hit,                            \
		.ratelimit_count = sql_ratelimit_count,                        \
		.key_get_or_add = sql_key_get_or_add,                          \
		.audit_add = sql_audit_add, .audit_list = sql_audit_list,     \
		.prefer_writes = sql_prefer_writes,                          \
		.read_snapshot = sql_read_snapshot, .purge = sql_purge,      \
	}
/* clang-format on */

static int open_sqlite(struct cat_store **out, const char *url)
{
	return sql_open(out, url, &cat_store_sqlite_ops, &db_sqlite_driver);
}

const struct cat_store_ops cat_store_sqlite_ops =
	SQL_STORE_OPS("sqlite", open_sqlite);

#ifdef CATALYST_WITH_PG
static int open_pg(struct cat_store **out, const char *url)
{
	return sql_open(out, url, &cat_store_pg_ops, &db_pg_driver);
}

const struct cat_store_ops cat_store_pg_ops =
	SQL_STORE_OPS("postgres", open_pg);
#endif
