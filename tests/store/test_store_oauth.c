/*
 * The store contract, OAuth part: device authorizations (including two
 * handles racing to redeem one), grants (and the bearer check's read of them),
 * codes, sessions, rate limits, server keys and purging.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "token.h"
#include "banned.h"

#define RACE_ROUNDS 20

/* Device authorizations */

static void test_store__device_insert_and_lookup(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_device_auth d, d2, out, bad;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_device(s, &d, c.id, g_now);
	assert_ok(cat_store_device_by_user_code(s, &out, d.user_code,
						g_now + 10));
	assert_true(out.id == d.id);
	assert_string_equal(out.device_hash, d.device_hash);
	assert_string_equal(out.user_code, d.user_code);
	assert_string_equal(out.client_id, c.id);
	assert_string_equal(out.scope, d.scope);
	assert_string_equal(out.device_name, "laptop");
	assert_int_equal(out.status, CAT_DEV_PENDING);
	assert_int_equal(out.interval, 5);
	assert_true(out.bound_account_id == 0);
	assert_true(out.account_id == 0);
	assert_true(out.created_at == g_now);
	assert_true(out.expires_at == g_now + 300);
	assert_true(out.last_poll_at == 0);
	assert_string_equal(out.client_addr, "");

	/* where the request came from is kept as given */
	d2 = d;
	new_hash(d2.device_hash);
	cat_user_code_new(d2.user_code);
	memcpy(d2.client_addr, "2001:db8::7", 12);
	assert_ok(cat_store_device_insert(s, &d2));
	assert_ok(cat_store_device_by_user_code(s, &out, d2.user_code, g_now));
	assert_string_equal(out.client_addr, "2001:db8::7");
	assert_ok(cat_store_device_by_hash(s, &out, d2.device_hash));
	assert_string_equal(out.client_addr, "2001:db8::7");

	/* expired: said so by user code, still found by hash */
	assert_int_equal(cat_store_device_by_user_code(s, &out, d.user_code,
						       g_now + 300),
			 CAT_EEXPIRED);
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_true(out.id == d.id);

	/* a live user code cannot be issued twice */
	d2 = d;
	new_hash(d2.device_hash);
	d2.created_at = g_now + 299;
	assert_int_equal(cat_store_device_insert(s, &d2), CAT_EEXISTS);
	/* nor a device hash, ever */
	d2 = d;
	cat_user_code_new(d2.user_code);
	assert_int_equal(cat_store_device_insert(s, &d2), CAT_EEXISTS);
	assert_ok(cat_store_device_touch(s, d.id, g_now + 7));
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_true(out.last_poll_at == g_now + 7);
	/* expired, the code stays taken while its row is kept (so a late
	 * visitor hears "expired"), and is free again once purged */
	d2 = d;
	new_hash(d2.device_hash);
	d2.created_at = g_now + 300;
	d2.expires_at = g_now + 600;
	assert_int_equal(cat_store_device_insert(s, &d2), CAT_EEXISTS);
	assert_int_equal(cat_store_device_by_user_code(s, &out, d.user_code,
						       g_now + 310),
			 CAT_EEXPIRED);
	assert_ok(cat_store_purge(s, g_now + 300 + 3600 + 1, 0));
	d2.created_at = g_now + 3901;
	d2.expires_at = g_now + 4201;
	assert_ok(cat_store_device_insert(s, &d2));
	assert_true(d2.id != d.id);
	assert_ok(cat_store_device_by_user_code(s, &out, d.user_code,
						g_now + 3910));
	assert_true(out.id == d2.id);

	assert_int_equal(cat_store_device_touch(s, INT64_MAX, g_now),
			 CAT_ENOTFOUND);

	new_hash(out.device_hash);
	assert_int_equal(cat_store_device_by_hash(s, &out, out.device_hash),
			 CAT_ENOTFOUND);
	assert_int_equal(
		cat_store_device_by_user_code(s, &out, "BCDFGHJ", g_now),
		CAT_ENOTFOUND);
	assert_int_equal(
		cat_store_device_by_user_code(s, &out, "BCDFGHJKL", g_now),
		CAT_EINVAL);

	bad = d;
	new_hash(bad.device_hash);
	cat_user_code_new(bad.user_code);
	memset(bad.scope, 's', sizeof(bad.scope));
	assert_int_equal(cat_store_device_insert(s, &bad), CAT_EINVAL);
	bad.scope[0] = '\0';
	memset(bad.device_name, 'n', sizeof(bad.device_name));
	assert_int_equal(cat_store_device_insert(s, &bad), CAT_EINVAL);
	bad.device_name[0] = '\0';
	memset(bad.client_addr, '1', sizeof(bad.client_addr));
	assert_int_equal(cat_store_device_insert(s, &bad), CAT_EINVAL);
	bad.client_addr[0] = '\0';
	memset(bad.client_id, 'c', sizeof(bad.client_id));
	assert_int_equal(cat_store_device_insert(s, &bad), CAT_EINVAL);
}

static void test_store__device_decide(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_device_auth d, out;
	int64_t a = new_account(s), b = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_device(s, &d, c.id, g_now);
	assert_ok(cat_store_device_decide(s, d.id, a, 1, g_now + 1));
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_APPROVED);
	assert_true(out.account_id == a);
	/* decided once, whoever comes second */
	assert_int_equal(cat_store_device_decide(s, d.id, b, 1, g_now + 2),
			 CAT_ECONFLICT);
	assert_int_equal(cat_store_device_decide(s, d.id, a, 0, g_now + 2),
			 CAT_ECONFLICT);
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_APPROVED);
	assert_true(out.account_id == a);

	new_device(s, &d, c.id, g_now);
	assert_ok(cat_store_device_decide(s, d.id, b, 0, g_now + 1));
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_DENIED);
	assert_true(out.account_id == b);
	assert_int_equal(cat_store_device_decide(s, d.id, b, 1, g_now + 2),
			 CAT_ECONFLICT);

	assert_int_equal(cat_store_device_decide(s, INT64_MAX, a, 1, g_now),
			 CAT_ENOTFOUND);
}

static void test_store__device_decide_expired(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_device_auth d, out;
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_device(s, &d, c.id, g_now);
	assert_int_equal(cat_store_device_decide(s, d.id, a, 1, g_now + 300),
			 CAT_EEXPIRED);
	assert_int_equal(cat_store_device_decide(s, d.id, a, 0, g_now + 999),
			 CAT_EEXPIRED);
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_PENDING);
	assert_true(out.account_id == 0);
	/* one second before expiry still counts */
	assert_ok(cat_store_device_decide(s, d.id, a, 1, g_now + 299));
}

static void test_store__device_redeem(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_device_auth d, out;
	struct cat_grant g, g2, gout, taken;
	struct cat_principal pr;
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_device(s, &d, c.id, g_now);
	make_grant(&g, a, c.id, g_now + 10);

	/* pending: nothing to redeem, nothing inserted */
	assert_int_equal(cat_store_device_redeem(s, d.id, &g, g_now + 5),
			 CAT_ECONFLICT);
	assert_int_equal(cat_store_grant_by_id(s, &gout, g.token_id),
			 CAT_ENOTFOUND);

	assert_ok(cat_store_device_decide(s, d.id, a, 1, g_now + 6));

	/* a failing insert rolls the state change back too */
	new_grant(s, &taken, a, c.id, g_now);
	g2 = g;
	memcpy(g2.token_id, taken.token_id, sizeof(g2.token_id));
	assert_int_equal(cat_store_device_redeem(s, d.id, &g2, g_now + 7),
			 CAT_EEXISTS);
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_APPROVED);

	assert_ok(cat_store_device_redeem(s, d.id, &g, g_now + 10));
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_REDEEMED);
	assert_ok(cat_store_grant_by_id(s, &gout, g.token_id));
	assert_string_equal(gout.token_hash, g.token_hash);
	assert_true(gout.account_id == a);
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.account_id == a && pr.grant_revoked_at == 0);

	/* redeemed once only; the second attempt inserts nothing */
	make_grant(&g2, a, c.id, g_now + 12);
	assert_int_equal(cat_store_device_redeem(s, d.id, &g2, g_now + 12),
			 CAT_ECONFLICT);
	assert_int_equal(cat_store_grant_by_id(s, &gout, g2.token_id),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_bearer_lookup(s, &pr, g2.token_id),
			 CAT_ENOTFOUND);

	/* denied cannot be redeemed */
	new_device(s, &d, c.id, g_now);
	assert_ok(cat_store_device_decide(s, d.id, a, 0, g_now + 1));
	assert_int_equal(cat_store_device_redeem(s, d.id, &g2, g_now + 12),
			 CAT_ECONFLICT);
	assert_int_equal(cat_store_device_redeem(s, INT64_MAX, &g2, g_now + 12),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_grant_by_id(s, &gout, g2.token_id),
			 CAT_ENOTFOUND);
}

struct redeem_arg {
	struct cat_store *s;
	pthread_barrier_t *barrier;
	int64_t id;
	struct cat_grant g;
	int rc;
};

static void *redeem_main(void *p)
{
	struct redeem_arg *r = p;

	pthread_barrier_wait(r->barrier);
	r->rc = cat_store_device_redeem(r->s, r->id, &r->g, g_now + 20);
	return NULL;
}

/* Two pollers, each with its own handle, redeem the same approval. */
static void test_store__device_redeem_race(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_device_auth d;
	struct cat_grant gout;
	struct redeem_arg r[2];
	pthread_barrier_t barrier;
	pthread_t t[2];
	int64_t a = new_account(s);
	int round, i, found, err;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	memset(r, 0, sizeof(r));
	r[0].s = open_store();
	r[1].s = open_store();
	for (round = 0; round < RACE_ROUNDS; round++) {
		new_device(s, &d, c.id, g_now);
		assert_ok(cat_store_device_decide(s, d.id, a, 1, g_now));
		pthread_barrier_init(&barrier, NULL, 2);
		for (i = 0; i < 2; i++) {
			r[i].barrier = &barrier;
			r[i].id = d.id;
			r[i].rc = 1;
			make_grant(&r[i].g, a, c.id, g_now + 20);
			assert_ok(pthread_create(&t[i], NULL, redeem_main,
						 &r[i]));
		}
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&barrier);
		if (!((r[0].rc == 0 && r[1].rc == CAT_ECONFLICT) ||
		      (r[1].rc == 0 && r[0].rc == CAT_ECONFLICT)))
			fail_msg("round %d: results %d and %d", round, r[0].rc,
				 r[1].rc);
		/* the loser inserted no grant */
		for (found = 0, i = 0; i < 2; i++) {
			err = cat_store_grant_by_id(s, &gout, r[i].g.token_id);
			assert_int_equal(err, r[i].rc == 0 ? 0 : CAT_ENOTFOUND);
			found += err == 0;
		}
		assert_int_equal(found, 1);
	}
	cat_store_close(r[0].s);
	cat_store_close(r[1].s);
}

/* Grants and the bearer check's read */

struct grant_seen {
	char ids[8][CAT_TOKEN_ID_LEN + 1];
	int n;
	int stop_after;
};

static int grant_cb(const struct cat_grant *g, void *ctx)
{
	struct grant_seen *seen = ctx;

	if (seen->n < 8)
		memcpy(seen->ids[seen->n], g->token_id, sizeof(g->token_id));
	seen->n++;
	return seen->stop_after && seen->n == seen->stop_after ? 3 : 0;
}

static void test_store__grant_insert_and_lookup(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g, g2, out, bad;
	char big[CAT_HASH_HEX + 1];
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	assert_ok(cat_store_grant_by_hash(s, &out, g.token_hash, g_now));
	assert_string_equal(out.token_id, g.token_id);
	assert_string_equal(out.token_hash, g.token_hash);
	assert_true(out.account_id == a);
	assert_string_equal(out.client_id, c.id);
	assert_int_equal(out.kind, CAT_CLIENT_DEVICE);
	assert_string_equal(out.scope, g.scope);
	assert_string_equal(out.device_name, "build-01");
	assert_string_equal(out.dc, "us");
	assert_true(out.created_at == g_now);
	assert_true(out.last_used_at == 0);
	assert_true(out.revoked_at == 0);
	assert_ok(cat_store_grant_by_id(s, &out, g.token_id));
	assert_string_equal(out.token_hash, g.token_hash);

	g2 = g;
	new_hash(g2.token_hash);
	assert_int_equal(cat_store_grant_insert(s, &g2), CAT_EEXISTS);
	g2 = g;
	cat_token_id_new(g2.token_id);
	assert_int_equal(cat_store_grant_insert(s, &g2), CAT_EEXISTS);
	make_grant(&g2, 1, c.id, g_now); /* account 1 does not exist */
	assert_int_equal(cat_store_grant_insert(s, &g2), CAT_ENOTFOUND);

	new_hash(big);
	assert_int_equal(cat_store_grant_by_hash(s, &out, big, g_now),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_grant_by_id(s, &out, "000000000000"),
			 CAT_ENOTFOUND);
	fill(big, CAT_HASH_HEX);
	assert_int_equal(cat_store_grant_by_hash(s, &out, big, g_now),
			 CAT_EINVAL);
	assert_int_equal(cat_store_grant_by_id(s, &out, "0000000000000"),
			 CAT_EINVAL);

	make_grant(&bad, a, c.id, g_now);
	memset(bad.scope, 's', sizeof(bad.scope));
	assert_int_equal(cat_store_grant_insert(s, &bad), CAT_EINVAL);
	make_grant(&bad, a, c.id, g_now);
	memset(bad.dc, 'x', sizeof(bad.dc));
	assert_int_equal(cat_store_grant_insert(s, &bad), CAT_EINVAL);
	make_grant(&bad, a, c.id, g_now);
	bad.token_id[0] = '\0';
	assert_int_equal(cat_store_grant_insert(s, &bad), CAT_EINVAL);
}

static void test_store__grant_list(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g[4], theirs;
	struct grant_seen seen = { 0 };
	int64_t a = new_account(s), other = new_account(s);
	int i;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	for (i = 0; i < 4; i++)
		new_grant(s, &g[i], a, c.id, g_now + i);
	new_grant(s, &theirs, other, c.id, g_now + 9);
	assert_int_equal(
		cat_store_grant_revoke(s, g[2].token_id, g_now + 5, NULL), 1);
	assert_ok(cat_store_grant_list(s, a, grant_cb, &seen));
	/* newest first, without the revoked one or another account's */
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.ids[0], g[3].token_id);
	assert_string_equal(seen.ids[1], g[1].token_id);
	assert_string_equal(seen.ids[2], g[0].token_id);

	seen = (struct grant_seen){ .stop_after = 1 };
	assert_int_equal(cat_store_grant_list(s, a, grant_cb, &seen), 3);
	assert_int_equal(seen.n, 1);
	seen = (struct grant_seen){ 0 };
	assert_ok(cat_store_grant_list(s, new_account(s), grant_cb, &seen));
	assert_ok(seen.n);
}

static void test_store__bearer_lookup(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g, lonely;
	struct cat_org o1, o2;
	struct cat_principal pr;
	struct cat_account acct;
	char big[CAT_TOKEN_ID_LEN + 2];
	int64_t a = new_account(s), b = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	new_grant(s, &lonely, b, c.id, g_now);
	new_org(s, &o1);
	new_org(s, &o2);
	assert_ok(cat_store_member_add(s, a, o1.id, 0));
	assert_ok(cat_store_member_add(s, a, o2.id, 1));
	assert_ok(cat_store_account_by_id(s, &acct, a));

	/* the grant and what the routes need of its account, in one read */
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.account_id == a);
	assert_string_equal(pr.token_id, g.token_id);
	assert_string_equal(pr.client_id, c.id);
	assert_true(pr.grant_last_used_at == 0 && pr.grant_revoked_at == 0);
	assert_string_equal(pr.email, acct.email);
	assert_string_equal(pr.first_name, "Ada");
	assert_string_equal(pr.last_name, "Lovelace");
	/* the default org, though not the first joined */
	assert_string_equal(pr.org_id, o2.id);
	assert_true(pr.expires_at == 0); /* the token's, not the store's */

	/* no default: the first org; no org at all: "" */
	assert_ok(cat_store_member_add(s, b, o2.id, 0));
	assert_ok(cat_store_member_add(s, b, o1.id, 0));
	assert_ok(cat_store_bearer_lookup(s, &pr, lonely.token_id));
	assert_string_equal(pr.org_id, o1.id);
	new_grant(s, &lonely, new_account(s), c.id, g_now);
	assert_ok(cat_store_bearer_lookup(s, &pr, lonely.token_id));
	assert_string_equal(pr.org_id, "");

	/* revoked grants are found, marked */
	assert_int_equal(cat_store_grant_revoke(s, g.token_id, g_now + 5, NULL),
			 1);
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == g_now + 5);

	assert_int_equal(cat_store_bearer_lookup(s, &pr, "0123456789ab"),
			 CAT_ENOTFOUND);
	fill(big, CAT_TOKEN_ID_LEN + 1);
	assert_int_equal(cat_store_bearer_lookup(s, &pr, big), CAT_EINVAL);
}

static void test_store__grant_revoke(void **state)
{
	struct cat_store *s = *state, *s2;
	struct cat_client c;
	struct cat_grant g, out;
	struct cat_principal pr;
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	s2 = open_store();
	assert_ok(cat_store_bearer_lookup(s2, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == 0);

	assert_int_equal(cat_store_grant_revoke(s, g.token_id, g_now + 1, NULL),
			 1);
	/* at once, on every handle: what the bearer check reads */
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == g_now + 1);
	assert_ok(cat_store_bearer_lookup(s2, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == g_now + 1);
	cat_store_close(s2);

	/* idempotent, and the first time stays */
	/* 0: revoked already, nothing changed */
	assert_int_equal(
		cat_store_grant_revoke(s, g.token_id, g_now + 50, NULL), 0);
	assert_ok(cat_store_grant_by_id(s, &out, g.token_id));
	assert_true(out.revoked_at == g_now + 1);
	assert_ok(cat_store_grant_by_hash(s, &out, g.token_hash, g_now));
	assert_true(out.revoked_at == g_now + 1);

	assert_int_equal(cat_store_grant_revoke(s, "0123456789ab", g_now, NULL),
			 CAT_ENOTFOUND);
	assert_int_equal(
		cat_store_grant_revoke(s, "0123456789abc", g_now, NULL),
		CAT_EINVAL);
}

static void test_store__grant_rotate(void **state)
{
	struct cat_store *s = *state, *s2;
	struct cat_client c;
	struct cat_grant g, out;
	char h1[CAT_HASH_HEX], h2[CAT_HASH_HEX], h3[CAT_HASH_HEX];
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	new_hash(h2);
	new_hash(h3);
	memcpy(h1, g.token_hash, sizeof(h1));

	/* with a grace: both hashes find the grant until it ends */
	assert_ok(cat_store_grant_rotate(s, g.token_id, h1, h2, g_now + 30));
	s2 = open_store();
	assert_ok(cat_store_grant_by_hash(s2, &out, h2, g_now));
	assert_string_equal(out.token_id, g.token_id);
	assert_string_equal(out.token_hash, h2);
	assert_ok(cat_store_grant_by_hash(s2, &out, h1, g_now + 29));
	/* the old one finds it, and says which hash is current */
	assert_string_equal(out.token_id, g.token_id);
	assert_string_equal(out.token_hash, h2);
	/* everything else of the grant stays */
	assert_true(out.account_id == a && out.created_at == g_now);
	assert_string_equal(out.client_id, c.id);
	assert_string_equal(out.scope, g.scope);
	assert_string_equal(out.device_name, g.device_name);
	assert_int_equal(out.kind, CAT_CLIENT_DEVICE);
	assert_true(out.revoked_at == 0);
	assert_int_equal(cat_store_grant_by_hash(s2, &out, h1, g_now + 30),
			 CAT_ENOTFOUND);
	assert_ok(cat_store_grant_by_hash(s2, &out, h2, g_now + 1000));
	cat_store_close(s2);

	/* only the current hash rotates: the old one in its grace does not */
	assert_int_equal(cat_store_grant_rotate(s, g.token_id, h1, h3, g_now),
			 CAT_ECONFLICT);
	assert_ok(cat_store_grant_by_hash(s, &out, h2, g_now));
	/* without a grace (valid until now): the old hash is unknown at once,
	 * and the one before it is forgotten */
	assert_ok(cat_store_grant_rotate(s, g.token_id, h2, h3, g_now));
	assert_int_equal(cat_store_grant_by_hash(s, &out, h2, g_now),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_grant_by_hash(s, &out, h1, g_now),
			 CAT_ENOTFOUND);
	assert_ok(cat_store_grant_by_hash(s, &out, h3, g_now));
	assert_string_equal(out.token_id, g.token_id);
	assert_ok(cat_store_grant_by_id(s, &out, g.token_id));
	assert_string_equal(out.token_hash, h3);

	/* a revoked grant does not rotate, and stays as it was */
	assert_int_equal(cat_store_grant_revoke(s, g.token_id, g_now + 1, NULL),
			 1);
	assert_int_equal(cat_store_grant_rotate(s, g.token_id, h3, h1, g_now),
			 CAT_ENOTFOUND);
	assert_ok(cat_store_grant_by_hash(s, &out, h3, g_now));
	assert_true(out.revoked_at == g_now + 1);

	/* unknown grants and bad input */
	assert_int_equal(
		cat_store_grant_rotate(s, "0123456789ab", h3, h1, g_now),
		CAT_ENOTFOUND);
	assert_int_equal(cat_store_grant_rotate(s, g.token_id, h3, h3, g_now),
			 CAT_EINVAL);
	assert_int_equal(cat_store_grant_rotate(s, g.token_id, "", h1, g_now),
			 CAT_EINVAL);
	assert_int_equal(
		cat_store_grant_rotate(s, "0123456789abc", h3, h1, g_now),
		CAT_EINVAL);
}

static void test_store__grant_rotate_taken_hash(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g1, g2, out;
	char h[CAT_HASH_HEX];
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, a, c.id, g_now);
	assert_int_equal(cat_store_grant_rotate(s, g1.token_id, g1.token_hash,
						g2.token_hash, g_now),
			 CAT_EEXISTS);
	assert_ok(cat_store_grant_by_hash(s, &out, g1.token_hash, g_now));
	assert_string_equal(out.token_id, g1.token_id);
	new_hash(h);
	assert_ok(cat_store_grant_rotate(s, g1.token_id, g1.token_hash, h,
					 g_now + 5));
	assert_ok(cat_store_grant_by_hash(s, &out, g2.token_hash, g_now));
	assert_string_equal(out.token_id, g2.token_id);
}

static void touch(struct cat_touch *t, const char *token_id, int64_t at)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->token_id, sizeof(t->token_id), "%s", token_id);
	t->at = at;
}

static void test_store__grant_touch_batch(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g1, g2, out;
	struct cat_principal pr;
	struct cat_touch b[4];
	int64_t a = new_account(s), t = g_now + 100;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g1, a, c.id, g_now);
	new_grant(s, &g2, a, c.id, g_now);

	assert_ok(cat_store_grant_touch_batch(s, NULL, 0));

	/* several grants in one batch, an unknown id among them skipped */
	touch(&b[0], g1.token_id, t);
	touch(&b[1], "0123456789ab", t);
	touch(&b[2], g2.token_id, t + 5);
	assert_ok(cat_store_grant_touch_batch(s, b, 3));
	assert_ok(cat_store_grant_by_id(s, &out, g1.token_id));
	assert_true(out.last_used_at == t);
	assert_ok(cat_store_grant_by_id(s, &out, g2.token_id));
	assert_true(out.last_used_at == t + 5);

	/* max(): an older time, as from a slower instance, changes nothing;
	 * a newer one moves it on, even by a second */
	touch(&b[0], g1.token_id, t - 50);
	touch(&b[1], g2.token_id, t + 6);
	assert_ok(cat_store_grant_touch_batch(s, b, 2));
	assert_ok(cat_store_grant_by_id(s, &out, g1.token_id));
	assert_true(out.last_used_at == t);
	assert_ok(cat_store_grant_by_id(s, &out, g2.token_id));
	assert_true(out.last_used_at == t + 6);

	/* the same id twice in one batch keeps the larger time */
	touch(&b[0], g1.token_id, t + 20);
	touch(&b[1], g1.token_id, t + 10);
	assert_ok(cat_store_grant_touch_batch(s, b, 2));
	assert_ok(cat_store_grant_by_id(s, &out, g1.token_id));
	assert_true(out.last_used_at == t + 20);
	assert_ok(cat_store_bearer_lookup(s, &pr, g1.token_id));
	assert_true(pr.grant_last_used_at == t + 20);

	/* an id without its terminator fails the batch before anything is
	 * written */
	touch(&b[0], g2.token_id, t + 30);
	memset(b[1].token_id, 'a', sizeof(b[1].token_id));
	assert_int_equal(cat_store_grant_touch_batch(s, b, 2), CAT_EINVAL);
	assert_ok(cat_store_grant_by_id(s, &out, g2.token_id));
	assert_true(out.last_used_at == t + 6);
}

/* A token's terms: asked for with the device authorization, kept with
 * the grant, read back by every lookup; the last use's address. */
static void test_store__token_terms(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_device_auth d, out;
	struct cat_grant g, gout, plain;
	struct cat_principal pr;
	struct cat_touch t;
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_DEVICE);
	make_device(&d, c.id, g_now);
	snprintf(d.token_name, sizeof(d.token_name), "ci-deploy");
	d.token_expires_at = g_now + 86400;
	snprintf(d.project_id, sizeof(d.project_id), "4000000000001");
	d.read_only = 1;
	assert_ok(cat_store_device_insert(s, &d));
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_string_equal(out.token_name, "ci-deploy");
	assert_true(out.token_expires_at == g_now + 86400);
	assert_string_equal(out.project_id, "4000000000001");
	assert_int_equal(out.read_only, 1);
	assert_ok(cat_store_device_by_user_code(s, &out, d.user_code, g_now));
	assert_string_equal(out.token_name, "ci-deploy");

	assert_ok(cat_store_device_decide(s, d.id, a, 1, g_now + 1));
	make_grant(&g, a, c.id, g_now + 2);
	snprintf(g.name, sizeof(g.name), "%s", out.token_name);
	g.expires_at = out.token_expires_at;
	snprintf(g.project_id, sizeof(g.project_id), "%s", out.project_id);
	g.read_only = out.read_only;
	assert_ok(cat_store_device_redeem(s, d.id, &g, g_now + 2));
	assert_ok(cat_store_grant_by_id(s, &gout, g.token_id));
	assert_string_equal(gout.name, "ci-deploy");
	assert_true(gout.expires_at == g_now + 86400);
	assert_string_equal(gout.project_id, "4000000000001");
	assert_int_equal(gout.read_only, 1);
	assert_string_equal(gout.last_used_addr, "");
	assert_ok(cat_store_grant_by_hash(s, &gout, g.token_hash, g_now));
	assert_string_equal(gout.name, "ci-deploy");
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.grant_expires_at == g_now + 86400);
	assert_string_equal(pr.project_id, "4000000000001");
	assert_int_equal(pr.read_only, 1);

	/* a grant without terms: unnamed, never expires, unlimited */
	new_grant(s, &plain, a, c.id, g_now);
	assert_ok(cat_store_bearer_lookup(s, &pr, plain.token_id));
	assert_true(pr.grant_expires_at == 0);
	assert_string_equal(pr.project_id, "");
	assert_int_equal(pr.read_only, 0);

	/* the address of the newest use; "" keeps the one known */
	touch(&t, g.token_id, g_now + 10);
	snprintf(t.addr, sizeof(t.addr), "2001:db8::9");
	assert_ok(cat_store_grant_touch_batch(s, &t, 1));
	assert_ok(cat_store_grant_by_id(s, &gout, g.token_id));
	assert_string_equal(gout.last_used_addr, "2001:db8::9");
	touch(&t, g.token_id, g_now + 11);
	assert_ok(cat_store_grant_touch_batch(s, &t, 1));
	assert_ok(cat_store_grant_by_id(s, &gout, g.token_id));
	assert_true(gout.last_used_at == g_now + 11);
	assert_string_equal(gout.last_used_addr, "2001:db8::9");
	/* an older use moves neither */
	touch(&t, g.token_id, g_now + 5);
	snprintf(t.addr, sizeof(t.addr), "192.0.2.1");
	assert_ok(cat_store_grant_touch_batch(s, &t, 1));
	assert_ok(cat_store_grant_by_id(s, &gout, g.token_id));
	assert_string_equal(gout.last_used_addr, "2001:db8::9");

	/* bounded like every string */
	make_grant(&g, a, c.id, g_now);
	memset(g.name, 'n', sizeof(g.name));
	assert_int_equal(cat_store_grant_insert(s, &g), CAT_EINVAL);
}

/* A request's reads in one snapshot: on SQLite one read transaction, which
 * another handle's write neither waits for nor changes; after it, reads
 * see the write. Elsewhere a no-op: reads see each commit at once. */
static void test_store__read_snapshot(void **state)
{
	struct cat_store *s = *state, *s2;
	struct cat_client c;
	struct cat_grant g;
	struct cat_principal pr;
	int64_t a = new_account(s);
	int snapshot = strcmp(s->ops->name, "sqlite") == 0;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now);
	s2 = open_store();
	assert_ok(cat_store_read_snapshot(s, 1));
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == 0);
	/* another handle writes meanwhile, without waiting */
	assert_int_equal(
		cat_store_grant_revoke(s2, g.token_id, g_now + 1, NULL), 1);
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == (snapshot ? 0 : g_now + 1));
	assert_ok(cat_store_read_snapshot(s, 0));
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_true(pr.grant_revoked_at == g_now + 1);
	/* and again: a snapshot can follow a snapshot */
	assert_ok(cat_store_read_snapshot(s, 1));
	assert_ok(cat_store_bearer_lookup(s, &pr, g.token_id));
	assert_ok(cat_store_read_snapshot(s, 0));
	cat_store_close(s2);
}

/* Authorization codes */

static void make_code(struct cat_auth_code *c, const char *client,
		      int64_t account, int64_t expires)
{
	memset(c, 0, sizeof(*c));
	new_hash(c->code_hash);
	memcpy(c->client_id, client, strlen(client) + 1);
	c->account_id = account;
	memcpy(c->redirect_uri, "http://localhost:9005/", 23);
	memcpy(c->scope, "openid", 7);
	memcpy(c->code_challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	       44);
	c->expires_at = expires;
}

static void test_store__code_redeem(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_auth_code code, out, bad;
	char big[CAT_HASH_HEX + 1];
	int64_t a = new_account(s);

	new_client(s, &c, CAT_CLIENT_BROWSER);
	make_code(&code, c.id, a, g_now + 120);
	assert_ok(cat_store_code_insert(s, &code));
	assert_int_equal(cat_store_code_insert(s, &code), CAT_EEXISTS);

	assert_ok(cat_store_code_redeem(s, &out, code.code_hash, g_now + 1));
	assert_string_equal(out.code_hash, code.code_hash);
	assert_string_equal(out.client_id, c.id);
	assert_true(out.account_id == a);
	assert_string_equal(out.redirect_uri, code.redirect_uri);
	assert_string_equal(out.scope, "openid");
	assert_string_equal(out.code_challenge, code.code_challenge);
	assert_true(out.expires_at == g_now + 120);
	assert_int_equal(out.used, 1);
	/* once only */
	assert_int_equal(
		cat_store_code_redeem(s, &out, code.code_hash, g_now + 2),
		CAT_ENOTFOUND);

	/* not after expiry, and expiry does not consume it */
	make_code(&code, c.id, a, g_now + 120);
	code.code_challenge[0] = '\0';
	assert_ok(cat_store_code_insert(s, &code));
	assert_int_equal(
		cat_store_code_redeem(s, &out, code.code_hash, g_now + 120),
		CAT_ENOTFOUND);
	assert_ok(cat_store_code_redeem(s, &out, code.code_hash, g_now + 119));
	assert_string_equal(out.code_challenge, "");

	new_hash(big);
	assert_int_equal(cat_store_code_redeem(s, &out, big, g_now),
			 CAT_ENOTFOUND);
	fill(big, CAT_HASH_HEX);
	assert_int_equal(cat_store_code_redeem(s, &out, big, g_now),
			 CAT_EINVAL);
	make_code(&bad, c.id, a, g_now + 120);
	memset(bad.redirect_uri, 'u', sizeof(bad.redirect_uri));
	assert_int_equal(cat_store_code_insert(s, &bad), CAT_EINVAL);
	make_code(&bad, c.id, a, g_now + 120);
	memset(bad.code_challenge, 'c', sizeof(bad.code_challenge));
	assert_int_equal(cat_store_code_insert(s, &bad), CAT_EINVAL);
}

/* Sessions */

static void test_store__session(void **state)
{
	struct cat_store *s = *state;
	struct cat_session se = { 0 }, anon = { 0 }, out;
	int64_t a = new_account(s);

	new_hash(se.id_hash);
	se.account_id = a;
	memcpy(se.csrf, "csrf-token-value", 17);
	se.created_at = g_now;
	se.expires_at = g_now + 3600;
	assert_ok(cat_store_session_insert(s, &se));
	assert_int_equal(cat_store_session_insert(s, &se), CAT_EEXISTS);
	assert_ok(cat_store_session_get(s, &out, se.id_hash, g_now));
	assert_string_equal(out.id_hash, se.id_hash);
	assert_true(out.account_id == a);
	assert_string_equal(out.csrf, "csrf-token-value");
	assert_true(out.created_at == g_now);
	assert_true(out.expires_at == g_now + 3600);
	assert_int_equal(
		cat_store_session_get(s, &out, se.id_hash, g_now + 3600),
		CAT_ENOTFOUND);

	/* anonymous sessions (before sign-in) have account 0 */
	new_hash(anon.id_hash);
	anon.expires_at = g_now + 60;
	assert_ok(cat_store_session_insert(s, &anon));
	assert_ok(cat_store_session_get(s, &out, anon.id_hash, g_now));
	assert_true(out.account_id == 0);

	assert_ok(cat_store_session_delete(s, se.id_hash));
	assert_int_equal(cat_store_session_get(s, &out, se.id_hash, g_now),
			 CAT_ENOTFOUND);
	assert_ok(cat_store_session_delete(s, se.id_hash));
	assert_ok(cat_store_session_get(s, &out, anon.id_hash, g_now));

	memset(anon.csrf, 'c', sizeof(anon.csrf));
	new_hash(anon.id_hash);
	assert_int_equal(cat_store_session_insert(s, &anon), CAT_EINVAL);
	memset(anon.id_hash, 'h', sizeof(anon.id_hash));
	assert_int_equal(cat_store_session_get(s, &out, anon.id_hash, g_now),
			 CAT_EINVAL);
}

/* Rate limits */

static void test_store__ratelimit(void **state)
{
	struct cat_store *s = *state;
	char key[64], key2[64], big[CAT_RL_KEY_MAX + 2];
	int64_t w0 = g_now - g_now % 60 + 60; /* a window start */
	int allowed = -1, i;

	uniq(key, sizeof(key), "login:203.0.113.7:");
	uniq(key2, sizeof(key2), "login:203.0.113.8:");
	for (i = 0; i < 3; i++) {
		assert_ok(cat_store_ratelimit_hit(s, &allowed, key, w0 + i, 60,
						  3));
		assert_int_equal(allowed, 1);
	}
	assert_ok(cat_store_ratelimit_hit(s, &allowed, key, w0 + 59, 60, 3));
	assert_ok(allowed);
	assert_ok(cat_store_ratelimit_hit(s, &allowed, key, w0 + 59, 60, 3));
	assert_ok(allowed);
	/* other keys count apart */
	assert_ok(cat_store_ratelimit_hit(s, &allowed, key2, w0 + 10, 60, 3));
	assert_int_equal(allowed, 1);
	/* the next window starts from zero */
	assert_ok(cat_store_ratelimit_hit(s, &allowed, key, w0 + 60, 60, 3));
	assert_int_equal(allowed, 1);

	assert_ok(cat_store_ratelimit_hit(s, &allowed, key, w0, 60, 0));
	assert_ok(allowed);
	fill(big, CAT_RL_KEY_MAX + 1);
	assert_int_equal(cat_store_ratelimit_hit(s, &allowed, big, w0, 60, 3),
			 CAT_EINVAL);
	assert_int_equal(cat_store_ratelimit_hit(s, &allowed, key, w0, 0, 3),
			 CAT_EINVAL);
}

static void test_store__ratelimit_count(void **state)
{
	struct cat_store *s = *state;
	char key[64], big[CAT_RL_KEY_MAX + 2];
	int64_t w0 = g_now - g_now % 60 + 120, count = -1;
	int allowed, i;

	uniq(key, sizeof(key), "code:198.51.100.9:");
	assert_ok(cat_store_ratelimit_count(s, &count, key, w0, 60));
	assert_int_equal(count, 0);
	for (i = 0; i < 4; i++)
		assert_ok(cat_store_ratelimit_hit(s, &allowed, key, w0 + i, 60,
						  10));
	/* counting is a read: asking twice does not add hits */
	assert_ok(cat_store_ratelimit_count(s, &count, key, w0 + 30, 60));
	assert_int_equal(count, 4);
	assert_ok(cat_store_ratelimit_count(s, &count, key, w0 + 59, 60));
	assert_int_equal(count, 4);
	/* a new window has no hits yet */
	assert_ok(cat_store_ratelimit_count(s, &count, key, w0 + 60, 60));
	assert_int_equal(count, 0);
	fill(big, CAT_RL_KEY_MAX + 1);
	assert_int_equal(cat_store_ratelimit_count(s, &count, big, w0, 60),
			 CAT_EINVAL);
}

/* Server keys */

static void test_store__server_key(void **state)
{
	struct cat_store *s = *state, *s2 = NULL;
	char name[48], other[48], out[CAT_KEY_HEX], out2[CAT_KEY_HEX];
	char a[CAT_KEY_HEX], b[CAT_KEY_HEX], big[CAT_KEY_HEX + 1];

	uniq(name, sizeof(name), "key-");
	uniq(other, sizeof(other), "key-");
	fill(a, CAT_KEY_HEX - 1);
	memset(b, 'b', CAT_KEY_HEX - 1);
	b[CAT_KEY_HEX - 1] = '\0';
	/* reading only: none yet, and none made */
	assert_int_equal(cat_store_key_get_or_add(s, name, NULL, out),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_key_get_or_add(s, name, NULL, out),
			 CAT_ENOTFOUND);
	/* the first key proposed is kept; later proposals get it back */
	assert_ok(cat_store_key_get_or_add(s, name, a, out));
	assert_ok(cat_store_key_get_or_add(s, name, NULL, out));
	assert_string_equal(out, a);
	assert_string_equal(out, a);
	assert_ok(cat_store_key_get_or_add(s, name, b, out));
	assert_string_equal(out, a);
	/* another handle (another instance) reads the same key */
	assert_ok(cat_store_open(&s2, g_url));
	assert_ok(cat_store_key_get_or_add(s2, name, b, out2));
	assert_string_equal(out2, a);
	/* names are apart */
	assert_ok(cat_store_key_get_or_add(s2, other, b, out2));
	assert_string_equal(out2, b);
	cat_store_close(s2);
	/* purging never drops a key */
	assert_ok(cat_store_purge(s, g_now + 10 * 86400, 0));
	assert_ok(cat_store_key_get_or_add(s, name, b, out));
	assert_string_equal(out, a);

	fill(big, CAT_KEY_HEX);
	assert_int_equal(cat_store_key_get_or_add(s, name, big, out),
			 CAT_EINVAL);
	assert_int_equal(cat_store_key_get_or_add(s, name, "", out),
			 CAT_EINVAL);
	assert_int_equal(cat_store_key_get_or_add(s, "", a, out), CAT_EINVAL);
}

/* Purge */

static void test_store__purge(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c;
	struct cat_grant g, revoked, out;
	struct cat_auth_code old_code, live_code;
	struct cat_session old_se = { 0 }, live_se = { 0 }, sout;
	struct cat_device_auth long_gone, recent, live, dout;
	char rl_old[64], rl_live[64];
	int64_t a = new_account(s), p = g_now + 10;
	int allowed;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	new_grant(s, &g, a, c.id, g_now - 7200);
	new_grant(s, &revoked, a, c.id, g_now - 7200);
	assert_int_equal(
		cat_store_grant_revoke(s, revoked.token_id, g_now - 7000, NULL),
		1);
	make_code(&old_code, c.id, a, p - 1);
	make_code(&live_code, c.id, a, p + 60);
	assert_ok(cat_store_code_insert(s, &old_code));
	assert_ok(cat_store_code_insert(s, &live_code));
	new_hash(old_se.id_hash);
	old_se.expires_at = p - 1;
	new_hash(live_se.id_hash);
	live_se.expires_at = p + 60;
	assert_ok(cat_store_session_insert(s, &old_se));
	assert_ok(cat_store_session_insert(s, &live_se));
	new_device(s, &long_gone, c.id, p - 5 * 3600);
	new_device(s, &recent, c.id, p - 400);
	new_device(s, &live, c.id, p - 10);
	uniq(rl_old, sizeof(rl_old), "rl-old-");
	uniq(rl_live, sizeof(rl_live), "rl-live-");
	assert_ok(cat_store_ratelimit_hit(s, &allowed, rl_old, p - 120, 60, 1));
	assert_ok(cat_store_ratelimit_hit(s, &allowed, rl_live, p, 3600, 1));

	assert_ok(cat_store_purge(s, p, 0));

	/* gone: inserting the same keys again succeeds */
	assert_ok(cat_store_code_insert(s, &old_code));
	assert_ok(cat_store_session_insert(s, &old_se));
	assert_int_equal(
		cat_store_device_by_hash(s, &dout, long_gone.device_hash),
		CAT_ENOTFOUND);
	assert_ok(cat_store_ratelimit_hit(s, &allowed, rl_old, p - 120, 60, 1));
	assert_int_equal(allowed, 1);

	/* kept: live rows, recently expired devices, and every grant */
	assert_int_equal(cat_store_code_insert(s, &live_code), CAT_EEXISTS);
	assert_ok(cat_store_session_get(s, &sout, live_se.id_hash, p));
	assert_ok(cat_store_device_by_hash(s, &dout, recent.device_hash));
	assert_ok(cat_store_device_by_hash(s, &dout, live.device_hash));
	assert_ok(cat_store_ratelimit_hit(s, &allowed, rl_live, p, 3600, 1));
	assert_ok(allowed);
	assert_ok(cat_store_grant_by_id(s, &out, g.token_id));
	assert_ok(cat_store_grant_by_id(s, &out, revoked.token_id));
	assert_true(out.revoked_at == g_now - 7000);

	/* purging again is harmless */
	assert_ok(cat_store_purge(s, p, 0));
}

int contract_oauth_tests(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TEST(test_store__device_insert_and_lookup),
		CONTRACT_TEST(test_store__device_decide),
		CONTRACT_TEST(test_store__device_decide_expired),
		CONTRACT_TEST(test_store__device_redeem),
		CONTRACT_TEST(test_store__device_redeem_race),
		CONTRACT_TEST(test_store__grant_insert_and_lookup),
		CONTRACT_TEST(test_store__grant_list),
		CONTRACT_TEST(test_store__bearer_lookup),
		CONTRACT_TEST(test_store__grant_revoke),
		CONTRACT_TEST(test_store__grant_rotate),
		CONTRACT_TEST(test_store__grant_rotate_taken_hash),
		CONTRACT_TEST(test_store__grant_touch_batch),
		CONTRACT_TEST(test_store__token_terms),
		CONTRACT_TEST(test_store__read_snapshot),
		CONTRACT_TEST(test_store__code_redeem),
		CONTRACT_TEST(test_store__session),
		CONTRACT_TEST(test_store__ratelimit),
		CONTRACT_TEST(test_store__ratelimit_count),
		CONTRACT_TEST(test_store__server_key),
		CONTRACT_TEST(test_store__purge),
	};

	return cmocka_run_group_tests_name("store: oauth", tests, NULL, NULL);
}
