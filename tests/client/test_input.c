/*
 * What stands behind some options: cat_read_value, which reads a token
 * (--token-file, --token -) or a secret (config set <key> -) with a bound,
 * dropping a line end and refusing empty or multi-line input; and
 * cat_flow_headless, login's reasons to pick the device flow.
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
#include <jansson.h>

#include "err.h"
#include "flow.h"
#include "io.h"

static void clear_login_env(void)
{
	static const char *const vars[] = { "SSH_CONNECTION",  "SSH_CLIENT",
					    "SSH_TTY",         "DISPLAY",
					    "WAYLAND_DISPLAY", "BROWSER" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void test_input__headless(void **state)
{
	const char *why;

	(void)state;
	clear_login_env();
	setenv("DISPLAY", ":0", 1);
	assert_null(cat_flow_headless(1, 1, 0));
	/* each reason alone picks the device flow, and is named */
	why = cat_flow_headless(1, 1, 1);
	assert_non_null(why);
	assert_non_null(strstr(why, "CI"));
	why = cat_flow_headless(0, 1, 0);
	assert_non_null(strstr(why, "standard input"));
	why = cat_flow_headless(1, 0, 0);
	assert_non_null(strstr(why, "standard output"));
	setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22", 1);
	why = cat_flow_headless(1, 1, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "SSH_CONNECTION"));
	unsetenv("SSH_CONNECTION");
	setenv("SSH_TTY", "/dev/pts/1", 1);
	assert_non_null(strstr(cat_flow_headless(1, 1, 0), "SSH_TTY"));
	unsetenv("SSH_TTY");
	/* an empty variable is no session */
	setenv("SSH_CLIENT", "", 1);
	assert_null(cat_flow_headless(1, 1, 0));
	unsetenv("DISPLAY");
#ifndef __APPLE__
	why = cat_flow_headless(1, 1, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "display"));
	setenv("WAYLAND_DISPLAY", "wayland-0", 1);
	assert_null(cat_flow_headless(1, 1, 0));
	unsetenv("WAYLAND_DISPLAY");
	setenv("BROWSER", "w3m", 1);
	assert_null(cat_flow_headless(1, 1, 0));
#endif
	clear_login_env();
}

/* What a pipe holding text gives cat_read_value. */
static int read_text(const char *text, size_t len, char *out, size_t n)
{
	int fds[2], err;
	size_t off = 0;
	ssize_t w;

	assert_int_equal(pipe(fds), 0);
	/* a pipe holds 64 KiB: enough for every case below */
	while (off < len && (w = write(fds[1], text + off, len - off)) > 0)
		off += (size_t)w;
	close(fds[1]);
	err = cat_read_value(fds[0], "the input", out, n);
	close(fds[0]);
	return err;
}

static void test_input__read_value(void **state)
{
	char out[64], big[CAT_READ_VALUE_MAX + 2];

	(void)state;
	assert_int_equal(read_text("m_abc\n", 6, out, sizeof(out)), 0);
	assert_string_equal(out, "m_abc");
	assert_int_equal(read_text("m_abc", 5, out, sizeof(out)), 0);
	assert_string_equal(out, "m_abc");
	assert_int_equal(read_text(" m_abc \r\n", 9, out, sizeof(out)), 0);
	assert_string_equal(out, "m_abc");
	assert_int_equal(read_text("", 0, out, sizeof(out)), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "the input is empty"));
	assert_int_equal(read_text(" \n\n", 3, out, sizeof(out)), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "empty"));
	assert_int_equal(read_text("a\nb\n", 4, out, sizeof(out)), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "more than one line"));
	assert_string_equal(out, "");
	assert_int_equal(read_text("a\rb", 3, out, sizeof(out)), CAT_EINVAL);
	assert_int_equal(read_text("a\0b", 3, out, sizeof(out)), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "NUL"));
	/* what fits out exactly, and one byte more */
	memset(big, 'x', sizeof(big));
	assert_int_equal(read_text(big, sizeof(out) - 1, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_int_equal(read_text(big, sizeof(out), out, sizeof(out)),
			 CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "too long"));
	/* the read itself is bounded, whatever the caller's buffer */
	assert_int_equal(read_text(big, sizeof(big), big, sizeof(big)),
			 CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input__headless),
		cmocka_unit_test(test_input__read_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
