/*
 * Shared by the libFuzzer harnesses: an invariant check that libFuzzer
 * reports as a crash (with the input saved), and a NUL-terminated copy of
 * the input for parsers that take C strings.
 */
#ifndef CAT_FUZZ_H
#define CAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* abort() rather than assert(): NDEBUG must never turn the checks off. */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* A malloc'd copy of data[0..size) plus a NUL; aborts when out of memory
 * (libFuzzer's -rss_limit_mb stops runaway inputs before that). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s[0..n), with its code
 * point in *cp, or 0: Unicode Table 3-7, written independently of the
 * project's decoders so the two can be compared.
 */
static inline size_t fuzz_utf8_seq(const unsigned char *s, size_t n,
				   unsigned long *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t k, len;
	unsigned long v;

	if (c <= 0x7F) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 1; k < len; k++) {
		if (k > 1 && (s[k] < 0x80 || s[k] > 0xBF))
			return 0;
		v = (v << 6) | (s[k] & 0x3F);
	}
	*cp = v;
	return len;
}

static inline int fuzz_utf8_valid(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t i = 0, len;

	while (i < n) {
		if (!(len = fuzz_utf8_seq(s + i, n - i, &cp)))
			return 0;
		i += len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
