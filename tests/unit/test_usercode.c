/*
 * Unit tests for device-flow user codes (src/common/token.c): what a person
 * types is normalised (case, dashes, spaces), anything outside the
 * vowel-free alphabet or of the wrong length is refused, and generated
 * codes survive the display/normalise round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "token.h"
#include "banned.h"

static void accepts(const char *typed, const char *canonical)
{
	char out[CAT_USER_CODE_LEN + 1];

	memset(out, 'x', sizeof(out));
	assert_int_equal(cat_user_code_normalize(out, typed), 0);
	assert_string_equal(out, canonical);
}

static void refuses(const char *typed)
{
	char out[CAT_USER_CODE_LEN + 1];

	assert_int_equal(cat_user_code_normalize(out, typed), CAT_EINVAL);
	/* the message is for people: it must say what a code looks like */
	assert_non_null(strstr(cat_error_last(), "8 letters"));
}

static void test_usercode__normalises_case_dash_and_spaces(void **state)
{
	(void)state;
	accepts("BCDF-GHJK", "BCDFGHJK");
	accepts("bcdf-ghjk", "BCDFGHJK");
	accepts("BcDf-gHjK", "BCDFGHJK");
	accepts("BCDFGHJK", "BCDFGHJK");
	accepts("bcdf ghjk", "BCDFGHJK");
	accepts("  bcdf - ghjk  ", "BCDFGHJK");
	accepts("b-c-d-f-g-h-j-k", "BCDFGHJK");
	accepts("ZXWV-TSRQ", "ZXWVTSRQ");
}

static void test_usercode__rejects_vowels_digits_and_others(void **state)
{
	(void)state;
	refuses("BCDF-GHJA"); /* vowels make words */
	refuses("bcdf-ghje"); /* lowercase vowel too */
	refuses("BCDF-GHIK");
	refuses("BCDF-GHOK");
	refuses("BCDF-GHUK");
	refuses("BCDF-GHYK"); /* Y is not in the alphabet either */
	refuses("BCDF-GH1K"); /* 1/I and 0/O confusion */
	refuses("BCDF-GH0K");
	refuses("BCDF_GHJK"); /* only '-' and spaces are ignored */
	refuses("BCDF.GHJK");
	refuses("BCDF\xC3\x89GHJ"); /* non-ASCII */
}

static void test_usercode__rejects_wrong_length(void **state)
{
	(void)state;
	refuses("");
	refuses("----");
	refuses("BCDF-GHJ");   /* 7 */
	refuses("BCDF-GHJKL"); /* 9 */
	refuses("BCDFGHJKBCDFGHJK");
	refuses(NULL);
}

static void test_usercode__display_format(void **state)
{
	char out[CAT_USER_CODE_LEN + 2];

	(void)state;
	memset(out, 'x', sizeof(out));
	cat_user_code_display(out, "BCDFGHJK");
	assert_string_equal(out, "BCDF-GHJK");
	assert_int_equal(strlen(out), 9);
}

static void test_usercode__generated_codes_use_the_alphabet(void **state)
{
	char code[CAT_USER_CODE_LEN + 1], shown[CAT_USER_CODE_LEN + 2];
	char back[CAT_USER_CODE_LEN + 1];
	int seen[256] = { 0 };
	size_t i, k;

	(void)state;
	for (i = 0; i < 2000; i++) {
		cat_user_code_new(code);
		assert_int_equal(strlen(code), CAT_USER_CODE_LEN);
		for (k = 0; k < CAT_USER_CODE_LEN; k++) {
			assert_non_null(
				strchr(CAT_USER_CODE_ALPHABET, code[k]));
			seen[(unsigned char)code[k]]++;
		}
		cat_user_code_display(shown, code);
		assert_int_equal(cat_user_code_normalize(back, shown), 0);
		assert_string_equal(back, code);
	}
	/* 16000 draws: every one of the 20 letters appears (else the
	 * alphabet is used only in part and the code space shrinks) */
	for (k = 0; k < strlen(CAT_USER_CODE_ALPHABET); k++)
		assert_true(seen[(unsigned char)CAT_USER_CODE_ALPHABET[k]] > 0);
}

static void test_usercode__alphabet_has_no_vowels_or_digits(void **state)
{
	(void)state;
	assert_int_equal(strlen(CAT_USER_CODE_ALPHABET), 20);
	assert_int_equal(strcspn(CAT_USER_CODE_ALPHABET, "AEIOUY0123456789"),
			 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_usercode__normalises_case_dash_and_spaces),
		cmocka_unit_test(
			test_usercode__rejects_vowels_digits_and_others),
		cmocka_unit_test(test_usercode__rejects_wrong_length),
		cmocka_unit_test(test_usercode__display_format),
		cmocka_unit_test(
			test_usercode__generated_codes_use_the_alphabet),
		cmocka_unit_test(
			test_usercode__alphabet_has_no_vowels_or_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
