/*
 * Option parsing and the command table: global options anywhere, the
 * --opt=value and -pVALUE forms, "--", usage errors, the table's own
 * invariants (unique names, help for every row, arity bounds, option tables
 * that agree with each other), "did you mean" and the usage generated from
 * the tables; --token-file and --token -, login's --web, config's row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd.h"
#include "config.h"
#include "io.h"

/* Whether c's option table lists the command option bit. */
static int takes(const struct cat_cmd *c, unsigned bit)
{
	const struct cat_opt *o;

	for (o = c->opts; o && o->name; o++)
		if (o->bit == bit)
			return 1;
	return 0;
}

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

static void test_cmd__option_with_value(void **state)
{
	const char *argv[] = { "catalyst", "--grace=1h", "token:rotate",
			       "abc" };
	const char *apart[] = { "catalyst", "token:rotate", "abc", "--grace",
				"30s" };
	const char *missing[] = { "catalyst", "token:rotate", "abc",
				  "--grace" };
	const char *elsewhere[] = { "catalyst", "token:revoke", "abc",
				    "--grace", "1h" };
	struct cat_opts o;

	(void)state;
	assert_int_equal(parse(&o, 4, argv), 0);
	assert_string_equal(o.cmd, "token:rotate");
	assert_string_equal(o.args[0], "abc");
	assert_int_equal(o.nargs, 1);
	assert_int_equal(o.given, CO_GRACE);
	assert_string_equal(o.grace, "1h");
	assert_int_equal(parse(&o, 5, apart), 0);
	assert_string_equal(o.grace, "30s");
	assert_int_equal(o.nargs, 1);
	assert_int_equal(parse(&o, 4, missing), CAT_EINVAL);
	/* parsed anywhere, refused by dispatch for a command without it */
	assert_int_equal(parse(&o, 5, elsewhere), 0);
	assert_false(takes(cat_cmd_find("token:revoke"), CO_GRACE));
	assert_true(takes(cat_cmd_find("token:rotate"), CO_GRACE));
	assert_int_equal(cat_cmd_find("token:rotate")->min_args, 1);
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
		"login",          "logout",       "whoami",
		"token:generate", "token:list",   "token:revoke",
		"token:rotate",   "project:list", "project:use",
		"project:reset",  "init",         "help",
		"version",        "completion",   "__complete"
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
	assert_true(takes(cat_cmd_find("token:generate"), CO_CURRENT));
	assert_true(cat_cmd_find("token:list")->flags & CMD_NEEDS_AUTH);
	assert_true(takes(cat_cmd_find("login"), CO_NO_LOCALHOST));
	assert_true(takes(cat_cmd_find("token:revoke"), CO_YES));
	assert_false(takes(cat_cmd_find("whoami"), CO_YES));
	assert_true(takes(cat_cmd_find("whoami"), CO_ALL));
	assert_false(takes(cat_cmd_find("login"), CO_ALL));
	assert_true(cat_cmd_find("__complete")->flags & CMD_HIDDEN);
}

/*
 * One name means one option: the parser looks options up before it knows
 * the command, so the tables must agree wherever a name appears.
 */
static void test_cmd__option_tables(void **state)
{
	const struct cat_opt *o, *p, *g;
	size_t i, j, k;

	(void)state;
	for (i = 0; i < cat_global_opt_count; i++) {
		g = &cat_global_opts[i];
		assert_int_equal(g->bit, 0);
		assert_true(strlen(g->help) > 0);
		for (j = i + 1; j < cat_global_opt_count; j++) {
			assert_string_not_equal(g->name,
						cat_global_opts[j].name);
			assert_true(!g->shrt ||
				    g->shrt != cat_global_opts[j].shrt);
		}
	}
	for (i = 0; i < cat_cmd_count; i++) {
		for (o = cat_cmd_table[i].opts; o && o->name; o++) {
			assert_true(strlen(o->help) > 0);
			if (!o->bit) { /* a global one, documented here */
				for (k = 0; k < cat_global_opt_count; k++)
					if (!strcmp(cat_global_opts[k].name,
						    o->name))
						break;
				assert_true(k < cat_global_opt_count);
				g = &cat_global_opts[k];
				assert_int_equal(g->shrt, o->shrt);
				assert_int_equal(g->id, o->id);
				assert_true(!g->arg == !o->arg);
				continue;
			}
			for (k = 0; k < cat_global_opt_count; k++) {
				g = &cat_global_opts[k];
				assert_string_not_equal(g->name, o->name);
				assert_true(!o->shrt || g->shrt != o->shrt);
			}
			for (j = 0; j < cat_cmd_count; j++)
				for (p = cat_cmd_table[j].opts; p && p->name;
				     p++) {
					if (!p->bit)
						continue;
					if (!strcmp(p->name, o->name)) {
						assert_int_equal(p->bit,
								 o->bit);
						assert_int_equal(p->shrt,
								 o->shrt);
						assert_true(!p->arg == !o->arg);
					} else {
						assert_int_not_equal(p->bit,
								     o->bit);
					}
				}
		}
	}
}

static void test_cmd__edit_distance(void **state)
{
	char longer[CAT_SUGGEST_MAX + 2];

	(void)state;
	assert_int_equal(cat_edit_distance("token:list", "token:list"), 0);
	assert_int_equal(cat_edit_distance("token:lst", "token:list"), 1);
	assert_int_equal(cat_edit_distance("whaomi", "whoami"), 1);
	assert_int_equal(cat_edit_distance("TOKEN:List", "token:list"), 0);
	assert_int_equal(cat_edit_distance("", "abc"), 3);
	assert_int_equal(cat_edit_distance("abc", ""), 3);
	assert_int_equal(cat_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(cat_edit_distance("tokn:lsit", "token:list"), 2);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(cat_edit_distance(longer, "a"), (unsigned)-1);
}

static void test_cmd__suggest_command(void **state)
{
	(void)state;
	assert_string_equal(cat_cmd_suggest("token:lst"), "token:list");
	assert_string_equal(cat_cmd_suggest("tokne:revoke"), "token:revoke");
	assert_string_equal(cat_cmd_suggest("whoam"), "whoami");
	assert_string_equal(cat_cmd_suggest("lgout"), "logout");
	assert_string_equal(cat_cmd_suggest("verison"), "version");
	assert_string_equal(cat_cmd_suggest("token:gen"), "token:generate");
	assert_string_equal(cat_cmd_suggest("Project:List"), "project:list");
	assert_null(cat_cmd_suggest("frobnicate"));
	assert_null(cat_cmd_suggest("x"));
	assert_null(cat_cmd_suggest(""));
	/* a hidden command is never offered */
	assert_null(cat_cmd_suggest("__complet"));
}

static void test_cmd__suggest_option(void **state)
{
	const char *jsn[] = { "catalyst", "token:list", "--jsn" };
	const char *before[] = { "catalyst", "--yse", "token:revoke", "x" };
	const char *other[] = { "catalyst", "whoami", "--forse" };
	const char *far[] = { "catalyst", "whoami", "--zzzzzzzz" };
	struct cat_opts o;

	(void)state;
	cat_hint_clear();
	assert_int_equal(parse(&o, 3, jsn), CAT_EINVAL);
	assert_string_equal(cat_error_last(), "unknown option '--jsn'");
	assert_string_equal(cat_hint_pending(), "did you mean --json?");
	/* the command comes after the option: it still decides */
	assert_int_equal(parse(&o, 4, before), CAT_EINVAL);
	assert_string_equal(cat_hint_pending(), "did you mean --yes?");
	/* only whoami's options and the global ones are candidates */
	assert_int_equal(parse(&o, 3, other), CAT_EINVAL);
	assert_string_equal(cat_hint_pending(), "see 'catalyst whoami --help'");
	assert_int_equal(parse(&o, 3, far), CAT_EINVAL);
	assert_string_equal(cat_hint_pending(), "see 'catalyst whoami --help'");
	cat_hint_clear();
}

static char *render(void (*fn)(FILE *, const struct cat_cmd *),
		    const struct cat_cmd *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f, c);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* Everything in a command's help comes from its row and option table. */
static void test_cmd__generated_usage(void **state)
{
	const struct cat_cmd *c;
	const struct cat_opt *o;
	const char *line, *global;
	char want[128], *text;
	size_t i;

	(void)state;
	for (i = 0; i < cat_cmd_count; i++) {
		c = &cat_cmd_table[i];
		if (c->flags & CMD_HIDDEN)
			continue;
		text = render(cat_cmd_usage, c);
		snprintf(want, sizeof(want), "usage: catalyst %s", c->name);
		assert_ptr_equal(strstr(text, want), text);
		global = strstr(text, "\nglobal options:\n");
		assert_non_null(global);
		for (o = c->opts; o && o->name; o++) {
			snprintf(want, sizeof(want), "--%s%s%s  ", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
			/* listed under options:, before the global ones */
			assert_non_null(strstr(text, want));
			assert_true(strstr(text, want) < global);
			assert_null(strstr(global, want));
			/* then its help (wrapped: the first words) */
			snprintf(want, sizeof(want), "%.*s",
				 (int)strcspn(o->help, " "), o->help);
			assert_non_null(strstr(strstr(text, "options:"), want));
		}
		assert_non_null(strstr(text, "\nexamples:\n  # "));
		snprintf(want, sizeof(want), "\n  $ ");
		assert_non_null(strstr(text, want));
		assert_non_null(strstr(text, "\nenvironment:\n  "));
		assert_non_null(
			strstr(text, "\nexit status:\n  0     success"));
		/* wrapped for an 80-column terminal */
		for (line = text; *line;) {
			size_t n = strcspn(line, "\n");

			assert_in_range(n, 0, 79);
			line += n + (line[n] == '\n');
		}
		free(text);
	}
	text = render(cat_cmd_synopsis, cat_cmd_find("token:revoke"));
	assert_string_equal(text, "catalyst token:revoke [-y|--yes] <id>\n");
	free(text);
	text = render(cat_cmd_synopsis, cat_cmd_find("token:rotate"));
	assert_string_equal(
		text, "catalyst token:rotate [--grace <duration>] <id>\n");
	free(text);
	text = render(cat_cmd_synopsis, cat_cmd_find("init"));
	assert_string_equal(
		text, "catalyst init [-p|--project <name|id>] [--force]\n");
	free(text);
	text = render(cat_cmd_usage, cat_cmd_find("token:revoke"));
	assert_non_null(strstr(text, "  -y, --yes  "));
	assert_non_null(strstr(text, "  2     cancelled"));
	assert_non_null(strstr(text, "  CI  "));
	free(text);
	text = render(cat_cmd_usage, cat_cmd_find("version"));
	assert_non_null(strstr(text, "environment:\n  none"));
	assert_null(strstr(text, "  129 "));
	free(text);
}

/* Dispatch's checks run before any handler: no network, no config. */
static void test_cmd__dispatch_usage(void **state)
{
	const char *extra[] = { "catalyst", "whoami", "--current" };
	const char *arity[] = { "catalyst", "token:revoke" };
	const char *badc[] = { "catalyst", "project:reset", "--dc", "mars" };
	const char *unknown[] = { "catalyst", "frobnicate" };
	const char *version[] = { "catalyst", "--version" };
	const char *version_cmd[] = { "catalyst", "version" };
	const char *typo[] = { "catalyst", "token:lst" };
	const char *yes[] = { "catalyst", "whoami", "-y" };
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
	assert_int_equal(parse(&ctx.opts, 2, version_cmd), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_OK);
	assert_int_equal(parse(&ctx.opts, 2, typo), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	/* --yes is token:revoke's, not a global option */
	assert_int_equal(parse(&ctx.opts, 3, yes), 0);
	assert_int_equal(ctx.opts.given, CO_YES);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 3, help), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_OK);
	cat_ctx_release(&ctx);
}

/*
 * --json is honoured by exactly the commands that print data, and refused
 * (a usage error, before anything runs) by every other one.
 */
static void test_cmd__json_honoured_or_refused(void **state)
{
	static const char *const honour[] = { "config", "project:list",
					      "token:list", "whoami" };
	const char *argv[8];
	struct cat_ctx ctx;
	size_t i, j;
	int listed;

	(void)state;
	for (i = 0; i < cat_cmd_count; i++) {
		const struct cat_cmd *c = &cat_cmd_table[i];

		for (listed = 0, j = 0; j < sizeof(honour) / sizeof(*honour);
		     j++)
			listed |= strcmp(c->name, honour[j]) == 0;
		assert_int_equal(!!(c->flags & CMD_JSON), listed);
		if (listed)
			continue;
		/* enough arguments that only --json can be wrong */
		argv[0] = "catalyst";
		argv[1] = c->name;
		for (j = 0; j < (size_t)c->min_args; j++)
			argv[2 + j] = "bash";
		argv[2 + j] = "--json";
		memset(&ctx, 0, sizeof(ctx));
		assert_int_equal(parse(&ctx.opts, (int)(3 + j), argv), 0);
		if (cat_cmd_dispatch(&ctx) != CAT_EXIT_USAGE)
			fail_msg("'%s --json' was not refused", c->name);
		cat_ctx_release(&ctx);
	}
}

static void test_cmd__token_sources(void **state)
{
	const char *file[] = { "catalyst", "whoami", "--token-file", "/t" };
	const char *file_eq[] = { "catalyst", "--token-file=/t", "whoami" };
	const char *dash[] = { "catalyst", "whoami", "--token", "-" };
	const char *dash_eq[] = { "catalyst", "whoami", "--token=-" };
	const char *both[] = { "catalyst", "whoami",       "--token",
			       "m_x",      "--token-file", "/t" };
	const char *both_dash[] = { "catalyst", "--token-file", "/t",
				    "whoami",   "--token",      "-" };
	const char *empty[] = { "catalyst", "whoami", "--token-file=" };
	const char *missing[] = { "catalyst", "whoami", "--token-file" };
	struct cat_opts o;

	(void)state;
	assert_int_equal(parse(&o, 4, file), 0);
	assert_string_equal(o.token_file, "/t");
	assert_null(o.token);
	assert_int_equal(parse(&o, 3, file_eq), 0);
	assert_string_equal(o.token_file, "/t");
	assert_string_equal(o.cmd, "whoami");
	/* "-" is the value of --token, not a positional argument */
	assert_int_equal(parse(&o, 4, dash), 0);
	assert_string_equal(o.token, "-");
	assert_int_equal(o.nargs, 0);
	assert_int_equal(parse(&o, 3, dash_eq), 0);
	assert_string_equal(o.token, "-");
	assert_int_equal(parse(&o, 6, both), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "--token-file"));
	assert_non_null(strstr(cat_error_last(), "together"));
	cat_hint_clear();
	assert_int_equal(parse(&o, 6, both_dash), CAT_EINVAL);
	cat_hint_clear();
	assert_int_equal(parse(&o, 3, empty), CAT_EINVAL);
	cat_hint_clear();
	assert_int_equal(parse(&o, 3, missing), CAT_EINVAL);
	cat_hint_clear();
}

static void test_cmd__login_flow_options(void **state)
{
	const char *web[] = { "catalyst", "login", "--web" };
	const char *both[] = { "catalyst", "login", "--web", "--no-localhost" };
	const char *other[] = { "catalyst", "whoami", "--web" };
	struct cat_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(parse(&ctx.opts, 3, web), 0);
	assert_int_equal(ctx.opts.given, CO_WEB);
	/* both: refused before the config or the network is touched */
	setenv("CATALYST_CONFIG_DIR", "/nonexistent/catalyst-test", 1);
	assert_int_equal(parse(&ctx.opts, 4, both), 0);
	assert_int_equal(ctx.opts.given, CO_WEB | CO_NO_LOCALHOST);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 3, other), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	unsetenv("CATALYST_CONFIG_DIR");
	cat_ctx_release(&ctx);
}

/* config's row: the sub-command is its first argument */
static void test_cmd__config_row(void **state)
{
	const struct cat_cmd *c = cat_cmd_find("config");
	const char *json_set[] = { "catalyst", "config", "set",
				   "dc",       "eu",     "--json" };
	const char *sub[] = { "catalyst", "config", "lst" };
	const char *none[] = { "catalyst", "config" };
	struct cat_ctx ctx;
	size_t i;

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->min_args, 1);
	assert_int_equal(c->max_args, 3);
	/* the help lists every key (the servers as servers.<dc>) */
	for (i = 0; i < cat_setting_count; i++)
		if (strncmp(cat_settings[i].key, "servers.", 8) != 0 &&
		    !strstr(c->details, cat_settings[i].key))
			fail_msg("config --help lacks %s", cat_settings[i].key);
	assert_non_null(strstr(c->details, "servers.<dc>"));
	memset(&ctx, 0, sizeof(ctx));
	setenv("CATALYST_CONFIG_DIR", "/nonexistent/catalyst-test", 1);
	assert_int_equal(parse(&ctx.opts, 6, json_set), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 3, sub), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	assert_int_equal(parse(&ctx.opts, 2, none), 0);
	assert_int_equal(cat_cmd_dispatch(&ctx), CAT_EXIT_USAGE);
	unsetenv("CATALYST_CONFIG_DIR");
	cat_ctx_release(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd__options_anywhere),
		cmocka_unit_test(test_cmd__option_with_value),
		cmocka_unit_test(test_cmd__command_options),
		cmocka_unit_test(test_cmd__double_dash),
		cmocka_unit_test(test_cmd__usage_errors),
		cmocka_unit_test(test_cmd__too_many_args),
		cmocka_unit_test(test_cmd__table),
		cmocka_unit_test(test_cmd__option_tables),
		cmocka_unit_test(test_cmd__edit_distance),
		cmocka_unit_test(test_cmd__suggest_command),
		cmocka_unit_test(test_cmd__suggest_option),
		cmocka_unit_test(test_cmd__generated_usage),
		cmocka_unit_test(test_cmd__dispatch_usage),
		cmocka_unit_test(test_cmd__json_honoured_or_refused),
		cmocka_unit_test(test_cmd__token_sources),
		cmocka_unit_test(test_cmd__login_flow_options),
		cmocka_unit_test(test_cmd__config_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
