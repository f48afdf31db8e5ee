/*
 * The account page's forms: revoke one token, revoke them all, and the
 * password asked again before either when the browser signed in longer
 * ago than --reauth-after (ten minutes): a session left open on a shared
 * computer must not be enough to cut every device off, or to do it
 * unseen. Re-authenticating is a sign-in (web_password_check, its rate
 * limits and audit included, then a fresh session row and cookie), after
 * which the action asked for is done at once.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit.h"
#include "oauth.h"
#include "routes.h"
#include "server.h"
#include "banned.h"

#define ACCOUNT_NEXT "/account"

/* A form of the account page: what it does once allowed. */
struct account_action {
	const char *name; /* the reauth form's action field */
	const char *what; /* "revoke all tokens", for the password page */
	int (*run)(struct cat_req *req, struct cat_resp *resp,
		   const struct web_session *ws, const char *token_id);
};

static int revoke_one(struct cat_req *req, struct cat_resp *resp,
		      const struct web_session *ws, const char *token_id)
{
	struct cat_grant g;
	int err = CAT_ENOTFOUND;

	if (token_id && strlen(token_id) == CAT_TOKEN_ID_LEN)
		err = cat_store_grant_by_id(req->store, &g, token_id);
	/* another account's token looks exactly like an unknown one */
	if (err == 0 && g.account_id != ws->s.account_id)
		err = CAT_ENOTFOUND;
	if (err == CAT_ENOTFOUND) {
		cat_error_clear();
		return web_message(req, resp, 404, ws, "Token not found",
				   "No token of your account has this ID.",
				   ACCOUNT_NEXT, "Back to your account");
	}
	if (err < 0)
		return err;
	/* revoked already (another tab, the device itself): nothing to do
	 * and nothing to record */
	if (!g.revoked_at &&
	    (err = cat_oauth_revoke(req, &g, CAT_ACTOR_USER)) < 0)
		return err;
	return cat_resp_redirect(resp, 303, ACCOUNT_NEXT "?done=revoked");
}

static int revoke_all(struct cat_req *req, struct cat_resp *resp,
		      const struct web_session *ws, const char *token_id)
{
	int64_t n = 0;
	int err;

	(void)token_id;
	/* one transaction, with a token_revoked row (actor user) for each;
	 * stamped now, not at the request's start, so they follow the
	 * sign-in a re-authentication recorded a moment ago */
	if ((err = cat_store_grant_revoke_account(req->store, ws->s.account_id,
						  (int64_t)time(NULL),
						  CAT_ACTOR_USER, &n)) < 0)
		return err;
	/* the counter counts tokens, as one revocation each elsewhere */
	for (; n > 0; n--)
		cat_metric_inc(req->srv, CAT_M_REVOCATIONS);
	return cat_resp_redirect(resp, 303, ACCOUNT_NEXT "?done=all");
}

static const struct account_action actions[] = {
	{ "revoke", "revoke this token", revoke_one },
	{ "revoke-all", "revoke every token of this account", revoke_all },
};

static const struct account_action *action_named(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(actions) / sizeof(*actions); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

/* The password form standing between a destructive action and its run. */
static int reauth_page(struct cat_req *req, struct cat_resp *resp, int status,
		       const struct web_session *ws,
		       const struct account_action *a, const char *token_id,
		       const char *error)
{
	struct cat_buf body = CAT_BUF_INIT(CAT_MAX_PAGE);
	int err;

	err = web_html(&body,
		       "<h1>Confirm your password</h1><p class=\"lead\">You "
		       "signed in a while ago. To %s, enter the password of "
		       "<b>%s</b> again.</p>",
		       a->what, ws->account.email);
	if (err == 0 && token_id)
		err = web_html(&body,
			       "<dl><dt>Token</dt><dd class=\"id\">%s</dd>"
			       "</dl>",
			       token_id);
	if (err == 0 && error)
		err = web_html(&body,
			       "<p class=\"error\" role=\"alert\">%s</p>",
			       error);
	if (err == 0)
		err = cat_buf_puts(&body, "<form method=\"post\" "
					  "action=\"/account/reauth\">");
	if (err == 0)
		err = web_csrf_field(&body, ws);
	if (err == 0 && token_id)
		err = web_html(&body,
			       "<input type=\"hidden\" name=\"token_id\" "
			       "value=\"%s\">",
			       token_id);
	if (err == 0)
		err = web_html(
			&body,
			"<input type=\"hidden\" name=\"action\" value=\"%s\">"
			"<label for=\"password\">Password</label>"
			"<input id=\"password\" name=\"password\" "
			"type=\"password\" autocomplete=\"current-password\" "
			"required autofocus>"
			"<div class=\"btns\"><button class=\"danger\" "
			"type=\"submit\">Confirm</button>"
			"<a class=\"button\" href=\"/account\">Cancel</a>"
			"</div></form>",
			a->name);
	if (err == 0)
		err = web_render(req, resp, status, ws, "Confirm your password",
				 &body);
	cat_buf_release(&body);
	return err;
}

/*
 * The start of every account form: the CSRF check and a signed-in
 * session. Returns <0 on a store error; 0 with *ok clear when a page was
 * rendered instead.
 */
static int account_form(struct web_session *ws, struct cat_req *req,
			struct cat_resp *resp, int *ok)
{
	int err;

	if ((err = web_form_session(ws, req, resp, ok)) < 0 || !*ok)
		return err;
	if (!ws->s.account_id) {
		*ok = 0;
		return web_signin_page(req, resp, 401, ws, ACCOUNT_NEXT, NULL,
				       NULL);
	}
	return 0;
}

/* Runs a, or asks for the password first when the sign-in is too old. */
static int account_act(struct cat_req *req, struct cat_resp *resp,
		       const struct account_action *a)
{
	struct web_session ws;
	const char *token_id = cat_req_param(req, "token_id");
	int err, ok;

	if ((err = account_form(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if (token_id && strlen(token_id) != CAT_TOKEN_ID_LEN)
		token_id = NULL;
	if (req->now - ws.s.created_at >= req->srv->cfg.reauth_after)
		err = reauth_page(req, resp, 200, &ws, a, token_id, NULL);
	else
		err = a->run(req, resp, &ws, token_id);
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}

int route_web_account_revoke(struct cat_req *req, struct cat_resp *resp)
{
	return account_act(req, resp, action_named("revoke"));
}

int route_web_account_revoke_all(struct cat_req *req, struct cat_resp *resp)
{
	return account_act(req, resp, action_named("revoke-all"));
}

int route_web_account_reauth(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct cat_account acct;
	const struct account_action *a =
		action_named(cat_req_param(req, "action"));
	const char *token_id = cat_req_param(req, "token_id");
	const char *password = cat_req_param(req, "password");
	enum web_pw res = WEB_PW_WRONG;
	int64_t retry = 0;
	int err, ok;

	memset(&acct, 0, sizeof(acct));
	if ((err = account_form(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if (!a) {
		err = web_message(req, resp, 400, &ws, "Bad request",
				  "This form asks for nothing the account page "
				  "does.",
				  ACCOUNT_NEXT, "Back to your account");
		goto done;
	}
	if (token_id && strlen(token_id) != CAT_TOKEN_ID_LEN)
		token_id = NULL;
	if (password && *password &&
	    (err = web_password_check(req, ws.account.email, password, &acct,
				      &res, &retry)) < 0)
		goto done;
	/* the account of this session, re-read by its email: one that
	 * changed hands since cannot confirm for it */
	if (res == WEB_PW_OK && acct.id != ws.s.account_id)
		res = WEB_PW_WRONG;
	switch (res) {
	case WEB_PW_LIMITED:
		err = web_too_many_page(req, resp, &ws, retry);
		goto done;
	case WEB_PW_BUSY:
		err = web_busy_page(req, resp, &ws);
		goto done;
	case WEB_PW_WRONG:
	case WEB_PW_DISABLED:
		err = reauth_page(req, resp, 401, &ws, a, token_id,
				  "Wrong password.");
		goto done;
	case WEB_PW_OK:
		break;
	}
	/* a fresh sign-in: new session ID and CSRF value, old row gone */
	if ((err = web_session_start(&ws, req, resp, &acct)) < 0)
		goto done;
	cat_audit(req->store, "signin_ok", CAT_ACTOR_USER, acct.id, NULL, NULL,
		  req->client_ip, "reason", "reauth");
	err = a->run(req, resp, &ws, token_id);
done:
	sodium_memzero(&acct, sizeof(acct));
	return err < 0 ? web_fail(req, resp, err) : 0;
}
