/*
 * Unit tests for the secret format (src/common/token.c): every kind and DC
 * round-trips, the checksum catches mistypes, and shapes that merely look
 * right (valid CRC over a wrong prefix or DC) are still refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "token.h"
#include "banned.h"

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const char *const prefixes[CAT_TOK__COUNT] = {
	[CAT_TOK_REFRESH] = "catr", [CAT_TOK_ACCESS] = "cata",
	[CAT_TOK_DEVICE] = "catd",  [CAT_TOK_CODE] = "catc",
	[CAT_TOK_SESSION] = "cats", [CAT_TOK_SECRET] = "catk",
};

/* A token with the right checksum over whatever body we choose. */
static void forge(char out[CAT_TOKEN_MAX], const char *body)
{
	size_t n = strlen(body);

	assert_int_equal(n, 8 + CAT_TOKEN_RANDOM_LEN);
	memcpy(out, body, n);
	cat_token_crc(out + n, out, n);
}

static void test_token__round_trip_every_kind_and_dc(void **state)
{
	char tok[CAT_TOKEN_MAX], dc[3];
	enum cat_token_kind kind;
	size_t d, i;
	int k;

	(void)state;
	for (k = 0; k < CAT_TOK__COUNT; k++) {
		for (d = 0; d < cat_dc_count; d++) {
			const char *code = cat_dcs[d].code;

			assert_int_equal(cat_token_new(tok, k, code), 0);
			assert_int_equal(strlen(tok), k == CAT_TOK_ACCESS
							      ? CAT_ACCESS_LEN
							      : CAT_TOKEN_LEN);
			assert_memory_equal(tok, prefixes[k], 4);
			assert_int_equal(tok[4], '_');
			assert_memory_equal(tok + 5, code, 2);
			assert_int_equal(tok[7], '_');
			for (i = 8; i < strlen(tok); i++)
				assert_non_null(strchr(base62, tok[i]));
			kind = CAT_TOK__COUNT;
			memset(dc, 'x', sizeof(dc));
			assert_int_equal(cat_token_parse(tok, &kind, dc), 0);
			assert_int_equal(kind, k);
			assert_string_equal(dc, code);
		}
	}
}

static void test_token__parse_allows_null_outputs(void **state)
{
	char tok[CAT_TOKEN_MAX];

	(void)state;
	assert_int_equal(cat_token_new(tok, CAT_TOK_ACCESS, "eu"), 0);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), 0);
}

static void test_token__new_rejects_bad_kind_and_dc(void **state)
{
	char tok[CAT_TOKEN_MAX];

	(void)state;
	assert_int_equal(cat_token_new(tok, CAT_TOK__COUNT, "us"), CAT_EINVAL);
	assert_int_equal(cat_token_new(tok, CAT_TOK_REFRESH, "xx"), CAT_EINVAL);
	/* "com" is the reference CLI's name for us, not a token DC code */
	assert_int_equal(cat_token_new(tok, CAT_TOK_REFRESH, "com"),
			 CAT_EINVAL);
	assert_int_equal(cat_token_new(tok, CAT_TOK_REFRESH, ""), CAT_EINVAL);
}

/* CRC32 detects every single-character change, wherever it is. */
static void test_token__one_char_change_fails(void **state)
{
	char tok[CAT_TOKEN_MAX], bad[CAT_TOKEN_MAX];
	size_t i, len;

	(void)state;
	assert_int_equal(cat_token_new(tok, CAT_TOK_REFRESH, "us"), 0);
	len = strlen(tok);
	for (i = 0; i < len; i++) {
		memcpy(bad, tok, sizeof(tok));
		/* another base62 character (or letter) at position i */
		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		assert_int_equal(cat_token_parse(bad, NULL, NULL), CAT_EINVAL);
	}
}

/* Valid prefixes and DCs, swapped: only the checksum can notice. */
static void test_token__swapped_kind_or_dc_fails(void **state)
{
	char tok[CAT_TOKEN_MAX], bad[CAT_TOKEN_MAX];

	(void)state;
	assert_int_equal(cat_token_new(tok, CAT_TOK_REFRESH, "us"), 0);
	memcpy(bad, tok, sizeof(tok));
	memcpy(bad, "cata", 4);
	assert_int_equal(cat_token_parse(bad, NULL, NULL), CAT_EINVAL);
	memcpy(bad, tok, sizeof(tok));
	memcpy(bad + 5, "eu", 2);
	assert_int_equal(cat_token_parse(bad, NULL, NULL), CAT_EINVAL);
}

static void test_token__truncated_or_extended_fails(void **state)
{
	char tok[CAT_TOKEN_MAX], longer[CAT_TOKEN_MAX + 8];
	size_t len;

	(void)state;
	assert_int_equal(cat_token_new(tok, CAT_TOK_DEVICE, "in"), 0);
	len = strlen(tok);
	tok[len - 1] = '\0';
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);
	tok[8] = '\0';
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);
	assert_int_equal(cat_token_parse("", NULL, NULL), CAT_EINVAL);
	assert_int_equal(cat_token_parse(NULL, NULL, NULL), CAT_EINVAL);

	assert_int_equal(cat_token_new(tok, CAT_TOK_DEVICE, "in"), 0);
	memcpy(longer, tok, len);
	longer[len] = 'A';
	longer[len + 1] = '\0';
	assert_int_equal(cat_token_parse(longer, NULL, NULL), CAT_EINVAL);
}

/* These have a correct checksum: the parser must check shape itself. */
static void test_token__wrong_prefix_dc_or_chars_with_valid_crc(void **state)
{
	char tok[CAT_TOKEN_MAX];
	const char *rand32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
	char body[64];

	(void)state;
	snprintf(body, sizeof(body), "catr_us_%s", rand32);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), 0);

	snprintf(body, sizeof(body), "catz_us_%s", rand32);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);

	snprintf(body, sizeof(body), "CATR_us_%s", rand32);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);

	snprintf(body, sizeof(body), "catr_xx_%s", rand32);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);

	snprintf(body, sizeof(body), "catr_US_%s", rand32);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);

	snprintf(body, sizeof(body), "catr-us_%s", rand32);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);

	/* '-' and '_' are not base62 */
	snprintf(body, sizeof(body), "catr_us_%.15s-%s", rand32, rand32 + 16);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);
	snprintf(body, sizeof(body), "catr_us_%.15s_%s", rand32, rand32 + 16);
	forge(tok, body);
	assert_int_equal(cat_token_parse(tok, NULL, NULL), CAT_EINVAL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_token__distinct_tokens_differ(void **state)
{
	enum { N = 2000 };
	char(*toks)[CAT_TOKEN_MAX] = calloc(N, CAT_TOKEN_MAX);
	size_t i;

	(void)state;
	assert_non_null(toks);
	for (i = 0; i < N; i++)
		assert_int_equal(cat_token_new(toks[i], CAT_TOK_REFRESH, "us"),
				 0);
	qsort(toks, N, CAT_TOKEN_MAX, cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(toks[i - 1], toks[i]);
	free(toks);
}

/* A fixed vector, so another implementation (the CLI) can agree. */
static void test_token__crc_known_vector(void **state)
{
	char crc[CAT_TOKEN_CRC_LEN + 1];

	(void)state;
	/* CRC32("abc") = 0x352441C2 = 891568578, in 6 base62 digits */
	cat_token_crc(crc, "abc", 3);
	assert_string_equal(crc, "0yKviM");
	/* only n bytes count */
	cat_token_crc(crc, "abcdef", 3);
	assert_string_equal(crc, "0yKviM");
}

static void test_token__hash_known_vectors(void **state)
{
	char h[CAT_HASH_HEX];

	(void)state;
	cat_token_hash(h, "abc");
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
			       "b00361a396177a9cb410ff61f20015ad");
	cat_token_hash(h, "");
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb924"
			       "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(strlen(h), CAT_HASH_HEX - 1);
}

static void test_token__secret_eq(void **state)
{
	(void)state;
	assert_true(cat_secret_eq("catk_us_abc", "catk_us_abc"));
	assert_true(cat_secret_eq("", ""));
	assert_false(cat_secret_eq("catk_us_abc", "catk_us_abd"));
	assert_false(cat_secret_eq("xatk_us_abc", "catk_us_abc"));
	/* a prefix is not equal, in either order */
	assert_false(cat_secret_eq("catk_us_ab", "catk_us_abc"));
	assert_false(cat_secret_eq("catk_us_abc", "catk_us_ab"));
	assert_false(cat_secret_eq("", "a"));
}

static void test_token__id_is_lowercase_hex(void **state)
{
	char a[CAT_TOKEN_ID_LEN + 1], b[CAT_TOKEN_ID_LEN + 1];

	(void)state;
	cat_token_id_new(a);
	cat_token_id_new(b);
	assert_int_equal(strlen(a), CAT_TOKEN_ID_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), CAT_TOKEN_ID_LEN);
	assert_string_not_equal(a, b);
}

static void test_token__random_chars_stay_in_alphabet(void **state)
{
	char out[257];
	size_t i;
	int seen[2] = { 0, 0 };

	(void)state;
	cat_random_chars(out, 256, "xy");
	assert_int_equal(strlen(out), 256);
	for (i = 0; i < 256; i++) {
		assert_true(out[i] == 'x' || out[i] == 'y');
		seen[out[i] == 'y']++;
	}
	/* both letters show up in 256 fair draws */
	assert_true(seen[0] > 0 && seen[1] > 0);
	cat_random_chars(out, 0, "xy");
	assert_string_equal(out, "");
}

/*
 * Uniform over an alphabet whose length does not divide 256: with 200
 * characters, taking a random byte modulo 200 would draw the first 56 twice
 * as often as the rest.
 */
static void test_token__random_chars_unbiased(void **state)
{
	enum { LEN = 200, DRAWS = 400000 };
	static char alphabet[LEN + 1], out[DRAWS + 1];
	static long count[LEN];
	long low = 0, high = 0;
	size_t i;

	(void)state;
	for (i = 0; i < LEN; i++)
		alphabet[i] = (char)(i + 1);
	cat_random_chars(out, DRAWS, alphabet);
	assert_int_equal(strlen(out), DRAWS);
	for (i = 0; i < DRAWS; i++)
		count[(unsigned char)out[i] - 1]++;
	for (i = 0; i < LEN; i++) {
		/* 2000 expected each; 6 standard deviations is about 270 */
		assert_in_range(count[i], 1700, 2300);
		if (i < 56)
			low += count[i];
		else
			high += count[i];
	}
	/* per character, the first 56 are drawn as often as the rest */
	assert_in_range(low * (LEN - 56) * 100 / (high * 56), 97, 103);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token__round_trip_every_kind_and_dc),
		cmocka_unit_test(test_token__parse_allows_null_outputs),
		cmocka_unit_test(test_token__new_rejects_bad_kind_and_dc),
		cmocka_unit_test(test_token__one_char_change_fails),
		cmocka_unit_test(test_token__swapped_kind_or_dc_fails),
		cmocka_unit_test(test_token__truncated_or_extended_fails),
		cmocka_unit_test(
			test_token__wrong_prefix_dc_or_chars_with_valid_crc),
		cmocka_unit_test(test_token__distinct_tokens_differ),
		cmocka_unit_test(test_token__crc_known_vector),
		cmocka_unit_test(test_token__hash_known_vectors),
		cmocka_unit_test(test_token__secret_eq),
		cmocka_unit_test(test_token__id_is_lowercase_hex),
		cmocka_unit_test(test_token__random_chars_stay_in_alphabet),
		cmocka_unit_test(test_token__random_chars_unbiased),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
