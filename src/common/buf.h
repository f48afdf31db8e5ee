/*
 * A growable byte buffer with a hard cap set at init (curl's dynbuf idea):
 * appending past the cap fails with CAT_ETOOBIG instead of growing forever.
 * The content is always NUL-terminated.
 */
#ifndef CAT_BUF_H
#define CAT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct cat_buf {
	char *ptr;
	size_t len;
	size_t cap; /* allocated */
	size_t max; /* hard limit on len */
};

#define CAT_BUF_INIT(max)                                                      \
	{                                                                      \
		NULL, 0, 0, (max)                                              \
	}

void cat_buf_init(struct cat_buf *b, size_t max);
/* Frees the content; the struct can be reused after cat_buf_init. */
void cat_buf_release(struct cat_buf *b);
/* Empties the content but keeps the allocation. */
void cat_buf_reset(struct cat_buf *b);
int cat_buf_add(struct cat_buf *b, const void *p, size_t n);
int cat_buf_puts(struct cat_buf *b, const char *s);
int cat_buf_printf(struct cat_buf *b, const char *fmt, ...) CAT_PRINTF(2, 3);
int cat_buf_vprintf(struct cat_buf *b, const char *fmt, va_list ap);
/* Appends s with &, <, >, ", ' replaced by entities, for HTML output. */
int cat_buf_html(struct cat_buf *b, const char *s);
/* Takes the content (caller frees with free()); the buffer becomes empty. */
char *cat_buf_detach(struct cat_buf *b);
/* Content, never NULL (an empty buffer gives ""). Borrowed. */
const char *cat_buf_cstr(const struct cat_buf *b);

#endif
