/*
 * Unit tests for cat_text_clean (src/common/textclean.c): control and bidi
 * characters and invalid UTF-8 go, every other character stays, and the
 * result never overflows its buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "textclean.h"
#include "banned.h"

static void cleans(const char *in, const char *want)
{
	char out[128];

	memset(out, 'x', sizeof(out));
	assert_int_equal(cat_text_clean(out, sizeof(out), in), 0);
	assert_string_equal(out, want);
}

static void test_textclean__keeps_plain_text(void **state)
{
	(void)state;
	cleans("", "");
	cleans("build-01", "build-01");
	cleans("laptop of Zoë · 東京 🚀", "laptop of Zoë · 東京 🚀");
	/* neighbours of the removed ranges stay */
	cleans("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
	       "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
	cleans("\xc2\xa0x~", "\xc2\xa0x~");
}

static void test_textclean__strips_controls(void **state)
{
	(void)state;
	/* C0, DEL and C1 (U+0080-U+009F, here CSI U+009B) */
	cleans("a\tb\nc\rd", "abcd");
	cleans("\x1b]0;owned\x07"
	       "box",
	       "]0;ownedbox");
	cleans("\x1b[2Jbox\x7f", "[2Jbox");
	cleans("x\xc2\x80y\xc2\x9b"
	       "31mz\xc2\x9f",
	       "xy31mz");
	cleans("\x01\x02\x1f", "");
}

static void test_textclean__strips_bidi(void **state)
{
	char in[64];
	unsigned cp;

	(void)state;
	/* every override, embedding and isolate: U+202A-E, U+2066-9 */
	for (cp = 0x202a; cp <= 0x202e; cp++) {
		snprintf(in, sizeof(in), "ab%c%c%ccd", 0xe0 | (cp >> 12),
			 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
		cleans(in, "abcd");
	}
	for (cp = 0x2066; cp <= 0x2069; cp++) {
		snprintf(in, sizeof(in), "%c%c%cxy", 0xe0 | (cp >> 12),
			 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
		cleans(in, "xy");
	}
	/* "evil-box" shown reversed as "xob-live" by RLO ... PDF */
	cleans("\xe2\x80\xae"
	       "xob-live\xe2\x80\xac",
	       "xob-live");
	/* LRM, RLM, ALM */
	cleans("a\xe2\x80\x8e"
	       "b\xe2\x80\x8f"
	       "c\xd8\x9c",
	       "abc");
	cleans("\xe2\x81\xa6s\xe2\x81\xa7"
	       "a\xe2\x81\xa8"
	       "fe\xe2\x81\xa9",
	       "safe");
}

static void test_textclean__drops_invalid_utf8(void **state)
{
	(void)state;
	cleans("a\xff"
	       "b",
	       "ab");
	cleans("a\xc0\xae"
	       "b",
	       "ab"); /* overlong '.' */
	cleans("a\xed\xa0\x80"
	       "b",
	       "ab"); /* surrogate */
	cleans("a\xf4\x90\x80\x80"
	       "b",
	       "ab");             /* past U+10FFFF */
	cleans("a\xe2\x80", "a"); /* truncated at the end */
	cleans("a\xe2\x80\xe2\x80\xae"
	       "b",
	       "ab");           /* truncated, then RLO */
	cleans("\x80\xbf", ""); /* lone continuations */
}

static void test_textclean__bounds(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(cat_text_clean(out, sizeof(out), "1234567"), 0);
	assert_string_equal(out, "1234567");
	assert_int_equal(cat_text_clean(out, sizeof(out), "12345678"),
			 CAT_EINVAL);
	assert_string_equal(out, "");
	/* what is stripped does not count */
	assert_int_equal(cat_text_clean(out, sizeof(out),
					"\x1b\x1b\x1b"
					"1234567\xe2\x80\xae"),
			 0);
	assert_string_equal(out, "1234567");
	/* a character that would not fit whole is not cut in half */
	assert_int_equal(cat_text_clean(out, sizeof(out), "123456\xc3\xab"),
			 CAT_EINVAL);
	assert_int_equal(cat_text_clean(out, 0, "x"), CAT_EINVAL);
}

static void test_textclean__in_place(void **state)
{
	char buf[32] = "a\x1b[31mb\xe2\x80\xae"
		       "c";

	(void)state;
	assert_int_equal(cat_text_clean(buf, sizeof(buf), buf), 0);
	assert_string_equal(buf, "a[31mbc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_textclean__keeps_plain_text),
		cmocka_unit_test(test_textclean__strips_controls),
		cmocka_unit_test(test_textclean__strips_bidi),
		cmocka_unit_test(test_textclean__drops_invalid_utf8),
		cmocka_unit_test(test_textclean__bounds),
		cmocka_unit_test(test_textclean__in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
