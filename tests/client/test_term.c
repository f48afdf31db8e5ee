/*
 * What reaches the terminal from a server (issue 7, finding 10): control
 * characters escaped on every output path (messages, hints, tables, lines,
 * JSON), durations from a server clamped, and a token pasted with the
 * whitespace around it still accepted.
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

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "io.h"
#include "table.h"

/* The hostile text of the tests: window title, clear screen, C1 CSI
 * (both as the raw byte and as U+009B), DEL, a bidi override. */
static const char hostile[] = "a\x1b]0;pwned\x07"
			      "b\x1b[2J"
			      "c\x9b"
			      "31m"
			      "d\xc2\x9b"
			      "1m"
			      "e\x7f"
			      "f\xe2\x80\xae"
			      "g\r\n";

/* The same without the raw 0x9b, which is not UTF-8 (JSON cannot hold it). */
static const char hostile_utf8[] = "a\x1b]0;pwned\x07"
				   "b\x1b[2J"
				   "d\xc2\x9b"
				   "1m"
				   "e\x7f"
				   "f\xe2\x80\xae"
				   "g\r\n";

/*
 * Valid UTF-8 with no character a terminal acts on: no C0 but newline and
 * tab, no DEL, no C1, no bidi control, no stray byte.
 */
static void assert_inert(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 1, k;
	unsigned cp = 0;

	while (i < len) {
		if (p[i] < 0x80) {
			cp = p[i];
			n = 1;
		} else if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			cp = p[i] & 0x1f;
			n = 2;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			cp = p[i] & 0x0f;
			n = 3;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			cp = p[i] & 0x07;
			n = 4;
		} else {
			fail_msg("stray byte 0x%02x at %zu in '%.*s'", p[i], i,
				 (int)len, s);
		}
		if (i + n > len)
			fail_msg("cut UTF-8 sequence at %zu", i);
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				fail_msg("bad UTF-8 at %zu", i);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp == '\n' || cp == '\t') {
			i++;
			continue; /* layout the printers add; callers count it
				   */
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			fail_msg("control U+%04X at %zu in '%.*s'", cp, i,
				 (int)len, s);
		i += n;
	}
}

static char *escaped(const char *s, size_t len)
{
	struct cat_buf b = CAT_BUF_INIT(1 << 20);

	assert_int_equal(cat_term_escape(&b, s, len), 0);
	return cat_buf_detach(&b);
}

static void test_term__escape(void **state)
{
	char *e;

	(void)state;
	e = escaped(hostile, strlen(hostile));
	assert_string_equal(e, "a\\x1b]0;pwned\\x07b\\x1b[2Jc\\x9b31md\\u009b1m"
			       "e\\x7ff\\u202eg\\r\\n");
	/* escaping twice changes nothing */
	{
		char *twice = escaped(e, strlen(e));

		assert_string_equal(twice, e);
		free(twice);
	}
	free(e);

	/* printable text, UTF-8 included, is kept as is */
	{
		static const char kept[] = "Zoë's laptop — 東京 "
					   "\xf0\x9f\x92\xbb ~\\";
		static const char nul[] = "x\0y\tz\xc2\x80\xc2\x9f"
					  "\xe2\x81\xa6\xe2\x81\xa9";
		static const char bad[] = "\xc0\x9b|\xed\xa0\x80|\xe2\x80|\xff";

		/* printable text, UTF-8 included, is kept as is */
		e = escaped(kept, sizeof(kept) - 1);
		assert_string_equal(e, kept);
		free(e);
		/* a NUL inside the length, a tab, U+0080, U+009F, isolates */
		e = escaped(nul, sizeof(nul) - 1);
		assert_string_equal(e, "x\\x00y\\tz\\u0080\\u009f\\u2066"
				       "\\u2069");
		free(e);
		/* not UTF-8: overlong ESC, a surrogate, a cut sequence, 0xff */
		e = escaped(bad, sizeof(bad) - 1);
		assert_string_equal(e, "\\xc0\\x9b|\\xed\\xa0\\x80|\\xe2\\x80|"
				       "\\xff");
		free(e);
	}
	e = escaped("", 0);
	assert_string_equal(e, "");
	free(e);
}

/* Runs fn with fd 2 (or 1) on a temporary file and returns what it wrote. */
static char *capture(int fd, void (*fn)(void))
{
	FILE *f = tmpfile(), *std = fd == 2 ? stderr : stdout;
	int saved;
	long len;
	char *out;

	assert_non_null(f);
	fflush(std);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), fd) >= 0);
	fn();
	fflush(std);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);
	len = ftell(f);
	assert_true(len >= 0);
	out = calloc(1, (size_t)len + 1);
	assert_non_null(out);
	rewind(f);
	assert_int_equal(fread(out, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return out;
}

static void say_messages(void)
{
	cat_hint_set("the projects are: %s", hostile);
	cat_err(1, "server answered 400: %s", hostile);
	cat_warn("%s", hostile);
	cat_note("Device %s approved", hostile);
	cat_error_set(CAT_ERROR, "server answered 401: %s", hostile);
	cat_fail(CAT_ERROR, "token:list");
}

static void test_term__messages(void **state)
{
	char *out = capture(2, say_messages), *line, *save = NULL;
	int lines = 0;

	(void)state;
	/* each message is exactly one line, and none has a control byte */
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++)
		assert_inert(line, strlen(line));
	assert_int_equal(lines, 5);
	free(out);
}

static json_t *hostile_rows;

static void print_table(void)
{
	static const char *const hdr[] = { "ID", "DEVICE", "DC" };

	cat_table_print(stdout, hdr, 3, hostile_rows, 1);
	cat_table_print(stdout, hdr, 3, hostile_rows, 0);
}

static void test_term__table(void **state)
{
	const char *cells[] = { "0a1b", hostile_utf8, "us" };
	char *out;

	(void)state;
	hostile_rows = json_array();
	cat_table_row(hostile_rows, 3, cells);
	out = capture(1, print_table);
	assert_non_null(strstr(out, "\\x1b]0;pwned"));
	{
		/* 3 lines (header, row, row); TSV keeps its 2 tabs a row */
		char *p = out, *nl;
		int n = 0;

		while ((nl = strchr(p, '\n'))) {
			size_t i, tabs = 0;

			for (i = 0; p + i < nl; i++)
				tabs += p[i] == '\t';
			if (n == 2)
				assert_int_equal(tabs, 2);
			else
				assert_int_equal(tabs, 0);
			*nl = '\0';
			assert_inert(p, strlen(p));
			p = nl + 1;
			n++;
		}
		assert_int_equal(n, 3);
	}
	free(out);
	json_decref(hostile_rows);
}

static void print_json_and_line(void)
{
	json_t *doc = json_pack("{s:s, s:s}", "device_name", hostile_utf8,
				"name", "Zoë");

	assert_non_null(doc);
	assert_int_equal(cat_print_json(stdout, doc), 0);
	json_decref(doc);
	cat_term_line(stdout, "%s (data center %s)", hostile, "us");
}

static void test_term__json_and_lines(void **state)
{
	char *out = capture(1, print_json_and_line), *last;
	json_t *doc;
	json_error_t jerr;
	size_t jlen;

	(void)state;
	assert_inert(out, strlen(out) - 1);
	/* the JSON is still valid and holds the same value */
	last = strrchr(out, '}');
	assert_non_null(last);
	jlen = (size_t)(last - out) + 1;
	doc = json_loadb(out, jlen, 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(
		json_string_value(json_object_get(doc, "device_name")),
		hostile_utf8);
	assert_string_equal(json_string_value(json_object_get(doc, "name")),
			    "Zoë");
	json_decref(doc);
	assert_non_null(strstr(out, "\\u009b"));
	assert_non_null(strstr(out, "\\u202e"));
	assert_non_null(strstr(out, "\\u007f"));
	free(out);
}

static void test_term__json_value_kept(void **state)
{
	/* a valid-UTF-8 hostile value survives the round trip unchanged */
	static const char val[] = "\x1b[2J\xc2\x9b"
				  "1m\x7f\xe2\x80\xae!";
	json_t *doc = json_pack("{s:s}", "v", val), *back;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(doc);
	assert_int_equal(cat_print_json(f, doc), 0);
	fclose(f);
	assert_inert(buf, len);
	back = json_loads(buf, 0, NULL);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "v")), val);
	json_decref(back);
	json_decref(doc);
	free(buf);
}

static void test_term__seconds(void **state)
{
	json_t *v;

	(void)state;
	assert_int_equal(cat_json_seconds(NULL, 300, 3600), 300);
	v = json_integer(600);
	assert_int_equal(cat_json_seconds(v, 300, 3600), 600);
	json_decref(v);
	v = json_integer(INT64_MAX);
	assert_int_equal(cat_json_seconds(v, 300, 3600), 3600);
	json_decref(v);
	v = json_integer(INT64_MIN);
	assert_int_equal(cat_json_seconds(v, 300, 3600), 300);
	json_decref(v);
	v = json_integer(0);
	assert_int_equal(cat_json_seconds(v, 5, 60), 5);
	json_decref(v);
	v = json_integer(-1);
	assert_int_equal(cat_json_seconds(v, 5, 60), 5);
	json_decref(v);
	v = json_real(1e300);
	assert_int_equal(cat_json_seconds(v, 5, 60), 5);
	json_decref(v);
	v = json_real(2.5);
	assert_int_equal(cat_json_seconds(v, 5, 60), 5);
	json_decref(v);
	v = json_string("10");
	assert_int_equal(cat_json_seconds(v, 5, 60), 5);
	json_decref(v);
	v = json_true();
	assert_int_equal(cat_json_seconds(v, 5, 60), 5);
	json_decref(v);
	v = json_integer(60);
	assert_int_equal(cat_json_seconds(v, 5, 60), 60);
	json_decref(v);
	v = json_integer(61);
	assert_int_equal(cat_json_seconds(v, 5, 60), 60);
	json_decref(v);
	v = json_integer(1);
	assert_int_equal(cat_json_seconds(v, 5, 60), 1);
	json_decref(v);
}

static void test_term__trim(void **state)
{
	const char *s;
	size_t n;

	(void)state;
	s = cat_trim_space(" \t abc \r\n", &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "abc", 3);
	s = cat_trim_space("abc", &n);
	assert_int_equal(n, 3);
	s = cat_trim_space("a b\n", &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a b", 3);
	s = cat_trim_space(" \n\t ", &n);
	assert_int_equal(n, 0);
	s = cat_trim_space("", &n);
	assert_int_equal(n, 0);
	(void)s;
}

static void test_term__token_with_newline(void **state)
{
	char t[CAT_TOKEN_MAX], in[CAT_TOKEN_MAX + 16];
	struct cat_cred c;

	(void)state;
	assert_int_equal(cat_token_new(t, CAT_TOK_REFRESH, "eu"), 0);
	snprintf(in, sizeof(in), "m_%s\n", t);
	assert_int_equal(cat_cred_parse(&c, in, "CATALYST_TOKEN"), 0);
	assert_int_equal(c.kind, CAT_CRED_TOKEN);
	assert_string_equal(c.dc, "eu");
	assert_string_equal(c.token + 2, t);
	assert_int_equal(strlen(c.token), strlen(t) + 2);
	snprintf(in, sizeof(in), "  m_%s\r\n\t", t);
	assert_int_equal(cat_cred_parse(&c, in, "--token"), 0);
	assert_string_equal(c.token + 2, t);
	/* whitespace inside is still a malformed token */
	snprintf(in, sizeof(in), "m_%.10s %s", t, t + 10);
	assert_int_equal(cat_cred_parse(&c, in, "--token"), CAT_EINVAL);
	assert_int_equal(cat_cred_parse(&c, "\n", "--token"), CAT_EINVAL);
	/* a bare access token too */
	assert_int_equal(cat_token_new(t, CAT_TOK_ACCESS, "us"), 0);
	snprintf(in, sizeof(in), "%s\n", t);
	assert_int_equal(cat_cred_parse(&c, in, "--token"), 0);
	assert_int_equal(c.kind, CAT_CRED_ACCESS);
	assert_string_equal(c.token, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term__escape),
		cmocka_unit_test(test_term__messages),
		cmocka_unit_test(test_term__table),
		cmocka_unit_test(test_term__json_and_lines),
		cmocka_unit_test(test_term__json_value_kept),
		cmocka_unit_test(test_term__seconds),
		cmocka_unit_test(test_term__trim),
		cmocka_unit_test(test_term__token_with_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
