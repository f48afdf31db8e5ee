/*
 * Option parsing and the command table: global options anywhere, the
 * --opt=value and -pVALUE forms, "--", usage errors, and the table's own
 * invariants (unique names, help for every row, arity bounds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd.h"

static int parse(struct cat_opts *o, int argc, const char **argv)
{
	return cat_cmd_parse(o, argc, (char **)argv);
}

static void test_cmd__options_anywhere(void **state)
{
	const char *argv[] = { "catalyst", "--json",  "token:revoke",
			       "abc",      "--token", "m_x",
			       "--dc=eu",  "-pdemo",  "--verbose" };
	struct cat_opts o;

	(void)state;
	assert_int_equal(parse(&o, 9, argv), 0);
	assert_string_equal(o.cmd, "token:revoke");
	assert_int_equal(o.nargs, 1);
	assert_string_equal(o.args[0], "abc");
	assert_string_equal(o.token, "m_x");
	assert_string_equal(o.dc, "eu");
	assert_string_equal(o.project, "demo");
	assert_true(o.json);
	assert_true(o.verbose);
	assert_int_equal(o.given, 0);
}

static void test_cmd__command_options(void **state)
{
	const char *argv[] = { "catalyst", "login", "--no-localhost", "--force",
			       "-p",       "x",     "--org",          "600" };
	struct cat_opts o;

	(void)state;
	assert_int_equal(parse(&o, 8, argv), 0);
	assert_int_equal(o.given, CO_NO_LOCALHOST | CO_FORCE);
	assert_string_equal(o.project, "x");
	assert_string_equal(o.org, "600");
}

static void test_cmd__double_dash(void **state)
{
	const char *argv[] = { "catalyst", "token:revoke", "--", "--json" };
	struct cat_opts o;

	(void)state;
	assert_int_equal(parse(&o, 4, argv), 0);
	assert_false(o.json);
	assert_int_equal(o.nargs, 1);
	assert_string_equal(o.args[0], "--json");
}

static void test_cmd__usage_errors(void **state)
{
	const char *unknown[] = { "catalyst", "whoami", "--nope" };
	const char *missing[] = { "catalyst", "whoami", "--token" };
	const char *empty[] = { "catalyst", "whoami", "--token=" };
	const char *flagval[] = { "catalyst", "whoami", "--json=1" };
	const char *shortu[] = { "catalyst", "-x" };
	struct cat_opts o;

	(void)state;
	assert_int_equal(parse(&o, 3, unknown), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "--nope"));
	assert_int_equal(parse(&o, 3, missing), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "needs a value"));
	assert_int_equal(parse(&o, 3, empty), CAT_EINVAL);
	assert_int_equal(parse(&o, 3, flagval), CAT_EINVAL);
	assert_int_equal(parse(&o, 2, shortu), CAT_EINVAL);
}

static void test_cmd__too_many_args(void **state)
{
	const char *argv[12] = { "catalyst", "help" };
	struct cat_opts o;
	int i;

	(void)state;
	for (i = 2; i < 12; i++)
		argv[i] = "x";
	assert_int_equal(parse(&o, 12, argv), CAT_EINVAL);
}

static void test_cmd__table(void **state)
{
	static const char *const expected[] = {
		"login",          "logout",      "whoami",
		"token:generate", "token:list",  "token:revoke",
		"project:list",   "project:use", "project:reset",
		"init",           "help"
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_non_null(cat_cmd_find(expected[i]));
	assert_null(cat_cmd_find("token"));
	assert_null(cat_cmd_find(""));
	for (i = 0; i < cat_cmd_count; i++) {
		const struct cat_cmd *c = &cat_cmd_table[i];

		assert_non_null(c->fn);
		assert_true(strlen(c->summary) > 0);
		assert_true(c->min_args <= c->max_args);
		assert_true(c->max_args <= CAT_MAX_ARGS);
		for (j = i + 1; j < cat_cmd_count; j++)
			assert_string_not_equal(c->name, cat_cmd_table[j].name);
	}
	assert_int_equal(cat_cmd_find("token:revoke")->min_args, 1);
	assert_true(cat_cmd_find("token:generate")->flags & CMD_NEEDS_LOGIN);
	assert_true(cat_cmd_find("token:generate")->opts & CO_CURRENT);
	assert_true(cat_cmd_find("token:list")->flags & CMD_NEEDS_AUTH);
	assert_true(cat_cmd_find("login")->opts & CO_NO_LOCALHOST);
}

/* Dispatch's checks run before any handler: no network, no config. */
static void test_cmd__dispatch_usage(void **state)
{
	const char *extra[] = { "catalyst", "whoami", "--current" };
	const char *arity[] = { "catalyst", "token:revoke" };
	const char *badc[] = { "catalyst", "project:reset", "--dc", "mars" };
	const char *unknown[] = { "catalyst", "frobnicate" };
	const char *version[] = { "catalyst", "--version" };
	const char *help[] = { "catalyst", "token:list", "--help" };
	struct cat_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(parse(&ctx.opts, 3, extra), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 2, arity), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 4, badc), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 2, unknown), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 2, version), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_OK);
	assert_int_equal(parse(&ctx.opts, 3, help), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_OK);
	cat_ctx_release(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd__options_anywhere),
		cmocka_unit_test(test_cmd__command_options),
		cmocka_unit_test(test_cmd__double_dash),
		cmocka_unit_test(test_cmd__usage_errors),
		cmocka_unit_test(test_cmd__too_many_args),
		cmocka_unit_test(test_cmd__table),
		cmocka_unit_test(test_cmd__dispatch_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
