/*
 * Bounded dynamic buffer. Every request body, HTTP response and HTML page
 * goes through one so that no input can make us allocate without limit.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void cat_buf_init(struct cat_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void cat_buf_release(struct cat_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void cat_buf_reset(struct cat_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

static int grow(struct cat_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return cat_error_set(CAT_ETOOBIG, "content exceeds %zu bytes",
				     b->max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->ptr, ncap);
	if (!p)
		return cat_error_set(CAT_ERROR, "out of memory");
	b->ptr = p;
	b->cap = ncap;
	return 0;
}

int cat_buf_add(struct cat_buf *b, const void *p, size_t n)
{
	int err;

	if ((err = grow(b, n)) < 0)
		return err;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int cat_buf_puts(struct cat_buf *b, const char *s)
{
	return cat_buf_add(b, s, strlen(s));
}

int cat_buf_vprintf(struct cat_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return cat_error_set(CAT_EINVAL, "bad format");
	if ((err = grow(b, (size_t)n)) < 0)
		return err;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int cat_buf_printf(struct cat_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = cat_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

int cat_buf_html(struct cat_buf *b, const char *s)
{
	const char *run = s;
	int err = 0;

	for (; *s && err == 0; s++) {
		const char *ent = NULL;

		switch (*s) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		if ((err = cat_buf_add(b, run, (size_t)(s - run))) == 0)
			err = cat_buf_puts(b, ent);
		run = s + 1;
	}
	if (err == 0)
		err = cat_buf_add(b, run, (size_t)(s - run));
	return err;
}

char *cat_buf_detach(struct cat_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *cat_buf_cstr(const struct cat_buf *b)
{
	return b->ptr ? b->ptr : "";
}
