/*
 * Sign-in and sign-out pages. Signing in swaps the anonymous session for a
 * new one (new ID, new CSRF token) and returns the browser to the local
 * path it came from; anything that is not a path on this site goes to
 * /device instead, so the form cannot be used as an open redirect.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "routes.h"
#include "banned.h"

/* Passwords longer than this are refused before hashing (Argon2 cost). */
#define PASSWORD_MAX 1024

int route_web_root(struct cat_req *req, struct cat_resp *resp)
{
	(void)req;
	return cat_resp_redirect(resp, 303, "/device");
}

int route_web_login_form(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	int err;

	if ((err = web_session_load(&ws, req, resp, 1)) == 0)
		err = web_signin_page(req, resp, 200, &ws,
				      cat_req_param(req, "next"), NULL, NULL);
	return err < 0 ? web_fail(req, resp, err) : 0;
}

/* "<address> <email in lower case>": what wrong passwords are counted by. */
static void password_subject(char *out, size_t n, const struct cat_req *req,
			     const char *email)
{
	size_t i, len;

	snprintf(out, n, "%s %s", req->client_ip, email);
	len = strlen(req->client_ip) + 1;
	for (i = len; i < n && out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

int route_web_login(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct cat_account acct;
	char subject[sizeof(req->client_ip) + CAT_EMAIL_MAX + 2];
	const char *email = cat_req_param(req, "email");
	const char *password = cat_req_param(req, "password");
	const char *next = cat_req_param(req, "next");
	int err, blocked = 0, ok;

	memset(&acct, 0, sizeof(acct));
	if ((err = web_form_session(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if (!web_local_path(next))
		next = "/device";
	if (!email || !*email || !password || !*password ||
	    strlen(email) > CAT_EMAIL_MAX || strlen(password) > PASSWORD_MAX) {
		err = web_signin_page(
			req, resp, 400, &ws, next,
			email && strlen(email) <= CAT_EMAIL_MAX ? email : NULL,
			"Enter your email and password.");
		goto done;
	}
	/* checked before Argon2 runs: a blocked client costs no hashing and
	 * cannot learn that a guess was right */
	password_subject(subject, sizeof(subject), req, email);
	if ((err = web_limit_blocked(req, &blocked, "pw", subject,
				     WEB_RL_PASSWORD)) < 0)
		goto done;
	if (blocked) {
		err = web_too_many_page(req, resp, &ws);
		goto done;
	}
	err = cat_store_account_by_email(req->store, &acct, email);
	if (err < 0 && err != CAT_ENOTFOUND)
		goto done;
	if (!web_password_ok(err == 0 ? &acct : NULL, password)) {
		cat_log_info("web sign-in refused from %s", req->client_ip);
		if ((err = web_limit_wrong(req, &blocked, "pw", subject,
					   WEB_RL_PASSWORD)) < 0)
			goto done;
		if (blocked)
			err = web_too_many_page(req, resp, &ws);
		else
			err = web_signin_page(req, resp, 401, &ws, next, email,
					      "Wrong email or password.");
		goto done;
	}
	if ((err = web_session_start(&ws, req, resp, &acct)) < 0)
		goto done;
	cat_log_info("web sign-in: account %lld from %s", (long long)acct.id,
		     req->client_ip);
	err = cat_resp_redirect(resp, 303, next);
done:
	sodium_memzero(&acct, sizeof(acct));
	/* store failures become a page, never a JSON body */
	return err < 0 ? web_fail(req, resp, err) : 0;
}

int route_web_logout(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	int err, ok;

	if ((err = web_form_session(&ws, req, resp, &ok)) < 0 || !ok)
		goto done;
	if ((err = web_session_end(&ws, req, resp)) == 0)
		err = cat_resp_redirect(resp, 303, "/login");
done:
	return err < 0 ? web_fail(req, resp, err) : 0;
}
