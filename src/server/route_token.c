/*
 * The token endpoint (refresh, authorization code with PKCE, device code),
 * revocation (RFC 7009 and the reference CLI's variant), introspection
 * (RFC 7662), user info and the token list of our CLI.
 */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "access.h"
#include "auth.h"
#include "device.h"
#include "lastused.h"
#include "oauth.h"
#include "server.h"
#include "terms.h"
#include "textclean.h"
#include "audit.h"
#include "banned.h"

typedef int (*grant_fn)(struct cat_req *req, struct cat_resp *resp,
			const struct cat_client *client);

static int answer_tokens(struct cat_req *req, struct cat_resp *resp,
			 struct cat_issued *issued)
{
	int err = cat_resp_json(resp, 200, cat_oauth_token_json(req, issued));

	cat_oauth_issued_clear(issued);
	return err;
}

/* A helper answered (an error) itself. */
#define ANSWERED 1

/* Token-endpoint failures for a refresh token or code we cannot use. */
static int invalid_grant(struct cat_resp *resp, const char *why)
{
	return cat_resp_oauth_error(resp, 400, "invalid_grant", why);
}

/* Refuses the refresh of an expired token, naming the date; records
 * token_expired for its first refused use. Returns ANSWERED. */
static int refuse_expired(struct cat_req *req, struct cat_resp *resp,
			  const struct cat_grant *g)
{
	char when[48], msg[128];
	int err;

	cat_terms_date(when, sizeof(when), g->expires_at);
	snprintf(msg, sizeof(msg),
		 "this CLI token expired on %s; generate a new one with "
		 "'catalyst token:generate'",
		 when);
	/* one event for the first use after the expiry, not one per retry
	 * of a CI job: that use becomes the last-used time */
	if (g->last_used_at < g->expires_at &&
	    cat_lastused_pending(g->token_id) < g->expires_at) {
		cat_audit(req->store, "token_expired", CAT_ACTOR_SYSTEM,
			  g->account_id, g->token_id, g->client_id,
			  req->client_ip, NULL, NULL);
		cat_lastused_record(g->token_id, req->now, req->client_ip);
	}
	err = invalid_grant(resp, msg);
	return err < 0 ? err : ANSWERED;
}

/*
 * The live grant of refresh token rt (its hash into hash), issued to
 * client: 0 with *g filled, or ANSWERED after an invalid_grant (unknown,
 * revoked, expired, another client's), or a store error.
 */
static int live_grant(struct cat_req *req, struct cat_resp *resp,
		      const char *rt, const struct cat_client *client,
		      struct cat_grant *g, char hash[CAT_HASH_HEX])
{
	int err;

	if ((err = cat_oauth_check_token(req, rt, CAT_TOK_REFRESH)) < 0)
		err = invalid_grant(resp, err == CAT_ECONFLICT
						  ? cat_error_last()
						  : "refresh_token is not a "
						    "valid token");
	else {
		cat_token_hash(hash, rt);
		err = cat_store_grant_by_hash(req->store, g, hash, req->now);
		if (err == CAT_ENOTFOUND)
			err = invalid_grant(resp, "refresh_token is unknown");
		else if (err < 0)
			return err;
		else if (g->revoked_at)
			err = invalid_grant(resp, "refresh_token was revoked");
		else if (cat_terms_expired(g->expires_at, req->now))
			return refuse_expired(req, resp, g);
		else if (strcmp(g->client_id, client->id) != 0)
			err = invalid_grant(resp, "refresh_token was issued "
						  "to another client");
		else
			return 0;
	}
	return err < 0 ? err : ANSWERED;
}

static int grant_refresh(struct cat_req *req, struct cat_resp *resp,
			 const struct cat_client *client)
{
	const char *rt = cat_req_param(req, "refresh_token");
	struct cat_grant g;
	struct cat_issued issued;
	char hash[CAT_HASH_HEX];
	int err;

	if (!rt || !*rt)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "refresh_token is required");
	if ((err = live_grant(req, resp, rt, client, &g, hash)) != 0)
		return err < 0 ? err : 0;
	if ((err = cat_oauth_refresh(req, &issued, &g)) < 0)
		return err;
	if (g.last_used_at < req->now - 60)
		cat_lastused_record(g.token_id, req->now, req->client_ip);
	return answer_tokens(req, resp, &issued);
}

/* RFC 7636: BASE64URL(SHA256(verifier)) == challenge, S256 only. */
static int pkce_ok(const char *verifier, const char *challenge)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char enc[sodium_base64_ENCODED_LEN(
		crypto_hash_sha256_BYTES,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	size_t n = verifier ? strlen(verifier) : 0;

	if (n < 43 || n > 128)
		return 0;
	crypto_hash_sha256(h, (const unsigned char *)verifier, n);
	sodium_bin2base64(enc, sizeof(enc), h, sizeof(h),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return cat_secret_eq(enc, challenge);
}

static int grant_code(struct cat_req *req, struct cat_resp *resp,
		      const struct cat_client *client)
{
	const char *code = cat_req_param(req, "code");
	const char *redirect = cat_req_param(req, "redirect_uri");
	const char *verifier = cat_req_param(req, "code_verifier");
	const char *device_name_in = cat_req_param(req, "device_name");
	struct cat_auth_code c;
	struct cat_issued issued;
	char hash[CAT_HASH_HEX], device_name[CAT_DEVICE_NAME_MAX + 1];
	int err;

	if (!code || !*code)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "code is required");
	if ((err = cat_oauth_check_token(req, code, CAT_TOK_CODE)) < 0)
		return invalid_grant(
			resp,
			err == CAT_ECONFLICT
				? cat_error_last()
				: "code is not a valid authorization code");
	/* checked before the code is used up */
	if (cat_text_clean(device_name, sizeof(device_name),
			   device_name_in ? device_name_in : "") < 0)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "'device_name' is too long");
	cat_token_hash(hash, code);
	err = cat_store_code_redeem(req->store, &c, hash, req->now);
	if (err == CAT_ENOTFOUND)
		return invalid_grant(
			resp, "code is unknown, expired or already used");
	if (err < 0)
		return err;
	if (strcmp(c.client_id, client->id) != 0)
		return invalid_grant(resp, "code was issued to another client");
	if (!redirect || strcmp(redirect, c.redirect_uri) != 0)
		return invalid_grant(resp, "redirect_uri does not match the "
					   "authorization request");
	/* RFC 7636 and RFC 9700 2.1.1: PKCE is what stands in for a public
	 * client's secret, and a verifier for a code requested without a
	 * challenge proves nothing */
	if (!c.code_challenge[0] && client->is_public)
		return invalid_grant(resp, "a public client must use PKCE: "
					   "send a code_challenge (S256) to "
					   "the authorization endpoint");
	if (!c.code_challenge[0] && verifier)
		return invalid_grant(resp, "code_verifier given, but the "
					   "authorization request had no "
					   "code_challenge");
	if (c.code_challenge[0] && !pkce_ok(verifier, c.code_challenge))
		return invalid_grant(resp, "code_verifier does not match");
	if ((err = cat_oauth_prepare(req, &issued, c.account_id, client,
				     c.scope, device_name, NULL)) < 0 ||
	    (err = cat_oauth_store(req, &issued)) < 0) {
		cat_oauth_issued_clear(&issued);
		/* disabled between the consent and this exchange */
		return err == CAT_EDENIED
			       ? invalid_grant(resp, cat_error_last())
			       : err;
	}
	return answer_tokens(req, resp, &issued);
}

static int grant_device(struct cat_req *req, struct cat_resp *resp,
			const struct cat_client *client)
{
	struct cat_issued issued;
	int err;

	memset(&issued, 0, sizeof(issued));
	err = cat_device_poll(req, &issued, cat_req_param(req, "device_code"),
			      client, 1);
	if (err == 0)
		return answer_tokens(req, resp, &issued);
	cat_oauth_issued_clear(&issued);
	return cat_device_poll_error(resp, err);
}

static const struct {
	const char *grant_type;
	grant_fn fn;
} grants[] = {
	{ "refresh_token", grant_refresh },
	{ "authorization_code", grant_code },
	{ "urn:ietf:params:oauth:grant-type:device_code", grant_device },
};

/* Answers invalid_grant when the grant's credential belongs to another DC;
 * returns 1 then, 0 when it does not, <0 on failure. */
static int other_dc(struct cat_req *req, struct cat_resp *resp)
{
	static const char *const params[] = { "refresh_token", "code",
					      "device_code" };
	enum cat_token_kind kind;
	char dc[3];
	size_t i;
	int err;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		const char *v = cat_req_param(req, params[i]);

		if (!v || cat_token_parse(v, &kind, dc) < 0 ||
		    strcmp(dc, req->srv->cfg.dc) == 0)
			continue;
		cat_oauth_check_token(req, v, kind);
		err = invalid_grant(resp, cat_error_last());
		return err < 0 ? err : 1;
	}
	return 0;
}

int route_token(struct cat_req *req, struct cat_resp *resp)
{
	const char *gt = cat_req_param(req, "grant_type");
	struct cat_client client;
	size_t i;
	int err;

	if (!gt)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "grant_type is required");
	for (i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
		if (strcmp(grants[i].grant_type, gt) == 0)
			break;
	if (i == sizeof(grants) / sizeof(grants[0]))
		return cat_resp_oauth_error(resp, 400, "unsupported_grant_type",
					    "grant_type is not supported");
	/* a credential of another DC is named as such before anything else:
	 * that server's clients are not registered here */
	if ((err = other_dc(req, resp)) != 0)
		return err < 0 ? err : 0;
	/* every grant: a confidential client proves its secret, whatever
	 * else the request carries (a code_verifier is no substitute) */
	if ((err = cat_auth_client_req(req, &client, 0)) < 0)
		return cat_auth_client_error(resp, err);
	return grants[i].fn(req, resp, &client);
}

/* The longest an old secret stays valid after a rotation: a CI secret is
 * swapped within hours; a week forgives a weekend without keeping a leaked
 * secret alive for long. */
#define ROTATE_GRACE_MAX (7 * 24 * 3600)

/* "grace": whole seconds, 0 to ROTATE_GRACE_MAX; absent is 0. */
static int rotate_grace(const char *in, int64_t *out)
{
	int64_t v = 0;

	*out = 0;
	if (!in)
		return 0;
	if (!*in)
		return CAT_EINVAL;
	for (; *in; in++) {
		if (*in < '0' || *in > '9')
			return CAT_EINVAL;
		v = v * 10 + (*in - '0');
		if (v > ROTATE_GRACE_MAX)
			return CAT_EINVAL;
	}
	*out = v;
	return 0;
}

/*
 * A new secret for the grant of a refresh token, presented with the
 * client authentication its refresh grant needs: holding the current
 * secret is the authority, so only the device that has the token (the
 * one that generated it, for a CLI token) can rotate it. An old secret in
 * its grace refreshes but does not rotate: whoever holds only that one
 * must not be able to take the token over.
 */
int route_token_rotate(struct cat_req *req, struct cat_resp *resp)
{
	const char *rt = cat_req_param(req, "refresh_token");
	struct cat_client client;
	struct cat_grant g;
	struct cat_issued issued;
	char hash[CAT_HASH_HEX];
	int64_t grace;
	int err;

	if (!rt || !*rt)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "refresh_token is required");
	if (rotate_grace(cat_req_param(req, "grace"), &grace) < 0)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "grace must be whole seconds from "
					    "0 to 604800 (7 days)");
	if ((err = other_dc(req, resp)) != 0)
		return err < 0 ? err : 0;
	if ((err = cat_auth_client_req(req, &client, 0)) < 0)
		return cat_auth_client_error(resp, err);
	if ((err = live_grant(req, resp, rt, &client, &g, hash)) != 0)
		return err < 0 ? err : 0;
	if (strcmp(g.token_hash, hash) != 0)
		return invalid_grant(resp, "refresh_token was rotated: only "
					   "the current secret can rotate "
					   "the token");
	err = cat_oauth_rotate(req, &issued, &g, hash, grace);
	if (err == CAT_ECONFLICT || err == CAT_ENOTFOUND) {
		cat_oauth_issued_clear(&issued);
		return invalid_grant(resp, "refresh_token was rotated or "
					   "revoked meanwhile");
	}
	if (err < 0) {
		cat_oauth_issued_clear(&issued);
		return err;
	}
	return answer_tokens(req, resp, &issued);
}

/*
 * Finds the grant behind a refresh or access token of this DC. An access
 * token counts only when its MAC verifies and it has not expired: its
 * token id is public, so a forged one must not reach any grant.
 */
static int grant_for_token(struct cat_req *req, struct cat_grant *out,
			   const char *token)
{
	enum cat_token_kind kind;
	struct cat_access_claims c;
	char hash[CAT_HASH_HEX], dc[3];
	int err;

	if (cat_token_parse(token, &kind, dc) < 0)
		return CAT_ENOTFOUND;
	if (strcmp(dc, req->srv->cfg.dc) != 0)
		return cat_oauth_check_token(req, token, kind);
	if (kind == CAT_TOK_REFRESH) {
		cat_token_hash(hash, token);
		return cat_store_grant_by_hash(req->store, out, hash, req->now);
	}
	if (kind != CAT_TOK_ACCESS)
		return CAT_ENOTFOUND;
	err = cat_access_check(req, token, &c);
	if (err == CAT_EINVAL || err == CAT_EEXPIRED)
		return CAT_ENOTFOUND;
	if (err < 0)
		return err;
	return cat_store_grant_by_id(req->store, out, c.token_id);
}

int route_revoke(struct cat_req *req, struct cat_resp *resp)
{
	const char *token = cat_req_param(req, "token");
	struct cat_client client;
	struct cat_grant g;
	int err, named;

	if (!token || !*token)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "token is required");
	/* the token is its own authority (the reference CLI sends nothing
	 * else); a client that names itself authenticates as on every grant
	 * (RFC 7009 2.1) */
	if ((err = cat_auth_client_req(req, &client, CAT_CLIENT_OPTIONAL)) < 0)
		return cat_auth_client_error(resp, err);
	named = err == 0;
	err = grant_for_token(req, &g, token);
	if (err == CAT_ECONFLICT)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    cat_error_last());
	if (err == 0 && named && strcmp(g.client_id, client.id) != 0)
		return cat_resp_oauth_error(
			resp, 400, "unauthorized_client",
			"the token was issued to another client");
	if (err == 0 && !g.revoked_at) {
		if ((err = cat_oauth_revoke(req, &g, CAT_ACTOR_DEVICE)) < 0)
			return err;
	} else if (err < 0 && err != CAT_ENOTFOUND) {
		return err;
	}
	/* unknown and already-revoked tokens succeed too (RFC 7009 §2.2) */
	return cat_resp_json(resp, 200,
			     json_pack("{s:s}", "status", "success"));
}

int route_introspect(struct cat_req *req, struct cat_resp *resp)
{
	const char *token = cat_req_param(req, "token");
	struct cat_client client;
	struct cat_account acct;
	struct cat_grant g;
	struct cat_access_claims c;
	enum cat_token_kind kind;
	char hash[CAT_HASH_HEX], dc[3], device_name[CAT_DEVICE_NAME_MAX + 1];
	char scope[CAT_SCOPE_MAX + CAT_ID_MAX + 32];
	int64_t exp = 0;
	int err;

	/* RFC 7662 2.1: only a client that can authenticate may ask */
	err = cat_auth_client_req(req, &client, 0);
	if (err == 0 && client.is_public)
		err = cat_error_set(CAT_EAUTH, "a public client cannot "
					       "authenticate to introspect "
					       "tokens");
	if (err < 0)
		return cat_auth_client_error(resp, err);
	if (!token || !*token)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "token is required");
	if (cat_token_parse(token, &kind, dc) < 0 ||
	    strcmp(dc, req->srv->cfg.dc) != 0 ||
	    (kind != CAT_TOK_REFRESH && kind != CAT_TOK_ACCESS))
		goto inactive;
	if (kind == CAT_TOK_ACCESS) {
		/* active: a MAC that verifies, unexpired, and a live grant */
		err = cat_access_check(req, token, &c);
		if (err == CAT_EINVAL || err == CAT_EEXPIRED)
			goto inactive;
		if (err == 0)
			err = cat_store_grant_by_id(req->store, &g, c.token_id);
		exp = c.expires_at;
	} else {
		cat_token_hash(hash, token);
		err = cat_store_grant_by_hash(req->store, &g, hash, req->now);
	}
	if (err == CAT_ENOTFOUND ||
	    (err == 0 &&
	     (g.revoked_at || cat_terms_expired(g.expires_at, req->now))))
		goto inactive;
	if (err < 0)
		return err;
	if ((err = cat_store_account_by_id(req->store, &acct, g.account_id)) <
	    0)
		return err == CAT_ENOTFOUND
			       ? cat_resp_json(resp, 200,
					       json_pack("{s:b}", "active", 0))
			       : err;
	/* rows stored before names were cleaned on the way in */
	(void)cat_text_clean(device_name, sizeof(device_name), g.device_name);
	/* a refresh token ends with its grant; an access token carries its
	 * own expiry, never later than that */
	if (!exp)
		exp = g.expires_at;
	cat_terms_scope(scope, sizeof(scope), &g);
	{
		json_t *o = json_pack(
			"{s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}",
			"active", 1, "token_type",
			kind == CAT_TOK_ACCESS ? "access_token"
					       : "refresh_token",
			"scope", scope, "client_id", g.client_id, "username",
			acct.email, "sub", (json_int_t)acct.id, "iat",
			(json_int_t)g.created_at, "token_id", g.token_id, "dc",
			g.dc, "device_name", device_name);

		if (o && exp)
			json_object_set_new(o, "exp", json_integer(exp));
		if (o && cat_terms_json(o, &g) < 0) {
			json_decref(o);
			o = NULL;
		}
		return cat_resp_json(resp, 200, o);
	}
inactive:
	return cat_resp_json(resp, 200, json_pack("{s:b}", "active", 0));
}

/* The bearer check read the account along with the grant: no store call. */
int route_user_info(struct cat_req *req, struct cat_resp *resp)
{
	const struct cat_principal *p = &req->principal;
	char display[2 * CAT_NAME_MAX + 2];

	snprintf(display, sizeof(display), "%s%s%s", p->first_name,
		 p->first_name[0] && p->last_name[0] ? " " : "", p->last_name);
	return cat_resp_json(resp, 200,
			     json_pack("{s:s, s:s, s:s, s:s, s:I}",
				       "First_Name", p->first_name, "Last_Name",
				       p->last_name, "Display_Name", display,
				       "Email", p->email, "ZUID",
				       (json_int_t)p->account_id));
}

struct list_ctx {
	json_t *arr;
	const char *current;
	int64_t now;
};

static int list_one(const struct cat_grant *g, void *arg)
{
	struct list_ctx *ctx = arg;
	char created[32], used[32], device_name[CAT_DEVICE_NAME_MAX + 1];
	/* a use this instance saw may not be flushed to the store yet */
	int64_t pending = cat_lastused_pending(g->token_id);
	int64_t last_used =
		pending > g->last_used_at ? pending : g->last_used_at;
	json_t *o;

	/* rows stored before names were cleaned on the way in */
	(void)cat_text_clean(device_name, sizeof(device_name), g->device_name);
	cat_iso_time(created, g->created_at);
	cat_iso_time(used, last_used);
	o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:b}", "token_id",
		      g->token_id, "created_at", created, "last_used_at",
		      last_used ? json_string(used) : json_null(),
		      "device_name", device_name, "dc", g->dc, "client_id",
		      g->client_id, "flow",
		      g->kind == CAT_CLIENT_BROWSER ? "browser" : "device",
		      "current", strcmp(g->token_id, ctx->current) == 0);
	if (!o)
		return cat_error_set(CAT_ERROR, "out of memory");
	/* the address of the last use that reached the store: a use still
	 * pending here shows its time, and its address after the flush */
	json_object_set_new(o, "last_used_addr",
			    g->last_used_addr[0]
				    ? json_string(g->last_used_addr)
				    : json_null());
	json_object_set_new(
		o, "expired",
		json_boolean(cat_terms_expired(g->expires_at, ctx->now)));
	if (cat_terms_json(o, g) < 0 || json_array_append_new(ctx->arr, o) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

int route_token_list(struct cat_req *req, struct cat_resp *resp)
{
	struct list_ctx ctx = { json_array(), req->principal.token_id,
				req->now };
	int err;

	if (!ctx.arr)
		return cat_error_set(CAT_ERROR, "out of memory");
	err = cat_store_grant_list(req->store, req->principal.account_id,
				   list_one, &ctx);
	if (err < 0) {
		json_decref(ctx.arr);
		return err;
	}
	return cat_resp_json(resp, 200, json_pack("{s:o}", "tokens", ctx.arr));
}
