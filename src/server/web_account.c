/*
 * The account page (/account): every active token of the signed-in
 * account with what it may do, the devices they belong to, this browser's
 * session and the account's recent security events. It is the documented
 * path for a lost device: catalyst token:revoke works only on the device
 * that made a token, this page on any of them. Its forms (revoke one,
 * revoke all) are handled by web_account_revoke.c.
 *
 * Each token is a card of facts rather than a table row, so that a phone
 * 375 px wide stacks them instead of scrolling sideways.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "lastused.h"
#include "routes.h"
#include "server.h"
#include "terms.h"
#include "timefmt.h"
#include "banned.h"

/* Tokens drawn on the page; "Revoke all" reaches any beyond them, and the
 * page stays far below CAT_MAX_PAGE. */
#define TOKENS_SHOWN 100
/* Devices told apart; the tokens of any more are counted together. */
#define DEVICES_MAX 32
/* Security events listed, newest first. */
#define EVENTS_SHOWN 20
/* "2026-11-30 06:41 UTC" and its NUL */
#define WHEN_MAX 32

/* One device of the account: the tokens carrying its name. */
struct device_row {
	char name[CAT_DEVICE_NAME_MAX + 1];
	int tokens;
	int64_t last_used; /* 0: never */
};

/* What the grant walk collects. */
struct token_walk {
	struct cat_req *req;
	const struct web_session *ws;
	struct cat_buf *cards; /* one card per token shown */
	int active, shown, revoked;
	struct device_row dev[DEVICES_MAX];
	int ndev;
	int other_tokens; /* of devices beyond DEVICES_MAX */
	int64_t other_last;
};

/* "2026-11-30 06:41 UTC", or never_text when t is 0. */
static void when(char out[WHEN_MAX], int64_t t, const char *never_text)
{
	char iso[CAT_ISO_TIME_LEN];

	if (t <= 0) {
		snprintf(out, WHEN_MAX, "%s", never_text);
		return;
	}
	cat_iso_time(iso, t);
	/* "2026-11-30T06:41:03Z": date, then hours and minutes */
	if (strlen(iso) >= 16)
		snprintf(out, WHEN_MAX, "%.10s %.5s UTC", iso, iso + 11);
	else
		snprintf(out, WHEN_MAX, "%s", iso);
}

/* The latest use of g: the store's time, or one this instance saw and
 * has not written yet (lastused.h). */
static int64_t last_used(const struct cat_grant *g)
{
	int64_t pending = cat_lastused_pending(g->token_id);

	return pending > g->last_used_at ? pending : g->last_used_at;
}

/* What g may reach, in words: "project alpha only · read-only", or
 * "full" when nothing limits it. */
static int scope_words(struct cat_buf *b, struct cat_req *req,
		       const struct cat_grant *g)
{
	struct cat_project p;
	int err = 0;

	if (!g->project_id[0] && !g->read_only)
		return cat_buf_puts(b, "full");
	if (g->project_id[0]) {
		err = cat_store_project_get(req->store, &p, g->project_id);
		if (err == CAT_ENOTFOUND) {
			/* deleted since: the id still says which one */
			cat_error_clear();
			snprintf(p.name, sizeof(p.name), "%s", g->project_id);
			err = 0;
		}
		if (err == 0)
			err = web_html(b, "project %s only", p.name);
	}
	if (err == 0 && g->read_only)
		err = cat_buf_puts(b, g->project_id[0] ? " · read-only"
						       : "read-only");
	return err;
}

static void count_device(struct token_walk *w, const struct cat_grant *g,
			 int64_t used)
{
	const char *name = g->device_name[0] ? g->device_name : "";
	int i;

	for (i = 0; i < w->ndev; i++)
		if (strcmp(w->dev[i].name, name) == 0)
			break;
	if (i == w->ndev) {
		if (w->ndev == DEVICES_MAX) {
			w->other_tokens++;
			if (used > w->other_last)
				w->other_last = used;
			return;
		}
		snprintf(w->dev[i].name, sizeof(w->dev[i].name), "%s", name);
		w->ndev++;
	}
	w->dev[i].tokens++;
	if (used > w->dev[i].last_used)
		w->dev[i].last_used = used;
}

/* The card of one active token, with its Revoke form. */
static int token_card(struct token_walk *w, const struct cat_grant *g,
		      int64_t used)
{
	struct cat_buf *b = w->cards;
	char created[WHEN_MAX], usedat[WHEN_MAX], expires[WHEN_MAX];
	int err;

	when(created, g->created_at, "unknown");
	when(usedat, used, "never");
	when(expires, g->expires_at, "never");
	err = web_html(b,
		       "<section class=\"item\"><h3 class=\"id\">%s</h3><dl>"
		       "<dt>Name</dt><dd>%s</dd>"
		       "<dt>Created</dt><dd>%s</dd>"
		       "<dt>Last used</dt><dd>%s",
		       g->token_id, g->name[0] ? g->name : "unnamed", created,
		       usedat);
	if (err == 0 && used && g->last_used_addr[0])
		err = web_html(b, " <span class=\"muted\">from %s</span>",
			       g->last_used_addr);
	if (err == 0)
		err = web_html(b,
			       "</dd><dt>Expires</dt><dd>%s%s</dd>"
			       "<dt>Scope</dt><dd>",
			       expires,
			       cat_terms_expired(g->expires_at, w->req->now)
				       ? " (expired)"
				       : "");
	if (err == 0)
		err = scope_words(b, w->req, g);
	if (err == 0)
		err = web_html(
			b,
			"</dd><dt>Device</dt><dd>%s "
			"<span class=\"muted\">(%s)</span></dd></dl>"
			"<form method=\"post\" action=\"/account/revoke\">",
			g->device_name[0] ? g->device_name : "not named",
			g->kind == CAT_CLIENT_BROWSER ? "catalyst login"
						      : "CLI token");
	if (err == 0)
		err = web_csrf_field(b, w->ws);
	if (err == 0)
		err = web_html(b,
			       "<input type=\"hidden\" name=\"token_id\" "
			       "value=\"%s\"><button class=\"danger small\" "
			       "type=\"submit\">Revoke %s</button></form>"
			       "</section>",
			       g->token_id, g->token_id);
	return err;
}

static int walk_grant(const struct cat_grant *g, void *ctx)
{
	struct token_walk *w = ctx;
	int64_t used;

	if (g->revoked_at) {
		w->revoked++;
		return 0;
	}
	used = last_used(g);
	w->active++;
	count_device(w, g, used);
	if (w->shown == TOKENS_SHOWN)
		return 0;
	w->shown++;
	/* a failure (the page too long) stops the walk and is returned */
	return token_card(w, g, used);
}

static int tokens_section(struct cat_buf *body, struct token_walk *w)
{
	int err;

	err = web_html(body,
		       "<h2>Tokens <span class=\"muted\">(%d active)"
		       "</span></h2>",
		       w->active);
	if (err == 0 && w->active == 0)
		err = cat_buf_puts(body, "<p class=\"muted\">No active tokens: "
					 "no device can use this account."
					 "</p>");
	if (err == 0 && w->active > 0) {
		err = cat_buf_puts(body, "<form method=\"post\" "
					 "action=\"/account/revoke-all\">");
		if (err == 0)
			err = web_csrf_field(body, w->ws);
		if (err == 0)
			err = cat_buf_puts(body,
					   "<div class=\"btns\"><button "
					   "class=\"danger\" type=\"submit\">"
					   "Revoke all tokens</button></div>"
					   "</form>");
	}
	if (err == 0)
		err = cat_buf_add(body, w->cards->ptr ? w->cards->ptr : "",
				  w->cards->len);
	if (err == 0 && w->active > w->shown)
		err = web_html(body,
			       "<p class=\"muted\">And %d older tokens, "
			       "revoked by Revoke all as well.</p>",
			       w->active - w->shown);
	if (err == 0 && w->revoked > 0)
		err = web_html(body,
			       "<p class=\"muted\">%d revoked token%s not "
			       "shown.</p>",
			       w->revoked, w->revoked == 1 ? "" : "s");
	return err;
}

static int devices_section(struct cat_buf *body, const struct token_walk *w)
{
	char t[WHEN_MAX];
	int err, i;

	/* this browser: the session is a sign-in of its own, revoked by
	 * Sign out rather than by the forms above */
	when(t, w->ws->s.created_at, "unknown");
	err = web_html(body,
		       "<h2>Devices</h2><ul class=\"list\">"
		       "<li><b>This browser</b> <span class=\"muted\">signed "
		       "in %s from %s</span></li>",
		       t, w->req->client_ip);
	for (i = 0; err == 0 && i < w->ndev; i++) {
		when(t, w->dev[i].last_used, "never");
		err = web_html(body,
			       "<li><b>%s</b> <span class=\"muted\">%d "
			       "token%s, last used %s</span></li>",
			       w->dev[i].name[0] ? w->dev[i].name : "not named",
			       w->dev[i].tokens,
			       w->dev[i].tokens == 1 ? "" : "s", t);
	}
	if (err == 0 && w->other_tokens) {
		when(t, w->other_last, "never");
		err = web_html(body,
			       "<li><b>Other devices</b> <span class=\"muted\">"
			       "%d tokens, last used %s</span></li>",
			       w->other_tokens, t);
	}
	if (err == 0)
		err = cat_buf_puts(body, "</ul>");
	return err;
}

/* An audit event's word and actor in plain words. */
struct words {
	const char *key, *text;
};

static const struct words event_words[] = {
	{ "signin_ok", "Signed in on the web" },
	{ "signin_failed", "Failed sign-in on the web" },
	{ "device_approved", "Device request verified" },
	{ "device_denied", "Device request denied" },
	{ "token_issued", "Token created" },
	{ "token_revoked", "Token revoked" },
	{ "token_rotated", "Token given a new secret" },
	{ "token_expired", "Expired token refused" },
	{ "user_disabled", "Account disabled" },
	{ "user_enabled", "Account enabled" },
};

static const struct words actor_words[] = {
	{ CAT_ACTOR_DEVICE, "by a device" },
	{ CAT_ACTOR_USER, "on the web pages" },
	{ CAT_ACTOR_OPERATOR, "by an administrator" },
	{ CAT_ACTOR_SYSTEM, "by the server" },
};

/* The text of key in table, or fallback (a word added later). */
static const char *word_of(const struct words *table, size_t n, const char *key,
			   const char *fallback)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i].key, key) == 0)
			return table[i].text;
	return fallback;
}

static int event_item(const struct cat_audit *e, void *ctx)
{
	struct cat_buf *b = ctx;
	char t[WHEN_MAX];
	int err;

	when(t, e->at, "unknown");
	err = web_html(
		b, "<li><b>%s</b> <span class=\"muted\">%s, %s",
		word_of(event_words, sizeof(event_words) / sizeof(*event_words),
			e->event, e->event),
		word_of(actor_words, sizeof(actor_words) / sizeof(*actor_words),
			e->actor, e->actor),
		t);
	if (err == 0 && e->token_id[0])
		err = web_html(b, ", token <span class=\"id\">%s</span>",
			       e->token_id);
	if (err == 0 && e->addr[0])
		err = web_html(b, ", from %s", e->addr);
	if (err == 0)
		err = cat_buf_puts(b, "</span></li>");
	return err;
}

static int events_section(struct cat_buf *body, struct cat_req *req,
			  int64_t account_id)
{
	size_t before;
	int err;

	err = cat_buf_puts(body, "<h2>Recent security events</h2>"
				 "<ul class=\"list\">");
	before = body->len;
	if (err == 0)
		err = cat_store_audit_list(req->store, account_id, 0,
					   EVENTS_SHOWN, event_item, body);
	if (err == 0 && body->len == before)
		err = cat_buf_puts(body, "<li class=\"muted\">None yet.</li>");
	if (err == 0)
		err = cat_buf_puts(body, "</ul>");
	return err;
}

/* What a finished action (?done=) says at the top of the page. */
static const struct words done_words[] = {
	{ "revoked", "The token was revoked: it no longer works anywhere." },
	{ "all", "Every token was revoked: no device can use this account "
		 "until it signs in again." },
};

static int account_page(struct cat_req *req, struct cat_resp *resp,
			const struct web_session *ws)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	struct cat_buf cards = CAT_BUF_INIT(CAT_MAX_PAGE);
	struct token_walk w;
	const char *done = cat_req_param(req, "done");
	const char *notice = NULL;
	int err;

	memset(&w, 0, sizeof(w));
	w.req = req;
	w.ws = ws;
	w.cards = &cards;
	if (done)
		notice = word_of(done_words,
				 sizeof(done_words) / sizeof(*done_words), done,
				 NULL);
	err = web_html(&body,
		       "<h1>Your account</h1><p class=\"lead\">The tokens "
		       "and devices that can use <b>%s</b>. Lost a device? "
		       "Revoke its tokens here: <b>catalyst token:revoke</b> "
		       "works only on the device that made a token.</p>",
		       ws->account.email);
	if (err == 0 && notice)
		err = web_html(&body,
			       "<p class=\"note\" role=\"status\">%s</p>",
			       notice);
	if (err == 0)
		err = cat_store_grant_list_all(req->store, ws->s.account_id,
					       walk_grant, &w);
	if (err == 0)
		err = tokens_section(&body, &w);
	if (err == 0)
		err = devices_section(&body, &w);
	if (err == 0)
		err = events_section(&body, req, ws->s.account_id);
	if (err == 0)
		err = web_render(req, resp, 200, ws, "Your account", &body);
	cat_buf_release(&cards);
	cat_buf_release(&body);
	return err;
}

int route_web_account(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	int err;

	if ((err = web_session_load(&ws, req, resp, 1)) < 0)
		goto done;
	if (!ws.valid || !ws.s.account_id)
		err = cat_resp_redirect(resp, 303, "/login?next=%2Faccount");
	else
		err = account_page(req, resp, &ws);
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}
