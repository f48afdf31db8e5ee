/*
 * The device verification pages (RFC 8628 §3.3): code entry, a confirmation
 * saying exactly what is authorized, and where and when it was asked for,
 * then Verify/Deny. Wrong codes are rate-limited per session, address and
 * account, and for everyone together (§5.1: the code space is small); a
 * code bound to the account that ran catalyst token:generate can be
 * approved by it only.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>

#include "dc.h"
#include "log.h"
#include "routes.h"
#include "server.h"
#include "terms.h"
#include "timefmt.h"
#include "audit.h"
#include "banned.h"

/* Longer input is not worth echoing back into the form. */
#define TYPED_ECHO_MAX 32
/* "/device?user_code=XXXX-XXXX" and its NUL */
#define DEVICE_NEXT_MAX 32

#define MSG_NOT_FOUND                                                          \
	"Verification code not found. Check the code in your terminal, or "    \
	"run the command again for a new one."
#define MSG_EXPIRED                                                            \
	"This verification code has expired: codes are valid for five "        \
	"minutes. Run the command in your terminal again for a new code."

static int signed_in(const struct web_session *ws)
{
	return ws->valid && ws->s.account_id != 0;
}

/* "/device" plus the code when it is a valid one: where sign-in returns. */
static void device_next(char out[DEVICE_NEXT_MAX], const char *typed)
{
	char code[CAT_USER_CODE_LEN + 1], disp[CAT_USER_CODE_LEN + 2];

	if (typed && cat_user_code_normalize(code, typed) == 0) {
		cat_user_code_display(disp, code);
		snprintf(out, DEVICE_NEXT_MAX, "/device?user_code=%s", disp);
	} else {
		snprintf(out, DEVICE_NEXT_MAX, "/device");
	}
	cat_error_clear();
}

static int code_form(struct cat_req *req, struct cat_resp *resp, int status,
		     const struct web_session *ws, const char *value,
		     const char *error)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	int err;

	if (!value || strlen(value) > TYPED_ECHO_MAX)
		value = "";
	err = cat_buf_puts(&body,
			   "<h1>Verify your device</h1><p class=\"lead\">"
			   "Enter the code shown in your terminal by "
			   "<b>catalyst token:generate</b> or "
			   "<b>catalyst login</b>.</p>");
	if (err == 0 && error)
		err = web_html(&body,
			       "<p class=\"error\" role=\"alert\">%s</p>",
			       error);
	if (err == 0)
		err = cat_buf_puts(&body,
				   "<form method=\"post\" action=\"/device\">");
	if (err == 0)
		err = web_csrf_field(&body, ws);
	if (err == 0)
		err = web_html(
			&body,
			"<label for=\"user_code\">Verification code"
			"</label><input id=\"user_code\" class=\"code\" "
			"name=\"user_code\" value=\"%s\" "
			"placeholder=\"XXXX-XXXX\" maxlength=\"16\" "
			"autocomplete=\"off\" autocapitalize=\"characters\" "
			"spellcheck=\"false\" required autofocus>"
			"<div class=\"btns\"><button class=\"primary\" "
			"type=\"submit\">Continue</button></div></form>",
			value);
	if (err == 0)
		err = web_render(req, resp, status, ws, "Verify your device",
				 &body);
	cat_buf_release(&body);
	return err;
}

/* "2026-11-30 06:41:03 UTC (2 minutes ago)": when a request was made. */
static void asked_when(char *out, size_t n, const struct cat_req *req,
		       int64_t at)
{
	char iso[CAT_ISO_TIME_LEN];
	int64_t ago = req->now - at;

	cat_iso_time(iso, at);
	if (strlen(iso) >= 19) {
		iso[10] = ' ';  /* "T" */
		iso[19] = '\0'; /* "Z" */
	}
	if (ago < 60)
		snprintf(out, n, "%s UTC (%s)", iso,
			 ago < 2 ? "just now" : "seconds ago");
	else
		snprintf(out, n, "%s UTC (%lld minute%s ago)", iso,
			 (long long)(ago / 60), ago < 120 ? "" : "s");
}

static int confirm_page(struct cat_req *req, struct cat_resp *resp,
			const struct web_session *ws,
			const struct cat_device_auth *d)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	const struct cat_dc *dc = cat_dc_find(req->srv->cfg.dc);
	struct cat_client client;
	char disp[CAT_USER_CODE_LEN + 2], when[96];
	char terms[CAT_NAME_MAX + CAT_NAME_MAX + 160];
	int err;

	cat_user_code_display(disp, d->user_code);
	cat_terms_describe(req->store, d, terms, sizeof(terms));
	asked_when(when, sizeof(when), req, d->created_at);
	err = cat_store_client_get(req->store, &client, d->client_id);
	if (err == CAT_ENOTFOUND) {
		/* a client removed since: still say which one asked */
		memset(&client, 0, sizeof(client));
		err = 0;
	}
	if (err < 0)
		goto done;
	err = web_html(
		&body,
		"<h1>Authorize a CLI token?</h1>"
		"<p class=\"lead\">Check that this is the request you "
		"just started in your terminal.</p>"
		"<div class=\"bigcode\">%s</div><dl>"
		"<dt>Token</dt><dd id=\"terms\">%s</dd>"
		"<dt>Application</dt><dd>%s "
		"<span class=\"muted\">(%s)</span></dd>"
		"<dt>Device</dt><dd>%s</dd>"
		"<dt>Requested from</dt><dd id=\"asked-from\">%s</dd>"
		"<dt>Requested at</dt><dd id=\"asked-at\">%s</dd>"
		"<dt>Account</dt><dd>%s</dd>"
		"<dt>Data center</dt><dd>%s (%s)</dd>"
		"<dt>Access</dt><dd>",
		disp, terms, client.name[0] ? client.name : "Unknown client",
		d->client_id, d->device_name[0] ? d->device_name : "not named",
		d->client_addr[0] ? d->client_addr : "unknown", when,
		ws->account.email, dc ? dc->name : req->srv->cfg.dc,
		req->srv->cfg.dc);
	if (err == 0)
		err = web_scope_summary(&body, d->scope);
	if (err == 0)
		err = cat_buf_puts(&body, "</dd></dl><p class=\"note\">");
	if (err == 0)
		err = cat_buf_puts(&body,
				   d->token_expires_at
					   ? "This token ends on the "
					     "date above, or sooner if "
					     "you revoke it"
					   : "This token does not expire "
					     "unless you revoke it");
	if (err == 0)
		err = cat_buf_puts(
			&body,
			" (<b>catalyst token:revoke</b>, or your "
			"<a href=\"/account\">account page</a>). Verify only "
			"if you started this request yourself, from that "
			"address and at that time; never enter a code that "
			"someone sent you.</p>"
			"<form method=\"post\" action=\"/device/decide\">");
	if (err == 0)
		err = web_csrf_field(&body, ws);
	if (err == 0)
		err = web_html(
			&body,
			"<input type=\"hidden\" name=\"user_code\" "
			"value=\"%s\"><div class=\"btns\">"
			"<button class=\"primary\" type=\"submit\" "
			"name=\"action\" value=\"approve\">Verify</button>"
			"<button class=\"danger\" type=\"submit\" "
			"name=\"action\" value=\"deny\">Deny</button>"
			"</div></form>",
			disp);
	if (err == 0)
		err = web_render(req, resp, 200, ws, "Authorize a CLI token",
				 &body);
done:
	cat_buf_release(&body);
	return err;
}

/* web_limit_blocked (a read) or web_limit_wrong (counts one). */
typedef int (*limit_fn)(struct cat_req *req, int64_t *retry_after,
			const struct web_limit *l, const char *subject);

/*
 * Applies fn to every limit a wrong code counts against: the session, the
 * address, the account (signing in again must not buy more guesses) and
 * everyone together (guessers spread over accounts and addresses). One
 * place names their keys and limits, so the check before a lookup and the
 * count after a miss cannot drift apart. *retry_after: the longest wait.
 */
static int code_limits(struct cat_req *req, const struct web_session *ws,
		       limit_fn fn, int64_t *retry_after)
{
	const struct cat_server_config *cfg = &req->srv->cfg;
	const struct web_limit limits[] = {
		{ "code-s", WEB_RL_CODE_SESSION, WEB_RL_WINDOW },
		{ "code-a", WEB_RL_CODE_ADDR, WEB_RL_WINDOW },
		{ "code-u",
		  web_limit_value(cfg->code_limit_account, WEB_RL_CODE_ACCOUNT),
		  WEB_RL_WINDOW },
		{ "code-g",
		  web_limit_value(cfg->code_limit_global, WEB_RL_CODE_GLOBAL),
		  WEB_RL_WINDOW },
	};
	char account[32];
	const char *subjects[] = { ws->s.id_hash, req->client_ip, account,
				   "everyone" };
	int64_t r;
	size_t i;
	int err = 0;

	snprintf(account, sizeof(account), "%lld", (long long)ws->s.account_id);
	*retry_after = 0;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]) && err == 0; i++)
		if ((err = fn(req, &r, &limits[i], subjects[i])) == 0 &&
		    r > *retry_after)
			*retry_after = r;
	return err;
}

/*
 * Checks the limits, normalises and looks up the code the user sent, and
 * checks it may be decided by this account. The decision is checked like
 * the entry, as it can be posted without the entry step. Returns 0 with
 * *ok set and d filled when the code may be decided; 0 with *ok clear
 * when a refusal page was rendered; <0 on failure.
 */
static int find_code(struct cat_req *req, struct cat_resp *resp,
		     const struct web_session *ws, const char *typed,
		     struct cat_device_auth *d, int *ok)
{
	char code[CAT_USER_CODE_LEN + 1];
	int64_t retry;
	int err, valid;

	*ok = 0;
	/* before the lookup: a blocked client learns nothing, not even
	 * that a guess was right */
	if ((err = code_limits(req, ws, web_limit_blocked, &retry)) < 0)
		return err;
	if (retry > 0)
		return web_too_many_page(req, resp, ws, retry);
	valid = typed && cat_user_code_normalize(code, typed) == 0;
	cat_error_clear();
	err = valid ? cat_store_device_by_user_code(req->store, d, code,
						    req->now)
		    : CAT_ENOTFOUND;
	if (err == CAT_ENOTFOUND || err == CAT_EEXPIRED) {
		const char *msg =
			err == CAT_EEXPIRED ? MSG_EXPIRED : MSG_NOT_FOUND;

		/* an expired code counts as a miss: it decides nothing */
		if ((err = code_limits(req, ws, web_limit_wrong, &retry)) < 0)
			return err;
		if (retry > 0)
			return web_too_many_page(req, resp, ws, retry);
		return code_form(req, resp, 400, ws, typed, msg);
	}
	if (err < 0)
		return err;
	if (d->status != CAT_DEV_PENDING)
		return web_message(
			req, resp, 409, ws, "Code already used",
			"This code was already used. Run the command "
			"in your terminal again for a new code.",
			"/device", "Enter another code");
	if (d->bound_account_id && d->bound_account_id != ws->s.account_id)
		return web_message(
			req, resp, 403, ws, "Wrong account",
			"This code was requested by another account; "
			"sign in with the account that ran catalyst "
			"token:generate.",
			NULL, NULL);
	*ok = 1;
	return 0;
}

int route_web_device_form(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	const char *typed = cat_req_param(req, "user_code");
	char code[CAT_USER_CODE_LEN + 1], disp[CAT_USER_CODE_LEN + 2] = "";
	char next[DEVICE_NEXT_MAX];
	int err;

	if ((err = web_session_load(&ws, req, resp, 1)) < 0)
		return web_fail(req, resp, err);
	if (!signed_in(&ws)) {
		device_next(next, typed);
		err = web_signin_page(req, resp, 200, &ws, next, NULL, NULL);
	} else {
		if (typed && cat_user_code_normalize(code, typed) == 0)
			cat_user_code_display(disp, code);
		cat_error_clear();
		err = code_form(req, resp, 200, &ws, disp, NULL);
	}
	return err < 0 ? web_fail(req, resp, err) : 0;
}

int route_web_device_confirm(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct cat_device_auth d;
	const char *typed = cat_req_param(req, "user_code");
	char next[DEVICE_NEXT_MAX];
	int err, ok = 0;

	if ((err = web_form_session(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if (!signed_in(&ws)) {
		device_next(next, typed);
		err = web_signin_page(req, resp, 401, &ws, next, NULL, NULL);
		goto done;
	}
	if ((err = find_code(req, resp, &ws, typed, &d, &ok)) < 0 || !ok)
		goto done;
	err = confirm_page(req, resp, &ws, &d);
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}

static int decided_page(struct cat_req *req, struct cat_resp *resp,
			const struct web_session *ws, int approved)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	int err;

	if (approved)
		err = cat_buf_puts(
			&body,
			"<h1 class=\"ok\">Device verified</h1>"
			"<p>Return to your terminal: the command there "
			"finishes within a few seconds.</p>"
			"<p class=\"muted\">You can close this tab.</p>");
	else
		err = cat_buf_puts(
			&body, "<h1>Request denied</h1><p>No token was issued."
			       "</p><p class=\"muted\">You can close this "
			       "tab.</p>");
	if (err == 0)
		err = web_render(
			req, resp, 200, ws,
			approved ? "Device verified" : "Request denied", &body);
	cat_buf_release(&body);
	return err;
}

int route_web_device_decide(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct cat_device_auth d;
	const char *typed = cat_req_param(req, "user_code");
	const char *action = cat_req_param(req, "action");
	char next[DEVICE_NEXT_MAX];
	int err, ok = 0, approve;

	if ((err = web_form_session(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if (!signed_in(&ws)) {
		device_next(next, typed);
		err = web_signin_page(req, resp, 401, &ws, next, NULL, NULL);
		goto done;
	}
	if (!action || (strcmp(action, "approve") && strcmp(action, "deny"))) {
		err = web_message(req, resp, 400, &ws, "Bad request",
				  "Choose Verify or Deny.", "/device",
				  "Start again");
		goto done;
	}
	approve = strcmp(action, "approve") == 0;
	if ((err = find_code(req, resp, &ws, typed, &d, &ok)) < 0 || !ok)
		goto done;
	/* a token limited to a project its approver cannot see would be a
	 * way to learn of it, and of no use */
	if (approve && (err = cat_terms_project_ok(req->store, ws.s.account_id,
						   d.project_id)) < 0) {
		if (err == CAT_ENOTFOUND)
			err = web_message(req, resp, 403, &ws,
					  "Not your project",
					  "This token is asked for a project "
					  "that is not in your orgs; nothing "
					  "was approved.",
					  "/device", "Enter another code");
		goto done;
	}
	err = cat_store_device_decide(req->store, d.id, ws.s.account_id,
				      approve, req->now);
	if (err == CAT_ECONFLICT)
		err = web_message(req, resp, 409, &ws, "Already decided",
				  "This request was already decided; nothing "
				  "changed.",
				  "/device", "Enter another code");
	else if (err == CAT_EEXPIRED)
		err = code_form(req, resp, 400, &ws, typed, MSG_EXPIRED);
	else if (err == CAT_ENOTFOUND)
		err = code_form(req, resp, 400, &ws, typed, MSG_NOT_FOUND);
	else if (err == 0) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)d.id);
		cat_audit(req->store,
			  approve ? "device_approved" : "device_denied",
			  CAT_ACTOR_USER, ws.s.account_id, NULL, d.client_id,
			  req->client_ip, "device_auth", id);
		err = decided_page(req, resp, &ws, approve);
	}
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}
