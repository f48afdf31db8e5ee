/*
 * application/x-www-form-urlencoded parsing, for query strings and form
 * bodies alike. Written here rather than taken from libmicrohttpd's post
 * processor because the server must tell apart what MHD folds together:
 * repeated keys, bad %-escapes, NUL bytes and invalid UTF-8 are all
 * rejected with a precise error instead of being decoded silently.
 */
#include "http.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "token.h"
#include "banned.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cat_form_decode(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return cat_error_set(CAT_EINVAL,
						     "truncated %%-escape in "
						     "parameters");
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return cat_error_set(CAT_EINVAL,
						     "bad %%-escape in "
						     "parameters");
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0')
			return cat_error_set(CAT_EINVAL,
					     "NUL byte in parameters");
		/* o <= i: decoding never writes ahead of what it reads */
		s[o++] = c;
	}
	s[o] = '\0';
	if (!cat_utf8_valid(s, o))
		return cat_error_set(CAT_EINVAL,
				     "parameters are not valid UTF-8");
	return 0;
}

/* Decodes s[0..n) into a new string; NULL with the error set. */
static char *decode(const char *s, size_t n, int *err)
{
	char *out = malloc(n + 1);

	if (!out) {
		*err = cat_error_set(CAT_ERROR, "out of memory");
		return NULL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	if ((*err = cat_form_decode(out, n)) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

int cat_params_parse(struct cat_params *p, const char *text, size_t len)
{
	size_t pos = 0;
	int err = 0;

	while (pos < len) {
		const char *pair = text + pos;
		const char *end = memchr(pair, '&', len - pos);
		size_t plen = end ? (size_t)(end - pair) : len - pos;
		const char *eq = memchr(pair, '=', plen);
		size_t klen = eq ? (size_t)(eq - pair) : plen;
		char *key = NULL, *value = NULL;
		size_t i;

		pos += plen + 1;
		if (plen == 0)
			continue;
		if (p->count == CAT_MAX_PARAMS)
			return cat_error_set(CAT_ETOOBIG,
					     "too many parameters (max %d)",
					     CAT_MAX_PARAMS);
		if (!(key = decode(pair, klen, &err)))
			return err;
		value = eq ? decode(eq + 1, plen - klen - 1, &err)
			   : decode("", 0, &err);
		if (!value) {
			free(key);
			return err;
		}
		for (i = 0; i < p->count; i++) {
			if (strcmp(p->items[i].key, key) == 0) {
				p->items[i].repeated = 1;
				break;
			}
		}
		p->items[p->count].key = key;
		p->items[p->count].value = value;
		p->items[p->count].repeated = i < p->count;
		p->count++;
	}
	return 0;
}

void cat_params_release(struct cat_params *p)
{
	size_t i;

	/* values include passwords and secrets: wipe before freeing */
	for (i = 0; i < p->count; i++) {
		sodium_memzero(p->items[i].value, strlen(p->items[i].value));
		free(p->items[i].key);
		free(p->items[i].value);
	}
	p->count = 0;
}

const char *cat_req_param(const struct cat_req *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->params.count; i++)
		if (strcmp(req->params.items[i].key, key) == 0)
			return req->params.items[i].value;
	return NULL;
}

int cat_req_param_repeated(const struct cat_req *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->params.count; i++)
		if (strcmp(req->params.items[i].key, key) == 0)
			return req->params.items[i].repeated;
	return 0;
}
