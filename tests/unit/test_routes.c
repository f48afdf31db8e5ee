/*
 * Unit tests for the route table and matcher (src/server/routes.c): exact
 * paths, {id} capture, 405 versus 404, and ids that could smuggle path
 * syntax (slashes, dots-and-colons, escapes) into handlers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "routes.h"
#include "banned.h"

static char args[2][CAT_ID_MAX + 1];

static const struct cat_route *find(const char *method, const char *path,
				    int *known)
{
	memset(args, 0, sizeof(args));
	*known = -1;
	return cat_route_match(method, path, args, known);
}

static void test_routes__exact_paths(void **state)
{
	const struct cat_route *r;
	int known;

	(void)state;
	r = find("GET", "/oauth/user/info", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_user_info);
	assert_true(r->flags & ROUTE_AUTH);
	assert_int_equal(known, 0);

	r = find("POST", "/oauth/v3/device/code", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_device_code_v3);
	assert_false(r->flags & ROUTE_AUTH);
	/* a write: it runs on the write pool */
	assert_true(r->flags & ROUTE_WRITE);

	/* the refresh token is its authority: no bearer check; a write */
	r = find("POST", "/oauth/v2/token/rotate", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_token_rotate);
	assert_int_equal(r->flags, ROUTE_WRITE);

	/* same path, method picks the handler */
	r = find("GET", "/baas/v1/project", &known);
	assert_ptr_equal(r->handler, route_project_list);
	r = find("POST", "/baas/v1/project", &known);
	assert_ptr_equal(r->handler, route_project_create);
	assert_int_equal(r->flags,
			 ROUTE_AUTH | ROUTE_ADMIN_ERRORS | ROUTE_WRITE);
}

static void test_routes__no_prefix_or_suffix_matches(void **state)
{
	int known;

	(void)state;
	assert_null(find("GET", "/oauth/user/infox", &known));
	assert_int_equal(known, 0);
	assert_null(find("GET", "/oauth/user/info/", &known));
	assert_null(find("GET", "/oauth/user", &known));
	assert_null(find("GET", "/healthz/", &known));
	assert_null(find("GET", "//healthz", &known));
	assert_null(find("GET", "", &known));
	assert_null(find("GET", "/HEALTHZ", &known));
	assert_int_equal(known, 0);
}

static void test_routes__id_capture(void **state)
{
	const struct cat_route *r;
	int known;

	(void)state;
	r = find("GET", "/baas/v1/project/4000000000001", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_project_get);
	assert_string_equal(args[0], "4000000000001");

	r = find("GET", "/baas/v1/project/4000000000002/environment", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_project_envs);
	assert_string_equal(args[0], "4000000000002");

	/* the whole id character set */
	r = find("GET", "/baas/v1/project/aZ09._-", &known);
	assert_non_null(r);
	assert_string_equal(args[0], "aZ09._-");
}

static void test_routes__id_length_limit(void **state)
{
	char path[128], id[CAT_ID_MAX + 2];
	int known;

	(void)state;
	memset(id, '7', CAT_ID_MAX);
	id[CAT_ID_MAX] = '\0';
	snprintf(path, sizeof(path), "/baas/v1/project/%s", id);
	assert_non_null(find("GET", path, &known));
	assert_string_equal(args[0], id);

	id[CAT_ID_MAX] = '7';
	id[CAT_ID_MAX + 1] = '\0';
	snprintf(path, sizeof(path), "/baas/v1/project/%s", id);
	assert_null(find("GET", path, &known));
	assert_int_equal(known, 0);
}

static void test_routes__rejects_bad_id_characters(void **state)
{
	static const char *const bad[] = {
		"/baas/v1/project/", /* empty id */
		"/baas/v1/project//environment",
		"/baas/v1/project/a b",
		"/baas/v1/project/a%2Fb",
		"/baas/v1/project/a:b",
		"/baas/v1/project/a;b",
		"/baas/v1/project/a?b",
		"/baas/v1/project/caf\xC3\xA9",
		"/baas/v1/project/1/2",
		"/baas/v1/project/1/environment/x",
	};
	size_t i;
	int known;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(find("GET", bad[i], &known));
		assert_int_equal(known, 0);
	}
}

static void test_routes__wrong_method_is_405(void **state)
{
	int known;

	(void)state;
	assert_null(find("DELETE", "/baas/v1/project", &known));
	assert_int_equal(known, 1);
	assert_null(find("GET", "/oauth/v2/token", &known));
	assert_int_equal(known, 1);
	assert_null(find("POST", "/baas/v1/project/42", &known));
	assert_int_equal(known, 1);
	assert_null(find("PUT", "/healthz", &known));
	assert_int_equal(known, 1);
	/* methods are case-sensitive (RFC 9110) */
	assert_null(find("get", "/healthz", &known));
	assert_int_equal(known, 1);
	/* and a later miss resets the flag */
	assert_null(find("GET", "/nope", &known));
	assert_int_equal(known, 0);
}

static void test_routes__head_is_get(void **state)
{
	const struct cat_route *r;
	int known;

	(void)state;
	r = find("HEAD", "/healthz", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_healthz);
	r = find("HEAD", "/.well-known/catalyst-directory", &known);
	assert_non_null(r);
	assert_ptr_equal(r->handler, route_directory);
	/* but not for POST-only paths */
	assert_null(find("HEAD", "/oauth/v2/token", &known));
	assert_int_equal(known, 1);
}

/* Every row is reachable and no two rows claim the same method and path
 * (a duplicate would silently shadow the second handler). */
static void test_routes__table_is_consistent(void **state)
{
	const struct cat_route *r;
	size_t i, j;
	int known;

	(void)state;
	assert_true(cat_route_count > 20);
	for (i = 0; i < cat_route_count; i++) {
		assert_non_null(cat_routes[i].handler);
		assert_int_equal(cat_routes[i].path[0], '/');
		for (j = i + 1; j < cat_route_count; j++)
			assert_false(strcmp(cat_routes[i].method,
					    cat_routes[j].method) == 0 &&
				     strcmp(cat_routes[i].path,
					    cat_routes[j].path) == 0);
		if (strchr(cat_routes[i].path, '{'))
			continue;
		r = find(cat_routes[i].method, cat_routes[i].path, &known);
		assert_ptr_equal(r, &cat_routes[i]);
	}
	/* every admin route answers in the admin error shape */
	for (i = 0; i < cat_route_count; i++)
		if (strncmp(cat_routes[i].path, "/baas/", 6) == 0)
			assert_int_equal(
				cat_routes[i].flags &
					~(ROUTE_WRITE | ROUTE_NO_EFFECT),
				ROUTE_AUTH | ROUTE_ADMIN_ERRORS);
	/* the pool is for writes: no GET route is sent there */
	for (i = 0; i < cat_route_count; i++)
		if (strcmp(cat_routes[i].method, "GET") == 0)
			assert_false(cat_routes[i].flags & ROUTE_WRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes__exact_paths),
		cmocka_unit_test(test_routes__no_prefix_or_suffix_matches),
		cmocka_unit_test(test_routes__id_capture),
		cmocka_unit_test(test_routes__id_length_limit),
		cmocka_unit_test(test_routes__rejects_bad_id_characters),
		cmocka_unit_test(test_routes__wrong_method_is_405),
		cmocka_unit_test(test_routes__head_is_get),
		cmocka_unit_test(test_routes__table_is_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
