/*
 * Unit tests for form/query parsing (src/server/params.c) and the UTF-8
 * check under it: decoding of '+' and %XX, repeated keys flagged rather
 * than dropped, and every malformed input (bad escapes, NUL, invalid
 * UTF-8, too many pairs) refused instead of decoded silently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"
#include "token.h"
#include "banned.h"

static int setup(void **state)
{
	struct cat_req *req = calloc(1, sizeof(*req));

	if (!req)
		return -1;
	*state = req;
	return 0;
}

static int teardown(void **state)
{
	struct cat_req *req = *state;

	cat_params_release(&req->params);
	free(req);
	return 0;
}

static int parse(struct cat_req *req, const char *text)
{
	cat_params_release(&req->params);
	return cat_params_parse(&req->params, text, strlen(text));
}

static void test_params__plus_and_percent_20_are_spaces(void **state)
{
	struct cat_req *req = *state;

	assert_int_equal(parse(req, "a=1&b=two+words&c=x%20y&d%5Fe=%2B%3D%26"),
			 0);
	assert_int_equal(req->params.count, 4);
	assert_string_equal(cat_req_param(req, "a"), "1");
	assert_string_equal(cat_req_param(req, "b"), "two words");
	assert_string_equal(cat_req_param(req, "c"), "x y");
	/* escaped key; escaped '+', '=' and '&' are data, not syntax */
	assert_string_equal(cat_req_param(req, "d_e"), "+=&");
	assert_null(cat_req_param(req, "missing"));
	assert_false(cat_req_param_repeated(req, "a"));
}

static void test_params__scope_with_encoded_separators(void **state)
{
	struct cat_req *req = *state;

	/* as the reference CLI sends it: ':' ',' '/' percent-encoded */
	assert_int_equal(parse(req, "scope=ZohoCatalyst.projects.ALL%2C"
				    "ZohoCatalyst.tokens.READ&redirect_uri="
				    "http%3A%2F%2Flocalhost%3A9005"),
			 0);
	assert_string_equal(
		cat_req_param(req, "scope"),
		"ZohoCatalyst.projects.ALL,ZohoCatalyst.tokens.READ");
	assert_string_equal(cat_req_param(req, "redirect_uri"),
			    "http://localhost:9005");
}

static void test_params__repeated_keys_are_flagged(void **state)
{
	struct cat_req *req = *state;

	assert_int_equal(parse(req, "client_id=a&scope=x&client_id=b"), 0);
	assert_int_equal(req->params.count, 3);
	/* both occurrences are marked, whichever one a handler finds */
	assert_true(req->params.items[0].repeated);
	assert_false(req->params.items[1].repeated);
	assert_true(req->params.items[2].repeated);
	assert_true(cat_req_param_repeated(req, "client_id"));
	assert_false(cat_req_param_repeated(req, "scope"));
	assert_false(cat_req_param_repeated(req, "absent"));
	/* "a" and "a%00"-like near misses are different keys */
	assert_int_equal(parse(req, "a=1&A=2&a+=3"), 0);
	assert_false(cat_req_param_repeated(req, "a"));
}

static void test_params__empty_pairs_and_values(void **state)
{
	struct cat_req *req = *state;

	assert_int_equal(parse(req, ""), 0);
	assert_int_equal(req->params.count, 0);
	assert_int_equal(parse(req, "&&&"), 0);
	assert_int_equal(req->params.count, 0);
	assert_int_equal(parse(req, "&&a=1&&b&c=&&"), 0);
	assert_int_equal(req->params.count, 3);
	assert_string_equal(cat_req_param(req, "a"), "1");
	assert_string_equal(cat_req_param(req, "b"), "");
	assert_string_equal(cat_req_param(req, "c"), "");
	/* only the first '=' separates */
	assert_int_equal(parse(req, "k=v=w"), 0);
	assert_string_equal(cat_req_param(req, "k"), "v=w");
}

static void test_params__length_is_respected(void **state)
{
	struct cat_req *req = *state;
	const char *text = "a=1&b=2";

	cat_params_release(&req->params);
	assert_int_equal(cat_params_parse(&req->params, text, 3), 0);
	assert_int_equal(req->params.count, 1);
	assert_string_equal(cat_req_param(req, "a"), "1");
	assert_null(cat_req_param(req, "b"));
	/* an escape cut by the length is truncated, not read past */
	cat_params_release(&req->params);
	assert_int_equal(cat_params_parse(&req->params, "a=%41", 4),
			 CAT_EINVAL);
}

static void test_params__bad_escapes(void **state)
{
	static const char *const bad[] = {
		"a=%",    "a=%4", "a=%zz",   "a=%G1", "a=%1G",
		"a=%%41", "%=1",  "a=1&b=%", "a=% 1",
	};
	struct cat_req *req = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(req, bad[i]), CAT_EINVAL);
		assert_non_null(strstr(cat_error_last(), "escape"));
	}
	assert_int_equal(parse(req, "a=%41%62%7e"), 0);
	assert_string_equal(cat_req_param(req, "a"), "Ab~");
}

static void test_params__nul_is_refused(void **state)
{
	struct cat_req *req = *state;

	assert_int_equal(parse(req, "a=%00"), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "NUL"));
	assert_int_equal(parse(req, "a=x%00y"), CAT_EINVAL);
	assert_int_equal(parse(req, "a%00=1"), CAT_EINVAL);
	/* a raw NUL inside the given length too */
	cat_params_release(&req->params);
	assert_int_equal(cat_params_parse(&req->params, "a=x\0y", 5),
			 CAT_EINVAL);
}

static void test_params__invalid_utf8_is_refused(void **state)
{
	static const char *const bad[] = {
		"a=%C3%28",       /* bad continuation byte */
		"a=%C0%AF",       /* overlong '/' */
		"a=%E0%80%AF",    /* overlong, 3 bytes */
		"a=%F0%80%80%AF", /* overlong, 4 bytes */
		"a=%ED%A0%80",    /* UTF-16 surrogate U+D800 */
		"a=%ED%BF%BF",    /* surrogate U+DFFF */
		"a=%F4%90%80%80", /* above U+10FFFF */
		"a=%E2%82",       /* truncated sequence */
		"a=%80",          /* lone continuation byte */
		"a=%FF",          "a=%F8%88%80%80%80", /* 5-byte form */
		"a%C3=1",                              /* in a key */
		"a=\xC3\x28",                          /* raw, not escaped */
	};
	struct cat_req *req = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(req, bad[i]), CAT_EINVAL);
		assert_non_null(strstr(cat_error_last(), "UTF-8"));
	}
}

static void test_params__valid_utf8_is_kept(void **state)
{
	struct cat_req *req = *state;

	assert_int_equal(parse(req, "a=%C3%A9&b=%E2%82%AC&c=%F0%9F%98%80"
				    "&d=%ED%9F%BF&e=%F4%8F%BF%BF&f=\xC3\xA9"),
			 0);
	assert_string_equal(cat_req_param(req, "a"), "\xC3\xA9");
	assert_string_equal(cat_req_param(req, "b"), "\xE2\x82\xAC");
	assert_string_equal(cat_req_param(req, "c"), "\xF0\x9F\x98\x80");
	assert_string_equal(cat_req_param(req, "d"),
			    "\xED\x9F\xBF"); /* U+D7FF */
	assert_string_equal(cat_req_param(req, "e"), "\xF4\x8F\xBF\xBF");
	assert_string_equal(cat_req_param(req, "f"), "\xC3\xA9");
}

static void test_params__utf8_valid_direct(void **state)
{
	(void)state;
	assert_true(cat_utf8_valid("", 0));
	assert_true(cat_utf8_valid("plain ascii", 11));
	/* only n bytes are looked at */
	assert_true(cat_utf8_valid("ok\xC3", 2));
	assert_false(cat_utf8_valid("ok\xC3", 3));
	assert_false(cat_utf8_valid("\xC1\xBF", 2));    /* overlong */
	assert_true(cat_utf8_valid("\xC2\x80", 2));     /* U+0080 */
	assert_true(cat_utf8_valid("\xEF\xBF\xBF", 3)); /* U+FFFF */
}

static void test_params__too_many_params(void **state)
{
	struct cat_req *req = *state;
	char text[CAT_MAX_PARAMS * 8 + 16];
	size_t off = 0;
	int i;

	for (i = 0; i < CAT_MAX_PARAMS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"k%d=v&", i);
	assert_int_equal(parse(req, text), 0);
	assert_int_equal(req->params.count, CAT_MAX_PARAMS);
	snprintf(text + off, sizeof(text) - off, "one=more");
	assert_int_equal(parse(req, text), CAT_ETOOBIG);
	/* what was parsed stays owned by params and is released (ASan) */
	assert_int_equal(req->params.count, CAT_MAX_PARAMS);
	/* empty pairs do not count toward the limit */
	off = 0;
	for (i = 0; i < CAT_MAX_PARAMS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "&&");
	snprintf(text + off, sizeof(text) - off, "a=1");
	assert_int_equal(parse(req, text), 0);
	assert_int_equal(req->params.count, 1);
}

static void test_params__release_then_reuse(void **state)
{
	struct cat_req *req = *state;

	assert_int_equal(parse(req, "a=1&b=2"), 0);
	cat_params_release(&req->params);
	assert_int_equal(req->params.count, 0);
	assert_null(cat_req_param(req, "a"));
	cat_params_release(&req->params); /* twice is harmless */
	assert_int_equal(parse(req, "c=3"), 0);
	assert_string_equal(cat_req_param(req, "c"), "3");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_params__plus_and_percent_20_are_spaces),
		T(test_params__scope_with_encoded_separators),
		T(test_params__repeated_keys_are_flagged),
		T(test_params__empty_pairs_and_values),
		T(test_params__length_is_respected),
		T(test_params__bad_escapes),
		T(test_params__nul_is_refused),
		T(test_params__invalid_utf8_is_refused),
		T(test_params__valid_utf8_is_kept),
		T(test_params__utf8_valid_direct),
		T(test_params__too_many_params),
		T(test_params__release_then_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
