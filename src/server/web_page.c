/*
 * HTML for the browser pages: one layout (a centered card, inline style,
 * no scripts, nothing loaded from elsewhere) and the small pages several
 * flows share. Every value placed into HTML goes through cat_buf_html,
 * mostly via web_html(), whose %s always escapes.
 */
#include "web.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "log.h"
#include "server.h"
#include "banned.h"

/*
 * The one stylesheet, an inline <style> (the pages' CSP allows inline
 * styles and nothing else: no scripts, nothing fetched). Laid out for a
 * 375 px phone first: the header wraps, long values (emails, ids, device
 * names) wrap inside their box (anywhere, when a piece has no space or
 * hyphen to wrap at) instead of widening the page, and below
 * 520 px the card loses its margins and the facts stack under their
 * labels. Every text colour has WCAG AA contrast on the background it is
 * drawn on (4.5:1) and every control border 3:1 (tests/browser/
 * test_contrast.py computes them from this text).
 */
static const char style[] =
	"*{box-sizing:border-box}"
	"body{margin:0;background:#f3f5f8;color:#1b2330;"
	"font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"\"Helvetica Neue\",Arial,sans-serif;overflow-wrap:break-word}"
	".top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;"
	"padding:12px 24px;background:#fff;border-bottom:1px solid #e1e5eb}"
	".brand{font-weight:700;font-size:1.1rem;color:#1f5fd6}"
	".dc{font-size:.8rem;color:#4b5565;background:#eef1f5;"
	"border-radius:999px;padding:2px 10px;white-space:nowrap}"
	".who{margin-left:auto;min-width:0;font-size:.9rem;color:#4b5565;"
	"overflow-wrap:anywhere}"
	".top form{margin:0}"
	"main{max-width:480px;margin:32px auto;padding:28px 32px;"
	"background:#fff;border:1px solid #e1e5eb;border-radius:14px;"
	"box-shadow:0 4px 16px rgba(20,30,50,.06)}"
	"h1{font-size:1.5rem;line-height:1.25;margin:0 0 12px}"
	"p{margin:0 0 16px}"
	".lead{color:#4b5565}"
	"label{display:block;font-weight:600;margin:16px 0 6px}"
	"input{width:100%;max-width:100%;padding:10px 12px;font:inherit;"
	"color:inherit;border:1px solid #848d9b;border-radius:8px;"
	"background:#fff}"
	"input:focus{outline:2px solid #1f5fd6;outline-offset:1px}"
	"::placeholder{color:#6b7483;opacity:1}"
	"input.code{font:600 2rem/1.2 ui-monospace,SFMono-Regular,Menlo,"
	"Consolas,monospace;letter-spacing:.12em;text-align:center;"
	"text-transform:uppercase;padding:14px}"
	".btns{display:flex;flex-wrap:wrap;gap:12px;margin-top:24px}"
	"button,.button{flex:1;display:inline-block;max-width:100%;"
	"text-align:center;padding:12px 16px;font-family:inherit;"
	"font-size:1rem;font-weight:600;line-height:1.2;border-radius:8px;"
	"border:1px solid #848d9b;background:#fff;color:#1b2330;"
	"cursor:pointer;text-decoration:none}"
	".primary{background:#1f5fd6;border-color:#1f5fd6;color:#fff}"
	".danger{color:#b3261e;border-color:#d0605a}"
	".small{flex:none;padding:4px 10px;font-size:.85rem;font-weight:500}"
	".error{background:#fdecea;color:#8c1d18;border:1px solid #f3c2bd;"
	"border-radius:8px;padding:10px 12px}"
	".note{background:#fff8e1;border:1px solid #f0dd9c;border-radius:8px;"
	"padding:10px 12px;font-size:.95rem}"
	".ok{color:#1e7b34}"
	"dl{display:grid;grid-template-columns:max-content minmax(0,1fr);"
	"gap:8px 16px;margin:16px 0}"
	"dt{color:#4b5565}"
	"dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
	".bigcode{font:700 1.75rem ui-monospace,SFMono-Regular,Menlo,Consolas,"
	"monospace;letter-spacing:.12em;text-align:center;padding:12px;"
	"background:#eef1f5;border-radius:8px;margin:16px 0}"
	".muted{color:#6b7483;font-size:.85rem;font-weight:400}"
	".scopes{list-style:none;margin:2px 0 0;padding:0;font:400 .8rem/1.6 "
	"ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#4b5565;"
	"overflow-wrap:anywhere}"
	"details .scopes{max-height:160px;overflow:auto}"
	"summary{font-size:.85rem;font-weight:400;color:#1f5fd6;"
	"cursor:pointer}"
	".foot{text-align:center;color:#5f6878;font-size:.8rem}"
	/* the account page: a card per token, lists of devices and events */
	"h2{font-size:1.15rem;line-height:1.3;margin:28px 0 8px}"
	".item{border-top:1px solid #e1e5eb;margin-top:16px;padding-top:12px}"
	".item h3{margin:0;font-size:1rem}"
	".item dl{margin:8px 0}"
	".id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
	"overflow-wrap:anywhere}"
	".list{list-style:none;margin:0 0 16px;padding:0}"
	".list li{padding:6px 0;border-bottom:1px solid #e1e5eb;"
	"overflow-wrap:anywhere}"
	/* a phone: the email gets a line of its own under the bar, the card
	 * the whole width, and each fact its label above it, so a long value
	 * has the full width instead of a sliver beside "Requested from" */
	"@media (max-width:520px){"
	".top{padding:10px 16px}"
	".who{order:3;flex-basis:100%;margin-left:0}"
	".top form{margin-left:auto}"
	"main{margin:16px 12px;padding:20px 18px}"
	"dl{grid-template-columns:minmax(0,1fr);gap:2px}"
	"dd+dt{margin-top:10px}"
	"}";

int web_html(struct cat_buf *b, const char *fmt, ...)
{
	const char *p = fmt, *run = fmt;
	va_list ap;
	int err = 0;

	va_start(ap, fmt);
	while (*p && err == 0) {
		if (*p != '%') {
			p++;
			continue;
		}
		if ((err = cat_buf_add(b, run, (size_t)(p - run))) < 0)
			break;
		p++;
		if (*p == 's') {
			const char *s = va_arg(ap, const char *);

			err = cat_buf_html(b, s ? s : "");
			p++;
		} else if (*p == 'd') {
			err = cat_buf_printf(b, "%d", va_arg(ap, int));
			p++;
		} else if (strncmp(p, "lld", 3) == 0) {
			err = cat_buf_printf(b, "%lld", va_arg(ap, long long));
			p += 3;
		} else if (strncmp(p, "zu", 2) == 0) {
			err = cat_buf_printf(b, "%zu", va_arg(ap, size_t));
			p += 2;
		} else if (*p == '%') {
			err = cat_buf_add(b, "%", 1);
			p++;
		} else {
			err = cat_error_set(CAT_EINVAL,
					    "web_html: unsupported conversion");
		}
		run = p;
	}
	if (err == 0)
		err = cat_buf_add(b, run, (size_t)(p - run));
	va_end(ap);
	return err;
}

int web_url_encode(struct cat_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int err = 0;

	for (; *s && err == 0; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			err = cat_buf_add(b, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		err = cat_buf_add(b, esc, 3);
	}
	return err;
}

/* Appends the n-byte scope at p as a list item. */
static int scope_item(struct cat_buf *b, const char *p, size_t n)
{
	char tok[CAT_SCOPE_MAX + 1];

	memcpy(tok, p, n);
	tok[n] = '\0';
	return web_html(b, "<li>%s</li>", tok);
}

int web_scope_summary(struct cat_buf *b, const char *scope)
{
	const char *p;
	size_t count = 0, i = 0, n;
	int err;

	if (strlen(scope) > CAT_SCOPE_MAX)
		return cat_error_set(CAT_EINVAL, "scope too long");
	for (p = scope; *(p += strspn(p, " ")); p += n, count++)
		n = strcspn(p, " ");
	if (count == 0)
		return cat_buf_puts(b, "none");
	err = web_html(b, "%zu scope%s<ul class=\"scopes\">", count,
		       count == 1 ? "" : "s");
	for (p = scope; err == 0 && *(p += strspn(p, " ")); p += n, i++) {
		n = strcspn(p, " ");
		/* a few in sight, the rest one click away */
		if (i == WEB_SCOPES_SHOWN)
			err = web_html(b,
				       "</ul><details><summary>and %zu more"
				       "</summary><ul class=\"scopes\">",
				       count - WEB_SCOPES_SHOWN);
		if (err == 0)
			err = scope_item(b, p, n);
	}
	if (err == 0)
		err = cat_buf_puts(b, count > WEB_SCOPES_SHOWN
					      ? "</ul></details>"
					      : "</ul>");
	return err;
}

int web_csrf_field(struct cat_buf *b, const struct web_session *ws)
{
	return web_html(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
			ws && ws->valid ? ws->s.csrf : "");
}

/* The bar above the card: product, data center, who is signed in. */
static int top_bar(struct cat_buf *b, const struct cat_req *req,
		   const struct web_session *ws)
{
	const struct cat_dc *dc = cat_dc_find(req->srv->cfg.dc);
	int err;

	err = web_html(b,
		       "<header class=\"top\"><span class=\"brand\">Catalyst"
		       "</span><span class=\"dc\" title=\"data center\">%s (%s)"
		       "</span>",
		       dc ? dc->name : req->srv->cfg.dc, req->srv->cfg.dc);
	if (err == 0 && ws && ws->valid && ws->s.account_id)
		err = web_html(b,
			       "<span class=\"who\">%s</span>"
			       "<a class=\"button small\" href=\"/account\">"
			       "Account</a>"
			       "<form method=\"post\" action=\"/logout\">"
			       "<input type=\"hidden\" name=\"csrf\" "
			       "value=\"%s\"><button class=\"small\" "
			       "type=\"submit\">Sign out</button></form>",
			       ws->account.email, ws->s.csrf);
	if (err == 0)
		err = cat_buf_puts(b, "</header>");
	return err;
}

int web_render(struct cat_req *req, struct cat_resp *resp, int status,
	       const struct web_session *ws, const char *title,
	       const struct cat_buf *body)
{
	struct cat_buf page = CAT_BUF_INIT(CAT_MAX_PAGE);
	int err;

	err = web_html(&page,
		       "<!doctype html><html lang=\"en\"><head>"
		       "<meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width,"
		       "initial-scale=1\">"
		       "<title>%s - Catalyst</title><style>",
		       title);
	if (err == 0)
		err = cat_buf_puts(&page, style);
	if (err == 0)
		err = cat_buf_puts(&page, "</style></head><body>");
	if (err == 0)
		err = top_bar(&page, req, ws);
	if (err == 0)
		err = cat_buf_puts(&page, "<main>");
	if (err == 0)
		err = cat_buf_add(&page, body->ptr ? body->ptr : "", body->len);
	if (err == 0)
		err = cat_buf_puts(&page,
				   "</main><p class=\"foot\">catalystd</p>"
				   "</body></html>\n");
	if (err == 0)
		err = cat_resp_html(resp, status, &page);
	cat_buf_release(&page);
	return err;
}

int web_message(struct cat_req *req, struct cat_resp *resp, int status,
		const struct web_session *ws, const char *title,
		const char *text, const char *href, const char *link_text)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	int err;

	err = web_html(&body,
		       status >= 400 ? "<h1>%s</h1><p class=\"error\">%s</p>"
				     : "<h1>%s</h1><p>%s</p>",
		       title, text);
	if (err == 0 && href)
		err = web_html(&body,
			       "<p><a class=\"button\" href=\"%s\">%s</a></p>",
			       href, link_text);
	if (err == 0)
		err = web_render(req, resp, status, ws, title, &body);
	cat_buf_release(&body);
	return err;
}

int web_signin_page(struct cat_req *req, struct cat_resp *resp, int status,
		    const struct web_session *ws, const char *next,
		    const char *email, const char *error)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	/* what the sign-in is for, in words that do not start by repeating
	 * the heading */
	const char *why = "Use the email and password of your Catalyst "
			  "account.";
	int err;

	if (!next || !web_local_path(next))
		next = "/device";
	if (strncmp(next, "/device", 7) == 0)
		why = "A device is waiting for you to verify it.";
	else if (strncmp(next, "/oauth/", 7) == 0)
		why = "The Catalyst CLI on this computer is waiting to use "
		      "your account.";
	err = web_html(&body, "<h1>Sign in</h1><p class=\"lead\">%s</p>", why);
	if (err == 0 && error)
		err = web_html(&body,
			       "<p class=\"error\" role=\"alert\">%s</p>",
			       error);
	if (err == 0)
		err = cat_buf_puts(&body,
				   "<form method=\"post\" action=\"/login\">");
	if (err == 0)
		err = web_csrf_field(&body, ws);
	if (err == 0)
		err = web_html(
			&body,
			"<input type=\"hidden\" name=\"next\" "
			"value=\"%s\">"
			"<label for=\"email\">Email</label>"
			"<input id=\"email\" name=\"email\" type=\"email\" "
			"autocomplete=\"username\" required autofocus "
			"maxlength=\"%d\" value=\"%s\">"
			"<label for=\"password\">Password</label>"
			"<input id=\"password\" name=\"password\" "
			"type=\"password\" autocomplete=\"current-password\" "
			"required>"
			"<div class=\"btns\"><button class=\"primary\" "
			"type=\"submit\">Sign in</button></div></form>",
			next, CAT_EMAIL_MAX, email ? email : "");
	if (err == 0)
		err = web_render(req, resp, status, ws, "Sign in", &body);
	cat_buf_release(&body);
	return err;
}

int web_csrf_page(struct cat_req *req, struct cat_resp *resp,
		  const struct web_session *ws)
{
	return web_message(req, resp, 403, ws, "This form has expired",
			   "The form you sent is no longer valid: it was open "
			   "too long, was sent from another site, or your "
			   "browser blocks cookies. Go back, reload the page "
			   "and try again.",
			   "/device", "Start again");
}

/* The page of a refusal to retry later, with its Retry-After. */
static int retry_page(struct cat_req *req, struct cat_resp *resp, int status,
		      const struct web_session *ws, const char *title,
		      const char *text, int64_t retry_after)
{
	char secs[24];
	int err;

	snprintf(secs, sizeof(secs), "%lld",
		 (long long)(retry_after > 0 ? retry_after : 1));
	err = web_message(req, resp, status, ws, title, text, NULL, NULL);
	if (err == 0)
		err = cat_resp_header(resp, "Retry-After", secs);
	return err;
}

int web_too_many_page(struct cat_req *req, struct cat_resp *resp,
		      const struct web_session *ws, int64_t retry_after)
{
	struct cat_buf text = CAT_BUF_INIT(256);
	int64_t minutes = (retry_after + 59) / 60;
	int err;

	err = cat_buf_printf(&text,
			     "There were too many wrong attempts. Try again "
			     "in %lld minute%s.",
			     (long long)minutes, minutes == 1 ? "" : "s");
	if (err == 0)
		err = retry_page(req, resp, 429, ws, "Too many attempts",
				 cat_buf_cstr(&text), retry_after);
	cat_buf_release(&text);
	return err;
}

int web_busy_page(struct cat_req *req, struct cat_resp *resp,
		  const struct web_session *ws)
{
	return retry_page(req, resp, 503, ws, "Busy",
			  "Too many people are signing in right now. Wait a "
			  "moment, then send the form again.",
			  WEB_BUSY_RETRY);
}

int web_fail(struct cat_req *req, struct cat_resp *resp, int err)
{
	int unavail = err == CAT_EUNAVAIL;

	/* the message comes from the store or a buffer: never a secret */
	cat_log_error("%s %s failed: %s", req->method, req->path,
		      cat_error_last());
	if (unavail)
		cat_metric_inc(req->srv, CAT_M_STORE_ERRORS);
	if (web_message(req, resp, unavail ? 503 : 500, NULL,
			unavail ? "Temporarily unavailable"
				: "Something went wrong",
			unavail ? "The service cannot reach its database right "
				  "now. Try again in a moment."
				: "The server could not finish this request. "
				  "Try again; if it keeps failing, tell your "
				  "administrator.",
			NULL, NULL) < 0)
		return err;
	return 0;
}

int web_local_path(const char *next)
{
	size_t n;

	if (!next || next[0] != '/' || next[1] == '/')
		return 0;
	for (n = 0; next[n]; n++) {
		unsigned char c = (unsigned char)next[n];

		/* browsers drop tabs and newlines and read '\' as '/', so
		 * "/\t/evil" or "/\\evil" would leave the site */
		if (c <= 0x20 || c >= 0x7f || c == '\\' || n >= WEB_NEXT_MAX)
			return 0;
	}
	return 1;
}

int web_allow_form_target(struct cat_resp *resp, const char *origin)
{
	static const char fa[] = "form-action 'self'";
	struct cat_buf csp = CAT_BUF_INIT(2048);
	size_t i;
	int err = 0;

	for (i = 0; i < resp->header_count; i++) {
		char *v = resp->headers[i].value;
		char *at;

		if (strcmp(resp->headers[i].name, "Content-Security-Policy") ||
		    !(at = strstr(v, fa)))
			continue;
		at += sizeof(fa) - 1;
		err = cat_buf_printf(&csp, "%.*s %s%s", (int)(at - v), v,
				     origin, at);
		if (err == 0) {
			free(v);
			resp->headers[i].value = cat_buf_detach(&csp);
		}
		break;
	}
	cat_buf_release(&csp);
	return err;
}
