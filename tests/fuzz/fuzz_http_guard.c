/*
 * The request-head checker (src/server/http_guard.c) on raw bytes as they
 * arrive: cat_head_length finds where the head ends, cat_head_scan judges
 * it, as the connection gate does. The input is what a client sends.
 *
 * Checked: the head length is the first empty line (LF LF or LF CR LF);
 * a verdict is 0 or one of 400, 413, 431, 501 and says why;
 * a head that is let through holds no NUL, bare CR or other control byte,
 * counts within CAT_MAX_HEAD, has an HTTP/1.x request line of a token method
 * and a target of printable ASCII, and header lines that a proxy reads
 * the same way: no folding, names that are tokens, exactly one Host for
 * HTTP/1.1, at most one Authorization, Cookie and Content-Length (digits),
 * never Content-Length with Transfer-Encoding, and Transfer-Encoding only
 * as "chunked"; at most CAT_MAX_FIELDS fields, CAT_MAX_COOKIES cookies and
 * CAT_MAX_QUERY_PARAMS query parameters; no %00, %2F or %5C in the path.
 * Input without an empty line yet is never let through.
 */
#include "fuzz.h"

#include <strings.h>

#include "http_guard.h"

static int tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int field_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

/* The value of a header line, without surrounding spaces and tabs. */
static void value_of(const char *line, size_t n, const char **v, size_t *vlen)
{
	const char *p = memchr(line, ':', n) + 1, *end = line + n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*v = p;
	*vlen = (size_t)(end - p);
}

/* What a strict reader sees in a head that was let through. */
static void check_accepted(const char *buf, size_t len)
{
	unsigned hosts = 0, auths = 0, cookies = 0, lengths = 0, codings = 0;
	unsigned fields = 0, crumbs = 0, params = 0;
	const char *line = buf, *nl, *sp1, *sp2, *v;
	size_t n, i, vlen;
	int first = 1, http11 = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		FUZZ_CHECK(c != 0 && c != 0x7f);
		FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n' ||
			   (c == '\r' && i + 1 < len && buf[i + 1] == '\n'));
	}
	while ((nl = memchr(line, '\n', len - (size_t)(line - buf)))) {
		n = (size_t)(nl - line);
		if (n && line[n - 1] == '\r')
			n--;
		if (first) {
			sp1 = memchr(line, ' ', n);
			FUZZ_CHECK(sp1 && sp1 > line);
			for (v = line; v < sp1; v++)
				FUZZ_CHECK(tchar((unsigned char)*v));
			sp2 = memchr(sp1 + 1, ' ',
				     n - (size_t)(sp1 + 1 - line));
			FUZZ_CHECK(sp2 && sp2 > sp1 + 1);
			for (v = sp1 + 1; v < sp2; v++)
				FUZZ_CHECK((unsigned char)*v > 0x20 &&
					   (unsigned char)*v < 0x7f);
			FUZZ_CHECK(line + n - (sp2 + 1) == 8);
			for (v = sp1 + 1; v < sp2 && *v != '?'; v++)
				FUZZ_CHECK(!(v[0] == '%' && v + 2 < sp2 &&
					     ((v[1] == '0' && v[2] == '0') ||
					      (v[1] == '2' &&
					       (v[2] | 0x20) == 'f') ||
					      (v[1] == '5' &&
					       (v[2] | 0x20) == 'c'))));
			if (v < sp2) {
				params = 1;
				for (v++; v < sp2; v++)
					params += *v == '&';
				if (v[-1] == '?')
					params = 0;
			}
			FUZZ_CHECK(params <= CAT_MAX_QUERY_PARAMS);
			http11 = memcmp(sp2 + 1, "HTTP/1.1", 8) == 0;
			FUZZ_CHECK(http11 ||
				   memcmp(sp2 + 1, "HTTP/1.0", 8) == 0);
			first = 0;
		} else if (n == 0) {
			line = nl + 1;
			break;
		} else {
			const char *colon = memchr(line, ':', n);

			FUZZ_CHECK(colon && colon > line);
			FUZZ_CHECK(++fields <= CAT_MAX_FIELDS);
			for (v = line; v < colon; v++)
				FUZZ_CHECK(tchar((unsigned char)*v));
			value_of(line, n, &v, &vlen);
			if (field_is(line, n, "host"))
				hosts++;
			if (field_is(line, n, "authorization"))
				auths++;
			if (field_is(line, n, "cookie")) {
				cookies++;
				crumbs++;
				for (i = 0; i < vlen; i++)
					crumbs += v[i] == ';';
				FUZZ_CHECK(crumbs <= CAT_MAX_COOKIES);
			}
			if (field_is(line, n, "content-length")) {
				lengths++;
				FUZZ_CHECK(vlen > 0);
				for (i = 0; i < vlen; i++)
					FUZZ_CHECK(v[i] >= '0' && v[i] <= '9');
			}
			if (field_is(line, n, "transfer-encoding")) {
				codings++;
				FUZZ_CHECK(vlen == 7 &&
					   strncasecmp(v, "chunked", 7) == 0);
			}
		}
		line = nl + 1;
	}
	FUZZ_CHECK(!first && line == buf + len);
	FUZZ_CHECK(http11 ? hosts == 1 : hosts <= 1);
	FUZZ_CHECK(auths <= 1 && cookies <= 1 && lengths <= 1 && codings <= 1);
	FUZZ_CHECK(!(lengths && codings));
	FUZZ_CHECK(!codings || http11);
}

/* Through the first LF LF or LF CR LF, or 0. */
static size_t head_length(const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < n && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a buffer of the input's own size, so a read past it is caught */
	char *buf = malloc(size ? size : 1);
	struct cat_head_check h;
	size_t len;
	int st;

	FUZZ_CHECK(buf != NULL);
	if (size)
		memcpy(buf, data, size);
	len = cat_head_length(buf, size);
	FUZZ_CHECK(len == head_length(buf, size));
	/* the gate judges the head alone; here also what has no end yet,
	 * which the scan must refuse */
	st = cat_head_scan(&h, buf, len ? len : size);
	FUZZ_CHECK(st == h.status);
	FUZZ_CHECK(st == 0 || st == 400 || st == 413 || st == 431 || st == 501);
	FUZZ_CHECK(!st == !h.why);
	if (st == 0) {
		FUZZ_CHECK(len != 0);
		FUZZ_CHECK(h.size <= CAT_MAX_HEAD);
		check_accepted(buf, len);
	}
	free(buf);
	return 0;
}
