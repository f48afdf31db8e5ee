/*
 * Strict checks of a request head (RFC 9112), run once the head is complete
 * and before any route or body is looked at. libmicrohttpd parses leniently:
 * it answers a request carrying both Content-Length and Transfer-Encoding,
 * takes the first of two Content-Length or Host headers, and accepts header
 * names with spaces or control bytes. Each of those lets a proxy in front
 * of us and catalystd disagree about where a request ends (smuggling), so a
 * head that fails here is answered 400 and its connection closed.
 *
 * The checker is a pure function of the bytes it is given, so it is fuzzed
 * on its own (tests/fuzz).
 */
#ifndef CAT_HTTP_GUARD_H
#define CAT_HTTP_GUARD_H

#include <stddef.h>

/* The largest request head (request line and header fields) we accept;
 * libmicrohttpd's per-connection memory pool must be comfortably larger so
 * that such a head always reaches us rather than libmicrohttpd's own error. */
#define CAT_MAX_HEAD (8 * 1024)
/* libmicrohttpd keeps a record in its pool for every header field, cookie
 * and query parameter, so their number, not only the head's size, decides
 * whether a head fits; these bound it (the dispatcher's parameter list holds
 * CAT_MAX_PARAMS = 64 of query and form together). */
#define CAT_MAX_FIELDS       100
#define CAT_MAX_COOKIES      50
#define CAT_MAX_QUERY_PARAMS 64

struct cat_head_check {
	int http11;       /* HTTP/1.1 (Host required) rather than 1.0 */
	size_t size;      /* bytes of the head seen so far */
	unsigned hosts;   /* Host fields */
	unsigned auths;   /* Authorization fields */
	unsigned cookies; /* Cookie fields */
	unsigned fields;  /* all header fields */
	unsigned crumbs;  /* cookies in the Cookie fields */
	unsigned lengths; /* Content-Length fields */
	unsigned codings; /* Transfer-Encoding fields */
	int chunked;      /* the one Transfer-Encoding is exactly "chunked" */
	int status;       /* first failure: 400, 413, 431, 501; 0 if fine */
	const char *why;  /* static text for the failure */
};

/* Starts a check of a request line. version is "HTTP/1.1" or "HTTP/1.0"
 * as libmicrohttpd reports it. */
void cat_head_begin(struct cat_head_check *h, const char *method,
		    const char *target, size_t target_len, const char *version);
/* Adds one header field, name and value with their lengths as received. */
void cat_head_field(struct cat_head_check *h, const char *name, size_t name_len,
		    const char *value, size_t value_len);
/* Ends the check: 0 when the head is acceptable, else the HTTP status to
 * answer (400, 431 or 501) with h->why saying why. */
int cat_head_end(struct cat_head_check *h);

/*
 * Checks a raw request head: buf holds the bytes of one request from its
 * first byte through the empty line that ends the head (CRLF or bare LF
 * line ends), exactly as received. Everything the field checks above
 * refuse is refused here too, and so is what libmicrohttpd would read
 * differently from a proxy: NUL bytes (it cuts the line there), a header
 * line starting with ':' (it takes it for the end of the head), folded
 * lines, a bare CR, more than one space in the request line. Returns 0 or
 * the status to answer, with h->why set.
 */
int cat_head_scan(struct cat_head_check *h, const char *buf, size_t len);
/* Length of the head at the start of buf (through its empty line), or 0
 * while the empty line has not arrived. */
size_t cat_head_length(const char *buf, size_t len);

#endif
