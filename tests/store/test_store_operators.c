/*
 * The store contract, operators' part: listing accounts, disabling and
 * enabling one (its grants, sessions, approved device authorizations and
 * codes end in one transaction), every grant of an account, revoking them
 * all, and removing a client. Other rows may exist (PostgreSQL keeps
 * earlier runs), so listings are checked for this test's rows only.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "token.h"
#include "banned.h"

struct account_seen {
	int64_t want[2];
	int found[2];
	int64_t disabled_at[2];
	int64_t last_id;
	int ordered;
	int n;
};

static int account_cb(const struct cat_account *a, void *ctx)
{
	struct account_seen *seen = ctx;
	int i;

	if (a->id <= seen->last_id)
		seen->ordered = 0;
	seen->last_id = a->id;
	for (i = 0; i < 2; i++) {
		if (a->id == seen->want[i]) {
			seen->found[i]++;
			seen->disabled_at[i] = a->disabled_at;
			assert_string_equal(a->first_name, "Ada");
		}
	}
	return ++seen->n == 1000000 ? 9 : 0;
}

static void test_store__account_list(void **state)
{
	struct cat_store *s = *state;
	struct account_seen seen = { .ordered = 1, .last_id = INT64_MIN };

	seen.want[0] = new_account(s);
	seen.want[1] = new_account(s);
	assert_ok(cat_store_account_set_disabled(s, seen.want[1], 1, g_now));
	assert_ok(cat_store_account_list(s, account_cb, &seen));
	assert_int_equal(seen.found[0], 1);
	assert_int_equal(seen.found[1], 1);
	assert_true(seen.ordered);
	assert_true(seen.disabled_at[0] == 0);
	assert_true(seen.disabled_at[1] == g_now);
	/* a callback's non-zero stops the walk and is returned */
	memset(&seen, 0, sizeof(seen));
	seen.last_id = INT64_MIN;
	seen.n = 999999;
	assert_int_equal(cat_store_account_list(s, account_cb, &seen), 9);
	assert_int_equal(seen.n, 1000000);
}

static void make_session(struct cat_session *se, int64_t account)
{
	memset(se, 0, sizeof(*se));
	new_hash(se->id_hash);
	se->account_id = account;
	memcpy(se->csrf, "csrf-token-value", 17);
	se->created_at = g_now;
	se->expires_at = g_now + 3600;
}

static void make_code(struct cat_auth_code *c, const char *client,
		      int64_t account)
{
	memset(c, 0, sizeof(*c));
	new_hash(c->code_hash);
	memcpy(c->client_id, client, strlen(client) + 1);
	c->account_id = account;
	memcpy(c->redirect_uri, "http://localhost:9005/", 23);
	memcpy(c->scope, "openid", 7);
	c->expires_at = g_now + 120;
}

static void test_store__account_disable(void **state)
{
	struct cat_store *s = *state, *s2;
	struct cat_client c;
	struct cat_grant g1, g2, old, other, late, out;
	struct cat_session se, other_se, sout;
	struct cat_device_auth d, pending, dout;
	struct cat_auth_code code, cout;
	struct cat_principal pr;
	struct cat_account acct;
	int64_t a = new_account(s), b = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, a, c.id, g_now + 1);
	new_grant(s, &old, a, c.id, g_now - 10);
	assert_int_equal(
		cat_store_grant_revoke(s, old.token_id, g_now - 5, NULL), 1);
	new_grant(s, &other, b, c.id, g_now);
	make_session(&se, a);
	assert_ok(cat_store_session_insert(s, &se));
	make_session(&other_se, b);
	assert_ok(cat_store_session_insert(s, &other_se));
	/* approved by a, not yet redeemed; and one still pending */
	new_device(s, &d, c.id, g_now);
	assert_ok(cat_store_device_decide(s, d.id, a, 1, g_now + 1));
	new_device(s, &pending, c.id, g_now);
	make_code(&code, c.id, a);
	assert_ok(cat_store_code_insert(s, &code));
	assert_ok(cat_store_account_by_id(s, &acct, a));
	assert_true(acct.disabled_at == 0);

	assert_ok(cat_store_account_set_disabled(s, a, 1, g_now + 10));
	/* at once, on another handle too: what the bearer check reads */
	s2 = open_store();
	assert_ok(cat_store_bearer_lookup(s2, &pr, g1.token_id));
	assert_true(pr.grant_revoked_at == g_now + 10);
	assert_true(pr.account_disabled_at == g_now + 10);
	cat_store_close(s2);
	assert_ok(cat_store_account_by_id(s, &acct, a));
	assert_true(acct.disabled_at == g_now + 10);
	assert_ok(cat_store_account_by_email(s, &acct, acct.email));
	assert_true(acct.disabled_at == g_now + 10);
	assert_ok(cat_store_grant_by_id(s, &out, g2.token_id));
	assert_true(out.revoked_at == g_now + 10);
	/* revoked before: keeps its time */
	assert_ok(cat_store_grant_by_id(s, &out, old.token_id));
	assert_true(out.revoked_at == g_now - 5);
	assert_int_equal(cat_store_session_get(s, &sout, se.id_hash, g_now),
			 CAT_ENOTFOUND);
	/* what was approved before cannot mint a grant after */
	make_grant(&late, a, c.id, g_now + 11);
	assert_int_equal(cat_store_device_redeem(s, d.id, &late, g_now + 11),
			 CAT_ECONFLICT);
	assert_ok(cat_store_device_by_hash(s, &dout, d.device_hash));
	assert_int_equal(dout.status, CAT_DEV_DENIED);
	assert_ok(cat_store_device_by_hash(s, &dout, pending.device_hash));
	assert_int_equal(dout.status, CAT_DEV_PENDING);
	assert_int_equal(
		cat_store_code_redeem(s, &cout, code.code_hash, g_now + 11),
		CAT_ENOTFOUND);
	/* another account is untouched */
	assert_ok(cat_store_bearer_lookup(s, &pr, other.token_id));
	assert_true(pr.grant_revoked_at == 0 && pr.account_disabled_at == 0);
	assert_ok(cat_store_session_get(s, &sout, other_se.id_hash, g_now));

	/* no grant is made while it is disabled, by any flow: a browser
	 * code exchanged after the disabling inserts its grant directly */
	make_grant(&late, a, c.id, g_now + 12);
	assert_int_equal(cat_store_grant_insert(s, &late), CAT_EDENIED);
	assert_int_equal(cat_store_grant_by_id(s, &out, late.token_id),
			 CAT_ENOTFOUND);
	/* twice: the first time stays */
	assert_ok(cat_store_account_set_disabled(s, a, 1, g_now + 20));
	assert_ok(cat_store_account_by_id(s, &acct, a));
	assert_true(acct.disabled_at == g_now + 10);

	/* enabling lets the account act again; revoked grants stay revoked */
	assert_ok(cat_store_account_set_disabled(s, a, 0, g_now + 30));
	assert_ok(cat_store_account_by_id(s, &acct, a));
	assert_true(acct.disabled_at == 0);
	assert_ok(cat_store_bearer_lookup(s, &pr, g1.token_id));
	assert_true(pr.account_disabled_at == 0);
	assert_true(pr.grant_revoked_at == g_now + 10);
	assert_ok(cat_store_account_set_disabled(s, a, 0, g_now + 31));
	/* and to get grants again */
	assert_ok(cat_store_grant_insert(s, &late));
	assert_ok(cat_store_grant_by_id(s, &out, late.token_id));
	assert_true(out.revoked_at == 0);

	assert_int_equal(cat_store_account_set_disabled(s, 1, 1, g_now),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_account_set_disabled(s, INT64_MAX, 0, g_now),
			 CAT_ENOTFOUND);
}

struct grant_all_seen {
	const char *want[3];
	int found[3];
	int64_t revoked_at[3];
	int64_t last_created;
	int ordered;
	int n;
};

static int grant_all_cb(const struct cat_grant *g, void *ctx)
{
	struct grant_all_seen *seen = ctx;
	int i;

	if (g->created_at > seen->last_created)
		seen->ordered = 0;
	seen->last_created = g->created_at;
	for (i = 0; i < 3; i++) {
		if (seen->want[i] && strcmp(g->token_id, seen->want[i]) == 0) {
			seen->found[i]++;
			seen->revoked_at[i] = g->revoked_at;
		}
	}
	return ++seen->n == 2 && !seen->want[0] ? 5 : 0;
}

/* Grants inserted on one handle while another disables the account: when
 * both are done, no grant of the disabled account may be live, whatever
 * the order the database ran them in. */
struct insert_race {
	int64_t account;
	const char *client;
	int inserted, denied;
};

#define RACE_GRANTS 40

static void *race_insert_main(void *arg)
{
	struct insert_race *r = arg;
	struct cat_store *st = open_store();
	struct cat_grant g;
	int i, err;

	for (i = 0; i < RACE_GRANTS; i++) {
		make_grant(&g, r->account, r->client, g_now);
		err = cat_store_grant_insert(st, &g);
		if (err == 0)
			r->inserted++;
		else if (err == CAT_EDENIED)
			r->denied++;
	}
	cat_store_close(st);
	return NULL;
}

static int count_live(const struct cat_grant *g, void *ctx)
{
	(void)g;
	++*(int *)ctx;
	return 0;
}

static void test_store__account_disable_races_grant_insert(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct insert_race r;
	pthread_t t;
	int round, live;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	for (round = 0; round < 5; round++) {
		memset(&r, 0, sizeof(r));
		r.account = new_account(s);
		r.client = c.id;
		assert_ok(pthread_create(&t, NULL, race_insert_main, &r));
		/* long ago: its audit rows stay out of the audit tests'
		 * windows, which share this database */
		assert_ok(cat_store_account_set_disabled(s, r.account, 1,
							 g_now - 100000));
		pthread_join(t, NULL);
		/* every insert either made a grant or was refused */
		assert_int_equal(r.inserted + r.denied, RACE_GRANTS);
		live = 0;
		assert_ok(
			cat_store_grant_list(s, r.account, count_live, &live));
		assert_int_equal(live, 0);
	}
}
static void test_store__grant_list_all(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g1, g2, g3, other;
	struct grant_all_seen seen = { .ordered = 1,
				       .last_created = INT64_MAX };
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, a, c.id, g_now + 2);
	new_grant(s, &g3, a, c.id, g_now + 1);
	new_grant(s, &other, new_account(s), c.id, g_now);
	assert_int_equal(
		cat_store_grant_revoke(s, g2.token_id, g_now + 3, NULL), 1);
	seen.want[0] = g1.token_id;
	seen.want[1] = g2.token_id;
	seen.want[2] = g3.token_id;
	assert_ok(cat_store_grant_list_all(s, a, grant_all_cb, &seen));
	/* revoked ones too, newest first, and only this account's */
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.found[0], 1);
	assert_int_equal(seen.found[1], 1);
	assert_int_equal(seen.found[2], 1);
	assert_true(seen.revoked_at[1] == g_now + 3);
	assert_true(seen.revoked_at[0] == 0 && seen.revoked_at[2] == 0);
	assert_true(seen.ordered);
	/* a callback's non-zero stops the walk and is returned */
	memset(&seen, 0, sizeof(seen));
	seen.last_created = INT64_MAX;
	assert_int_equal(cat_store_grant_list_all(s, a, grant_all_cb, &seen),
			 5);
	assert_int_equal(seen.n, 2);
	memset(&seen, 0, sizeof(seen));
	assert_ok(cat_store_grant_list_all(s, new_account(s), grant_all_cb,
					   &seen));
	assert_int_equal(seen.n, 0);
}

static void test_store__grant_revoke_account(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g1, g2, old, other, out;
	struct cat_principal pr;
	int64_t a = new_account(s), n = -1;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, a, c.id, g_now + 1);
	new_grant(s, &old, a, c.id, g_now - 1);
	assert_int_equal(
		cat_store_grant_revoke(s, old.token_id, g_now - 1, NULL), 1);
	new_grant(s, &other, new_account(s), c.id, g_now);

	assert_ok(cat_store_grant_revoke_account(s, a, g_now + 5, "operator",
						 &n));
	assert_true(n == 2);
	assert_ok(cat_store_bearer_lookup(s, &pr, g1.token_id));
	assert_true(pr.grant_revoked_at == g_now + 5);
	/* a revoked account is not a disabled one */
	assert_true(pr.account_disabled_at == 0);
	assert_ok(cat_store_grant_by_hash(s, &out, g2.token_hash, g_now));
	assert_true(out.revoked_at == g_now + 5);
	assert_ok(cat_store_grant_by_id(s, &out, old.token_id));
	assert_true(out.revoked_at == g_now - 1);
	assert_ok(cat_store_grant_by_id(s, &out, other.token_id));
	assert_true(out.revoked_at == 0);
	/* again: nothing left to revoke */
	assert_ok(cat_store_grant_revoke_account(s, a, g_now + 6, "operator",
						 &n));
	assert_true(n == 0);
	assert_ok(cat_store_grant_revoke_account(s, a, g_now + 6, "operator",
						 NULL));
	assert_ok(cat_store_grant_revoke_account(s, INT64_MAX, g_now,
						 "operator", &n));
	assert_true(n == 0);
}

struct client_find {
	const char *id;
	int found;
	int64_t removed_at;
};

static int client_find_cb(const struct cat_client *c, void *ctx)
{
	struct client_find *f = ctx;

	if (strcmp(c->id, f->id) == 0) {
		f->found++;
		f->removed_at = c->removed_at;
	}
	return 0;
}

static void test_store__client_remove(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c, keep, out, again;
	struct cat_grant g1, g2, kept, out_g;
	struct client_find f = { 0 };
	char big[CAT_ID_MAX + 2];
	int64_t a = new_account(s), n = -1;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_client(s, &keep, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, new_account(s), c.id, g_now);
	new_grant(s, &kept, a, keep.id, g_now);

	assert_ok(cat_store_client_remove(s, c.id, g_now + 7, &n));
	assert_true(n == 2);
	assert_ok(cat_store_grant_by_id(s, &out_g, g1.token_id));
	assert_true(out_g.revoked_at == g_now + 7);
	assert_ok(cat_store_grant_by_id(s, &out_g, g2.token_id));
	assert_true(out_g.revoked_at == g_now + 7);
	assert_ok(cat_store_grant_by_id(s, &out_g, kept.token_id));
	assert_true(out_g.revoked_at == 0);
	/* it can no longer be found to authenticate, but is still listed */
	assert_int_equal(cat_store_client_get(s, &out, c.id), CAT_ENOTFOUND);
	assert_ok(cat_store_client_get(s, &out, keep.id));
	assert_true(out.removed_at == 0);
	f.id = c.id;
	assert_ok(cat_store_client_list(s, client_find_cb, &f));
	assert_int_equal(f.found, 1);
	assert_true(f.removed_at == g_now + 7);
	/* its id stays taken */
	again = c;
	assert_int_equal(cat_store_client_add(s, &again), CAT_EEXISTS);
	/* twice: nothing more to revoke, the first time stays */
	assert_ok(cat_store_client_remove(s, c.id, g_now + 9, &n));
	assert_true(n == 0);
	memset(&f, 0, sizeof(f));
	f.id = c.id;
	assert_ok(cat_store_client_list(s, client_find_cb, &f));
	assert_true(f.removed_at == g_now + 7);

	assert_int_equal(cat_store_client_remove(s, "1000.nobody", g_now, &n),
			 CAT_ENOTFOUND);
	fill(big, CAT_ID_MAX + 1);
	assert_int_equal(cat_store_client_remove(s, big, g_now, &n),
			 CAT_EINVAL);
}

int contract_operator_tests(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TEST(test_store__account_list),
		CONTRACT_TEST(test_store__account_disable),
		CONTRACT_TEST(test_store__account_disable_races_grant_insert),
		CONTRACT_TEST(test_store__grant_list_all),
		CONTRACT_TEST(test_store__grant_revoke_account),
		CONTRACT_TEST(test_store__client_remove),
	};

	return cmocka_run_group_tests_name("store: operators", tests, NULL,
					   NULL);
}
