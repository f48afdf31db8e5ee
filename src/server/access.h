/*
 * Access tokens signed, not stored: minting and checking a cata_ token
 * (layout in token.h) with the MAC key of its UTC day. The keys live in the
 * store, so every instance sharing it verifies what any instance signed;
 * each process keeps today's and yesterday's in memory, so the bearer check
 * reads no key from the store.
 */
#ifndef CAT_ACCESS_H
#define CAT_ACCESS_H

#include <stdint.h>

#include "http.h"
#include "token.h"

/*
 * Signs an access token of grant token_id for this server's DC, valid
 * cfg.access_ttl seconds from req->now but never past not_after (the
 * grant's expiry; 0: none), into out; *expires_at is when it expires.
 * Fails only on the store (fetching the day's key) or a token id that does
 * not fit.
 */
int cat_access_issue(struct cat_req *req, const char *token_id,
		     int64_t not_after, char out[CAT_TOKEN_MAX],
		     int64_t *expires_at);

/*
 * Checks tok: shape, checksum, DC, key day, MAC, expiry, in that order, so
 * a forged or expired token costs no store access (a key is read from the
 * store at most once a day per process). Fills *c. Returns 0; CAT_EINVAL
 * (malformed or forged), CAT_ECONFLICT (another DC; the message names
 * both), CAT_EEXPIRED, or a store error. Never echoes tok. The grant is the
 * caller's to read (revocation).
 */
int cat_access_check(struct cat_req *req, const char *tok,
		     struct cat_access_claims *c);

/* Wipes the keys held in memory (at shutdown). */
void cat_access_keys_wipe(void);

#endif
