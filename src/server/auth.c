/*
 * Bearer and client authentication. cat_auth_bearer runs on every
 * authenticated request, so it does one indexed read (the grant, for
 * revocation; the access token itself is verified by its MAC, access.c) and
 * no write: the last-used time goes to lastused.c, which writes it in
 * batches.
 */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "access.h"
#include "lastused.h"
#include "server.h"
#include "terms.h"
#include "token.h"
#include "banned.h"

int cat_auth_bearer(struct cat_req *req, const char **error_code)
{
	const char *h = cat_req_header(req, "Authorization");
	const char *tok;
	enum cat_token_kind kind;
	struct cat_access_claims c;
	char dc[3];
	int err;

	*error_code = NULL;
	if (!h)
		return cat_error_set(
			CAT_EAUTH,
			"Authorization header with a Bearer token is required");
	if (strncasecmp(h, "Bearer ", 7) == 0)
		tok = h + 7;
	else if (strncasecmp(h, "Zoho-oauthtoken ", 16) == 0)
		tok = h + 16;
	else
		return cat_error_set(
			CAT_EAUTH, "Authorization must use the Bearer scheme");
	while (*tok == ' ')
		tok++;
	if (cat_token_parse(tok, &kind, dc) < 0)
		return cat_error_set(CAT_EAUTH, "Invalid OAuth token passed.");
	if (kind != CAT_TOK_ACCESS)
		return cat_error_set(
			CAT_EAUTH,
			"Invalid OAuth token passed: not an access token");
	if (strcmp(dc, req->srv->cfg.dc) != 0)
		return cat_error_set(
			CAT_EAUTH,
			"this token belongs to data center '%s' but "
			"this server is data center '%s'; use the '%s' server",
			dc, req->srv->cfg.dc, dc);
	/* signature and expiry first: a forged or expired token costs no
	 * store read */
	err = cat_access_check(req, tok, &c);
	if (err == CAT_EEXPIRED)
		return cat_error_set(
			CAT_EAUTH,
			"Invalid OAuth token passed: expired or revoked");
	if (err == CAT_EINVAL || err == CAT_ECONFLICT)
		return cat_error_set(CAT_EAUTH, "Invalid OAuth token passed.");
	if (err < 0)
		return err;
	/* the one store read: the grant, read every time, is what makes a
	 * revocation end every access token derived from it at once; it
	 * brings what the routes need of the account along */
	err = cat_store_bearer_lookup(req->store, &req->principal, c.token_id);
	if (err == CAT_ENOTFOUND ||
	    (err == 0 && req->principal.grant_revoked_at))
		return cat_error_set(
			CAT_EAUTH,
			"Invalid OAuth token passed: expired or revoked");
	if (err < 0)
		return err;
	/* disabling revokes the grants too; this covers a grant minted by a
	 * flow that raced with the disabling */
	if (req->principal.account_disabled_at)
		return cat_error_set(
			CAT_EAUTH, "Invalid OAuth token passed: the account is "
				   "disabled");
	if (cat_terms_expired(req->principal.grant_expires_at, req->now)) {
		char when[48];

		cat_terms_date(when, sizeof(when),
			       req->principal.grant_expires_at);
		return cat_error_set(CAT_EAUTH,
				     "this CLI token expired on %s; generate "
				     "a new one with 'catalyst "
				     "token:generate'",
				     when);
	}
	req->principal.expires_at = c.expires_at;
	req->bearer = tok;
	/* a minute's precision is all a listing shows */
	if (req->principal.grant_last_used_at < req->now - 60)
		cat_lastused_record(req->principal.token_id, req->now,
				    req->client_ip);
	return 0;
}

/* what a Basic header may decode to: an id and a secret, both escaped */
#define BASIC_MAX 1024

int cat_auth_is_basic(const char *h)
{
	return strncasecmp(h, "Basic", 5) == 0 && (h[5] == ' ' || !h[5]);
}

/* Splits "Basic base64(urlenc(id):urlenc(secret))" into buf. */
static int basic_credentials(const char *h, char *buf, size_t n,
			     const char **id, const char **secret)
{
	const char *b64 = h + 5, *end;
	size_t len = 0;
	char *colon;

	while (*b64 == ' ')
		b64++;
	end = b64 + strlen(b64);
	while (end > b64 && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == b64 ||
	    sodium_base642bin((unsigned char *)buf, n - 1, b64,
			      (size_t)(end - b64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return cat_error_set(CAT_EAUTH, "malformed Basic credentials");
	buf[len] = '\0';
	if (memchr(buf, '\0', len) || !(colon = strchr(buf, ':')))
		return cat_error_set(CAT_EAUTH, "malformed Basic credentials");
	*colon = '\0';
	if (cat_form_decode(buf, strlen(buf)) < 0 ||
	    cat_form_decode(colon + 1, strlen(colon + 1)) < 0 || !buf[0])
		return cat_error_set(CAT_EAUTH,
				     "malformed Basic credentials (RFC 6749 "
				     "2.3.1: form-urlencoded id and secret)");
	*id = buf;
	*secret = colon + 1;
	return 0;
}

static int check_client(struct cat_req *req, struct cat_client *out,
			const char *id, const char *secret, int flags)
{
	char hash[CAT_HASH_HEX];
	int err;

	err = cat_store_client_get(req->store, out, id);
	if (err == CAT_ENOTFOUND || err == CAT_EINVAL)
		return cat_error_set(CAT_EAUTH, "unknown client_id");
	if (err < 0)
		return err;
	/* a secret sent by a public client is a misconfiguration that would
	 * otherwise pass silently; refusing it is the same on every endpoint
	 */
	if (out->is_public)
		return secret ? cat_error_set(CAT_EAUTH,
					      "this client is public: it has "
					      "no secret to send")
			      : 0;
	if (!secret)
		return flags & CAT_CLIENT_IDENTIFY
			       ? 0
			       : cat_error_set(
					 CAT_EAUTH,
					 "client authentication is required: "
					 "send the client secret with HTTP "
					 "Basic or client_secret");
	cat_token_hash(hash, secret);
	if (!cat_secret_eq(hash, out->secret_hash))
		return cat_error_set(CAT_EAUTH, "client authentication failed");
	return 0;
}

int cat_auth_client_req(struct cat_req *req, struct cat_client *out, int flags)
{
	const char *h = cat_req_header(req, "Authorization");
	const char *id = cat_req_param(req, "client_id");
	const char *secret = cat_req_param(req, "client_secret");
	const char *bid = NULL, *bsecret = NULL;
	char buf[BASIC_MAX];
	int err;

	if (h && cat_auth_is_basic(h)) {
		if ((err = basic_credentials(h, buf, sizeof(buf), &bid,
					     &bsecret)) < 0)
			goto done;
		/* RFC 6749 2.3: one authentication method per request */
		if (secret) {
			err = cat_error_set(CAT_EAUTH,
					    "send the client secret once: "
					    "HTTP Basic or client_secret, not "
					    "both");
			goto done;
		}
		if (id && strcmp(id, bid) != 0) {
			err = cat_error_set(CAT_EAUTH,
					    "client_id differs from the client "
					    "of the HTTP Basic credentials");
			goto done;
		}
		id = bid;
		secret = bsecret;
	}
	if (!id && !secret && (flags & CAT_CLIENT_OPTIONAL))
		err = 1;
	else if (!id || !*id)
		err = cat_error_set(CAT_EAUTH, "client_id is required");
	else
		err = check_client(req, out, id, secret, flags);
done:
	sodium_memzero(buf, sizeof(buf));
	return err;
}

int cat_auth_client_error(struct cat_resp *resp, int err)
{
	if (err != CAT_EAUTH)
		return err;
	/* RFC 6749 5.2: a 401 names the scheme a client may authenticate
	 * with, whichever it tried */
	if ((err = cat_resp_header(resp, "WWW-Authenticate",
				   "Basic realm=\"catalystd\"")) < 0)
		return err;
	return cat_resp_oauth_error(resp, 401, "invalid_client",
				    cat_error_last());
}
