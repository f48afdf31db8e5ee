/*
 * Sign-in and sign-out pages. Signing in swaps the anonymous cookie for a
 * stored session (new ID, new CSRF token) and returns the browser to the
 * local path it came from; anything that is not a path on this site goes
 * to /device instead, so the form cannot be used as an open redirect.
 *
 * Each password check costs an Argon2id hash, so the form is guarded
 * before any hashing: wrong passwords are limited per email and address,
 * per address, and per account, and only a few hashes run at once.
 */
#include "web.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "routes.h"
#include "server.h"
#include "audit.h"
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

/*
 * Only a few password hashes run at once (a counting semaphore that is
 * only ever tried, never waited on): each costs a core and 64 MiB for
 * ~60 ms, so beyond the slots a sign-in is told to come back (503)
 * instead of queueing, and the worker threads left over keep answering
 * the API.
 */
static atomic_int hashes_running;
static atomic_int auto_slots;

static int hash_slots(const struct cat_server_config *cfg)
{
	long cores, threads, n;

	if (cfg->login_hashes > 0)
		return cfg->login_hashes;
	if ((n = atomic_load(&auto_slots)) > 0)
		return (int)n;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1)
		cores = 1;
	/* half the cores, and always one worker thread that is not hashing */
	threads = cfg->threads > 0 ? cfg->threads : cores;
	n = cores / 2 < threads - 1 ? cores / 2 : threads - 1;
	if (n < 1)
		n = 1;
	atomic_store(&auto_slots, (int)n);
	return (int)n;
}

static int hash_slot_take(const struct cat_server_config *cfg)
{
	if (atomic_fetch_add(&hashes_running, 1) < hash_slots(cfg))
		return 1;
	atomic_fetch_sub(&hashes_running, 1);
	return 0;
}

static void hash_slot_give(void)
{
	atomic_fetch_sub(&hashes_running, 1);
}

/* Who a wrong password is counted against. */
struct pw_subjects {
	char pair[sizeof(((struct cat_req *)0)->client_ip) + CAT_EMAIL_MAX +
		  2];                  /* "<address> <email>" */
	char email[CAT_EMAIL_MAX + 1]; /* in lower case: the account */
};

static void pw_subjects(struct pw_subjects *sj, const struct cat_req *req,
			const char *email)
{
	size_t i;

	for (i = 0; email[i] && i < CAT_EMAIL_MAX; i++)
		sj->email[i] = email[i] >= 'A' && email[i] <= 'Z'
				       ? (char)(email[i] - 'A' + 'a')
				       : email[i];
	sj->email[i] = '\0';
	snprintf(sj->pair, sizeof(sj->pair), "%s %s", req->client_ip,
		 sj->email);
}

/* web_limit_blocked (a read) or web_limit_wrong (counts one). */
typedef int (*limit_fn)(struct cat_req *req, int64_t *retry_after,
			const struct web_limit *l, const char *subject);

/*
 * Applies fn to every limit a wrong password counts against: the email
 * from this address, this address whatever the email (one client trying
 * many accounts), and the account from any address, in two steps (a
 * guesser spread over many addresses backs off for an hour). The email,
 * not the account, so an unknown email is limited the same way and a 429
 * does not tell which accounts exist. *retry_after: the longest wait.
 */
static int pw_limits(struct cat_req *req, const struct pw_subjects *sj,
		     limit_fn fn, int64_t *retry_after)
{
	const struct cat_server_config *cfg = &req->srv->cfg;
	int account = web_limit_value(cfg->login_limit_account,
				      WEB_RL_PASSWORD_ACCOUNT);
	const struct web_limit limits[] = {
		{ "pw", WEB_RL_PASSWORD, WEB_RL_WINDOW },
		{ "pw-a",
		  web_limit_value(cfg->login_limit_addr, WEB_RL_PASSWORD_ADDR),
		  WEB_RL_WINDOW },
		{ "pw-u", account, WEB_RL_WINDOW },
		{ "pw-uh", account * WEB_RL_ACCOUNT_HOURLY, 3600 },
	};
	const char *subjects[] = { sj->pair, req->client_ip, sj->email,
				   sj->email };
	int64_t r;
	size_t i;
	int err = 0;

	*retry_after = 0;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]) && err == 0; i++)
		if ((err = fn(req, &r, &limits[i], subjects[i])) == 0 &&
		    r > *retry_after)
			*retry_after = r;
	return err;
}

int web_password_check(struct cat_req *req, const char *email,
		       const char *password, struct cat_account *acct,
		       enum web_pw *res, int64_t *retry_after)
{
	struct pw_subjects sj;
	int err, ok;

	memset(acct, 0, sizeof(*acct));
	*res = WEB_PW_WRONG;
	*retry_after = 0;
	if (strlen(email) > CAT_EMAIL_MAX || strlen(password) > PASSWORD_MAX)
		return 0;
	/* checked before Argon2 runs: a blocked client costs no hashing and
	 * cannot learn that a guess was right */
	pw_subjects(&sj, req, email);
	if ((err = pw_limits(req, &sj, web_limit_blocked, retry_after)) < 0)
		return err;
	if (*retry_after > 0) {
		*res = WEB_PW_LIMITED;
		return 0;
	}
	if (!hash_slot_take(&req->srv->cfg)) {
		cat_log_debug("web sign-in from %s: every hash slot busy",
			      req->client_ip);
		*res = WEB_PW_BUSY;
		return 0;
	}
	err = cat_store_account_by_email(req->store, acct, email);
	ok = (err == 0 || err == CAT_ENOTFOUND) &&
	     web_password_ok(err == 0 ? acct : NULL, password);
	hash_slot_give();
	if (err < 0 && err != CAT_ENOTFOUND)
		return err;
	if (err == 0 && acct->disabled_at) {
		/* the same answer whether the password was right or not, so
		 * it says nothing about the password; a wrong one still
		 * counts */
		cat_audit(req->store, "signin_failed", CAT_ACTOR_USER, acct->id,
			  NULL, NULL, req->client_ip, "reason", "disabled");
		*res = WEB_PW_DISABLED;
	} else if (!ok) {
		/* the account when the email names one; never what was typed,
		 * which may be a password in the wrong field */
		cat_audit(req->store, "signin_failed", CAT_ACTOR_USER,
			  err == 0 ? acct->id : 0, NULL, NULL, req->client_ip,
			  NULL, NULL);
	} else {
		*res = WEB_PW_OK;
		return 0;
	}
	if (!ok) {
		if ((err = pw_limits(req, &sj, web_limit_wrong, retry_after)) <
		    0)
			return err;
		if (*retry_after > 0)
			*res = WEB_PW_LIMITED;
	}
	return 0;
}

int route_web_login(struct cat_req *req, struct cat_resp *resp)
{
	struct web_session ws;
	struct cat_account acct;
	const char *email = cat_req_param(req, "email");
	const char *password = cat_req_param(req, "password");
	const char *next = cat_req_param(req, "next");
	enum web_pw res;
	int64_t retry = 0;
	int err, ok;

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
	if ((err = web_password_check(req, email, password, &acct, &res,
				      &retry)) < 0)
		goto done;
	switch (res) {
	case WEB_PW_LIMITED:
		err = web_too_many_page(req, resp, &ws, retry);
		goto done;
	case WEB_PW_BUSY:
		err = web_busy_page(req, resp, &ws);
		goto done;
	case WEB_PW_DISABLED:
		err = web_signin_page(req, resp, 403, &ws, next, email,
				      "This account is disabled. Ask the "
				      "administrator of this server.");
		goto done;
	case WEB_PW_WRONG:
		err = web_signin_page(req, resp, 401, &ws, next, email,
				      "Wrong email or password.");
		goto done;
	case WEB_PW_OK:
		break;
	}
	if ((err = web_session_start(&ws, req, resp, &acct)) < 0)
		goto done;
	cat_audit(req->store, "signin_ok", CAT_ACTOR_USER, acct.id, NULL, NULL,
		  req->client_ip, NULL, NULL);
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
