/*
 * Query strings and form bodies (cat_params_parse, src/server/params.c),
 * fed the way http.c feeds them: the query as a C string, then the body as
 * bytes, into one list. The input is "<query>\0<body>": a query can never
 * hold a NUL, a body can.
 *
 * Beyond "no crash": what the parser accepts is valid UTF-8 by an
 * independent check, the "repeated" flags mark exactly the keys given more
 * than once, cat_req_param finds the first value, and re-encoding the list
 * parses back to the same list.
 */
#include "fuzz.h"

#include "err.h"
#include "http.h"
#include "token.h"

static void add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		FUZZ_CHECK(*buf != NULL);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Percent-encodes every byte outside [A-Za-z0-9]: the strictest form. */
static void add_encoded(char **buf, size_t *len, size_t *cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')) {
			add(buf, len, cap, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		add(buf, len, cap, esc, 3);
	}
}

static void check_list(const struct cat_params *p)
{
	struct cat_req req;
	size_t i, j;

	FUZZ_CHECK(p->count <= CAT_MAX_PARAMS);
	memset(&req, 0, sizeof(req));
	req.params = *p;
	for (i = 0; i < p->count; i++) {
		const struct cat_param *a = &p->items[i];
		int dup = 0, first = 1;

		FUZZ_CHECK(a->key && a->value);
		FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)a->key,
					   strlen(a->key)));
		FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)a->value,
					   strlen(a->value)));
		for (j = 0; j < p->count; j++) {
			if (j == i || strcmp(p->items[j].key, a->key) != 0)
				continue;
			dup = 1;
			if (j < i)
				first = 0;
		}
		FUZZ_CHECK(!!a->repeated == dup);
		FUZZ_CHECK(cat_req_param_repeated(&req, a->key) == dup);
		if (first)
			FUZZ_CHECK(cat_req_param(&req, a->key) == a->value);
	}
}

static void check_roundtrip(const struct cat_params *p)
{
	struct cat_params q;
	char *text = NULL;
	size_t len = 0, cap = 0, i;

	memset(&q, 0, sizeof(q));
	add(&text, &len, &cap, "", 0);
	for (i = 0; i < p->count; i++) {
		if (i)
			add(&text, &len, &cap, "&", 1);
		add_encoded(&text, &len, &cap, p->items[i].key);
		add(&text, &len, &cap, "=", 1);
		add_encoded(&text, &len, &cap, p->items[i].value);
	}
	FUZZ_CHECK(cat_params_parse(&q, text, len) == 0);
	FUZZ_CHECK(q.count == p->count);
	for (i = 0; i < p->count; i++) {
		FUZZ_CHECK(strcmp(q.items[i].key, p->items[i].key) == 0);
		FUZZ_CHECK(strcmp(q.items[i].value, p->items[i].value) == 0);
		FUZZ_CHECK(q.items[i].repeated == p->items[i].repeated);
	}
	cat_params_release(&q);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t qlen = nul ? (size_t)(nul - data) : size;
	char *query = fuzz_cstr(data, qlen);
	/* the body lives in a buffer of its own size, so any read past its
	 * end is caught */
	size_t blen = nul ? size - qlen - 1 : 0;
	char *body = malloc(blen ? blen : 1);
	struct cat_params p;
	int err;

	FUZZ_CHECK(body != NULL);
	if (blen)
		memcpy(body, nul + 1, blen);
	/* the validator is a parser of its own: compare it on raw bytes */
	FUZZ_CHECK(cat_utf8_valid((const char *)data, size) ==
		   fuzz_utf8_valid(data, size));

	memset(&p, 0, sizeof(p));
	err = cat_params_parse(&p, query, strlen(query));
	if (err == 0 && blen)
		err = cat_params_parse(&p, body, blen);
	FUZZ_CHECK(err == 0 || err == CAT_EINVAL || err == CAT_ETOOBIG);
	if (err == 0) {
		check_list(&p);
		check_roundtrip(&p);
	} else {
		FUZZ_CHECK(cat_error_last()[0] != '\0');
	}
	/* after a failure too: items parsed before it must be freed */
	cat_params_release(&p);
	FUZZ_CHECK(p.count == 0);
	free(query);
	free(body);
	cat_error_clear();
	return 0;
}
