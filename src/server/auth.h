/*
 * Authentication of API callers: bearer access tokens (the hot path) and
 * OAuth client credentials.
 */
#ifndef CAT_AUTH_H
#define CAT_AUTH_H

#include "http.h"

/*
 * Validates the request's "Authorization: Bearer" access token and fills
 * req->principal and req->bearer. No store write except the once-a-minute
 * last-used update of the grant. Returns 0; CAT_EAUTH with the message set
 * (and *error_code when the OAuth error is not "invalid_token");
 * CAT_EUNAVAIL when the store is down. A token minted for another DC is
 * refused with a message naming both DCs.
 */
int cat_auth_bearer(struct cat_req *req, const char **error_code);

/*
 * What an endpoint asks of the client of a request (flags of
 * cat_auth_client_req). With 0, a confidential client must prove its
 * secret and a public one only names itself.
 */
enum {
	/* a confidential client may name itself without its secret: the
	 * device authorization endpoints, where the reference CLI sends
	 * none and a device code is useless without the secret anyway */
	CAT_CLIENT_IDENTIFY = 1,
	/* a request naming no client at all is fine (returns 1) */
	CAT_CLIENT_OPTIONAL = 2,
};

/*
 * Client authentication (RFC 6749 2.3.1) from HTTP Basic
 * (client_secret_basic: id and secret form-urlencoded, then base64) or the
 * client_id and client_secret parameters (client_secret_post); never both,
 * and a Basic id differing from a client_id parameter is refused. A public
 * client sending a secret is refused too. Returns 0 with *out filled; 1
 * when no client is named and flags has CAT_CLIENT_OPTIONAL; CAT_EAUTH
 * (invalid_client, message set); CAT_EUNAVAIL when the store is down.
 */
int cat_auth_client_req(struct cat_req *req, struct cat_client *out, int flags);

/* 1 when an Authorization header value uses the Basic scheme. */
int cat_auth_is_basic(const char *authorization);

/*
 * Answers 401 invalid_client with a Basic challenge (RFC 6749 5.2) when err
 * is CAT_EAUTH, and returns 0 then; returns err unchanged otherwise.
 */
int cat_auth_client_error(struct cat_resp *resp, int err);

#endif
