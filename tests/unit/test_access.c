/*
 * Unit tests for signed access tokens (cat_access_*, src/common/token.c):
 * the layout of token.h against a vector computed independently (Python's
 * hmac), the round trip, and every way a token must be refused: any one
 * changed character (with the checksum fixed up, so the MAC has to catch
 * it), a wrong key, a key day other than today or yesterday, expiry,
 * another DC, truncation and extension, and a MAC spelled two ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "token.h"
#include "banned.h"

#define DAY CAT_ACCESS_DAY_SECONDS
#define ID  "0123456789ab"
/* noon of a day, so "now" plus or minus an hour stays in it */
#define NOW ((int64_t)20000 * DAY + DAY / 2)

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static unsigned char key_a[CAT_ACCESS_KEY_BYTES];
static unsigned char key_b[CAT_ACCESS_KEY_BYTES];

static int setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < CAT_ACCESS_KEY_BYTES; i++) {
		key_a[i] = (unsigned char)i;
		key_b[i] = (unsigned char)(0xA5 ^ i);
	}
	return 0;
}

/* Mints for "us" with key_a, signed on the day of now, an hour to live. */
static void mint(char out[CAT_TOKEN_MAX], int64_t now)
{
	assert_int_equal(
		cat_access_mint(out, "us", ID, now + 3600, now / DAY, key_a),
		0);
}

/* Parses and verifies s at now with key: 0 or the first error. */
static int check(const char *s, const unsigned char *key, int64_t now)
{
	struct cat_access_claims c;
	int err = cat_access_parse(s, &c);

	if (err == 0)
		err = cat_access_verify(s, &c, key, now);
	/* whatever went wrong, the message never repeats the token */
	if (err != 0 && strlen(s) > 20)
		assert_null(strstr(cat_error_last(), s + 8));
	return err;
}

/* Recomputes the checksum of t after an edit of what precedes it. */
static void fix_crc(char *t)
{
	size_t n = strlen(t) - CAT_TOKEN_CRC_LEN;

	cat_token_crc(t + n, t, n);
}

/* token.h's layout, with a token computed by an independent
 * implementation: HMAC-SHA512 truncated to 16 bytes over the first 30
 * characters, key bytes 0..31 (tests/http/common.py builds the same) */
static void test_access__known_vector(void **state)
{
	char t[CAT_TOKEN_MAX];

	(void)state;
	assert_int_equal(cat_access_mint(t, "us", ID, 1900000000,
					 1900000000 / DAY, key_a),
			 0);
	assert_string_equal(
		t,
		"cata_us_0123456789ab24aCnI05ig49b8WkhgvDZgWkWfdZblkF1JdGEE");
	assert_int_equal(strlen(t), CAT_ACCESS_LEN);
	assert_int_equal(CAT_ACCESS_LEN, 58);
	assert_int_equal(CAT_TOKEN_MAX, CAT_ACCESS_LEN + 1);
}

static void test_access__round_trip(void **state)
{
	struct cat_access_claims c;
	enum cat_token_kind kind;
	char t[CAT_TOKEN_MAX], dc[3];
	size_t i, d;

	(void)state;
	for (d = 0; d < cat_dc_count; d++) {
		const char *code = cat_dcs[d].code;

		assert_int_equal(cat_access_mint(t, code, "fedcba987654",
						 NOW + 60, NOW / DAY, key_b),
				 0);
		assert_int_equal(strlen(t), CAT_ACCESS_LEN);
		assert_memory_equal(t, "cata_", 5);
		assert_memory_equal(t + 5, code, 2);
		for (i = CAT_TOKEN_HEAD_LEN; i < CAT_ACCESS_LEN; i++)
			assert_non_null(strchr(base62, t[i]));
		/* a client sees an ordinary cata_ token */
		assert_int_equal(cat_token_parse(t, &kind, dc), 0);
		assert_int_equal(kind, CAT_TOK_ACCESS);
		assert_string_equal(dc, code);
		assert_int_equal(cat_access_parse(t, &c), 0);
		assert_string_equal(c.dc, code);
		assert_string_equal(c.token_id, "fedcba987654");
		assert_int_equal(c.expires_at, NOW + 60);
		assert_int_equal(c.key_day, NOW / DAY);
		assert_int_equal(cat_access_verify(t, &c, key_b, NOW), 0);
	}
	/* the extremes of every field */
	assert_int_equal(cat_access_mint(t, "us", "000000000000", 0, 0, key_a),
			 0);
	assert_int_equal(cat_access_parse(t, &c), 0);
	assert_int_equal(c.expires_at, 0);
	assert_int_equal(cat_access_mint(t, "us", "ffffffffffff", 56800235583LL,
					 14776335, key_a),
			 0);
	assert_int_equal(cat_access_parse(t, &c), 0);
	assert_int_equal(c.expires_at, 56800235583LL);
	assert_int_equal(c.key_day, 14776335);
}

/*
 * Any one character changed, to any other character: refused. Once as
 * typed (the checksum catches it) and once with the checksum recomputed,
 * as a forger would: then the fields or the MAC must catch it.
 */
static void test_access__every_one_char_change_refused(void **state)
{
	char t[CAT_TOKEN_MAX], bad[CAT_TOKEN_MAX];
	size_t i, j;

	(void)state;
	mint(t, NOW);
	assert_int_equal(check(t, key_a, NOW), 0);
	for (i = 0; i < CAT_ACCESS_LEN; i++) {
		for (j = 0; j < sizeof(base62) - 1 + 2; j++) {
			/* every base62 character, '_' and '-' */
			char c = j < sizeof(base62) - 1    ? base62[j]
				 : j == sizeof(base62) - 1 ? '_'
							   : '-';

			if (c == t[i])
				continue;
			memcpy(bad, t, sizeof(t));
			bad[i] = c;
			assert_int_not_equal(check(bad, key_a, NOW), 0);
			if (i >= CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN)
				continue;
			fix_crc(bad);
			assert_int_not_equal(check(bad, key_a, NOW), 0);
		}
	}
}

static void test_access__wrong_key(void **state)
{
	char t[CAT_TOKEN_MAX];
	unsigned char k[CAT_ACCESS_KEY_BYTES];

	(void)state;
	mint(t, NOW);
	assert_int_equal(check(t, key_b, NOW), CAT_EINVAL);
	/* one bit of the key */
	memcpy(k, key_a, sizeof(k));
	k[31] ^= 1;
	assert_int_equal(check(t, k, NOW), CAT_EINVAL);
	assert_int_equal(check(t, key_a, NOW), 0);
}

/* Today's and yesterday's keys only, whatever the token's expiry says. */
static void test_access__key_days(void **state)
{
	char t[CAT_TOKEN_MAX];
	int64_t today = NOW / DAY;

	(void)state;
	assert_true(cat_access_key_day_ok(today, NOW));
	assert_true(cat_access_key_day_ok(today - 1, NOW));
	assert_false(cat_access_key_day_ok(today - 2, NOW));
	assert_false(cat_access_key_day_ok(today + 1, NOW));
	assert_false(cat_access_key_day_ok(0, NOW));
	/* the day boundary: the last second of a day, the first of the next */
	assert_true(cat_access_key_day_ok(today, (today + 1) * DAY - 1));
	assert_false(cat_access_key_day_ok(today + 1, (today + 1) * DAY - 1));
	assert_true(cat_access_key_day_ok(today, (today + 1) * DAY));
	assert_true(cat_access_key_day_ok(today + 1, (today + 1) * DAY));

	/* signed yesterday (its key, still unexpired): accepted */
	assert_int_equal(
		cat_access_mint(t, "us", ID, NOW + 60, today - 1, key_a), 0);
	assert_int_equal(check(t, key_a, NOW), 0);
	/* two days ago, with the right key and an expiry to come: refused */
	assert_int_equal(
		cat_access_mint(t, "us", ID, NOW + 60, today - 2, key_a), 0);
	assert_int_equal(check(t, key_a, NOW), CAT_EINVAL);
	/* tomorrow's: refused */
	assert_int_equal(
		cat_access_mint(t, "us", ID, NOW + 60, today + 1, key_a), 0);
	assert_int_equal(check(t, key_a, NOW), CAT_EINVAL);
	/* a token signed at the end of a day still verifies the next day */
	assert_int_equal(cat_access_mint(t, "us", ID, (today + 1) * DAY + 3000,
					 today, key_a),
			 0);
	assert_int_equal(check(t, key_a, (today + 1) * DAY + 10), 0);
}

static void test_access__expired(void **state)
{
	char t[CAT_TOKEN_MAX];

	(void)state;
	mint(t, NOW);
	assert_int_equal(check(t, key_a, NOW + 3599), 0);
	assert_int_equal(check(t, key_a, NOW + 3600), CAT_EEXPIRED);
	assert_int_equal(check(t, key_a, NOW + 7200), CAT_EEXPIRED);
	/* expired and forged: the MAC is what is reported */
	assert_int_equal(check(t, key_b, NOW + 3600), CAT_EINVAL);
}

/* The DC is under the MAC: moving a token to another DC breaks it. */
static void test_access__wrong_dc(void **state)
{
	struct cat_access_claims c;
	char t[CAT_TOKEN_MAX];

	(void)state;
	assert_int_equal(
		cat_access_mint(t, "eu", ID, NOW + 60, NOW / DAY, key_a), 0);
	assert_int_equal(cat_access_parse(t, &c), 0);
	assert_string_equal(c.dc, "eu");
	memcpy(t + 5, "us", 2);
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), 0);
	assert_int_equal(cat_access_verify(t, &c, key_a, NOW), CAT_EINVAL);
	/* an unknown DC or another kind never parses */
	memcpy(t + 5, "zz", 2);
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), CAT_EINVAL);
	mint(t, NOW);
	memcpy(t, "catr", 4);
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), CAT_EINVAL);
}

static void test_access__truncated_or_overlong(void **state)
{
	struct cat_access_claims c;
	char t[CAT_TOKEN_MAX], cut[CAT_TOKEN_MAX], longer[CAT_TOKEN_MAX + 16];
	size_t n;

	(void)state;
	mint(t, NOW);
	for (n = 0; n < CAT_ACCESS_LEN; n++) {
		memcpy(cut, t, n);
		cut[n] = '\0';
		assert_int_equal(cat_access_parse(cut, &c), CAT_EINVAL);
		/* with a checksum that fits the shorter text */
		if (n > CAT_TOKEN_HEAD_LEN + CAT_TOKEN_CRC_LEN) {
			cut[n - CAT_TOKEN_CRC_LEN] = '\0';
			memcpy(longer, cut, n - CAT_TOKEN_CRC_LEN + 1);
			cat_token_crc(longer + n - CAT_TOKEN_CRC_LEN, longer,
				      n - CAT_TOKEN_CRC_LEN);
			assert_int_equal(cat_access_parse(longer, &c),
					 CAT_EINVAL);
		}
	}
	/* one character more, with or without a fitting checksum */
	memcpy(longer, t, CAT_ACCESS_LEN);
	memcpy(longer + CAT_ACCESS_LEN, "A", 2);
	assert_int_equal(cat_access_parse(longer, &c), CAT_EINVAL);
	memcpy(longer, t, CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN);
	longer[CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN] = 'A';
	cat_token_crc(longer + CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN + 1, longer,
		      CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN + 1);
	assert_int_equal(cat_access_parse(longer, &c), CAT_EINVAL);
	/* a refresh-length cata_ token (the old random form) */
	memcpy(cut, t, CAT_TOKEN_LEN - CAT_TOKEN_CRC_LEN);
	cut[CAT_TOKEN_LEN - CAT_TOKEN_CRC_LEN] = '\0';
	memcpy(longer, cut, sizeof(cut));
	cat_token_crc(longer + CAT_TOKEN_LEN - CAT_TOKEN_CRC_LEN, longer,
		      CAT_TOKEN_LEN - CAT_TOKEN_CRC_LEN);
	assert_int_equal(cat_access_parse(longer, &c), CAT_EINVAL);
	assert_int_equal(cat_access_parse("", &c), CAT_EINVAL);
	assert_int_equal(cat_access_parse(NULL, &c), CAT_EINVAL);
}

/* Fields a forger controls but our minting never writes. */
static void test_access__malformed_fields(void **state)
{
	struct cat_access_claims c;
	char t[CAT_TOKEN_MAX];

	(void)state;
	/* a token id in upper case */
	mint(t, NOW);
	t[8] = 'A';
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), CAT_EINVAL);
	/* a MAC of 2^128 or more: 22 'z' digits are about 2^131 */
	mint(t, NOW);
	memset(t + 30, 'z', CAT_ACCESS_MAC_LEN);
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), CAT_EINVAL);
	/* 2^128 - 1 is the largest MAC: "7n42DGM5Tflk9n8mt7Fhc7" */
	memcpy(t + 30, "7n42DGM5Tflk9n8mt7Fhc7", CAT_ACCESS_MAC_LEN);
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), 0);
	memcpy(t + 30, "7n42DGM5Tflk9n8mt7Fhc8", CAT_ACCESS_MAC_LEN);
	fix_crc(t);
	assert_int_equal(cat_access_parse(t, &c), CAT_EINVAL);
}

static void test_access__mint_refuses(void **state)
{
	char t[CAT_TOKEN_MAX];

	(void)state;
	assert_int_equal(cat_access_mint(t, "xx", ID, NOW, 1, key_a),
			 CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, NULL, ID, NOW, 1, key_a),
			 CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, "us", "0123456789a", NOW, 1, key_a),
			 CAT_EINVAL);
	assert_int_equal(
		cat_access_mint(t, "us", "0123456789abc", NOW, 1, key_a),
		CAT_EINVAL);
	assert_int_equal(
		cat_access_mint(t, "us", "0123456789AB", NOW, 1, key_a),
		CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, "us", NULL, NOW, 1, key_a),
			 CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, "us", ID, -1, 1, key_a),
			 CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, "us", ID, 56800235584LL, 1, key_a),
			 CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, "us", ID, NOW, 14776336, key_a),
			 CAT_EINVAL);
	assert_int_equal(cat_access_mint(t, "us", ID, NOW, -1, key_a),
			 CAT_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access__known_vector),
		cmocka_unit_test(test_access__round_trip),
		cmocka_unit_test(test_access__every_one_char_change_refused),
		cmocka_unit_test(test_access__wrong_key),
		cmocka_unit_test(test_access__key_days),
		cmocka_unit_test(test_access__expired),
		cmocka_unit_test(test_access__wrong_dc),
		cmocka_unit_test(test_access__truncated_or_overlong),
		cmocka_unit_test(test_access__malformed_fields),
		cmocka_unit_test(test_access__mint_refuses),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
