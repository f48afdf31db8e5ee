/*
 * Shared pieces of the browser pages (web_*.c): the session behind the
 * catalyst_session cookie, CSRF and password checks, rate limits, and the
 * HTML layout every page is rendered through. Route handlers are declared
 * in routes.h; nothing here is used outside web_*.c.
 *
 * Before sign-in the cookie holds no session ID but a CSRF value signed
 * with a key every instance shares (in the store): an anonymous visitor
 * costs no store write. A session row exists only once someone signs in.
 */
#ifndef CAT_WEB_H
#define CAT_WEB_H

#include <stdint.h>

#include "http.h"
#include "store.h"

#define WEB_COOKIE "catalyst_session"
/* Rate-limit window for wrong codes and wrong passwords, seconds. */
#define WEB_RL_WINDOW 300
/* Wrong answers allowed per window (the serve flags can change some). */
#define WEB_RL_CODE_SESSION     10
#define WEB_RL_CODE_ADDR        30
#define WEB_RL_CODE_ACCOUNT     20   /* --code-limit-account */
#define WEB_RL_CODE_GLOBAL      1000 /* --code-limit-global */
#define WEB_RL_PASSWORD         10   /* one email from one address */
#define WEB_RL_PASSWORD_ADDR    30   /* --login-limit-addr */
#define WEB_RL_PASSWORD_ACCOUNT 20   /* --login-limit-account */
/* The per-account back-off's second step: wrong passwords per hour, in
 * multiples of the 5-minute limit, so a slow guesser from many addresses
 * is held back for an hour rather than five minutes. */
#define WEB_RL_ACCOUNT_HOURLY 3
/* Retry-After of a sign-in refused because every hash slot is busy. */
#define WEB_BUSY_RETRY 2
/* Longest "next" (return-to) path we carry through the sign-in form. */
#define WEB_NEXT_MAX 8192
/* Scopes named on a page before "and N more". */
#define WEB_SCOPES_SHOWN 3
/* Seconds after sign-in that the account page's destructive actions (revoke
 * tokens) are done without asking for the password again (--reauth-after). */
#define WEB_REAUTH_AFTER 600

/* The browser session of this request. */
struct web_session {
	int valid;                  /* s.csrf holds this browser's CSRF value */
	int stored;                 /* s is a stored (signed-in) session row */
	struct cat_session s;       /* the row, or just the csrf before it */
	struct cat_account account; /* filled when s.account_id != 0 */
};

/* One limit on wrong answers: limit per window seconds, counted under
 * keys named by kind. */
struct web_limit {
	const char *kind;
	int limit;
	int window;
};

/* web_session.c */

/*
 * Finds the session named by the request's cookie: a stored session, or
 * an anonymous signed CSRF value. When there is neither (or it expired)
 * and create is set, signs a fresh CSRF value into a new cookie on resp
 * (no store write); otherwise ws->valid stays 0. A session whose account
 * vanished counts as signed out. Returns 0 or a store error.
 */
int web_session_load(struct web_session *ws, struct cat_req *req,
		     struct cat_resp *resp, int create);
/*
 * Signs account in: deletes the current session (if any) and stores a
 * new one under a new ID and CSRF token, so a cookie planted before
 * sign-in is worthless after it. Returns 0 or a store error.
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
 * Limits on wrong answers (codes, passwords) per limit and subject; the
 * subject is hashed, so no key carries an email or a session ID. Only
 * wrong answers count (right ones must never lock a person out), but a
 * subject that used up its limit is refused whatever it sends, before any
 * lookup or hashing, until the window ends.
 *
 * web_limit_blocked sets *retry_after to the seconds until subject has a
 * wrong answer left, 0 when it has one now (a read only). web_limit_wrong
 * counts one wrong answer and sets *retry_after when that went over the
 * limit (concurrent requests). Both return 0 or a store error.
 */
int web_limit_blocked(struct cat_req *req, int64_t *retry_after,
		      const struct web_limit *l, const char *subject);
int web_limit_wrong(struct cat_req *req, int64_t *retry_after,
		    const struct web_limit *l, const char *subject);
/* The configured limit, or def when the serve flag was not given. */
int web_limit_value(int configured, int def);

/* web_login.c */

/* What a password check found (web_password_check). */
enum web_pw {
	WEB_PW_OK,       /* right password, account may sign in: acct set */
	WEB_PW_WRONG,    /* wrong email or password (counted) */
	WEB_PW_DISABLED, /* the account is disabled */
	WEB_PW_LIMITED,  /* too many wrong answers: retry after *retry_after */
	WEB_PW_BUSY,     /* every hash slot is busy: try again in a moment */
};
/*
 * The one password check of the pages (sign-in, and the account page's
 * re-authentication): the rate limits on wrong passwords before any
 * hashing, the Argon2id check in one of the few hash slots, the
 * signin_failed audit event and the count of a wrong answer. Fills acct
 * (password hash included: the caller wipes it) for WEB_PW_OK. Returns 0
 * with *res set, or a store error.
 */
int web_password_check(struct cat_req *req, const char *email,
		       const char *password, struct cat_account *acct,
		       enum web_pw *res, int64_t *retry_after);

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
/* 429 page with Retry-After: retry_after seconds. */
int web_too_many_page(struct cat_req *req, struct cat_resp *resp,
		      const struct web_session *ws, int64_t retry_after);
/* 503 page with Retry-After: the server is too busy to check a password
 * now (every hash slot is taken). */
int web_busy_page(struct cat_req *req, struct cat_resp *resp,
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
