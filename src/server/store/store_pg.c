/*
 * The PostgreSQL store, for several catalystd instances on one database:
 * one libpq connection per handle (so per worker thread). This file opens
 * handles and keeps the directory (accounts, orgs, projects, clients); the
 * OAuth state is in store_pg_oauth.c, the plumbing in store_pg_db.c.
 */
#include "store_pg.h"

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

static int64_t now_or(int64_t t)
{
	return t ? t : (int64_t)time(NULL);
}

static void pg_close(struct cat_store *s)
{
	struct pg *h = pg_of(s);

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

static int pg_open(struct cat_store **out, const char *url)
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
	h->base.ops = &cat_store_pg_ops;
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

static int pg_ping(struct cat_store *s)
{
	int err = pg_query(pg_of(s), NULL, PQ_PING, "SELECT 1", PG_NOARGS);

	return err < 0 ? err : 0;
}

/* Accounts */

#define ACCOUNT_COLS "id, email, first_name, last_name, pw_hash, created_at"

static int row_account(const PGresult *r, struct cat_account *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->id = pg_int(r, 0, 0);
	pg_col(r, 0, 1, out->email, sizeof(out->email), &bad);
	pg_col(r, 0, 2, out->first_name, sizeof(out->first_name), &bad);
	pg_col(r, 0, 3, out->last_name, sizeof(out->last_name), &bad);
	pg_col(r, 0, 4, out->pw_hash, sizeof(out->pw_hash), &bad);
	out->created_at = pg_int(r, 0, 5);
	return bad ? cat_error_set(CAT_ERROR, "store: account row too long")
		   : 0;
}

static int pg_account_add(struct cat_store *s, struct cat_account *a)
{
	PGresult *r;
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
	err = pg_query(pg_of(s), &r, PQ_ACCOUNT_ADD,
		       "INSERT INTO accounts(email, first_name, last_name,"
		       " pw_hash, created_at) VALUES ($1, $2, $3, $4, $5)"
		       " RETURNING id",
		       PG_ARGS(PG_TEXT(a->email), PG_TEXT(a->first_name),
			       PG_TEXT(a->last_name), PG_TEXT(a->pw_hash),
			       PG_INT(a->created_at)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "an account with this email already "
				     "exists");
	if (err < 0)
		return err;
	a->id = err == 1 ? pg_int(r, 0, 0) : 0;
	PQclear(r);
	return a->id ? 0 : cat_error_set(CAT_ERROR, "store: no account id");
}

static int pg_account_by_email(struct cat_store *s, struct cat_account *out,
			       const char *email)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(email, CAT_EMAIL_MAX, "email")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_ACCOUNT_BY_EMAIL,
		       "SELECT " ACCOUNT_COLS " FROM accounts"
		       " WHERE lower(email) = lower($1)",
		       PG_ARGS(PG_TEXT(email)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND,
				       "no account with this email")
		       : row_account(r, out);
	PQclear(r);
	return err;
}

static int pg_account_by_id(struct cat_store *s, struct cat_account *out,
			    int64_t id)
{
	PGresult *r;
	int err;

	err = pg_query(pg_of(s), &r, PQ_ACCOUNT_BY_ID,
		       "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1",
		       PG_ARGS(PG_INT(id)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "no account %" PRId64, id)
		       : row_account(r, out);
	PQclear(r);
	return err;
}

/* Orgs */

static int row_org(const PGresult *r, int row, struct cat_org *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, row, 0, out->id, sizeof(out->id), &bad);
	pg_col(r, row, 1, out->name, sizeof(out->name), &bad);
	out->is_default = (int)pg_int(r, row, 2);
	out->created_at = pg_int(r, row, 3);
	return bad ? cat_error_set(CAT_ERROR, "store: org row too long") : 0;
}

static int pg_org_add(struct cat_store *s, struct cat_org *o)
{
	PGresult *r;
	int err, bad = 0;

	if ((err = cat_store_check_key(o->name, CAT_NAME_MAX, "org name")) < 0)
		return err;
	o->created_at = now_or(o->created_at);
	err = pg_query(pg_of(s), &r, PQ_ORG_ADD,
		       "INSERT INTO orgs(name, created_at) VALUES ($1, $2)"
		       " RETURNING id",
		       PG_ARGS(PG_TEXT(o->name), PG_INT(o->created_at)));
	if (err < 0)
		return err;
	if (err == 1)
		pg_col(r, 0, 0, o->id, sizeof(o->id), &bad);
	PQclear(r);
	o->is_default = 0;
	return err == 1 && !bad ? 0
				: cat_error_set(CAT_ERROR, "store: no org id");
}

static int pg_org_get(struct cat_store *s, struct cat_org *out, const char *id)
{
	PGresult *r;
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(id, &oid, "org")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_ORG_GET,
		       "SELECT id, name, 0, created_at FROM orgs WHERE id = $1",
		       PG_ARGS(PG_INT(oid)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "unknown org")
		       : row_org(r, 0, out);
	PQclear(r);
	return err;
}

static int pg_member_add(struct cat_store *s, int64_t account_id,
			 const char *org_id, int is_default)
{
	struct pg *h = pg_of(s);
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err;
	/* one transaction: a failed add must not lose the old default */
	if ((err = pg_begin(h)) < 0)
		return err;
	if (is_default &&
	    (err = pg_query(h, NULL, PQ_MEMBER_CLEAR_DEFAULT,
			    "UPDATE members SET is_default = 0"
			    " WHERE account_id = $1 AND is_default = 1",
			    PG_ARGS(PG_INT(account_id)))) < 0)
		goto done;
	err = pg_query(h, NULL, PQ_MEMBER_ADD,
		       "INSERT INTO members(account_id, org_id, is_default,"
		       " created_at) VALUES ($1, $2, $3, $4)",
		       PG_ARGS(PG_INT(account_id), PG_INT(oid),
			       PG_INT((int64_t)(is_default != 0)),
			       PG_INT((int64_t)time(NULL))));
	if (err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the account is already a member of the "
				    "org");
	if (err < 0)
		goto done;
	err = pg_commit(h);
done:
	if (err < 0)
		pg_rollback(h);
	return err;
}

/*
 * The whole result is in memory before the first callback, so a callback
 * may call back into the store.
 */
static int pg_org_list(struct cat_store *s, int64_t account_id, cat_org_cb cb,
		       void *ctx)
{
	struct cat_org o;
	PGresult *r;
	int err, n, i;

	n = pg_query(pg_of(s), &r, PQ_ORG_LIST,
		     "SELECT o.id, o.name, m.is_default, o.created_at"
		     " FROM members m JOIN orgs o ON o.id = m.org_id"
		     " WHERE m.account_id = $1"
		     " ORDER BY m.is_default DESC, o.id",
		     PG_ARGS(PG_INT(account_id)));
	if (n < 0)
		return n;
	for (err = 0, i = 0; i < n && err == 0; i++)
		if ((err = row_org(r, i, &o)) == 0)
			err = cb(&o, ctx);
	PQclear(r);
	return err;
}

static int pg_member_check(struct cat_store *s, int64_t account_id,
			   const char *org_id)
{
	int64_t oid;
	int err;

	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err;
	err = pg_query(pg_of(s), NULL, PQ_MEMBER_CHECK,
		       "SELECT 1 FROM members"
		       " WHERE account_id = $1 AND org_id = $2",
		       PG_ARGS(PG_INT(account_id), PG_INT(oid)));
	if (err == 0)
		return cat_error_set(CAT_ENOTFOUND,
				     "the account is not a member of the org");
	return err < 0 ? err : 0;
}

/* Projects */

#define PROJECT_COLS                                                           \
	"id, org_id, name, type, timezone, domain_id, domain_name, created_at"

static int row_project(const PGresult *r, int row, struct cat_project *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, row, 0, out->id, sizeof(out->id), &bad);
	pg_col(r, row, 1, out->org_id, sizeof(out->org_id), &bad);
	pg_col(r, row, 2, out->name, sizeof(out->name), &bad);
	pg_col(r, row, 3, out->type, sizeof(out->type), &bad);
	pg_col(r, row, 4, out->timezone, sizeof(out->timezone), &bad);
	pg_col(r, row, 5, out->domain_id, sizeof(out->domain_id), &bad);
	pg_col(r, row, 6, out->domain_name, sizeof(out->domain_name), &bad);
	out->created_at = pg_int(r, row, 7);
	return bad ? cat_error_set(CAT_ERROR, "store: project row too long")
		   : 0;
}

static int add_env(struct pg *h, int64_t pid, int type, const char *zgid,
		   const char *name)
{
	int err = pg_query(h, NULL, PQ_ENV_ADD,
			   "INSERT INTO envs(project_id, type, zgid, name,"
			   " status) VALUES ($1, $2, $3, $4, 'Active')",
			   PG_ARGS(PG_INT(pid), PG_INT((int64_t)type),
				   PG_TEXT(zgid), PG_TEXT(name)));

	return err < 0 ? err : 0;
}

static int pg_project_add(struct cat_store *s, struct cat_project *p)
{
	struct pg *h = pg_of(s);
	char domain[sizeof(p->domain_name)], prod[CAT_ID_MAX + 1];
	PGresult *r = NULL;
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
	p->created_at = now_or(p->created_at);
	if ((err = pg_begin(h)) < 0)
		return err;
	/* the id first: the domain id is derived from it */
	err = pg_query(h, &r, PQ_PROJECT_NEXT_ID,
		       "SELECT nextval('projects_id_seq')", PG_NOARGS);
	if (err < 0)
		goto done;
	if (err == 1)
		pid = pg_int(r, 0, 0);
	PQclear(r);
	if (pid <= 0) {
		err = cat_error_set(CAT_ERROR, "store: no project id");
		goto done;
	}
	snprintf(p->id, sizeof(p->id), "%" PRId64, pid);
	snprintf(p->domain_id, sizeof(p->domain_id), "%" PRId64,
		 pid - PROJECT_ID_BASE + DOMAIN_ID_BASE);
	snprintf(prod, sizeof(prod), "%" PRId64, pid + PROD_ZGID_OFFSET);
	err = pg_query(h, NULL, PQ_PROJECT_ADD,
		       "INSERT INTO projects(id, org_id, name, type, timezone,"
		       " domain_id, domain_name, created_at)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		       PG_ARGS(PG_INT(pid), PG_INT(oid), PG_TEXT(p->name),
			       PG_TEXT(p->type), PG_TEXT(p->timezone),
			       PG_TEXT(p->domain_id), PG_TEXT(domain),
			       PG_INT(p->created_at)));
	if (err == CAT_EEXISTS)
		err = cat_error_set(CAT_EEXISTS,
				    "the org already has a project of that "
				    "name");
	else if (err == CAT_ENOTFOUND)
		err = cat_error_set(CAT_ENOTFOUND, "unknown org");
	if (err < 0 ||
	    /* the reference CLI takes the org id as the Development zgid */
	    (err = add_env(h, pid, 3, p->org_id, "Development")) < 0 ||
	    (err = add_env(h, pid, 2, prod, "Production")) < 0)
		goto done;
	memcpy(p->domain_name, domain, sizeof(domain));
	err = pg_commit(h);
done:
	if (err < 0) {
		pg_rollback(h);
		p->id[0] = p->domain_id[0] = '\0';
	}
	return err;
}

static int pg_project_get(struct cat_store *s, struct cat_project *out,
			  const char *id)
{
	PGresult *r;
	int64_t pid;
	int err;

	if ((err = cat_store_parse_id(id, &pid, "project")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_PROJECT_GET,
		       "SELECT " PROJECT_COLS " FROM projects WHERE id = $1",
		       PG_ARGS(PG_INT(pid)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "unknown project")
		       : row_project(r, 0, out);
	PQclear(r);
	return err;
}

static int pg_project_list(struct cat_store *s, const char *org_id,
			   cat_project_cb cb, void *ctx)
{
	struct cat_project p;
	PGresult *r;
	int64_t oid;
	int err, n, i;

	/* an id that cannot exist has no projects */
	if ((err = cat_store_parse_id(org_id, &oid, "org")) < 0)
		return err == CAT_ENOTFOUND ? 0 : err;
	n = pg_query(pg_of(s), &r, PQ_PROJECT_LIST,
		     "SELECT " PROJECT_COLS " FROM projects"
		     " WHERE org_id = $1 ORDER BY id",
		     PG_ARGS(PG_INT(oid)));
	if (n < 0)
		return n;
	for (err = 0, i = 0; i < n && err == 0; i++)
		if ((err = row_project(r, i, &p)) == 0)
			err = cb(&p, ctx);
	PQclear(r);
	return err;
}

static int row_env(const PGresult *r, int row, struct cat_env *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, row, 0, out->zgid, sizeof(out->zgid), &bad);
	pg_col(r, row, 1, out->project_id, sizeof(out->project_id), &bad);
	pg_col(r, row, 2, out->name, sizeof(out->name), &bad);
	out->type = (int)pg_int(r, row, 3);
	pg_col(r, row, 4, out->status, sizeof(out->status), &bad);
	return bad ? cat_error_set(CAT_ERROR, "store: env row too long") : 0;
}

static int pg_env_list(struct cat_store *s, const char *project_id,
		       cat_env_cb cb, void *ctx)
{
	struct cat_env e;
	PGresult *r;
	int64_t pid;
	int err, n, i;

	if ((err = cat_store_parse_id(project_id, &pid, "project")) < 0)
		return err == CAT_ENOTFOUND ? 0 : err;
	/* type 3 (Development) before 2 (Production) */
	n = pg_query(pg_of(s), &r, PQ_ENV_LIST,
		     "SELECT zgid, project_id, name, type, status FROM envs"
		     " WHERE project_id = $1 ORDER BY type DESC",
		     PG_ARGS(PG_INT(pid)));
	if (n < 0)
		return n;
	for (err = 0, i = 0; i < n && err == 0; i++)
		if ((err = row_env(r, i, &e)) == 0)
			err = cb(&e, ctx);
	PQclear(r);
	return err;
}

/* OAuth clients */

static int pg_client_add(struct cat_store *s, const struct cat_client *c)
{
	int err;

	if ((err = cat_store_check_client(c)) < 0)
		return err;
	err = pg_query(
		pg_of(s), NULL, PQ_CLIENT_ADD,
		"INSERT INTO clients(id, secret_hash, name, kind,"
		" created_at, is_public) VALUES ($1, $2, $3, $4, $5, $6)",
		PG_ARGS(PG_TEXT(c->id), PG_TEXT(c->secret_hash),
			PG_TEXT(c->name), PG_INT((int64_t)c->kind),
			PG_INT(now_or(c->created_at)),
			PG_INT((int64_t)c->is_public)));
	if (err == CAT_EEXISTS)
		return cat_error_set(CAT_EEXISTS,
				     "a client with this id already exists");
	return err < 0 ? err : 0;
}

static int row_client(const PGresult *r, struct cat_client *out)
{
	int bad = 0;

	memset(out, 0, sizeof(*out));
	pg_col(r, 0, 0, out->id, sizeof(out->id), &bad);
	pg_col(r, 0, 1, out->secret_hash, sizeof(out->secret_hash), &bad);
	pg_col(r, 0, 2, out->name, sizeof(out->name), &bad);
	out->kind = (int)pg_int(r, 0, 3);
	out->created_at = pg_int(r, 0, 4);
	out->is_public = pg_int(r, 0, 5) != 0;
	return bad ? cat_error_set(CAT_ERROR, "store: client row too long") : 0;
}

static int pg_client_get(struct cat_store *s, struct cat_client *out,
			 const char *id)
{
	PGresult *r;
	int err;

	if ((err = cat_store_check(id, CAT_ID_MAX, "client id")) < 0)
		return err;
	err = pg_query(pg_of(s), &r, PQ_CLIENT_GET,
		       "SELECT id, secret_hash, name, kind, created_at,"
		       " is_public FROM clients WHERE id = $1",
		       PG_ARGS(PG_TEXT(id)));
	if (err < 0)
		return err;
	err = err == 0 ? cat_error_set(CAT_ENOTFOUND, "unknown client")
		       : row_client(r, out);
	PQclear(r);
	return err;
}

const struct cat_store_ops cat_store_pg_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.migrate = pg_migrate,
	.ping = pg_ping,
	.schema_version = pg_schema_version,
	.account_add = pg_account_add,
	.account_by_email = pg_account_by_email,
	.account_by_id = pg_account_by_id,
	.org_add = pg_org_add,
	.org_get = pg_org_get,
	.member_add = pg_member_add,
	.org_list = pg_org_list,
	.member_check = pg_member_check,
	.project_add = pg_project_add,
	.project_get = pg_project_get,
	.project_list = pg_project_list,
	.env_list = pg_env_list,
	.client_add = pg_client_add,
	.client_get = pg_client_get,
	.device_insert = pg_device_insert,
	.device_by_user_code = pg_device_by_user_code,
	.device_by_hash = pg_device_by_hash,
	.device_decide = pg_device_decide,
	.device_touch = pg_device_touch,
	.device_pending = pg_device_pending,
	.device_redeem = pg_device_redeem,
	.grant_insert = pg_grant_insert,
	.grant_by_hash = pg_grant_by_hash,
	.grant_by_id = pg_grant_by_id,
	.grant_list = pg_grant_list,
	.grant_revoke = pg_grant_revoke,
	.grant_touch_batch = pg_grant_touch_batch,
	.access_insert = pg_access_insert,
	.access_validate = pg_access_validate,
	.code_insert = pg_code_insert,
	.code_redeem = pg_code_redeem,
	.session_insert = pg_session_insert,
	.session_get = pg_session_get,
	.session_delete = pg_session_delete,
	.ratelimit_hit = pg_ratelimit_hit,
	.ratelimit_count = pg_ratelimit_count,
	.key_get_or_add = pg_key_get_or_add,
	.purge = pg_purge,
};
