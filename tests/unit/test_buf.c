/*
 * Unit tests for the bounded buffer (src/common/buf.c): the cap holds for
 * every way of appending and a refused append leaves the content intact,
 * HTML escaping covers all five special characters, printf grows the
 * allocation correctly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "banned.h"

static void test_buf__empty_is_empty_string(void **state)
{
	struct cat_buf b = CAT_BUF_INIT(16);

	(void)state;
	assert_non_null(cat_buf_cstr(&b));
	assert_string_equal(cat_buf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	assert_int_equal(cat_buf_add(&b, "", 0), 0);
	assert_string_equal(cat_buf_cstr(&b), "");
	cat_buf_release(&b);
}

static void test_buf__cap_is_enforced(void **state)
{
	struct cat_buf b;

	(void)state;
	cat_buf_init(&b, 10);
	assert_int_equal(cat_buf_puts(&b, "0123456789"), 0); /* exactly max */
	assert_int_equal(b.len, 10);
	assert_int_equal(cat_buf_puts(&b, "x"), CAT_ETOOBIG);
	assert_int_equal(cat_buf_add(&b, "x", 1), CAT_ETOOBIG);
	assert_int_equal(cat_buf_printf(&b, "%d", 1), CAT_ETOOBIG);
	assert_int_equal(cat_buf_html(&b, "y"), CAT_ETOOBIG);
	/* a refused append changes nothing */
	assert_int_equal(b.len, 10);
	assert_string_equal(cat_buf_cstr(&b), "0123456789");
	/* an empty append still fits */
	assert_int_equal(cat_buf_add(&b, "", 0), 0);
	cat_buf_release(&b);

	cat_buf_init(&b, 10);
	assert_int_equal(cat_buf_puts(&b, "01234"), 0);
	assert_int_equal(cat_buf_puts(&b, "567890"), CAT_ETOOBIG);
	assert_string_equal(cat_buf_cstr(&b), "01234");
	assert_int_equal(cat_buf_puts(&b, "56789"), 0);
	assert_string_equal(cat_buf_cstr(&b), "0123456789");
	cat_buf_release(&b);
}

static void test_buf__huge_length_does_not_wrap(void **state)
{
	struct cat_buf b;

	(void)state;
	cat_buf_init(&b, 64);
	assert_int_equal(cat_buf_puts(&b, "abc"), 0);
	/* len + n would overflow size_t: must be refused, not wrapped */
	assert_int_equal(cat_buf_add(&b, "x", SIZE_MAX), CAT_ETOOBIG);
	assert_int_equal(cat_buf_add(&b, "x", SIZE_MAX - 1), CAT_ETOOBIG);
	assert_string_equal(cat_buf_cstr(&b), "abc");
	cat_buf_release(&b);
}

static void test_buf__html_escapes_all_five(void **state)
{
	struct cat_buf b;

	(void)state;
	cat_buf_init(&b, 1024);
	assert_int_equal(cat_buf_html(&b, "<a href=\"x\">Tom & Jerry's</a>"),
			 0);
	assert_string_equal(cat_buf_cstr(&b),
			    "&lt;a href=&quot;x&quot;&gt;Tom &amp; "
			    "Jerry&#39;s&lt;/a&gt;");
	cat_buf_reset(&b);
	assert_int_equal(cat_buf_html(&b, "&<>\"'"), 0);
	assert_string_equal(cat_buf_cstr(&b), "&amp;&lt;&gt;&quot;&#39;");
	cat_buf_reset(&b);
	/* no double escaping, and plain text (UTF-8 too) passes through */
	assert_int_equal(cat_buf_html(&b, "&amp; caf\xC3\xA9"), 0);
	assert_string_equal(cat_buf_cstr(&b), "&amp;amp; caf\xC3\xA9");
	cat_buf_reset(&b);
	assert_int_equal(cat_buf_html(&b, ""), 0);
	assert_string_equal(cat_buf_cstr(&b), "");
	cat_buf_release(&b);
}

static void test_buf__html_counts_entities_against_cap(void **state)
{
	struct cat_buf b;

	(void)state;
	/* 3 input bytes become 12 output bytes: over a cap of 10 */
	cat_buf_init(&b, 10);
	assert_int_equal(cat_buf_html(&b, "<<<"), CAT_ETOOBIG);
	assert_true(b.len <= 10);
	cat_buf_release(&b);
	cat_buf_init(&b, 12);
	assert_int_equal(cat_buf_html(&b, "<<<"), 0);
	assert_string_equal(cat_buf_cstr(&b), "&lt;&lt;&lt;");
	cat_buf_release(&b);
}

static void test_buf__printf_grows(void **state)
{
	char expect[16384];
	struct cat_buf b;
	size_t off = 0;
	int i;

	(void)state;
	cat_buf_init(&b, sizeof(expect));
	for (i = 0; i < 2000; i++) {
		assert_int_equal(cat_buf_printf(&b, "%d,", i), 0);
		off += (size_t)snprintf(expect + off, sizeof(expect) - off,
					"%d,", i);
	}
	assert_int_equal(b.len, off);
	assert_int_equal(strlen(cat_buf_cstr(&b)), off);
	assert_string_equal(cat_buf_cstr(&b), expect);
	assert_true(b.cap > b.len);
	assert_true(b.cap <= b.max + 1);
	cat_buf_release(&b);
}

static void test_buf__printf_one_big_write(void **state)
{
	struct cat_buf b;
	char *s;

	(void)state;
	cat_buf_init(&b, 5000);
	s = malloc(4001);
	assert_non_null(s);
	memset(s, 'q', 4000);
	s[4000] = '\0';
	assert_int_equal(cat_buf_printf(&b, "<%s>", s), 0);
	assert_int_equal(b.len, 4002);
	assert_int_equal(cat_buf_cstr(&b)[0], '<');
	assert_int_equal(cat_buf_cstr(&b)[4001], '>');
	assert_int_equal(cat_buf_cstr(&b)[4002], '\0');
	assert_int_equal(cat_buf_printf(&b, "%s", s), CAT_ETOOBIG);
	assert_int_equal(b.len, 4002);
	free(s);
	cat_buf_release(&b);
}

static void test_buf__reset_detach_release(void **state)
{
	struct cat_buf b;
	size_t cap;
	char *p;

	(void)state;
	cat_buf_init(&b, 100);
	assert_int_equal(cat_buf_puts(&b, "hello"), 0);
	cap = b.cap;
	cat_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap); /* keeps the allocation */
	assert_string_equal(cat_buf_cstr(&b), "");
	assert_int_equal(cat_buf_puts(&b, "world"), 0);
	p = cat_buf_detach(&b);
	assert_string_equal(p, "world");
	free(p);
	assert_int_equal(b.len, 0);
	assert_null(b.ptr);
	/* detaching an empty buffer still gives a string to free */
	p = cat_buf_detach(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	/* the max survives detach */
	assert_int_equal(b.max, 100);
	assert_int_equal(cat_buf_puts(&b, "again"), 0);
	cat_buf_release(&b);
	assert_null(b.ptr);
	cat_buf_release(&b); /* twice is harmless */
}

static void test_buf__binary_content(void **state)
{
	struct cat_buf b;

	(void)state;
	cat_buf_init(&b, 16);
	assert_int_equal(cat_buf_add(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "a\0b", 4); /* NUL-terminated after */
	cat_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__empty_is_empty_string),
		cmocka_unit_test(test_buf__cap_is_enforced),
		cmocka_unit_test(test_buf__huge_length_does_not_wrap),
		cmocka_unit_test(test_buf__html_escapes_all_five),
		cmocka_unit_test(test_buf__html_counts_entities_against_cap),
		cmocka_unit_test(test_buf__printf_grows),
		cmocka_unit_test(test_buf__printf_one_big_write),
		cmocka_unit_test(test_buf__reset_detach_release),
		cmocka_unit_test(test_buf__binary_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
