/*
 * Minting of grants and access tokens, shared by the device flow, the
 * authorization-code flow and refresh, so every flow hands out tokens of
 * the same shape and answers with the same JSON.
 */
#ifndef CAT_OAUTH_H
#define CAT_OAUTH_H

#include "http.h"
#include "timefmt.h"

struct cat_issued {
	char refresh[CAT_TOKEN_MAX]; /* empty when only an access token */
	char access[CAT_TOKEN_MAX];
	struct cat_grant grant;
	int expires_in;
};

/*
 * Mints a new grant for account/client and its first access token into
 * *out (nothing stored yet: the caller stores the grant; the access token
 * is signed, never stored). kind is the flow's client kind ('m' or 'w').
 * terms: the name, expiry, project and read-only flag the device
 * authorization asked for (terms.h), or NULL for none.
 */
int cat_oauth_prepare(struct cat_req *req, struct cat_issued *out,
		      int64_t account_id, const struct cat_client *client,
		      const char *scope, const char *device_name,
		      const struct cat_device_auth *terms);

/* Stores a prepared grant (retrying a token_id clash, for which the access
 * token is signed again). */
int cat_oauth_store(struct cat_req *req, struct cat_issued *issued);
/* The log line of token_refreshed for grant g: its public id, client and
 * account, never the token. */
void cat_oauth_log(const char *event, const struct cat_grant *g,
		   const char *client_addr);
/* The audit event (token_issued, token_revoked) of grant g made by the
 * client of req (actor device): a row and its log line (audit.h). */
void cat_oauth_audit(struct cat_req *req, const char *event,
		     const struct cat_grant *g);

/*
 * Revokes grant g for actor (audit.h) of req: the revocation and its
 * token_revoked event (with the request's address) in one transaction,
 * then the metric and the log line. Returns 1 when this call revoked it, 0
 * when a racing revocation did (and recorded it), or a store error.
 */
int cat_oauth_revoke(struct cat_req *req, const struct cat_grant *g,
		     const char *actor);

/* Signs a new access token for an existing grant (no store write). */
int cat_oauth_refresh(struct cat_req *req, struct cat_issued *out,
		      const struct cat_grant *grant);

/*
 * Gives grant (found by its current secret, whose hash is old_hash) a new
 * refresh token in *out, with a first access token; the old secret is
 * still accepted for grace seconds (0: refused at once). Everything else
 * of the grant stays. Records token_rotated (actor device). Errors of
 * grant_rotate: CAT_ECONFLICT when old_hash is no longer current,
 * CAT_ENOTFOUND when the grant was revoked meanwhile.
 */
int cat_oauth_rotate(struct cat_req *req, struct cat_issued *out,
		     const struct cat_grant *grant, const char *old_hash,
		     int64_t grace);

/* The token answer: access_token, token_type, expires_in, api_domain,
 * token_id, scope, the terms (terms.h: token_name, token_expires_at,
 * project_id, read_only) and, when issued->refresh is set, refresh_token.
 */
json_t *cat_oauth_token_json(struct cat_req *req,
			     const struct cat_issued *issued);

/* Wipes the secrets held in *issued. */
void cat_oauth_issued_clear(struct cat_issued *issued);

/*
 * Checks that s is a token of this server's DC and of kind want. Returns 0;
 * CAT_EINVAL when malformed (message set); CAT_ECONFLICT when it belongs to
 * another DC (message names both DCs).
 */
int cat_oauth_check_token(struct cat_req *req, const char *s,
			  enum cat_token_kind want);

#endif
