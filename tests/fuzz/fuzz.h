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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
