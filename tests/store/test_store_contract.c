/*
 * The store contract: what every backend must do, checked through the
 * cat_store_* calls only, so each backend runs this same suite. The store
 * URL comes from argv[1] or CATALYST_TEST_STORE_URL; a SQLite database
 * starts fresh each run. This file: helpers, schema, durability, the few
 * SQLite-only checks (skipped for other backends), and main.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "contract.h"
#include "token.h"
#include "banned.h"

const char *g_url;
int64_t g_now;
static char g_tag[9];  /* unique to this run */
static unsigned g_seq; /* makes every uniq() value distinct */

/* Helpers (contract.h) */

int is_sqlite(const char *url)
{
	const struct cat_store_ops *ops = cat_store_backend_for(url);

	return ops && strcmp(ops->name, "sqlite") == 0;
}

const char *sqlite_path(const char *url)
{
	return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

int remove_db(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm",
						"-journal" };
	char p[4096];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(p, sizeof(p), "%s%s", path, suffixes[i]) >=
		    (int)sizeof(p)) {
			fprintf(stderr, "database path too long\n");
			return -1;
		}
		if (unlink(p) != 0 && errno != ENOENT) {
			fprintf(stderr, "cannot remove '%s': %s\n", p,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

void uniq(char *out, size_t n, const char *prefix)
{
	int len = snprintf(out, n, "%s%s%u", prefix, g_tag, ++g_seq);

	assert_true(len > 0 && (size_t)len < n);
}

void new_hash(char out[CAT_HASH_HEX])
{
	char seed[64];

	uniq(seed, sizeof(seed), "secret-");
	cat_token_hash(out, seed);
}

struct cat_store *open_store(void)
{
	struct cat_store *s = NULL;

	if (cat_store_open(&s, g_url) < 0)
		fail_msg("cannot open '%s': %s", g_url, cat_error_last());
	return s;
}

int64_t new_account(struct cat_store *s)
{
	struct cat_account a = { 0 };
	char local[64];

	uniq(local, sizeof(local), "user-");
	assert_true(snprintf(a.email, sizeof(a.email), "%s@example.com",
			     local) > 0);
	memcpy(a.first_name, "Ada", 4);
	memcpy(a.last_name, "Lovelace", 9);
	memcpy(a.pw_hash, "$argon2id$v=19$fake", 20);
	a.created_at = g_now;
	assert_ok(cat_store_account_add(s, &a));
	return a.id;
}

void new_org(struct cat_store *s, struct cat_org *o)
{
	memset(o, 0, sizeof(*o));
	uniq(o->name, sizeof(o->name), "org-");
	assert_ok(cat_store_org_add(s, o));
}

void new_client(struct cat_store *s, struct cat_client *c, int kind)
{
	memset(c, 0, sizeof(*c));
	uniq(c->id, sizeof(c->id), "1000.");
	new_hash(c->secret_hash);
	memcpy(c->name, "test client", 12);
	c->kind = kind;
	c->created_at = g_now;
	assert_ok(cat_store_client_add(s, c));
}

void make_grant(struct cat_grant *g, int64_t account, const char *client,
		int64_t created)
{
	memset(g, 0, sizeof(*g));
	cat_token_id_new(g->token_id);
	new_hash(g->token_hash);
	g->account_id = account;
	memcpy(g->client_id, client, strlen(client) + 1);
	g->kind = CAT_CLIENT_DEVICE;
	memcpy(g->scope, "ZohoCatalyst.projects.ALL", 26);
	memcpy(g->device_name, "build-01", 9);
	memcpy(g->dc, "us", 3);
	g->created_at = created;
}

void new_grant(struct cat_store *s, struct cat_grant *g, int64_t account,
	       const char *client, int64_t created)
{
	make_grant(g, account, client, created);
	assert_ok(cat_store_grant_insert(s, g));
}

void make_device(struct cat_device_auth *d, const char *client, int64_t created)
{
	memset(d, 0, sizeof(*d));
	new_hash(d->device_hash);
	cat_user_code_new(d->user_code);
	memcpy(d->client_id, client, strlen(client) + 1);
	memcpy(d->scope, "ZohoCatalyst.projects.ALL", 26);
	memcpy(d->device_name, "laptop", 7);
	d->status = CAT_DEV_PENDING;
	d->interval = 5;
	d->created_at = created;
	d->expires_at = created + 300;
}

void new_device(struct cat_store *s, struct cat_device_auth *d,
		const char *client, int64_t created)
{
	make_device(d, client, created);
	assert_ok(cat_store_device_insert(s, d));
	assert_true(d->id > 0);
}

void fill(char *buf, size_t len)
{
	memset(buf, 'a', len);
	buf[len] = '\0';
}

int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int setup(void **state)
{
	struct cat_store *s = open_store();

	if (cat_store_migrate(s) < 0)
		fail_msg("migrate: %s", cat_error_last());
	*state = s;
	return 0;
}

int teardown(void **state)
{
	cat_store_close(*state);
	return 0;
}

/* Schema */

static void test_store__migrate_twice(void **state)
{
	struct cat_store *s = *state, *s2;
	int v1 = 0, v2 = 0;

	assert_ok(cat_store_schema_version(s, &v1));
	assert_true(v1 > 0);
	assert_ok(cat_store_migrate(s));
	assert_ok(cat_store_migrate(s));
	assert_ok(cat_store_schema_version(s, &v2));
	assert_int_equal(v1, v2);
	s2 = open_store();
	assert_ok(cat_store_migrate(s2));
	assert_ok(cat_store_schema_version(s2, &v2));
	assert_int_equal(v1, v2);
	cat_store_close(s2);
}

struct migrate_arg {
	const char *url;
	pthread_barrier_t *barrier;
	int rc;
	int version;
	const char *step; /* the step that failed, for the failure message */
	char msg[512];    /* and its error: cat_error_last() is per thread */
};

static void *migrate_main(void *p)
{
	struct migrate_arg *m = p;
	struct cat_store *s = NULL;

	pthread_barrier_wait(m->barrier);
	m->step = "open";
	m->rc = cat_store_open(&s, m->url);
	if (m->rc == 0) {
		m->step = "migrate";
		m->rc = cat_store_migrate(s);
	}
	if (m->rc == 0) {
		m->step = "schema_version";
		m->rc = cat_store_schema_version(s, &m->version);
	}
	if (m->rc != 0)
		snprintf(m->msg, sizeof(m->msg), "%s", cat_error_last());
	cat_store_close(s);
	return NULL;
}

/* Several catalystd starting at once on a new database (SQLite only). */
static void test_store__migrate_concurrently(void **state)
{
	char url[4200];
	struct cat_store *s;
	pthread_barrier_t barrier;
	struct migrate_arg m[4];
	pthread_t t[4];
	int i, v = 0, round;

	(void)state;
	if (!is_sqlite(g_url))
		skip();
	assert_true(snprintf(url, sizeof(url), "sqlite:%s.migrate",
			     sqlite_path(g_url)) < (int)sizeof(url));
	for (round = 0; round < 3; round++) {
		assert_ok(remove_db(url + 7));
		/* an unmigrated database reports version 0 */
		assert_ok(cat_store_open(&s, url));
		assert_ok(cat_store_schema_version(s, &v));
		assert_ok(v);
		cat_store_close(s);
		assert_ok(remove_db(url + 7));
		pthread_barrier_init(&barrier, NULL, 4);
		for (i = 0; i < 4; i++) {
			m[i] = (struct migrate_arg){ url, &barrier, -1,
						     0,   NULL,     "" };
			assert_ok(pthread_create(&t[i], NULL, migrate_main,
						 &m[i]));
		}
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&barrier);
		for (i = 0; i < 4; i++) {
			if (m[i].rc != 0)
				fail_msg("round %d, thread %d: %s failed (%d): "
					 "%s",
					 round, i, m[i].step, m[i].rc,
					 m[i].msg);
			assert_true(m[i].version > 0);
			assert_int_equal(m[i].version, m[0].version);
		}
	}
	assert_ok(remove_db(url + 7));
}

/*
 * Several processes, each with several threads, opening one brand-new
 * SQLite file at the same instant: the switch to WAL takes an exclusive
 * lock that SQLite does not wait for in its busy handler, so without a
 * retry this failed about one start in ten. Many rounds, because one
 * round rarely hits the window.
 */
#define OPEN_ROUNDS  50
#define OPEN_PROCS   3
#define OPEN_THREADS 3

struct open_arg {
	const char *url;
	int go; /* read end of the start pipe: EOF means go */
	int rc;
	const char *step;
	char msg[512];
};

static void *open_main(void *p)
{
	struct open_arg *o = p;
	struct cat_store *s = NULL;
	char c;
	int v = 0;

	while (read(o->go, &c, 1) < 0 && errno == EINTR)
		;
	o->step = "open";
	o->rc = cat_store_open(&s, o->url);
	if (o->rc == 0) {
		o->step = "schema_version";
		o->rc = cat_store_schema_version(s, &v);
	}
	if (o->rc != 0)
		snprintf(o->msg, sizeof(o->msg), "%s failed (%d): %s", o->step,
			 o->rc, cat_error_last());
	cat_store_close(s);
	return NULL;
}

/* One process's share of a round: its threads' first failure goes to out
 * (a pipe), nothing when all of them opened the file. */
static int open_threads(const char *url, int go, int out)
{
	struct open_arg a[OPEN_THREADS];
	pthread_t t[OPEN_THREADS];
	int i, failed = 0;

	for (i = 0; i < OPEN_THREADS; i++) {
		a[i] = (struct open_arg){ url, go, -1, NULL, "" };
		if (pthread_create(&t[i], NULL, open_main, &a[i]) != 0)
			return -1;
	}
	for (i = 0; i < OPEN_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < OPEN_THREADS && !failed; i++) {
		if (a[i].rc != 0) {
			char line[600];
			int n = snprintf(line, sizeof(line), "thread %d: %s\n",
					 i, a[i].msg);

			if (n > 0 && write(out, line, (size_t)n) < 0)
				return -1;
			failed = 1;
		}
	}
	return failed;
}

static void test_store__sqlite_open_new_concurrently(void **state)
{
	char url[4200], why[2048];
	int round, i;

	(void)state;
	if (!is_sqlite(g_url))
		skip();
	assert_true(snprintf(url, sizeof(url), "sqlite:%s.open",
			     sqlite_path(g_url)) < (int)sizeof(url));
	for (round = 0; round < OPEN_ROUNDS; round++) {
		int go[2], res[2], status, failed = 0;
		pid_t pid[OPEN_PROCS];
		ssize_t n;

		assert_ok(remove_db(url + 7));
		assert_ok(pipe(go));
		assert_ok(pipe(res));
		for (i = 0; i < OPEN_PROCS; i++) {
			pid[i] = fork();
			assert_true(pid[i] >= 0);
			if (pid[i] == 0) {
				close(go[1]);
				close(res[0]);
				_exit(open_threads(url, go[0], res[1]) == 0
					      ? 0
					      : 1);
			}
		}
		close(go[0]);
		close(res[1]);
		close(go[1]); /* every process starts now */
		n = read(res[0], why, sizeof(why) - 1);
		why[n > 0 ? n : 0] = '\0';
		close(res[0]);
		for (i = 0; i < OPEN_PROCS; i++) {
			assert_true(waitpid(pid[i], &status, 0) == pid[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed = 1;
		}
		if (failed)
			fail_msg("round %d of %d: a process could not open the "
				 "new database: %s",
				 round + 1, OPEN_ROUNDS,
				 why[0] ? why : "(it died)");
	}
	assert_ok(remove_db(url + 7));
}

static void test_store__ping(void **state)
{
	assert_ok(cat_store_ping(*state));
}

/* Durability */

static void test_store__reopen(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g, out;
	struct cat_account acct;
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	assert_int_equal(cat_store_grant_revoke(s, g.token_id, g_now + 1, NULL),
			 1);
	cat_store_close(s);
	*state = s = open_store();
	assert_ok(cat_store_account_by_id(s, &acct, a));
	assert_ok(cat_store_grant_by_id(s, &out, g.token_id));
	assert_true(out.revoked_at == g_now + 1);
	assert_ok(cat_store_client_get(s, &c, c.id));
}

/* SQLite only: the backend's own failure modes */

static void test_store__sqlite_open_errors(void **state)
{
	struct cat_store *s = NULL;

	(void)state;
	if (!is_sqlite(g_url))
		skip();
	assert_int_equal(cat_store_open(&s, "sqlite:"), CAT_EINVAL);
	assert_null(s);
	assert_int_equal(
		cat_store_open(&s, "sqlite:/nonexistent-dir/catalyst/x.db"),
		CAT_EUNAVAIL);
	assert_null(s);
}

/*
 * A write lock held past busy_timeout (another process, say) is
 * CAT_EUNAVAIL, not a hang or a generic error. Takes the 5 s timeout.
 */
static void test_store__sqlite_busy_is_unavailable(void **state)
{
	struct cat_store *s = *state;
	struct cat_account a = { 0 };
	sqlite3 *db = NULL;
	int v = 0;

	if (!is_sqlite(g_url))
		skip();
	assert_int_equal(sqlite3_open(sqlite_path(g_url), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	uniq(a.email, sizeof(a.email), "busy-");
	assert_int_equal(cat_store_account_add(s, &a), CAT_EUNAVAIL);
	/* readers are not blocked by the writer (WAL) */
	assert_ok(cat_store_schema_version(s, &v));
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_ok(cat_store_account_add(s, &a));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TEST(test_store__migrate_twice),
		CONTRACT_TEST(test_store__migrate_concurrently),
		CONTRACT_TEST(test_store__ping),
		CONTRACT_TEST(test_store__reopen),
		CONTRACT_TEST(test_store__sqlite_open_errors),
		CONTRACT_TEST(test_store__sqlite_busy_is_unavailable),
		CONTRACT_TEST(test_store__sqlite_open_new_concurrently),
	};
	int failed;

	g_url = argc > 1 ? argv[1] : getenv("CATALYST_TEST_STORE_URL");
	if (!g_url || !*g_url) {
		fprintf(stderr,
			"usage: %s STORE_URL (or set "
			"CATALYST_TEST_STORE_URL)\n",
			argv[0]);
		return 2;
	}
	g_now = (int64_t)time(NULL);
	cat_random_chars(g_tag, 8, "abcdefghijklmnopqrstuvwxyz");
	if (is_sqlite(g_url) && remove_db(sqlite_path(g_url)) < 0)
		return 1;
	failed = cmocka_run_group_tests_name("store: schema and durability",
					     tests, NULL, NULL);
	failed += contract_directory_tests();
	failed += contract_oauth_tests();
	failed += contract_write_tests();
	failed += contract_operator_tests();
	failed += contract_audit_tests();
	return failed ? 1 : 0;
}
