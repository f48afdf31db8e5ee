/*
 * Credentials: which one a command uses (--token, CATALYST_TOKEN, ZC_TOKEN,
 * then this device's sign-in), turning it into an access token (cached in
 * credentials.json, refreshed when stale or refused), and revocation.
 */
#ifndef CAT_AUTH_H
#define CAT_AUTH_H

#include "api.h"
#include "cli.h"

struct cat_client {
	const char *id;
	const char *secret; /* NULL for a public client */
};

/*
 * The OAuth client for a salt ('m' device flow, 'w' browser flow), from
 * M_/W_CATALYST_CLIENT_ID/_SECRET or config.json. CAT_ERROR with a hint
 * when none is configured.
 */
int cat_auth_client(struct cat_ctx *ctx, char salt, struct cat_client *out);

/*
 * Checks a token offline (shape, DC, checksum) and fills cred. Accepts
 * "m_"/"w_" + refresh token, or a bare access token, with any whitespace
 * around it dropped. CAT_EINVAL with a message saying what is wrong, never
 * echoing the token.
 */
int cat_cred_parse(struct cat_cred *cred, const char *text, const char *source);

/*
 * s without the whitespace around it: returns its first character and sets
 * *len to the length up to the last non-space one. Borrowed from s.
 */
const char *cat_trim_space(const char *s, size_t *len);

/*
 * Picks the credential into ctx->cred. login_only: only this device's
 * sign-in counts (token:generate). CAT_EAUTH when there is none.
 */
int cat_auth_select(struct cat_ctx *ctx, int login_only);

/*
 * Loads the sign-in of DC dc into ctx->cred (whoami --all walks every DC
 * signed in here). CAT_EAUTH when there is none.
 */
int cat_auth_select_login(struct cat_ctx *ctx, const char *dc);

/*
 * An access token for ctx->cred: the cached one unless refresh is set or it
 * is stale, else a new one by refresh (cached afterwards). *out is a copy
 * the caller frees; *cached says whether it came from the cache.
 */
int cat_auth_access(struct cat_ctx *ctx, int refresh, char **out, int *cached);

/*
 * Sends req as the credential's account. A 401 on a cached access token
 * triggers one refresh and one retry; a 401 after that is CAT_EAUTH with a
 * message for the credential. Other statuses are left to the caller.
 */
int cat_auth_send(struct cat_ctx *ctx, struct cat_req *req,
		  struct cat_resp *out);

/* Builds origin-of-cred's-DC + path for the auth or admin server. */
int cat_auth_url(struct cat_ctx *ctx, int admin, const char *path, char *out,
		 size_t n);

/*
 * Revokes a CLI token (RFC 7009) at the server of dc and drops its cached
 * access token. 0 also when the server already forgot it.
 */
int cat_auth_revoke(struct cat_ctx *ctx, const char *cli_token, const char *dc);

/*
 * Gives a CLI token a new secret at the server of its DC, proving the
 * current one with the client its refresh uses; the old secret stays
 * valid for grace seconds. *out gets the new refresh token, a first
 * access token and the token id (release with cat_grant_release).
 * CAT_EAUTH when the server refuses the token (revoked, unknown, rotated).
 */
struct cat_grant;
int cat_auth_rotate(struct cat_ctx *ctx, const char *cli_token, long long grace,
		    struct cat_grant *out);

/* Stores an access token for refresh token rt in the cache (best effort). */
void cat_auth_cache(struct cat_ctx *ctx, const char *rt, const char *access,
		    long long expires_in);

/* The space-separated scope list the reference CLI requests for dc. */
const char *cat_auth_scope(const char *dc);

#endif
