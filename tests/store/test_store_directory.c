/*
 * The store contract, directory part: accounts, orgs and memberships,
 * projects with their environments, and OAuth clients.
 */
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "banned.h"

/* Accounts */

static void test_store__account_add_and_get(void **state)
{
	struct cat_store *s = *state;
	struct cat_account a = { 0 }, b;
	char upper[CAT_EMAIL_MAX + 1];
	size_t i;

	uniq(a.email, sizeof(a.email), "Mixed.Case-");
	memcpy(a.email + strlen(a.email), "@Example.COM", 13);
	memcpy(a.first_name, "Grace", 6);
	memcpy(a.last_name, "Hopper", 7);
	memcpy(a.pw_hash, "$argon2id$v=19$x", 17);
	assert_ok(cat_store_account_add(s, &a));
	assert_true(a.id >= 70000001);
	assert_true(a.created_at > 0); /* the store fills a missing time */

	for (i = 0; a.email[i]; i++)
		upper[i] = (char)(a.email[i] >= 'a' && a.email[i] <= 'z'
					  ? a.email[i] - 32
					  : a.email[i]);
	upper[i] = '\0';
	assert_ok(cat_store_account_by_email(s, &b, upper));
	assert_true(b.id == a.id);
	assert_string_equal(b.email, a.email);
	assert_string_equal(b.first_name, "Grace");
	assert_string_equal(b.last_name, "Hopper");
	assert_string_equal(b.pw_hash, a.pw_hash);
	assert_true(b.created_at == a.created_at);

	assert_ok(cat_store_account_by_id(s, &b, a.id));
	assert_string_equal(b.email, a.email);
	/* ids are distinct and increasing */
	assert_true(new_account(s) > a.id);
}

static void test_store__account_duplicate_email(void **state)
{
	struct cat_store *s = *state;
	struct cat_account a = { 0 }, b = { 0 };
	size_t i;

	uniq(a.email, sizeof(a.email), "dup-");
	memcpy(a.email + strlen(a.email), "@example.com", 13);
	assert_ok(cat_store_account_add(s, &a));
	b = a;
	b.id = 0;
	assert_int_equal(cat_store_account_add(s, &b), CAT_EEXISTS);
	for (i = 0; b.email[i]; i++)
		if (b.email[i] >= 'a' && b.email[i] <= 'z')
			b.email[i] = (char)(b.email[i] - 32);
	assert_int_equal(cat_store_account_add(s, &b), CAT_EEXISTS);
	/* the message names no value */
	assert_null(strstr(cat_error_last(), a.email));
}

static void test_store__account_unknown_and_invalid(void **state)
{
	struct cat_store *s = *state;
	struct cat_account a = { 0 }, out;
	char email[64];

	uniq(email, sizeof(email), "nobody-");
	assert_int_equal(cat_store_account_by_email(s, &out, email),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_account_by_id(s, &out, 1), CAT_ENOTFOUND);
	assert_int_equal(cat_store_account_by_id(s, &out, INT64_MAX),
			 CAT_ENOTFOUND);

	/* exactly CAT_EMAIL_MAX fits */
	uniq(a.email, sizeof(a.email), "max-");
	fill(a.email + strlen(a.email), CAT_EMAIL_MAX - strlen(a.email));
	assert_int_equal(strlen(a.email), CAT_EMAIL_MAX);
	assert_ok(cat_store_account_add(s, &a));
	assert_ok(cat_store_account_by_email(s, &out, a.email));

	{
		char big[CAT_EMAIL_MAX + 2];

		fill(big, CAT_EMAIL_MAX + 1);
		assert_int_equal(cat_store_account_by_email(s, &out, big),
				 CAT_EINVAL);
	}
	memset(&a, 0, sizeof(a));
	assert_int_equal(cat_store_account_add(s, &a), CAT_EINVAL); /* "" */
	uniq(a.email, sizeof(a.email), "long-");
	memset(a.first_name, 'x', sizeof(a.first_name)); /* no NUL */
	assert_int_equal(cat_store_account_add(s, &a), CAT_EINVAL);
	memset(a.first_name, 0, sizeof(a.first_name));
	memset(a.pw_hash, 'x', sizeof(a.pw_hash));
	assert_int_equal(cat_store_account_add(s, &a), CAT_EINVAL);
	memset(a.pw_hash, 0, sizeof(a.pw_hash));
	assert_ok(cat_store_account_add(s, &a));
}

/* Orgs */

struct org_seen {
	struct cat_org orgs[8];
	int n;
	int stop_after;
};

static int org_cb(const struct cat_org *o, void *ctx)
{
	struct org_seen *seen = ctx;

	if (seen->n < 8)
		seen->orgs[seen->n] = *o;
	seen->n++;
	return seen->stop_after && seen->n == seen->stop_after ? 42 : 0;
}

static void test_store__org_add_get(void **state)
{
	struct cat_store *s = *state;
	struct cat_org o, o2, out;
	char big[CAT_NAME_MAX + 2];

	new_org(s, &o);
	assert_true(all_digits(o.id));
	assert_true(strlen(o.id) >= 8);
	assert_true(o.created_at > 0);
	new_org(s, &o2);
	assert_string_not_equal(o.id, o2.id);
	assert_ok(cat_store_org_get(s, &out, o.id));
	assert_string_equal(out.id, o.id);
	assert_string_equal(out.name, o.name);

	assert_int_equal(cat_store_org_get(s, &out, "1"), CAT_ENOTFOUND);
	assert_int_equal(cat_store_org_get(s, &out, "not-an-id"),
			 CAT_ENOTFOUND);
	assert_int_equal(cat_store_org_get(s, &out, ""), CAT_ENOTFOUND);
	fill(big, CAT_ID_MAX + 1);
	assert_int_equal(cat_store_org_get(s, &out, big), CAT_EINVAL);

	memset(&o, 0, sizeof(o));
	memset(o.name, 'n', sizeof(o.name)); /* no NUL */
	assert_int_equal(cat_store_org_add(s, &o), CAT_EINVAL);
}

static void test_store__org_members_and_default(void **state)
{
	struct cat_store *s = *state;
	struct cat_org o1, o2, o3, other;
	struct org_seen seen = { 0 };
	int64_t a = new_account(s), b = new_account(s);

	new_org(s, &o1);
	new_org(s, &o2);
	new_org(s, &o3);
	new_org(s, &other);
	assert_ok(cat_store_member_add(s, a, o1.id, 1));
	assert_ok(cat_store_member_add(s, a, o2.id, 0));
	assert_ok(cat_store_org_list(s, a, org_cb, &seen));
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.orgs[0].id, o1.id);
	assert_true(seen.orgs[0].is_default);
	assert_string_equal(seen.orgs[0].name, o1.name);
	assert_string_equal(seen.orgs[1].id, o2.id);
	assert_false(seen.orgs[1].is_default);

	/* a new default replaces the old one; the rest in creation order */
	assert_ok(cat_store_member_add(s, a, o3.id, 1));
	memset(&seen, 0, sizeof(seen));
	assert_ok(cat_store_org_list(s, a, org_cb, &seen));
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.orgs[0].id, o3.id);
	assert_true(seen.orgs[0].is_default);
	assert_string_equal(seen.orgs[1].id, o1.id);
	assert_false(seen.orgs[1].is_default);
	assert_string_equal(seen.orgs[2].id, o2.id);
	assert_false(seen.orgs[2].is_default);

	/* a failed add changes nothing, not even the default */
	assert_int_equal(cat_store_member_add(s, a, o1.id, 1), CAT_EEXISTS);
	memset(&seen, 0, sizeof(seen));
	assert_ok(cat_store_org_list(s, a, org_cb, &seen));
	assert_string_equal(seen.orgs[0].id, o3.id);
	assert_true(seen.orgs[0].is_default);

	assert_int_equal(cat_store_member_add(s, a, "1", 0), CAT_ENOTFOUND);
	assert_int_equal(cat_store_member_add(s, a, "x1", 0), CAT_ENOTFOUND);
	assert_int_equal(cat_store_member_add(s, 1, o1.id, 0), CAT_ENOTFOUND);

	assert_ok(cat_store_member_check(s, a, o1.id));
	assert_ok(cat_store_member_check(s, a, o3.id));
	assert_int_equal(cat_store_member_check(s, a, other.id), CAT_ENOTFOUND);
	assert_int_equal(cat_store_member_check(s, b, o1.id), CAT_ENOTFOUND);
	assert_int_equal(cat_store_member_check(s, a, "junk"), CAT_ENOTFOUND);

	/* b belongs to o1 too, and its default does not touch a's */
	assert_ok(cat_store_member_add(s, b, o1.id, 1));
	assert_ok(cat_store_member_check(s, b, o1.id));
	memset(&seen, 0, sizeof(seen));
	assert_ok(cat_store_org_list(s, a, org_cb, &seen));
	assert_string_equal(seen.orgs[0].id, o3.id);

	/* no orgs: no calls */
	memset(&seen, 0, sizeof(seen));
	assert_ok(cat_store_org_list(s, new_account(s), org_cb, &seen));
	assert_ok(seen.n);
}

static void test_store__org_list_stops(void **state)
{
	struct cat_store *s = *state;
	struct cat_org o;
	struct org_seen seen = { .stop_after = 1 };
	int64_t a = new_account(s);
	int i;

	for (i = 0; i < 3; i++) {
		new_org(s, &o);
		assert_ok(cat_store_member_add(s, a, o.id, i == 0));
	}
	assert_int_equal(cat_store_org_list(s, a, org_cb, &seen), 42);
	assert_int_equal(seen.n, 1);
	/* the handle is usable after an early stop */
	seen = (struct org_seen){ .stop_after = 0 };
	assert_ok(cat_store_org_list(s, a, org_cb, &seen));
	assert_int_equal(seen.n, 3);
}

/* Projects */

struct project_seen {
	struct cat_project items[4];
	int n;
	int stop_after;
};

static int project_cb(const struct cat_project *p, void *ctx)
{
	struct project_seen *seen = ctx;

	if (seen->n < 4)
		seen->items[seen->n] = *p;
	seen->n++;
	return seen->stop_after && seen->n == seen->stop_after ? -77 : 0;
}

struct env_seen {
	struct cat_env items[4];
	int n;
	int stop_after;
};

static int env_cb(const struct cat_env *e, void *ctx)
{
	struct env_seen *seen = ctx;

	if (seen->n < 4)
		seen->items[seen->n] = *e;
	seen->n++;
	return seen->stop_after && seen->n == seen->stop_after ? 5 : 0;
}

static void new_project(struct cat_store *s, struct cat_project *p,
			const char *org_id)
{
	memset(p, 0, sizeof(*p));
	uniq(p->name, sizeof(p->name), "proj");
	memcpy(p->org_id, org_id, strlen(org_id) + 1);
	assert_ok(cat_store_project_add(s, p));
}

static void test_store__project_add_and_envs(void **state)
{
	struct cat_store *s = *state;
	struct cat_org o;
	struct cat_project p, p2, out;
	struct env_seen envs = { 0 }, envs2 = { 0 };
	char domain[CAT_NAME_MAX + 1];

	new_org(s, &o);
	new_project(s, &p, o.id);
	assert_true(all_digits(p.id));
	assert_string_equal(p.type, "Live");
	assert_string_equal(p.timezone, "Asia/Kolkata");
	assert_true(all_digits(p.domain_id));
	assert_true(snprintf(domain, sizeof(domain), "%s-%s", p.name, o.id) <
		    (int)sizeof(domain));
	assert_string_equal(p.domain_name, domain);
	assert_true(p.created_at > 0);

	assert_ok(cat_store_project_get(s, &out, p.id));
	assert_string_equal(out.id, p.id);
	assert_string_equal(out.org_id, o.id);
	assert_string_equal(out.name, p.name);
	assert_string_equal(out.type, "Live");
	assert_string_equal(out.timezone, "Asia/Kolkata");
	assert_string_equal(out.domain_id, p.domain_id);
	assert_string_equal(out.domain_name, p.domain_name);
	assert_true(out.created_at == p.created_at);

	assert_ok(cat_store_env_list(s, p.id, env_cb, &envs));
	assert_int_equal(envs.n, 2);
	assert_string_equal(envs.items[0].name, "Development");
	assert_int_equal(envs.items[0].type, 3);
	/* the reference CLI relies on this */
	assert_string_equal(envs.items[0].zgid, o.id);
	assert_string_equal(envs.items[0].status, "Active");
	assert_string_equal(envs.items[0].project_id, p.id);
	assert_string_equal(envs.items[1].name, "Production");
	assert_int_equal(envs.items[1].type, 2);
	assert_string_equal(envs.items[1].status, "Active");
	assert_string_equal(envs.items[1].project_id, p.id);
	assert_true(all_digits(envs.items[1].zgid));
	assert_string_not_equal(envs.items[1].zgid, o.id);

	/* an explicit type and timezone are kept; zgids stay unique */
	memset(&p2, 0, sizeof(p2));
	uniq(p2.name, sizeof(p2.name), "demo");
	memcpy(p2.org_id, o.id, sizeof(o.id));
	memcpy(p2.type, "Demo", 5);
	memcpy(p2.timezone, "Europe/Paris", 13);
	p2.created_at = g_now;
	assert_ok(cat_store_project_add(s, &p2));
	assert_string_not_equal(p2.id, p.id);
	assert_string_not_equal(p2.domain_id, p.domain_id);
	assert_true(p2.created_at == g_now);
	assert_ok(cat_store_project_get(s, &out, p2.id));
	assert_string_equal(out.type, "Demo");
	assert_string_equal(out.timezone, "Europe/Paris");
	assert_ok(cat_store_env_list(s, p2.id, env_cb, &envs2));
	assert_int_equal(envs2.n, 2);
	assert_string_equal(envs2.items[0].zgid, o.id);
	assert_string_not_equal(envs2.items[1].zgid, envs.items[1].zgid);

	envs = (struct env_seen){ .stop_after = 1 };
	assert_int_equal(cat_store_env_list(s, p.id, env_cb, &envs), 5);
	assert_int_equal(envs.n, 1);
}

static void test_store__project_errors(void **state)
{
	struct cat_store *s = *state;
	struct cat_org o, o2;
	struct cat_project p, dup, out;
	struct env_seen envs = { 0 };
	size_t i;

	new_org(s, &o);
	new_org(s, &o2);
	new_project(s, &p, o.id);

	/* names are unique per org, ignoring case (they become domains) */
	dup = p;
	for (i = 0; dup.name[i]; i++)
		if (dup.name[i] >= 'a' && dup.name[i] <= 'z')
			dup.name[i] = (char)(dup.name[i] - 32);
	assert_int_equal(cat_store_project_add(s, &dup), CAT_EEXISTS);
	dup = p;
	assert_int_equal(cat_store_project_add(s, &dup), CAT_EEXISTS);
	memcpy(dup.org_id, o2.id, sizeof(o2.id));
	assert_ok(cat_store_project_add(s, &dup));

	dup = p;
	memcpy(dup.org_id, "1", 2);
	assert_int_equal(cat_store_project_add(s, &dup), CAT_ENOTFOUND);
	memcpy(dup.org_id, "zzz", 4);
	assert_int_equal(cat_store_project_add(s, &dup), CAT_ENOTFOUND);

	dup = p;
	memset(dup.name, 'x', sizeof(dup.name)); /* no NUL */
	assert_int_equal(cat_store_project_add(s, &dup), CAT_EINVAL);
	/* fits CAT_NAME_MAX, but "<name>-<org id>" would not */
	fill(dup.name, CAT_NAME_MAX);
	assert_int_equal(cat_store_project_add(s, &dup), CAT_EINVAL);
	dup = p;
	dup.name[0] = '\0';
	assert_int_equal(cat_store_project_add(s, &dup), CAT_EINVAL);
	dup = p;
	memset(dup.timezone, 'T', sizeof(dup.timezone));
	assert_int_equal(cat_store_project_add(s, &dup), CAT_EINVAL);

	assert_int_equal(cat_store_project_get(s, &out, "4"), CAT_ENOTFOUND);
	assert_int_equal(cat_store_project_get(s, &out, "abc"), CAT_ENOTFOUND);
	assert_ok(cat_store_env_list(s, "1", env_cb, &envs));
	assert_ok(envs.n);
}

static void test_store__project_list(void **state)
{
	struct cat_store *s = *state;
	struct cat_org o, empty;
	struct cat_project p[3];
	struct project_seen seen = { 0 };
	int i;

	new_org(s, &o);
	new_org(s, &empty);
	for (i = 0; i < 3; i++)
		new_project(s, &p[i], o.id);
	assert_ok(cat_store_project_list(s, o.id, project_cb, &seen));
	assert_int_equal(seen.n, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(seen.items[i].id, p[i].id);
		assert_string_equal(seen.items[i].name, p[i].name);
		assert_string_equal(seen.items[i].org_id, o.id);
		assert_string_equal(seen.items[i].domain_name,
				    p[i].domain_name);
	}
	seen = (struct project_seen){ .stop_after = 2 };
	assert_int_equal(cat_store_project_list(s, o.id, project_cb, &seen),
			 -77);
	assert_int_equal(seen.n, 2);
	seen = (struct project_seen){ 0 };
	assert_ok(cat_store_project_list(s, empty.id, project_cb, &seen));
	assert_ok(cat_store_project_list(s, "nope", project_cb, &seen));
	assert_ok(seen.n);
}

/* Clients */

static void test_store__client(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c, out, bad;
	char big[CAT_ID_MAX + 2];

	new_client(s, &c, CAT_CLIENT_BROWSER);
	assert_ok(cat_store_client_get(s, &out, c.id));
	assert_string_equal(out.id, c.id);
	assert_string_equal(out.secret_hash, c.secret_hash);
	assert_string_equal(out.name, c.name);
	assert_int_equal(out.kind, CAT_CLIENT_BROWSER);
	assert_true(out.created_at == g_now);

	assert_int_equal(cat_store_client_add(s, &c), CAT_EEXISTS);
	assert_int_equal(cat_store_client_get(s, &out, "1000.nobody"),
			 CAT_ENOTFOUND);
	fill(big, CAT_ID_MAX + 1);
	assert_int_equal(cat_store_client_get(s, &out, big), CAT_EINVAL);
	bad = c;
	memset(bad.id, 'i', sizeof(bad.id));
	assert_int_equal(cat_store_client_add(s, &bad), CAT_EINVAL);
	bad = c;
	uniq(bad.id, sizeof(bad.id), "1000.");
	bad.kind = 'x';
	assert_int_equal(cat_store_client_add(s, &bad), CAT_EINVAL);
	assert_int_equal(out.is_public, 0);
}

struct client_seen {
	const char *want[2];
	int found[2], n;
	int64_t last;
};

static int client_cb(const struct cat_client *c, void *ctx)
{
	struct client_seen *seen = ctx;
	int i;

	/* oldest first */
	assert_true(c->created_at >= seen->last);
	seen->last = c->created_at;
	for (i = 0; i < 2; i++)
		if (strcmp(c->id, seen->want[i]) == 0) {
			seen->found[i]++;
			assert_string_equal(c->name, "test client");
		}
	return ++seen->n == 1000 ? 7 : 0;
}

static void test_store__client_list(void **state)
{
	struct cat_store *s = *state;
	struct cat_client a, b;
	struct client_seen seen = { 0 };

	new_client(s, &a, CAT_CLIENT_DEVICE);
	new_client(s, &b, CAT_CLIENT_BROWSER);
	seen.want[0] = a.id;
	seen.want[1] = b.id;
	seen.last = INT64_MIN;
	assert_ok(cat_store_client_list(s, client_cb, &seen));
	assert_int_equal(seen.found[0], 1);
	assert_int_equal(seen.found[1], 1);
	assert_true(seen.n >= 2);
	/* a callback's non-zero stops the walk and is returned */
	memset(&seen, 0, sizeof(seen));
	seen.want[0] = seen.want[1] = "";
	seen.last = INT64_MIN;
	seen.n = 999;
	assert_int_equal(cat_store_client_list(s, client_cb, &seen), 7);
	assert_int_equal(seen.n, 1000);
}

/* RFC 6749 2.1: public exactly when there is no secret. */
static void test_store__client_public(void **state)
{
	struct cat_store *s = *state;
	struct cat_client c, out, bad;

	memset(&c, 0, sizeof(c));
	uniq(c.id, sizeof(c.id), "1000.");
	memcpy(c.name, "public client", 14);
	c.kind = CAT_CLIENT_BROWSER;
	c.is_public = 1;
	c.created_at = g_now;
	assert_ok(cat_store_client_add(s, &c));
	assert_ok(cat_store_client_get(s, &out, c.id));
	assert_int_equal(out.is_public, 1);
	assert_string_equal(out.secret_hash, "");
	assert_int_equal(out.kind, CAT_CLIENT_BROWSER);

	/* a public client with a secret, a confidential one without */
	bad = c;
	uniq(bad.id, sizeof(bad.id), "1000.");
	new_hash(bad.secret_hash);
	assert_int_equal(cat_store_client_add(s, &bad), CAT_EINVAL);
	bad.is_public = 0;
	bad.secret_hash[0] = '\0';
	assert_int_equal(cat_store_client_add(s, &bad), CAT_EINVAL);
	bad.is_public = 2;
	assert_int_equal(cat_store_client_add(s, &bad), CAT_EINVAL);
	assert_int_equal(cat_store_client_get(s, &out, bad.id), CAT_ENOTFOUND);
}

int contract_directory_tests(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TEST(test_store__account_add_and_get),
		CONTRACT_TEST(test_store__account_duplicate_email),
		CONTRACT_TEST(test_store__account_unknown_and_invalid),
		CONTRACT_TEST(test_store__org_add_get),
		CONTRACT_TEST(test_store__org_members_and_default),
		CONTRACT_TEST(test_store__org_list_stops),
		CONTRACT_TEST(test_store__project_add_and_envs),
		CONTRACT_TEST(test_store__project_errors),
		CONTRACT_TEST(test_store__project_list),
		CONTRACT_TEST(test_store__client),
		CONTRACT_TEST(test_store__client_public),
		CONTRACT_TEST(test_store__client_list),
	};

	return cmocka_run_group_tests_name("store: directory", tests, NULL,
					   NULL);
}
