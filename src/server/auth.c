/*
 * Bearer and client authentication. cat_auth_bearer runs on every
 * authenticated request, so it does one indexed read and, at most once a
 * minute per token, one write.
 */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "server.h"
#include "token.h"
#include "banned.h"

int cat_auth_bearer(struct cat_req *req, const char **error_code)
{
	const char *h = cat_req_header(req, "Authorization");
	const char *tok;
	enum cat_token_kind kind;
	char dc[3], hash[CAT_HASH_HEX];
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
	cat_token_hash(hash, tok);
	err = cat_store_access_validate(req->store, &req->principal, hash,
					req->now);
	if (err == CAT_ENOTFOUND)
		return cat_error_set(
			CAT_EAUTH,
			"Invalid OAuth token passed: expired or revoked");
	if (err < 0)
		return err;
	req->bearer = tok;
	if (req->principal.grant_last_used_at < req->now - 60)
		/* best effort: a failed last-used write must not fail the call
		 */
		(void)cat_store_grant_touch(req->store, req->principal.token_id,
					    req->now);
	return 0;
}

int cat_auth_client(struct cat_req *req, struct cat_client *out,
		    const char *client_id, const char *secret, int allow_public)
{
	char hash[CAT_HASH_HEX];
	int err;

	if (!client_id || !*client_id)
		return cat_error_set(CAT_EAUTH, "client_id is required");
	err = cat_store_client_get(req->store, out, client_id);
	if (err == CAT_ENOTFOUND || err == CAT_EINVAL)
		return cat_error_set(CAT_EAUTH, "unknown client_id");
	if (err < 0)
		return err;
	if (!secret) {
		if (allow_public)
			return 0;
		return cat_error_set(CAT_EAUTH, "client_secret is required");
	}
	cat_token_hash(hash, secret);
	if (!cat_secret_eq(hash, out->secret_hash))
		return cat_error_set(CAT_EAUTH, "client authentication failed");
	return 0;
}

int cat_auth_client_from_req(struct cat_req *req, struct cat_client *out,
			     char *buf, size_t bufsize)
{
	const char *h = cat_req_header(req, "Authorization");
	const char *id = cat_req_param(req, "client_id");
	const char *secret = cat_req_param(req, "client_secret");

	if (h && strncasecmp(h, "Basic ", 6) == 0) {
		size_t len = 0;
		const char *b64 = h + 6;
		char *colon;

		if (sodium_base642bin((unsigned char *)buf, bufsize - 1, b64,
				      strlen(b64), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0)
			return cat_error_set(CAT_EAUTH,
					     "malformed Basic credentials");
		buf[len] = '\0';
		if (!(colon = strchr(buf, ':')))
			return cat_error_set(CAT_EAUTH,
					     "malformed Basic credentials");
		*colon = '\0';
		id = buf;
		secret = colon + 1;
	}
	return cat_auth_client(req, out, id, secret, 0);
}
