/*
 * The config file reader (config_file.c) on its own: which file is read
 * when no --config is given, and what a line turns into for the apply
 * function the command's flags use too. The serve keys and their errors
 * are tested on the real binary in tests/http/test_config.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_file.h"

enum { K_NAME = 1, K_FLAG, K_HELP, K_CONFIG };

static const struct option opts[] = {
	{ "name", required_argument, NULL, K_NAME },
	{ "flag", no_argument, NULL, K_FLAG },
	{ "config", required_argument, NULL, K_CONFIG },
	{ "help", no_argument, NULL, K_HELP },
	{ NULL, 0, NULL, 0 },
};

struct seen {
	char calls[8][128];
	int n;
};

static int record(void *ctx, int id, const char *label, const char *arg)
{
	struct seen *s = ctx;

	snprintf(s->calls[s->n++ % 8], sizeof(s->calls[0]), "%d %s %s", id,
		 strstr(label, "key '") ? strstr(label, "key '") : label,
		 arg ? arg : "(null)");
	return 0;
}

/* Writes text to a new temporary file; its path in path. */
static void temp_file(char *path, size_t n, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, n, "/tmp/cat-config-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_config__default_path_only_when_it_exists(void **state)
{
	char path[64];

	(void)state;
	temp_file(path, sizeof(path), "");
	assert_string_equal(cat_config_path(NULL, path), path);
	assert_string_equal(cat_config_path("given", path), "given");
	unlink(path);
	/* no default file: no config, not an error */
	assert_null(cat_config_path(NULL, path));
	assert_string_equal(cat_config_path("given", path), "given");
	assert_string_equal(CAT_CONFIG_DEFAULT,
			    "/etc/catalystd/catalystd.conf");
}

static void test_config__lines_become_options(void **state)
{
	struct seen s = { 0 };
	char path[64];

	(void)state;
	temp_file(path, sizeof(path),
		  "# comment\n"
		  "\n"
		  "   \t\n"
		  "  # indented comment\n"
		  "name = a b  \r\n"
		  "flag = yes\n"
		  "flag=off\n"
		  "name=x=y\n"
		  "name = [::1]:80");
	assert_int_equal(cat_config_read(path, NULL, opts, record, &s), 0);
	unlink(path);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.calls[0], "1 key 'name' a b");
	assert_string_equal(s.calls[1], "2 key 'flag' (null)");
	assert_string_equal(s.calls[2], "1 key 'name' x=y");
	assert_string_equal(s.calls[3], "1 key 'name' [::1]:80");
}

static void test_config__errors_stop_the_read(void **state)
{
	static const char *const bad[] = {
		"name = ok\nnmae = x\n", /* unknown key */
		"flag = maybe\n",        /* not a boolean */
		"name =\n",              /* no value */
		"name x\n",              /* no '=' */
		"= x\n",                 /* no key */
		"config = other\n",      /* no file names another */
		"help = true\n",
	};
	char path[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct seen s = { 0 };

		temp_file(path, sizeof(path), bad[i]);
		assert_int_equal(cat_config_read(path, NULL, opts, record, &s),
				 -1);
		unlink(path);
	}
	assert_int_equal(cat_config_read("/nonexistent/c.conf", "--config",
					 opts, record, NULL),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__default_path_only_when_it_exists),
		cmocka_unit_test(test_config__lines_become_options),
		cmocka_unit_test(test_config__errors_stop_the_read),
	};

	return cmocka_run_group_tests_name("config_file", tests, NULL, NULL);
}
