/*
 * Browser sessions. Signed in, the catalyst_session cookie names a session
 * that the store keeps only as the hash of its ID, with the CSRF token its
 * forms must echo. Before that the cookie carries the CSRF value itself,
 * with the time it was issued and a MAC (crypto_auth) under a key kept in
 * the store: a visitor who never signs in costs no store write, and any
 * instance sharing the store accepts the cookie another one signed. Also
 * the checks guarding sign-in and code entry: Argon2id passwords and
 * store-backed rate limits.
 */
#include "web.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server.h"
#include "token.h"
#include "banned.h"

#define BASE62   "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define CSRF_LEN 32 /* 190 bits */

/* "csrf.<issued>.<csrf>.<mac hex>": the cookie before sign-in. */
#define ANON_PREFIX "csrf."
#define ANON_MAX                                                               \
	(sizeof(ANON_PREFIX) + 20 + 1 + CSRF_LEN + 1 + 2 * crypto_auth_BYTES + \
	 1)
/* Name of the MAC key in the store; change it to retire every cookie. */
#define ANON_KEY_NAME "web-csrf-v1"
/* Seconds an instance's clock may run ahead of the one that signed. */
#define ANON_SKEW 300

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char anon_key[crypto_auth_KEYBYTES];
static int anon_key_loaded;

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

/*
 * The MAC key of anonymous cookies. The store keeps the first key any
 * instance proposed, so every instance signs and checks with the same
 * one; it never changes, so one read per process is enough.
 */
static int mac_key(struct cat_store *store,
		   unsigned char key[crypto_auth_KEYBYTES])
{
	unsigned char fresh[crypto_auth_KEYBYTES];
	char fresh_hex[CAT_KEY_HEX], stored[CAT_KEY_HEX];
	size_t n = 0;
	int err = 0;

	pthread_mutex_lock(&key_lock);
	if (!anon_key_loaded) {
		crypto_auth_keygen(fresh);
		sodium_bin2hex(fresh_hex, sizeof(fresh_hex), fresh,
			       sizeof(fresh));
		err = cat_store_key_get_or_add(store, ANON_KEY_NAME, fresh_hex,
					       stored);
		if (err == 0 &&
		    (sodium_hex2bin(anon_key, sizeof(anon_key), stored,
				    strlen(stored), NULL, &n, NULL) != 0 ||
		     n != sizeof(anon_key)))
			err = cat_error_set(CAT_ERROR,
					    "store: the web key is malformed");
		anon_key_loaded = err == 0;
		sodium_memzero(fresh, sizeof(fresh));
		sodium_memzero(fresh_hex, sizeof(fresh_hex));
		sodium_memzero(stored, sizeof(stored));
	}
	if (err == 0)
		memcpy(key, anon_key, crypto_auth_KEYBYTES);
	pthread_mutex_unlock(&key_lock);
	return err;
}

int cat_web_key_init(struct cat_store *store)
{
	unsigned char key[crypto_auth_KEYBYTES];
	int err = mac_key(store, key);

	sodium_memzero(key, sizeof(key));
	return err;
}

/* The MAC of "<issued>.<csrf>" in hex. */
static int anon_mac(struct cat_req *req, char hex[2 * crypto_auth_BYTES + 1],
		    int64_t issued, const char *csrf)
{
	unsigned char key[crypto_auth_KEYBYTES], mac[crypto_auth_BYTES];
	char msg[64];
	int n, err;

	n = snprintf(msg, sizeof(msg), "%lld.%s", (long long)issued, csrf);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return cat_error_set(CAT_EINVAL, "CSRF value too long");
	if ((err = mac_key(req->store, key)) < 0)
		return err;
	crypto_auth(mac, (const unsigned char *)msg, (size_t)n, key);
	sodium_bin2hex(hex, 2 * crypto_auth_BYTES + 1, mac, sizeof(mac));
	sodium_memzero(key, sizeof(key));
	return 0;
}

/* Signs csrf (issued now) into the cookie; ws then carries it. */
static int anon_set(struct web_session *ws, struct cat_req *req,
		    struct cat_resp *resp, const char *csrf)
{
	char mac[2 * crypto_auth_BYTES + 1], value[ANON_MAX];
	int err;

	if ((err = anon_mac(req, mac, req->now, csrf)) < 0)
		return err;
	snprintf(value, sizeof(value), ANON_PREFIX "%lld.%s.%s",
		 (long long)req->now, csrf, mac);
	if ((err = set_cookie(req, resp, value, req->srv->cfg.session_ttl)) < 0)
		return err;
	memset(&ws->s, 0, sizeof(ws->s));
	snprintf(ws->s.csrf, sizeof(ws->s.csrf), "%s", csrf);
	ws->valid = 1;
	ws->stored = 0;
	return 0;
}

static int base62_only(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr(BASE62, s[i]) || !s[i])
			return 0;
	return 1;
}

/*
 * Checks an anonymous cookie: its shape, its MAC (in constant time) and
 * its age. Sets ws->valid and ws->s.csrf, and *issued, when it holds.
 * Returns 0 (whether or not it held) or a store error (the key).
 */
static int anon_check(struct web_session *ws, struct cat_req *req,
		      const char *cookie, int64_t *issued)
{
	unsigned char key[crypto_auth_KEYBYTES], mac[crypto_auth_BYTES];
	const char *p = cookie + sizeof(ANON_PREFIX) - 1, *csrf, *hex;
	char *end;
	long long t;
	size_t n = 0;
	int err, ok;

	if (strlen(cookie) >= ANON_MAX || *p < '1' || *p > '9')
		return 0;
	t = strtoll(p, &end, 10);
	if (*end != '.' || t <= 0)
		return 0;
	csrf = end + 1;
	if (strlen(csrf) != CSRF_LEN + 1 + 2 * crypto_auth_BYTES)
		return 0;
	hex = csrf + CSRF_LEN;
	if (!base62_only(csrf, CSRF_LEN) || *hex != '.' ||
	    sodium_hex2bin(mac, sizeof(mac), hex + 1, 2 * crypto_auth_BYTES,
			   NULL, &n, NULL) != 0 ||
	    n != sizeof(mac))
		return 0;
	if ((err = mac_key(req->store, key)) < 0)
		return err;
	/* the MAC covers "<issued>.<csrf>", which runs up to the last dot */
	ok = crypto_auth_verify(mac, (const unsigned char *)p,
				(size_t)(hex - p), key) == 0;
	sodium_memzero(key, sizeof(key));
	if (!ok || t > req->now + ANON_SKEW ||
	    req->now - t >= req->srv->cfg.session_ttl)
		return 0;
	memcpy(ws->s.csrf, csrf, CSRF_LEN);
	ws->s.csrf[CSRF_LEN] = '\0';
	ws->valid = 1;
	*issued = t;
	return 0;
}

/* Stores a new signed-in session for account_id and sets its cookie. */
static int session_new(struct web_session *ws, struct cat_req *req,
		       struct cat_resp *resp, int64_t account_id)
{
	const struct cat_server_config *cfg = &req->srv->cfg;
	char id[CAT_TOKEN_MAX];
	int err;

	memset(&ws->s, 0, sizeof(ws->s));
	ws->valid = ws->stored = 0;
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
	ws->valid = ws->stored = 1;
done:
	sodium_memzero(id, sizeof(id));
	return err;
}

int web_session_load(struct web_session *ws, struct cat_req *req,
		     struct cat_resp *resp, int create)
{
	const char *cookie = cat_req_cookie(req, WEB_COOKIE);
	enum cat_token_kind kind;
	char dc[3], hash[CAT_HASH_HEX], csrf[CSRF_LEN + 1];
	int64_t issued = 0;
	int err;

	memset(ws, 0, sizeof(*ws));
	/* a malformed or foreign cookie is not worth a store lookup */
	if (cookie && cat_token_parse(cookie, &kind, dc) == 0 &&
	    kind == CAT_TOK_SESSION && strcmp(dc, req->srv->cfg.dc) == 0) {
		cat_token_hash(hash, cookie);
		err = cat_store_session_get(req->store, &ws->s, hash, req->now);
		if (err == 0)
			ws->valid = ws->stored = 1;
		else if (err != CAT_ENOTFOUND)
			return err;
	} else if (cookie &&
		   strncmp(cookie, ANON_PREFIX, sizeof(ANON_PREFIX) - 1) == 0) {
		if ((err = anon_check(ws, req, cookie, &issued)) < 0)
			return err;
	}
	cat_error_clear();
	if (ws->stored && ws->s.account_id) {
		err = cat_store_account_by_id(req->store, &ws->account,
					      ws->s.account_id);
		/* deleted, or disabled by a session that raced with the
		 * disabling (which deletes its sessions): signed out */
		if (err == CAT_ENOTFOUND ||
		    (err == 0 && ws->account.disabled_at))
			ws->s.account_id = 0;
		else if (err < 0)
			return err;
		/* pages never need it; keep it out of memory we pass around */
		sodium_memzero(ws->account.pw_hash,
			       sizeof(ws->account.pw_hash));
	}
	if (!create || ws->stored)
		return 0;
	if (!ws->valid) {
		cat_random_chars(csrf, CSRF_LEN, BASE62);
		return anon_set(ws, req, resp, csrf);
	}
	/* re-signed with the same value while pages are being viewed, so a
	 * form open in another tab stays good */
	if (req->now - issued > req->srv->cfg.session_ttl / 2) {
		memcpy(csrf, ws->s.csrf, sizeof(csrf));
		return anon_set(ws, req, resp, csrf);
	}
	return 0;
}

int web_session_start(struct web_session *ws, struct cat_req *req,
		      struct cat_resp *resp, const struct cat_account *account)
{
	int err;

	if (ws->stored) {
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

	if (ws->stored) {
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
	/* no new CSRF value: a form posted without one cannot carry it, and
	 * is refused below like any other forged form */
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
static int64_t window_now(int64_t now, const struct web_limit *l, int w)
{
	return now + (w ? l->window / 2 : 0);
}

/* Seconds until window w of l (the one holding now) ends. */
static int64_t window_left(int64_t now, const struct web_limit *l, int w)
{
	int64_t t = window_now(now, l, w), r = t % l->window;

	return l->window - (r < 0 ? r + l->window : r);
}

int web_limit_blocked(struct cat_req *req, int64_t *retry_after,
		      const struct web_limit *l, const char *subject)
{
	char key[CAT_RL_KEY_MAX + 1];
	int64_t count, left;
	int err = 0, w;

	*retry_after = 0;
	/* both windows: the later end of the full ones is when to retry */
	for (w = 0; w < RL_WINDOWS && err == 0; w++) {
		if ((err = limit_key(key, l->kind, subject, w)) == 0 &&
		    (err = cat_store_ratelimit_count(req->store, &count, key,
						     window_now(req->now, l, w),
						     l->window)) == 0 &&
		    count >= l->limit &&
		    (left = window_left(req->now, l, w)) > *retry_after)
			*retry_after = left;
	}
	return err;
}

int web_limit_wrong(struct cat_req *req, int64_t *retry_after,
		    const struct web_limit *l, const char *subject)
{
	char key[CAT_RL_KEY_MAX + 1];
	int64_t left;
	int err = 0, w, allowed;

	*retry_after = 0;
	for (w = 0; w < RL_WINDOWS && err == 0; w++) {
		if ((err = limit_key(key, l->kind, subject, w)) == 0 &&
		    (err = cat_store_ratelimit_hit(req->store, &allowed, key,
						   window_now(req->now, l, w),
						   l->window, l->limit)) == 0 &&
		    !allowed && /* racing requests got in first */
		    (left = window_left(req->now, l, w)) > *retry_after)
			*retry_after = left;
	}
	return err;
}

int web_limit_value(int configured, int def)
{
	return configured > 0 ? configured : def;
}
