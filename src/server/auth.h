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
 * Checks client credentials: id (required) and secret (constant-time, on
 * hashes). secret may be NULL only when allow_public is set. Returns 0 and
 * fills *out; CAT_EAUTH (invalid_client) otherwise.
 */
int cat_auth_client(struct cat_req *req, struct cat_client *out,
		    const char *client_id, const char *secret,
		    int allow_public);

/* Client credentials from HTTP Basic auth or client_id/client_secret
 * parameters (RFC 6749 2.3.1); pointers borrowed or into buf. */
int cat_auth_client_from_req(struct cat_req *req, struct cat_client *out,
			     char *buf, size_t bufsize);

#endif
