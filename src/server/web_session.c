/*
 * Browser sessions: the catalyst_session cookie names a session that the
 * store keeps only as the hash of its ID, and every session (signed in or
 * not) holds the CSRF token its forms must echo. Also the checks guarding
 * sign-in and code entry: Argon2id passwords and store-backed rate limits.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server.h"
#include "token.h"
#include "banned.h"

#define BASE62   "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define CSRF_LEN 32 /* 190 bits */

/*
 * crypto_pwhash_str of a random password nobody kept. Checked when the
 * email is unknown, so a wrong email costs as much as a wrong password and
 * response times do not tell which accounts exist.
 */
static const char dummy_hash[] =
	"$argon2id$v=19$m=65536,t=2,p=1$Hl9jKsqGmtmOXLmoP7qRYA$"
	"CJvR7Ez5p9SFYG79rvHTIxpRxcNQg3D0APVRnvx1R4w";

static int set_cookie(struct cat_req *req, struct cat_resp *resp,
		      const char *value, int max_age)
{
	char hdr[256];
	int n, err;

	n = snprintf(hdr, sizeof(hdr),
		     WEB_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; "
				"SameSite=Lax%s",
		     value, max_age,
		     req->srv->cfg.secure_cookies ? "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		err = cat_error_set(CAT_ETOOBIG, "session cookie too long");
	else
		err = cat_resp_header(resp, "Set-Cookie", hdr);
	sodium_memzero(hdr, sizeof(hdr));
	return err;
}

/* Stores a new session for account_id (0: anonymous) and sets its cookie. */
static int session_new(struct web_session *ws, struct cat_req *req,
		       struct cat_resp *resp, int64_t account_id)
{
	const struct cat_server_config *cfg = &req->srv->cfg;
	char id[CAT_TOKEN_MAX];
	int err;

	memset(&ws->s, 0, sizeof(ws->s));
	ws->valid = 0;
	if ((err = cat_token_new(id, CAT_TOK_SESSION, cfg->dc)) < 0)
		goto done;
	cat_token_hash(ws->s.id_hash, id);
	cat_random_chars(ws->s.csrf, CSRF_LEN, BASE62);
	ws->s.account_id = account_id;
	ws->s.created_at = req->now;
	ws->s.expires_at = req->now + cfg->session_ttl;
	if ((err = cat_store_session_insert(req->store, &ws->s)) < 0)
		goto done;
	if ((err = set_cookie(req, resp, id, cfg->session_ttl)) < 0)
		goto done;
	ws->valid = 1;
done:
	sodium_memzero(id, sizeof(id));
	return err;
}

int web_session_load(struct web_session *ws, struct cat_req *req,
		     struct cat_resp *resp, int create)
{
	const char *cookie = cat_req_cookie(req, WEB_COOKIE);
	enum cat_token_kind kind;
	char dc[3], hash[CAT_HASH_HEX];
	int err;

	memset(ws, 0, sizeof(*ws));
	/* a malformed or foreign cookie is not worth a store lookup */
	if (cookie && cat_token_parse(cookie, &kind, dc) == 0 &&
	    kind == CAT_TOK_SESSION && strcmp(dc, req->srv->cfg.dc) == 0) {
		cat_token_hash(hash, cookie);
		err = cat_store_session_get(req->store, &ws->s, hash, req->now);
		if (err == 0)
			ws->valid = 1;
		else if (err != CAT_ENOTFOUND)
			return err;
	}
	cat_error_clear();
	if (ws->valid && ws->s.account_id) {
		err = cat_store_account_by_id(req->store, &ws->account,
					      ws->s.account_id);
		if (err == CAT_ENOTFOUND)
			ws->s.account_id = 0; /* deleted: signed out */
		else if (err < 0)
			return err;
		/* pages never need it; keep it out of memory we pass around */
		sodium_memzero(ws->account.pw_hash,
			       sizeof(ws->account.pw_hash));
	}
	if (!ws->valid && create)
		return session_new(ws, req, resp, 0);
	return 0;
}

int web_session_start(struct web_session *ws, struct cat_req *req,
		      struct cat_resp *resp, const struct cat_account *account)
{
	int err;

	if (ws->valid) {
		err = cat_store_session_delete(req->store, ws->s.id_hash);
		if (err < 0 && err != CAT_ENOTFOUND)
			return err;
	}
	if ((err = session_new(ws, req, resp, account->id)) < 0)
		return err;
	ws->account = *account;
	sodium_memzero(ws->account.pw_hash, sizeof(ws->account.pw_hash));
	return 0;
}

int web_session_end(struct web_session *ws, struct cat_req *req,
		    struct cat_resp *resp)
{
	int err = 0;

	if (ws->valid) {
		err = cat_store_session_delete(req->store, ws->s.id_hash);
		if (err == CAT_ENOTFOUND)
			err = 0;
	}
	memset(ws, 0, sizeof(*ws));
	if (err < 0)
		return err;
	return set_cookie(req, resp, "", 0);
}

int web_csrf_ok(const struct web_session *ws, const struct cat_req *req)
{
	const char *csrf = cat_req_param(req, "csrf");

	if (!ws->valid || !ws->s.csrf[0] || !csrf ||
	    cat_req_param_repeated(req, "csrf"))
		return 0;
	return cat_secret_eq(ws->s.csrf, csrf);
}

int web_form_session(struct web_session *ws, struct cat_req *req,
		     struct cat_resp *resp, int *ok)
{
	int err;

	*ok = 0;
	/* no new session: a form posted without one cannot carry its CSRF
	 * token, and is refused below like any other forged form */
	if ((err = web_session_load(ws, req, resp, 0)) < 0)
		return err;
	if (!web_csrf_ok(ws, req))
		return web_csrf_page(req, resp, ws);
	*ok = 1;
	return 0;
}

int web_password_ok(const struct cat_account *account, const char *password)
{
	const char *hash = dummy_hash;
	int ok;

	if (account && account->pw_hash[0])
		hash = account->pw_hash;
	ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	return ok && hash != dummy_hash;
}

/*
 * Each limit counts in two fixed windows, the second staggered by half a
 * window, and holds when either is full: a burst shorter than half a
 * window lands whole in one of them, so it cannot slip through by
 * straddling a window boundary.
 */
#define RL_WINDOWS 2

/* The key of kind and subject in window w: "web:<kind>:<hash>:<w>". */
static int limit_key(char key[CAT_RL_KEY_MAX + 1], const char *kind,
		     const char *subject, int w)
{
	char h[CAT_HASH_HEX];
	int n;

	cat_token_hash(h, subject);
	/* 128 bits of the hash tell subjects apart; the key stays short */
	n = snprintf(key, CAT_RL_KEY_MAX + 1, "web:%s:%.32s:%d", kind, h, w);
	if (n < 0 || n > CAT_RL_KEY_MAX)
		return cat_error_set(CAT_EINVAL, "rate-limit key too long");
	return 0;
}

/* The store aligns windows on the time it is given: shifting the time
 * staggers the window. */
static int64_t window_now(int64_t now, int w)
{
	return now + (w ? WEB_RL_STAGGER : 0);
}

int web_limit_blocked(struct cat_req *req, int *blocked, const char *kind,
		      const char *subject, int limit)
{
	char key[CAT_RL_KEY_MAX + 1];
	int64_t count;
	int err = 0, w;

	*blocked = 0;
	for (w = 0; w < RL_WINDOWS && !*blocked && err == 0; w++) {
		if ((err = limit_key(key, kind, subject, w)) == 0 &&
		    (err = cat_store_ratelimit_count(req->store, &count, key,
						     window_now(req->now, w),
						     WEB_RL_WINDOW)) == 0)
			*blocked = count >= limit;
	}
	return err;
}

int web_limit_wrong(struct cat_req *req, int *blocked, const char *kind,
		    const char *subject, int limit)
{
	char key[CAT_RL_KEY_MAX + 1];
	int err = 0, w, allowed;

	*blocked = 0;
	for (w = 0; w < RL_WINDOWS && err == 0; w++) {
		if ((err = limit_key(key, kind, subject, w)) == 0 &&
		    (err = cat_store_ratelimit_hit(
			     req->store, &allowed, key, window_now(req->now, w),
			     WEB_RL_WINDOW, limit)) == 0 &&
		    !allowed)
			*blocked = 1; /* racing requests got in first */
	}
	return err;
}
