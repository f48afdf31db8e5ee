/*
 * The store contract, audit trail: audit_add and audit_list (by account,
 * since a time, newest first, bounded), the events the operators' writes
 * record in their own transaction, and purge by retention. Other rows may
 * exist (PostgreSQL keeps earlier runs, other tests add events), so every
 * check names this test's accounts.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "contract.h"
#include "token.h"
#include "banned.h"

#define SEEN_MAX 16

struct seen {
	struct cat_audit ev[SEEN_MAX];
	int n;
	int stop_at; /* the callback returns 7 on this call (1-based) */
};

static int seen_cb(const struct cat_audit *e, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < SEEN_MAX)
		s->ev[s->n] = *e;
	s->n++;
	return s->n == s->stop_at ? 7 : 0;
}

static void list(struct cat_store *s, struct seen *out, int64_t account,
		 int64_t since, size_t limit)
{
	memset(out, 0, sizeof(*out));
	assert_ok(cat_store_audit_list(s, account, since, limit, seen_cb, out));
}

static void add(struct cat_store *s, int64_t at, const char *event,
		const char *actor, int64_t account, const char *token,
		const char *client, const char *addr)
{
	struct cat_audit e = { .at = at, .account_id = account };

	snprintf(e.event, sizeof(e.event), "%s", event);
	snprintf(e.actor, sizeof(e.actor), "%s", actor);
	snprintf(e.token_id, sizeof(e.token_id), "%s", token);
	snprintf(e.client_id, sizeof(e.client_id), "%s", client);
	snprintf(e.addr, sizeof(e.addr), "%s", addr);
	assert_ok(cat_store_audit_add(s, &e));
}

static void test_store__audit_add_list(void **state)
{
	struct cat_store *s = *state;
	struct cat_account acct;
	struct seen got;
	int64_t a = new_account(s), b = new_account(s);
	int i, found;

	assert_ok(cat_store_account_by_id(s, &acct, a));
	add(s, g_now - 100, "signin_failed", "user", a, "", "", "192.0.2.1");
	add(s, g_now - 50, "token_issued", "device", a, "0123456789ab",
	    "1000.ABC", "2001:db8::1");
	add(s, g_now - 50, "token_revoked", "operator", a, "0123456789ab",
	    "1000.ABC", "");
	add(s, g_now - 10, "signin_ok", "user", b, "", "", "192.0.2.2");

	/* newest first; at a tie, the later one first */
	list(s, &got, a, 0, 100);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.ev[0].event, "token_revoked");
	assert_string_equal(got.ev[0].actor, "operator");
	assert_string_equal(got.ev[0].addr, "");
	assert_string_equal(got.ev[1].event, "token_issued");
	assert_true(got.ev[1].id < got.ev[0].id);
	assert_true(got.ev[1].at == g_now - 50);
	assert_true(got.ev[1].account_id == a);
	assert_string_equal(got.ev[1].token_id, "0123456789ab");
	assert_string_equal(got.ev[1].client_id, "1000.ABC");
	assert_string_equal(got.ev[1].addr, "2001:db8::1");
	assert_string_equal(got.ev[1].actor, "device");
	assert_string_equal(got.ev[1].email, acct.email);
	assert_string_equal(got.ev[2].event, "signin_failed");
	assert_true(got.ev[2].at == g_now - 100);

	/* since is inclusive */
	list(s, &got, a, g_now - 50, 100);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.ev[1].event, "token_issued");
	list(s, &got, a, g_now - 49, 100);
	assert_int_equal(got.n, 0);
	/* bounded: the newest ones */
	list(s, &got, a, 0, 1);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.ev[0].event, "token_revoked");
	list(s, &got, a, 0, 0);
	assert_int_equal(got.n, 0);
	/* every account: b's event is there, newer than a's */
	list(s, &got, 0, g_now - 10, SEEN_MAX);
	for (i = 0, found = 0; i < got.n && i < SEEN_MAX; i++)
		if (got.ev[i].account_id == b)
			found++;
	assert_int_equal(found, 1);
	list(s, &got, INT64_MAX, 0, 100);
	assert_int_equal(got.n, 0);
	/* a callback's non-zero stops the walk and is returned */
	memset(&got, 0, sizeof(got));
	got.stop_at = 2;
	assert_int_equal(cat_store_audit_list(s, a, 0, 100, seen_cb, &got), 7);
	assert_int_equal(got.n, 2);
}

static void test_store__audit_add_checks(void **state)
{
	struct cat_store *s = *state;
	struct cat_audit e = { 0 };
	struct seen got;
	int64_t a = new_account(s), before = (int64_t)time(NULL), after;

	/* no event, no actor */
	snprintf(e.actor, sizeof(e.actor), "user");
	assert_int_equal(cat_store_audit_add(s, &e), CAT_EINVAL);
	snprintf(e.event, sizeof(e.event), "signin_ok");
	e.actor[0] = '\0';
	assert_int_equal(cat_store_audit_add(s, &e), CAT_EINVAL);
	snprintf(e.actor, sizeof(e.actor), "user");
	/* at 0 is now; an account with no email lists "" */
	e.account_id = a;
	assert_ok(cat_store_audit_add(s, &e));
	after = (int64_t)time(NULL);
	list(s, &got, a, 0, 10);
	assert_int_equal(got.n, 1);
	assert_true(got.ev[0].at >= before && got.ev[0].at <= after);
	e.account_id = 0;
	assert_ok(cat_store_audit_add(s, &e));
}

static int count_event(const struct seen *got, const char *event,
		       const char *token)
{
	int i, n = 0;

	for (i = 0; i < got->n && i < SEEN_MAX; i++)
		if (strcmp(got->ev[i].event, event) == 0 &&
		    (!token || strcmp(got->ev[i].token_id, token) == 0))
			n++;
	return n;
}

/* The operators' writes record their events in their own transaction. */
static void test_store__audit_operator_writes(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c, other;
	struct cat_grant g1, g2, old, g3, g4;
	struct seen got;
	int64_t a = new_account(s), b = new_account(s), n;
	int i;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_client(s, &other, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, a, other.id, g_now);
	new_grant(s, &old, a, c.id, g_now);
	assert_int_equal(cat_store_grant_revoke(s, old.token_id, g_now, NULL),
			 1);

	assert_ok(cat_store_account_set_disabled(s, a, 1, g_now + 3));
	list(s, &got, a, 0, SEEN_MAX);
	assert_int_equal(got.n, 3);
	assert_int_equal(count_event(&got, "user_disabled", NULL), 1);
	assert_int_equal(count_event(&got, "token_revoked", g1.token_id), 1);
	assert_int_equal(count_event(&got, "token_revoked", g2.token_id), 1);
	for (i = 0; i < got.n; i++) {
		assert_string_equal(got.ev[i].actor, "operator");
		assert_true(got.ev[i].at == g_now + 3);
		assert_true(got.ev[i].account_id == a);
	}
	assert_int_equal(count_event(&got, "token_revoked", old.token_id), 0);
	/* again: the act is recorded, no token is revoked twice */
	assert_ok(cat_store_account_set_disabled(s, a, 1, g_now + 4));
	list(s, &got, a, g_now + 4, SEEN_MAX);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.ev[0].event, "user_disabled");
	assert_ok(cat_store_account_set_disabled(s, a, 0, g_now + 5));
	list(s, &got, a, g_now + 5, SEEN_MAX);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.ev[0].event, "user_enabled");
	assert_string_equal(got.ev[0].actor, "operator");

	/* revoking an account's tokens: one event per live token */
	new_grant(s, &g3, b, c.id, g_now);
	assert_ok(cat_store_grant_revoke_account(s, b, g_now + 6, "operator",
						 &n));
	assert_true(n == 1);
	list(s, &got, b, 0, SEEN_MAX);
	assert_int_equal(got.n, 1);
	assert_int_equal(count_event(&got, "token_revoked", g3.token_id), 1);
	assert_string_equal(got.ev[0].client_id, c.id);
	assert_string_equal(got.ev[0].actor, "operator");
	/* the account page revokes all as its user: the actor it names */
	new_grant(s, &g3, b, c.id, g_now);
	assert_ok(cat_store_grant_revoke_account(s, b, g_now + 7, "user", &n));
	assert_true(n == 1);
	list(s, &got, b, g_now + 7, SEEN_MAX);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.ev[0].actor, "user");
	assert_int_equal(
		cat_store_grant_revoke_account(s, b, g_now + 7, "", &n),
		CAT_EINVAL);

	/* removing a client: one event per live token of it, any account */
	new_grant(s, &g4, b, c.id, g_now);
	new_grant(s, &g2, b, other.id, g_now);
	assert_ok(cat_store_client_remove(s, c.id, g_now + 8, &n));
	assert_true(n == 1);
	list(s, &got, b, g_now + 8, SEEN_MAX);
	assert_int_equal(got.n, 1);
	assert_int_equal(count_event(&got, "token_revoked", g4.token_id), 1);
	assert_string_equal(got.ev[0].actor, "operator");
	assert_true(got.ev[0].account_id == b);
}

/* A revocation and its event: together, once, whoever races. */
struct revoker {
	const char *token_id;
	const struct cat_audit *ev;
	pthread_barrier_t *go;
	int rc;
};

static void *revoker_main(void *arg)
{
	struct revoker *r = arg;
	struct cat_store *st = open_store();

	pthread_barrier_wait(r->go);
	r->rc = cat_store_grant_revoke(st, r->token_id, g_now + 3, r->ev);
	cat_store_close(st);
	return NULL;
}

#define REVOKERS 4

static void test_store__audit_grant_revoke(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g, out;
	struct cat_audit ev = { .account_id = 0 };
	struct revoker r[REVOKERS];
	pthread_barrier_t go;
	pthread_t t[REVOKERS];
	struct seen got;
	int64_t a = new_account(s);
	int i, won;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	snprintf(ev.event, sizeof(ev.event), "token_revoked");
	snprintf(ev.actor, sizeof(ev.actor), "user");
	ev.account_id = a;
	snprintf(ev.token_id, sizeof(ev.token_id), "%s", g.token_id);
	snprintf(ev.client_id, sizeof(ev.client_id), "%s", c.id);
	snprintf(ev.addr, sizeof(ev.addr), "192.0.2.7");
	ev.at = g_now + 4;
	/* a bad event fails the revocation before anything changes */
	ev.actor[0] = '\0';
	assert_int_equal(cat_store_grant_revoke(s, g.token_id, g_now + 1, &ev),
			 CAT_EINVAL);
	assert_ok(cat_store_grant_by_id(s, &out, g.token_id));
	assert_true(out.revoked_at == 0);
	snprintf(ev.actor, sizeof(ev.actor), "user");

	/* four handles revoke at once: one does it and records it */
	pthread_barrier_init(&go, NULL, REVOKERS);
	for (i = 0; i < REVOKERS; i++) {
		r[i] = (struct revoker){ g.token_id, &ev, &go, -100 };
		assert_ok(pthread_create(&t[i], NULL, revoker_main, &r[i]));
	}
	for (i = 0, won = 0; i < REVOKERS; i++) {
		pthread_join(t[i], NULL);
		assert_true(r[i].rc == 0 || r[i].rc == 1);
		won += r[i].rc;
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(won, 1);
	list(s, &got, a, 0, SEEN_MAX);
	assert_int_equal(got.n, 1);
	assert_int_equal(count_event(&got, "token_revoked", g.token_id), 1);
	assert_string_equal(got.ev[0].actor, "user");
	assert_string_equal(got.ev[0].addr, "192.0.2.7");
	assert_true(got.ev[0].at == g_now + 4);
	/* again: nothing changes, nothing recorded */
	assert_int_equal(cat_store_grant_revoke(s, g.token_id, g_now + 9, &ev),
			 0);
	list(s, &got, a, 0, SEEN_MAX);
	assert_int_equal(got.n, 1);
}

/* Events older than the retention go; newer ones and everything else stay;
 * more than a batch of them goes in one purge. */
static void test_store__audit_purge(void **state)
{
	struct cat_store *s = *state;
	struct seen got;
	int64_t a = new_account(s), b = new_account(s), keep = 90 * 86400;
	int i;

	for (i = 0; i < 1005; i++)
		add(s, g_now - keep - 1 - i, "signin_failed", "user", b, "", "",
		    "192.0.2.9");
	add(s, g_now - keep - 1, "signin_ok", "user", a, "", "", "");
	add(s, g_now - keep, "token_issued", "device", a, "", "", "");
	add(s, g_now - 5, "token_revoked", "device", a, "", "", "");

	/* no retention: nothing goes */
	assert_ok(cat_store_purge(s, g_now, 0));
	list(s, &got, a, 0, SEEN_MAX);
	assert_int_equal(got.n, 3);

	assert_ok(cat_store_purge(s, g_now, keep));
	list(s, &got, a, 0, SEEN_MAX);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.ev[0].event, "token_revoked");
	/* exactly the retention old is kept */
	assert_string_equal(got.ev[1].event, "token_issued");
	list(s, &got, b, 0, SEEN_MAX);
	assert_int_equal(got.n, 0);
}

int contract_audit_tests(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TEST(test_store__audit_add_list),
		CONTRACT_TEST(test_store__audit_add_checks),
		CONTRACT_TEST(test_store__audit_operator_writes),
		CONTRACT_TEST(test_store__audit_grant_revoke),
		CONTRACT_TEST(test_store__audit_purge),
	};

	return cmocka_run_group_tests_name("store: audit trail", tests, NULL,
					   NULL);
}
