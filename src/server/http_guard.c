#include "http_guard.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

/* RFC 9110 §5.6.2 tchar: what a method or a field name may consist of. */
static int is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

/* RFC 9110 §5.5: field-content is VCHAR, SP, HTAB and obs-text; a NUL,
 * CR, LF or any other control byte is refused rather than passed on. */
static int is_field_value(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* A request target is printable ASCII with no spaces: anything else
 * (raw UTF-8 included) has to be percent-encoded by the client. */
static int is_target(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Query parameters in a target: '&'-separated items after the '?'. */
static size_t query_items(const char *t, size_t n)
{
	const char *q = memchr(t, '?', n);
	size_t i, items = 0;

	if (!q)
		return 0;
	for (i = (size_t)(q + 1 - t); i < n; i++)
		if (t[i] == '&')
			items++;
	return items + ((size_t)(q + 1 - t) < n);
}

/*
 * libmicrohttpd percent-decodes the path before routing, so an encoded NUL
 * would end it early and an encoded slash or backslash would add a path
 * segment: /baas/v1/project/1%2Fenvironment would reach another route.
 * None of our paths needs either.
 */
static int path_ok(const char *t, size_t n)
{
	const char *q = memchr(t, '?', n);
	size_t i, end = q ? (size_t)(q - t) : n;

	for (i = 0; i + 2 < end; i++) {
		char a = t[i + 1], b = t[i + 2];

		if (t[i] != '%')
			continue;
		if ((a == '0' && b == '0') ||
		    (a == '2' && (b == 'f' || b == 'F')) ||
		    (a == '5' && (b == 'c' || b == 'C')))
			return 0;
	}
	return 1;
}

static void fail(struct cat_head_check *h, int status, const char *why)
{
	if (!h->status) {
		h->status = status;
		h->why = why;
	}
}

static int name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "chunked" with optional surrounding whitespace, in any case. */
static int is_chunked(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 7 && strncasecmp(s, "chunked", 7) == 0;
}

void cat_head_begin(struct cat_head_check *h, const char *method,
		    const char *target, size_t target_len, const char *version)
{
	size_t mlen = method ? strlen(method) : 0;

	memset(h, 0, sizeof(*h));
	h->http11 = !(version && strcmp(version, "HTTP/1.0") == 0);
	/* "METHOD SP target SP HTTP/x.y CRLF" */
	h->size = mlen + 1 + target_len + 1 + 8 + 2;
	if (!is_token(method ? method : "", mlen))
		fail(h, 400, "the request method is malformed");
	if (!target || !is_target(target, target_len))
		fail(h, 400,
		     "the request target contains spaces, control or "
		     "non-ASCII bytes");
	else if (!path_ok(target, target_len))
		fail(h, 400,
		     "the path contains an encoded NUL, slash or backslash");
	else if (query_items(target, target_len) > CAT_MAX_QUERY_PARAMS)
		fail(h, 413, "too many query parameters (at most 64)");
}

void cat_head_field(struct cat_head_check *h, const char *name, size_t name_len,
		    const char *value, size_t value_len)
{
	/* "name:value" CRLF at least; callers that know the exact size
	 * set it before cat_head_end */
	h->size += name_len + 1 + value_len + 2;
	if (++h->fields > CAT_MAX_FIELDS)
		fail(h, 431, "too many header fields (at most 100)");
	if (!name || !is_token(name, name_len)) {
		fail(h, 400,
		     "a header field name is empty or contains spaces or "
		     "control bytes");
		return;
	}
	if (!value || !is_field_value(value, value_len)) {
		fail(h, 400, "a header field value contains control bytes");
		return;
	}
	if (name_is(name, name_len, "host")) {
		h->hosts++;
	} else if (name_is(name, name_len, "authorization")) {
		h->auths++;
	} else if (name_is(name, name_len, "cookie")) {
		size_t i;

		h->cookies++;
		h->crumbs++;
		for (i = 0; i < value_len; i++)
			if (value[i] == ';')
				h->crumbs++;
		if (h->crumbs > CAT_MAX_COOKIES)
			fail(h, 431, "too many cookies (at most 50)");
	} else if (name_is(name, name_len, "content-length")) {
		h->lengths++;
		if (!all_digits(value, value_len))
			fail(h, 400, "Content-Length is not a number");
	} else if (name_is(name, name_len, "transfer-encoding")) {
		h->codings++;
		h->chunked = is_chunked(value, value_len);
	}
}

int cat_head_end(struct cat_head_check *h)
{
	h->size += 2; /* the empty line */
	if (h->size > CAT_MAX_HEAD) {
		h->status = 431;
		h->why = "the request head is larger than 8 KiB";
		return h->status;
	}
	if (h->http11 && h->hosts != 1)
		fail(h, 400,
		     "an HTTP/1.1 request needs exactly one Host field");
	if (!h->http11 && h->hosts > 1)
		fail(h, 400, "the Host field is repeated");
	if (h->auths > 1)
		fail(h, 400, "the Authorization field is repeated");
	/* libmicrohttpd reads only the first: a second would be ignored
	 * silently (RFC 6265 §5.4: one Cookie field) */
	if (h->cookies > 1)
		fail(h, 400, "the Cookie field is repeated");
	if (h->lengths > 1)
		fail(h, 400, "the Content-Length field is repeated");
	if (h->lengths && h->codings)
		fail(h, 400,
		     "both Content-Length and Transfer-Encoding are present");
	if (h->codings > 1)
		fail(h, 400, "the Transfer-Encoding field is repeated");
	if (h->codings && !h->http11)
		fail(h, 400, "Transfer-Encoding is not allowed in HTTP/1.0");
	if (h->codings && !h->chunked)
		fail(h, 501, "only the chunked transfer coding is supported");
	return h->status;
}

size_t cat_head_length(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The next line of buf[*pos, len): its start and length without the line
 * end; -1 at a bare CR or when no line end is left. */
static int next_line(const char *buf, size_t len, size_t *pos,
		     const char **line, size_t *n)
{
	const char *start = buf + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	size_t l;

	if (!nl)
		return -1;
	l = (size_t)(nl - start);
	*line = start;
	*pos += l + 1;
	if (l && start[l - 1] == '\r')
		l--;
	*n = l;
	return memchr(start, '\r', l) ? -1 : 0;
}

int cat_head_scan(struct cat_head_check *h, const char *buf, size_t len)
{
	const char *line, *sp1, *sp2, *colon, *v;
	char method[32], version[9];
	size_t pos = 0, n, mlen, vlen, tlen;

	memset(h, 0, sizeof(*h));
	if (next_line(buf, len, &pos, &line, &n) < 0 ||
	    !(sp1 = memchr(line, ' ', n)) ||
	    !(sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line)))) {
		fail(h, 400, "the request line is malformed");
		return h->status;
	}
	mlen = (size_t)(sp1 - line);
	tlen = (size_t)(sp2 - sp1 - 1);
	vlen = n - (size_t)(sp2 + 1 - line);
	if (mlen == 0 || mlen >= sizeof(method) || vlen != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 &&
	     memcmp(sp2 + 1, "HTTP/1.0", 8) != 0)) {
		fail(h, 400, "the request line is malformed");
		return h->status;
	}
	memcpy(method, line, mlen);
	method[mlen] = '\0';
	memcpy(version, sp2 + 1, 8);
	version[8] = '\0';
	/* a NUL in the method makes it a shorter string: caught as a
	 * mismatch of the lengths */
	cat_head_begin(h, strlen(method) == mlen ? method : "", sp1 + 1, tlen,
		       version);
	for (;;) {
		if (next_line(buf, len, &pos, &line, &n) < 0) {
			fail(h, 400, "a header line is malformed");
			break;
		}
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t') {
			fail(h, 400, "folded header lines are not accepted");
			break;
		}
		if (!(colon = memchr(line, ':', n))) {
			fail(h, 400, "a header line has no ':'");
			break;
		}
		/* OWS around the value is not part of it */
		v = colon + 1;
		while (v < line + n && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(line + n - v);
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		cat_head_field(h, line, (size_t)(colon - line), v, vlen);
	}
	if (pos != len && !h->status)
		fail(h, 400, "the request head is malformed");
	/* the exact size, not the estimate from the parsed fields (which
	 * counts ": " after every name); cat_head_end adds the empty line */
	h->size = len - 2;
	return cat_head_end(h);
}
