/*
 * Cleaning of client-chosen text (cat_text_clean, src/common/textclean.c):
 * device names reach the approval page, token lists and terminals through
 * it. The input is "<room byte><text>"; the text ends at its first NUL.
 *
 * Checked against a filter written here: the result is exactly the input's
 * well-formed UTF-8 characters minus C0, DEL, C1, the bidi controls and
 * marks; it fails (with "" in dst) exactly when that does not fit; cleaning
 * in place gives the same, and cleaning the result changes nothing.
 */
#include "fuzz.h"

#include "err.h"
#include "textclean.h"

static int unwanted(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
	       cp == 0x061C;
}

/* The expected result, in out (as long as s). */
static size_t reference(char *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, len;
	unsigned long cp;

	while (i < n) {
		if (!(len = fuzz_utf8_seq(p + i, n - i, &cp))) {
			i++;
			continue;
		}
		if (!unwanted(cp)) {
			memcpy(out + o, s + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src, *want, *dst, *again;
	size_t room, wlen;
	int err;

	if (size < 1)
		return 0;
	/* 1..256 bytes of room, as the store's fields have */
	room = (size_t)data[0] + 1;
	src = fuzz_cstr(data + 1, size - 1);
	want = malloc(strlen(src) + 1);
	dst = malloc(room);
	again = malloc(room);
	FUZZ_CHECK(want && dst && again);
	wlen = reference(want, src);

	memset(dst, 'x', room);
	err = cat_text_clean(dst, room, src);
	if (wlen >= room) {
		FUZZ_CHECK(err == CAT_EINVAL && dst[0] == '\0');
	} else {
		FUZZ_CHECK(err == 0);
		FUZZ_CHECK(strcmp(dst, want) == 0);
		FUZZ_CHECK(cat_text_clean(again, room, dst) == 0);
		FUZZ_CHECK(strcmp(again, dst) == 0);
		/* in place, as callers clean a field they already hold */
		if (strlen(src) < room) {
			memcpy(again, src, strlen(src) + 1);
			FUZZ_CHECK(cat_text_clean(again, room, again) == 0);
			FUZZ_CHECK(strcmp(again, want) == 0);
		}
	}
	free(src);
	free(want);
	free(dst);
	free(again);
	cat_error_clear();
	return 0;
}
