/*
 * The browser cookie as the server reads it (web_session_load and
 * web_csrf_ok, src/server/web_session.c): libmicrohttpd splits the Cookie
 * header, and everything after that is ours. The input is
 * "<cookie value>\0<csrf form field>"; the value is handed out for every
 * cookie name the code asks for.
 *
 * The store is a real in-memory SQLite store holding one signed-in
 * session under a fixed cookie, and a fixed MAC key for anonymous cookies
 * ("csrf.<issued>.<csrf>.<mac>"), so seeds can carry valid ones. Checked:
 * only that one cookie signs in; an anonymous cookie is accepted only when
 * its MAC (recomputed here) holds and it is neither expired nor from the
 * future, and it yields its own CSRF value; a form passes the CSRF check
 * only with the value its cookie carries; a cookie the server hands out is
 * accepted when it comes back.
 */
#include "fuzz.h"

#include <sodium.h>

#include "err.h"
#include "http.h"
#include "server.h"
#include "store.h"
#include "token.h"
#include "web.h"

#define CSRF "Zk3pQ9aB1cD2eF3gH4iJ5kL6mN7oP8qR"
#define NOW  INT64_C(1800000000)
#define TTL  3600
#define SKEW 300
#define KEY_HEX                                                                \
	"4242424242424242424242424242424242424242424242424242424242424242"

static struct cat_store *store;
static struct cat_server srv;
static char known[CAT_TOKEN_MAX];
static unsigned char key[crypto_auth_KEYBYTES];
static const char *cookie_value;

/* libmicrohttpd needs a real connection; linked with
 * --wrap=cat_req_cookie and --wrap=cat_req_header, the code asks here. */
const char *__wrap_cat_req_cookie(const struct cat_req *req, const char *name);
const char *__wrap_cat_req_cookie(const struct cat_req *req, const char *name)
{
	(void)req;
	(void)name;
	return cookie_value;
}

const char *__wrap_cat_req_header(const struct cat_req *req, const char *name);
const char *__wrap_cat_req_header(const struct cat_req *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char stored[CAT_KEY_HEX];
	struct cat_account a;
	struct cat_session s;
	size_t n = 0;

	(void)argc;
	(void)argv;
	FUZZ_CHECK(sodium_init() >= 0);
	srv.cfg.session_ttl = TTL;
	snprintf(srv.cfg.dc, sizeof(srv.cfg.dc), "us");
	FUZZ_CHECK(cat_store_open(&store, "sqlite::memory:") == 0);
	FUZZ_CHECK(cat_store_migrate(store) == 0);
	/* the first key stored wins: ours, before the server proposes one */
	FUZZ_CHECK(cat_store_key_get_or_add(store, "web-csrf-v1", KEY_HEX,
					    stored) == 0);
	FUZZ_CHECK(strcmp(stored, KEY_HEX) == 0);
	FUZZ_CHECK(sodium_hex2bin(key, sizeof(key), KEY_HEX, strlen(KEY_HEX),
				  NULL, &n, NULL) == 0 &&
		   n == sizeof(key));

	memset(&a, 0, sizeof(a));
	snprintf(a.email, sizeof(a.email), "fuzz@example.com");
	FUZZ_CHECK(cat_store_account_add(store, &a) == 0);
	/* a fixed cookie, so the seed corpus can hold it */
	memcpy(known, "cats_us_0123456789ABCDEFabcdef0123456789", 40);
	cat_token_crc(known + 40, known, 40);
	FUZZ_CHECK(cat_token_parse(known, NULL, NULL) == 0);
	memset(&s, 0, sizeof(s));
	cat_token_hash(s.id_hash, known);
	s.account_id = a.id;
	memcpy(s.csrf, CSRF, sizeof(CSRF));
	s.created_at = NOW;
	s.expires_at = NOW + 1000000000;
	FUZZ_CHECK(cat_store_session_insert(store, &s) == 0);
	return 0;
}

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

/*
 * An anonymous cookie the way it must be: "csrf.", issued time (digits,
 * no leading zero), '.', 32 base62 characters, '.', the hex MAC of
 * "<issued>.<csrf>" under the key, within its lifetime. The CSRF value
 * goes to csrf.
 */
static int anon_valid(const char *c, char csrf[33])
{
	unsigned char mac[crypto_auth_BYTES];
	const char *p, *t, *dot;
	long long issued = 0;
	size_t i;

	if (strncmp(c, "csrf.", 5) != 0)
		return 0;
	t = c + 5;
	for (p = t; *p >= '0' && *p <= '9'; p++) {
		if (issued > (NOW + SKEW) / 10)
			return 0;
		issued = issued * 10 + (*p - '0');
	}
	if (p == t || *t == '0' || *p != '.')
		return 0;
	dot = p;
	for (i = 0; i < 32; i++)
		if (!dot[1 + i] ||
		    !strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
			    "opqrstuvwxyz",
			    dot[1 + i]))
			return 0;
	p = dot + 33;
	if (*p != '.' || strlen(p + 1) != 2 * crypto_auth_BYTES)
		return 0;
	for (i = 0; i < crypto_auth_BYTES; i++) {
		int hi = hexval(p[1 + 2 * i]), lo = hexval(p[2 + 2 * i]);

		if (hi < 0 || lo < 0)
			return 0;
		mac[i] = (unsigned char)(hi * 16 + lo);
	}
	if (crypto_auth_verify(mac, (const unsigned char *)t, (size_t)(p - t),
			       key) != 0)
		return 0;
	if (issued > NOW + SKEW || NOW - issued >= TTL)
		return 0;
	memcpy(csrf, dot + 1, 32);
	csrf[32] = '\0';
	return 1;
}

static void req_init(struct cat_req *req, struct cat_resp *resp,
		     const char *csrf)
{
	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->srv = &srv;
	req->store = store;
	req->method = "POST";
	req->path = "/device/decide";
	req->now = NOW;
	cat_buf_init(&req->body, CAT_MAX_BODY);
	cat_buf_init(&resp->body, CAT_MAX_RESPONSE);
	if (csrf) {
		req->params.items[0].key = (char *)"csrf";
		req->params.items[0].value = (char *)csrf;
		req->params.count = 1;
	}
}

static void resp_free(struct cat_resp *resp)
{
	size_t i;

	cat_buf_release(&resp->body);
	for (i = 0; i < resp->header_count; i++)
		free(resp->headers[i].value);
	resp->header_count = 0;
}

/* The value of the Set-Cookie the server added, or NULL. */
static char *issued_cookie(const struct cat_resp *resp)
{
	const char *v, *end;
	size_t i;

	for (i = 0; i < resp->header_count; i++) {
		if (strcmp(resp->headers[i].name, "Set-Cookie") != 0)
			continue;
		v = resp->headers[i].value;
		FUZZ_CHECK(strncmp(v, WEB_COOKIE "=", sizeof(WEB_COOKIE)) == 0);
		v += sizeof(WEB_COOKIE);
		end = strchr(v, ';');
		FUZZ_CHECK(end != NULL);
		return fuzz_cstr((const uint8_t *)v, (size_t)(end - v));
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size), *back;
	const char *form = strlen(in) < size ? in + strlen(in) + 1 : NULL;
	char csrf[33];
	struct web_session ws, ws2;
	struct cat_req req;
	struct cat_resp resp;
	int anon;

	req_init(&req, &resp, form);
	cookie_value = in;
	FUZZ_CHECK(web_session_load(&ws, &req, &resp, 0) == 0);
	FUZZ_CHECK(resp.header_count == 0);
	anon = anon_valid(in, csrf);
	if (ws.stored) {
		FUZZ_CHECK(strcmp(in, known) == 0);
		FUZZ_CHECK(ws.valid && strcmp(ws.s.csrf, CSRF) == 0);
	} else if (ws.valid) {
		FUZZ_CHECK(anon);
		FUZZ_CHECK(strcmp(ws.s.csrf, csrf) == 0);
	} else {
		FUZZ_CHECK(!anon && strcmp(in, known) != 0);
	}
	if (web_csrf_ok(&ws, &req))
		FUZZ_CHECK(ws.valid && form && strcmp(form, ws.s.csrf) == 0);
	resp_free(&resp);

	/* a page view: any new cookie must be accepted when it comes back */
	FUZZ_CHECK(web_session_load(&ws, &req, &resp, 1) == 0);
	FUZZ_CHECK(ws.valid);
	back = issued_cookie(&resp);
	if (back) {
		FUZZ_CHECK(!ws.stored);
		cookie_value = back;
		FUZZ_CHECK(web_session_load(&ws2, &req, &resp, 0) == 0);
		FUZZ_CHECK(ws2.valid && !ws2.stored);
		FUZZ_CHECK(strcmp(ws2.s.csrf, ws.s.csrf) == 0);
		FUZZ_CHECK(anon_valid(back, csrf) &&
			   strcmp(csrf, ws.s.csrf) == 0);
		free(back);
	} else {
		FUZZ_CHECK(ws.stored || anon);
	}

	cookie_value = NULL;
	cat_buf_release(&req.body);
	resp_free(&resp);
	free(in);
	cat_error_clear();
	return 0;
}
