/*
 * The browser session cookie as the server reads it (web_session_load and
 * web_csrf_ok, src/server/web_session.c): libmicrohttpd splits the Cookie
 * header, and everything after that is ours. The input is
 * "<cookie value>\0<csrf form field>"; the value is handed out for every
 * cookie name the code asks for.
 *
 * The store is a real in-memory SQLite store holding one signed-in
 * session under a fixed cookie. Checked: no cookie but exactly that one
 * yields a signed-in session, and a form passes the CSRF check of a
 * signed-in session only with that session's own token.
 */
#include "fuzz.h"

#include "err.h"
#include "http.h"
#include "server.h"
#include "store.h"
#include "token.h"
#include "web.h"

#define CSRF "Zk3pQ9aB1cD2eF3gH4iJ5kL6mN7oP8qR"
#define NOW  INT64_C(1800000000)

static struct cat_store *store;
static struct cat_server srv;
static char known[CAT_TOKEN_MAX];
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
	struct cat_account a;
	struct cat_session s;

	(void)argc;
	(void)argv;
	srv.cfg.session_ttl = 3600;
	snprintf(srv.cfg.dc, sizeof(srv.cfg.dc), "us");
	FUZZ_CHECK(cat_store_open(&store, "sqlite::memory:") == 0);
	FUZZ_CHECK(cat_store_migrate(store) == 0);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	const char *csrf =
		in + strlen(in) < in + size ? in + strlen(in) + 1 : NULL;
	struct web_session ws;
	struct cat_req req;
	struct cat_resp resp;
	int err, signed_in;
	size_t i;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.srv = &srv;
	req.store = store;
	req.method = "POST";
	req.path = "/device/decide";
	req.now = NOW;
	cat_buf_init(&req.body, CAT_MAX_BODY);
	cat_buf_init(&resp.body, CAT_MAX_RESPONSE);
	if (csrf) {
		req.params.items[0].key = (char *)"csrf";
		req.params.items[0].value = (char *)csrf;
		req.params.count = 1;
	}
	cookie_value = in;

	err = web_session_load(&ws, &req, &resp, 0);
	FUZZ_CHECK(err == 0);
	signed_in = ws.valid && ws.s.account_id != 0;
	if (signed_in)
		FUZZ_CHECK(strcmp(in, known) == 0);
	if (web_csrf_ok(&ws, &req) && signed_in)
		FUZZ_CHECK(csrf && strcmp(csrf, CSRF) == 0);

	cookie_value = NULL;
	cat_buf_release(&req.body);
	cat_buf_release(&resp.body);
	for (i = 0; i < resp.header_count; i++)
		free(resp.headers[i].value);
	free(in);
	cat_error_clear();
	return 0;
}
