/*
 * User-code normalisation (cat_user_code_normalize, src/common/token.c):
 * what a person types into /device, unchanged by the server before it.
 *
 * Checked: an accepted code is exactly 8 characters of the code alphabet,
 * equals the input with '-', ' ' and tab dropped and letters upper-cased,
 * and survives display -> normalise; a refused one leaves a message. The
 * second half of the input also goes through display -> normalise as a
 * freshly generated code would.
 */
#include "fuzz.h"

#include "err.h"
#include "token.h"

/* What normalisation must produce, derived the simple way. */
static int expected(char out[CAT_USER_CODE_LEN + 1], const char *in)
{
	size_t n = 0;

	for (; *in; in++) {
		char c = *in;

		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (n == CAT_USER_CODE_LEN ||
		    !strchr(CAT_USER_CODE_ALPHABET, c))
			return 0;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CAT_USER_CODE_LEN;
}

static void check_canonical(const char *code)
{
	char disp[CAT_USER_CODE_LEN + 2], again[CAT_USER_CODE_LEN + 1];
	size_t i;

	FUZZ_CHECK(strlen(code) == CAT_USER_CODE_LEN);
	for (i = 0; i < CAT_USER_CODE_LEN; i++)
		FUZZ_CHECK(strchr(CAT_USER_CODE_ALPHABET, code[i]) != NULL &&
			   code[i] != '\0');
	memset(disp, 'x', sizeof(disp));
	cat_user_code_display(disp, code);
	FUZZ_CHECK(strlen(disp) == CAT_USER_CODE_LEN + 1 && disp[4] == '-');
	memset(again, 'x', sizeof(again));
	FUZZ_CHECK(cat_user_code_normalize(again, disp) == 0);
	FUZZ_CHECK(strcmp(again, code) == 0);
	FUZZ_CHECK(cat_user_code_normalize(again, code) == 0);
	FUZZ_CHECK(strcmp(again, code) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	char out[CAT_USER_CODE_LEN + 1], want[CAT_USER_CODE_LEN + 1];
	int ok;
	size_t i;

	memset(out, 'x', sizeof(out));
	ok = cat_user_code_normalize(out, in) == 0;
	FUZZ_CHECK(ok == expected(want, in));
	if (ok) {
		FUZZ_CHECK(strcmp(out, want) == 0);
		check_canonical(out);
	} else {
		FUZZ_CHECK(strstr(cat_error_last(), "8 letters") != NULL);
	}
	/* any 8 bytes mapped onto the alphabet: a code the server could mint */
	if (size >= CAT_USER_CODE_LEN) {
		for (i = 0; i < CAT_USER_CODE_LEN; i++)
			out[i] = CAT_USER_CODE_ALPHABET
				[data[i] %
				 (sizeof(CAT_USER_CODE_ALPHABET) - 1)];
		out[CAT_USER_CODE_LEN] = '\0';
		check_canonical(out);
	}
	free(in);
	cat_error_clear();
	return 0;
}
