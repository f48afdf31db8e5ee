/*
 * The browser half of the authorization code flow that `catalyst login`
 * uses: sign-in, consent, then a redirect to the CLI's loopback listener
 * with a single-use code (PKCE S256). Client and redirect_uri are checked
 * before anything redirects: nothing is ever sent but to a loopback.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "dc.h"
#include "log.h"
#include "routes.h"
#include "server.h"
#include "banned.h"

#define STATE_MAX     1024
#define CHALLENGE_MIN 43  /* base64url of a SHA-256 (RFC 7636 §4.2) */
#define CHALLENGE_MAX 127 /* what cat_auth_code.code_challenge holds */
#define ORIGIN_MAX    64

/* The request parameters, checked. */
struct authz {
	const char *client_id;
	const char *redirect_uri;
	const char *response_type;
	const char *scope;
	const char *state;
	const char *code_challenge;
	const char *code_challenge_method;
	struct cat_client client;
	char origin[ORIGIN_MAX]; /* "http://localhost:9005", for the CSP */
};

/* What the consent form carries back, in the order of http-api.md. */
static const char *const carried[] = {
	"client_id",
	"redirect_uri",
	"state",
	"scope",
	"response_type",
	"code_challenge",
	"code_challenge_method",
};

static int uri_char_ok(unsigned char c)
{
	/* RFC 3986 unreserved, sub-delims, ":@/?" and '%' escapes; no '#' */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("-._~!$&'()*+,;=:@/?%", c));
}

/*
 * 1 when uri is http://localhost:PORT, http://127.0.0.1:PORT or
 * http://[::1]:PORT with an optional path and query (RFC 8252 §7.3), and
 * writes its origin. No userinfo can pass: only '/', '?' or the end may
 * follow the port.
 */
static int loopback_uri(const char *uri, char origin[ORIGIN_MAX])
{
	static const char *const hosts[] = { "localhost", "127.0.0.1",
					     "[::1]" };
	const char *p;
	size_t i, hl = 0, digits;
	long port = 0;

	if (!uri || strlen(uri) > CAT_URI_MAX || strncmp(uri, "http://", 7))
		return 0;
	p = uri + 7;
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		hl = strlen(hosts[i]);
		if (strncmp(p, hosts[i], hl) == 0 && p[hl] == ':')
			break;
	}
	if (i == sizeof(hosts) / sizeof(hosts[0]))
		return 0;
	p += hl + 1;
	for (digits = 0; p[digits] >= '0' && p[digits] <= '9' && digits < 6;
	     digits++)
		port = port * 10 + (p[digits] - '0');
	if (digits == 0 || digits > 5 || port < 1 || port > 65535)
		return 0;
	snprintf(origin, ORIGIN_MAX, "http://%s:%ld", hosts[i], port);
	p += digits;
	if (*p && *p != '/' && *p != '?')
		return 0;
	for (; *p; p++)
		if (!uri_char_ok((unsigned char)*p))
			return 0;
	return 1;
}

static int challenge_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < CHALLENGE_MIN || n > CHALLENGE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-._~", s[i])))
			return 0;
	return 1;
}

/* A page for a request we must not redirect (bad client or redirect_uri). */
static int invalid_page(struct cat_req *req, struct cat_resp *resp,
			const char *why)
{
	struct cat_buf text = CAT_BUF_INIT(1024);
	int err;

	err = cat_buf_printf(&text,
			     "This sign-in link is not valid: %s. "
			     "Start the sign-in again from the Catalyst CLI.",
			     why);
	if (err == 0)
		err = web_message(req, resp, 400, NULL, "Invalid sign-in link",
				  cat_buf_cstr(&text), NULL, NULL);
	cat_buf_release(&text);
	return err;
}

/*
 * Sends the browser back to the client: with code, or with error (and an
 * optional description). state goes back exactly as it came.
 */
static int redirect_back(struct cat_resp *resp, const struct authz *a,
			 const char *code, const char *error, const char *desc)
{
	struct cat_buf loc =
		CAT_BUF_INIT(CAT_URI_MAX + 2 * 1024 + 3 * STATE_MAX);
	int err;

	err = cat_buf_puts(&loc, a->redirect_uri);
	if (err == 0)
		err = cat_buf_puts(&loc,
				   strchr(a->redirect_uri, '?') ? "&" : "?");
	if (err == 0 && code) {
		if ((err = cat_buf_puts(&loc, "code=")) == 0)
			err = web_url_encode(&loc, code);
	} else if (err == 0) {
		if ((err = cat_buf_puts(&loc, "error=")) == 0)
			err = web_url_encode(&loc, error);
		if (err == 0 && desc &&
		    (err = cat_buf_puts(&loc, "&error_description=")) == 0)
			err = web_url_encode(&loc, desc);
	}
	if (err == 0 && a->state && (err = cat_buf_puts(&loc, "&state=")) == 0)
		err = web_url_encode(&loc, a->state);
	if (err == 0)
		err = cat_resp_redirect(resp, 302, cat_buf_cstr(&loc));
	/* the Location holds the code: do not leave copies behind */
	if (loc.ptr)
		sodium_memzero(loc.ptr, loc.len);
	cat_buf_release(&loc);
	return err;
}

/*
 * Reads and checks the parameters. Returns 0 with *ok set when the request
 * is good; 0 with *ok clear when an error page or error redirect was
 * made; <0 on failure.
 */
static int authz_check(struct cat_req *req, struct cat_resp *resp,
		       struct authz *a, int *ok)
{
	int err;

	*ok = 0;
	memset(a, 0, sizeof(*a));
	a->client_id = cat_req_param(req, "client_id");
	a->redirect_uri = cat_req_param(req, "redirect_uri");
	a->response_type = cat_req_param(req, "response_type");
	a->scope = cat_req_param(req, "scope");
	a->state = cat_req_param(req, "state");
	a->code_challenge = cat_req_param(req, "code_challenge");
	a->code_challenge_method = cat_req_param(req, "code_challenge_method");

	if (!a->client_id || !*a->client_id)
		return invalid_page(req, resp, "client_id is missing");
	if (strlen(a->client_id) > CAT_ID_MAX)
		return invalid_page(req, resp, "unknown client");
	err = cat_store_client_get(req->store, &a->client, a->client_id);
	if (err == CAT_ENOTFOUND)
		return invalid_page(req, resp, "unknown client");
	if (err < 0)
		return err;
	if (a->client.kind != CAT_CLIENT_BROWSER)
		return invalid_page(req, resp,
				    "this client may not use browser sign-in");
	if (!loopback_uri(a->redirect_uri, a->origin))
		return invalid_page(
			req, resp,
			"redirect_uri must be http://localhost:PORT, "
			"http://127.0.0.1:PORT or http://[::1]:PORT");
	if (a->state && strlen(a->state) > STATE_MAX)
		return invalid_page(req, resp, "state is too long");

	/* from here on the client hears about errors (RFC 6749 §4.1.2.1) */
	if (!a->response_type)
		return redirect_back(resp, a, NULL, "invalid_request",
				     "response_type is missing");
	if (strcmp(a->response_type, "code") != 0)
		return redirect_back(resp, a, NULL, "unsupported_response_type",
				     "only response_type=code is supported");
	if (a->code_challenge_method && !a->code_challenge)
		return redirect_back(resp, a, NULL, "invalid_request",
				     "code_challenge_method without "
				     "code_challenge");
	if (a->code_challenge &&
	    (!a->code_challenge_method ||
	     strcmp(a->code_challenge_method, "S256") != 0))
		return redirect_back(resp, a, NULL, "invalid_request",
				     "code_challenge_method must be S256");
	if (a->code_challenge && !challenge_ok(a->code_challenge))
		return redirect_back(resp, a, NULL, "invalid_request",
				     "code_challenge is malformed");
	/* a public client has no secret: only PKCE ties the code to it, so
	 * a code it could never redeem is not issued (RFC 9700 §2.1.1) */
	if (a->client.is_public && !a->code_challenge)
		return redirect_back(resp, a, NULL, "invalid_request",
				     "a public client must send a "
				     "code_challenge (PKCE S256)");
	if (a->scope && strlen(a->scope) > CAT_SCOPE_MAX)
		return redirect_back(resp, a, NULL, "invalid_scope",
				     "scope is too long");
	*ok = 1;
	return 0;
}

/* This request as a GET URL (path + query), for sign-in to return to. */
static int authz_next(struct cat_buf *next, const struct cat_req *req)
{
	static const char *const keys[] = {
		"client_id",
		"scope",
		"response_type",
		"redirect_uri",
		"state",
		"code_challenge",
		"code_challenge_method",
		"access_type",
		"prompt",
	};
	size_t i;
	int err = cat_buf_puts(next, "/oauth/v2/auth"), first = 1;

	for (i = 0; err == 0 && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = cat_req_param(req, keys[i]);

		if (!v)
			continue;
		err = cat_buf_printf(next, "%c%s=", first ? '?' : '&', keys[i]);
		if (err == 0)
			err = web_url_encode(next, v);
		first = 0;
	}
	return err;
}

static int consent_page(struct cat_req *req, struct cat_resp *resp,
			const struct web_session *ws, const struct authz *a)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	const struct cat_dc *dc = cat_dc_find(req->srv->cfg.dc);
	size_t i;
	int err;

	err = web_html(&body,
		       "<h1>Allow %s?</h1>"
		       "<p class=\"lead\"><b>%s</b> wants to use your Catalyst "
		       "account.</p><dl>"
		       "<dt>Application</dt><dd>%s "
		       "<span class=\"muted\">(%s)</span></dd>"
		       "<dt>Account</dt><dd>%s</dd>"
		       "<dt>Data center</dt><dd>%s (%s)</dd>"
		       "<dt>Access</dt><dd>",
		       a->client.name, a->client.name, a->client.name,
		       a->client_id, ws->account.email,
		       dc ? dc->name : req->srv->cfg.dc, req->srv->cfg.dc);
	if (err == 0)
		err = web_scope_summary(&body, a->scope ? a->scope : "");
	if (err == 0)
		err = web_html(
			&body,
			"</dd><dt>Returns to</dt><dd>%s "
			"<span class=\"muted\">(a program on this "
			"computer)</span></dd></dl>"
			"<p class=\"note\">The CLI stays signed in until "
			"you run <b>catalyst logout</b>. Allow only if you "
			"just ran <b>catalyst login</b> on this computer."
			"</p><form method=\"post\" action=\"/oauth/v2/auth\">",
			a->origin);
	if (err == 0)
		err = web_csrf_field(&body, ws);
	for (i = 0; err == 0 && i < sizeof(carried) / sizeof(carried[0]); i++) {
		const char *v = cat_req_param(req, carried[i]);

		if (v)
			err = web_html(&body,
				       "<input type=\"hidden\" name=\"%s\" "
				       "value=\"%s\">",
				       carried[i], v);
	}
	if (err == 0)
		err = cat_buf_puts(
			&body, "<div class=\"btns\">"
			       "<button class=\"primary\" type=\"submit\" "
			       "name=\"action\" value=\"allow\">Allow</button>"
			       "<button class=\"danger\" type=\"submit\" "
			       "name=\"action\" value=\"deny\">Deny</button>"
			       "</div></form>");
	if (err == 0)
		err = web_render(req, resp, 200, ws, "Allow access", &body);
	/* Allow answers with a redirect to the loopback: let the form go
	 * there (browsers apply form-action to that redirect) */
	if (err == 0)
		err = web_allow_form_target(resp, a->origin);
	cat_buf_release(&body);
	return err;
}

/* The sign-in form, returning to this authorization request. A request
 * too long to return to (a scope of 4095 bytes is 12 KiB escaped) is a bad
 * link, not a failure of the server. */
static int signin(struct cat_req *req, struct cat_resp *resp, int status,
		  const struct web_session *ws)
{
	/* one less than WEB_NEXT_MAX: what fits is a path web_local_path
	 * takes */
	struct cat_buf next = CAT_BUF_INIT(WEB_NEXT_MAX - 1);
	int err;

	if ((err = authz_next(&next, req)) == 0)
		err = web_signin_page(req, resp, status, ws,
				      cat_buf_cstr(&next), NULL, NULL);
	else if (err == CAT_ETOOBIG)
		err = invalid_page(req, resp,
				   "it is too long to return to after sign-in");
	cat_buf_release(&next);
	return err;
}

int route_web_auth_form(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct authz a;
	int err, ok = 0;

	if ((err = authz_check(req, resp, &a, &ok)) < 0 || !ok)
		goto done;
	if ((err = web_session_load(&ws, req, resp, 1)) < 0)
		goto done;
	if (!ws.s.account_id)
		err = signin(req, resp, 200, &ws);
	else
		err = consent_page(req, resp, &ws, &a);
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}

/* Mints the code, stores its hash and redirects back with it. */
static int issue_code(struct cat_req *req, struct cat_resp *resp,
		      const struct web_session *ws, const struct authz *a)
{
	struct cat_auth_code c;
	char code[CAT_TOKEN_MAX];
	int err;

	memset(&c, 0, sizeof(c));
	if ((err = cat_token_new(code, CAT_TOK_CODE, req->srv->cfg.dc)) < 0)
		goto done;
	cat_token_hash(c.code_hash, code);
	snprintf(c.client_id, sizeof(c.client_id), "%s", a->client_id);
	c.account_id = ws->s.account_id;
	snprintf(c.redirect_uri, sizeof(c.redirect_uri), "%s", a->redirect_uri);
	snprintf(c.scope, sizeof(c.scope), "%s", a->scope ? a->scope : "");
	snprintf(c.code_challenge, sizeof(c.code_challenge), "%s",
		 a->code_challenge ? a->code_challenge : "");
	c.expires_at = req->now + req->srv->cfg.code_ttl;
	if ((err = cat_store_code_insert(req->store, &c)) < 0)
		goto done;
	{
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)c.account_id);
		cat_log_event("auth_code_issued", "client_id", a->client_id,
			      "account", id, "client", req->client_ip, NULL);
	}
	err = redirect_back(resp, a, code, NULL, NULL);
done:
	sodium_memzero(code, sizeof(code));
	return err;
}

int route_web_auth_decide(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct authz a;
	const char *action = cat_req_param(req, "action");
	int err, ok = 0;

	if ((err = web_form_session(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if ((err = authz_check(req, resp, &a, &ok)) < 0 || !ok)
		goto done;
	if (!ws.s.account_id)
		err = signin(req, resp, 401, &ws);
	else if (action && strcmp(action, "allow") == 0)
		err = issue_code(req, resp, &ws, &a);
	else if (action && strcmp(action, "deny") == 0)
		err = redirect_back(resp, &a, NULL, "access_denied",
				    "the user denied the request");
	else
		err = web_message(req, resp, 400, &ws, "Bad request",
				  "Choose Allow or Deny.", NULL, NULL);
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}
