/*
 * Shared pieces of the browser pages (web_*.c): the session behind the
 * catalyst_session cookie, CSRF and password checks, rate limits, and the
 * HTML layout every page is rendered through. Route handlers are declared
 * in routes.h; nothing here is used outside web_*.c.
 */
#ifndef CAT_WEB_H
#define CAT_WEB_H

#include <stdint.h>

#include "http.h"
#include "store.h"

#define WEB_COOKIE "catalyst_session"
/* Rate-limit window for wrong codes and wrong passwords, seconds. */
#define WEB_RL_WINDOW 300
/* Offset of the second, staggered window (see web_session.c). */
#define WEB_RL_STAGGER      (WEB_RL_WINDOW / 2)
#define WEB_RL_CODE_SESSION 10
#define WEB_RL_CODE_ADDR    30
#define WEB_RL_PASSWORD     10
/* Longest "next" (return-to) path we carry through the sign-in form. */
#define WEB_NEXT_MAX 8192
/* Scopes named on a page before "and N more". */
#define WEB_SCOPES_SHOWN 3

/* The browser session of this request. */
struct web_session {
	int valid;                  /* a stored session was found or made */
	struct cat_session s;       /* the stored row (hash, csrf, account) */
	struct cat_account account; /* filled when s.account_id != 0 */
};

/* web_session.c */

/*
 * Finds the session named by the request's cookie. When there is none (or
 * it expired) and create is set, starts an anonymous one holding a fresh
 * CSRF token and adds its Set-Cookie header to resp; otherwise ws->valid
 * stays 0. A session whose account vanished counts as signed out.
 * Returns 0 or a store error.
 */
int web_session_load(struct web_session *ws, struct cat_req *req,
		     struct cat_resp *resp, int create);
/*
 * Signs account in: deletes the current session (if any) and starts a
 * new one under a new ID and CSRF token, so an ID planted before sign-in
 * is worthless after it. Returns 0 or a store error.
 */
int web_session_start(struct web_session *ws, struct cat_req *req,
		      struct cat_resp *resp, const struct cat_account *account);
/* Deletes the session and expires the cookie. Returns 0 or a store error. */
int web_session_end(struct web_session *ws, struct cat_req *req,
		    struct cat_resp *resp);
/* 1 when the request's csrf field matches the session (constant time). */
int web_csrf_ok(const struct web_session *ws, const struct cat_req *req);
/*
 * The start of a form handler (POST): loads the session without
 * creating one and checks the form's CSRF token. Returns <0 on a store
 * error; 0 with *ok set when the form may be handled; 0 with *ok clear
 * when the 403 page (web_csrf_page) was rendered instead.
 */
int web_form_session(struct web_session *ws, struct cat_req *req,
		     struct cat_resp *resp, int *ok);
/*
 * 1 when password matches account (which may be NULL for an unknown
 * email: a dummy hash is checked then so both cases take the same time).
 */
int web_password_ok(const struct cat_account *account, const char *password);
/*
 * Limits on wrong answers (codes, passwords) per kind and subject within
 * WEB_RL_WINDOW seconds; the subject is hashed, so no key carries an
 * email or a session ID. Only wrong answers count (right ones must never
 * lock a person out), but a subject that used up its limit is refused
 * whatever it sends, before any lookup or hashing, until the window ends.
 *
 * web_limit_blocked sets *blocked when subject has no wrong answer left
 * (a read only). web_limit_wrong counts one wrong answer and sets
 * *blocked when it went over limit (concurrent requests). Both return 0
 * or a store error.
 */
int web_limit_blocked(struct cat_req *req, int *blocked, const char *kind,
		      const char *subject, int limit);
int web_limit_wrong(struct cat_req *req, int *blocked, const char *kind,
		    const char *subject, int limit);

/* web_page.c */

/*
 * Appends fmt to b. fmt is a trusted template; every %s argument is HTML-
 * escaped (NULL renders as ""). Supports %s, %d, %lld, %zu and %%.
 */
int web_html(struct cat_buf *b, const char *fmt, ...) CAT_PRINTF(2, 3);
/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
int web_url_encode(struct cat_buf *b, const char *s);
/*
 * The scopes (space-separated) as "N scopes", the first WEB_SCOPES_SHOWN
 * of them, and the rest behind an "and M more" <details> element.
 */
int web_scope_summary(struct cat_buf *b, const char *scope);
/* The hidden csrf input of ws. */
int web_csrf_field(struct cat_buf *b, const struct web_session *ws);
/*
 * Wraps body (already escaped HTML) in the layout (title, header with the
 * signed-in account and a sign-out button) and sends it with status.
 */
int web_render(struct cat_req *req, struct cat_resp *resp, int status,
	       const struct web_session *ws, const char *title,
	       const struct cat_buf *body);
/* A page with a heading and one paragraph, plus an optional link. */
int web_message(struct cat_req *req, struct cat_resp *resp, int status,
		const struct web_session *ws, const char *title,
		const char *text, const char *href, const char *link_text);
/* The sign-in form returning to next; error (may be NULL) shown above. */
int web_signin_page(struct cat_req *req, struct cat_resp *resp, int status,
		    const struct web_session *ws, const char *next,
		    const char *email, const char *error);
/* 403 page for a missing or wrong CSRF token / missing session. */
int web_csrf_page(struct cat_req *req, struct cat_resp *resp,
		  const struct web_session *ws);
/* 429 page with Retry-After until both windows have ended. */
int web_too_many_page(struct cat_req *req, struct cat_resp *resp,
		      const struct web_session *ws);
/*
 * Turns an internal failure (err < 0) into an HTML 500/503 page and logs
 * it, so the browser never sees a JSON error body. Returns 0 when the page
 * was made, else err.
 */
int web_fail(struct cat_req *req, struct cat_resp *resp, int err);
/*
 * Lets the page's forms lead to origin: Chrome applies the CSP
 * form-action of the page to the redirect that answers a form, so the
 * consent page must name the loopback origin it redirects to.
 */
int web_allow_form_target(struct cat_resp *resp, const char *origin);
/* 1 when next is a path on this site ("/x", not "//x", no '\', no
 * control characters or spaces). */
int web_local_path(const char *next);

#endif
