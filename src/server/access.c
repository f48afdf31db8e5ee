/*
 * The MAC keys of access tokens and the server side of minting and checking
 * them. A key per UTC day, named "access-mac-<day>" in the store: the first
 * instance to ask for a day's key creates it and every other one reads the
 * same, so keys rotate daily with no operation beyond key_get_or_add, and a
 * leaked key signs for two days at most.
 */
#include "access.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server.h"
#include "banned.h"

/*
 * Today's and yesterday's keys, by day parity. Shared by the worker threads
 * under a lock held only to copy 32 bytes; the store is asked outside it.
 */
static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int64_t day;
	int loaded;
	unsigned char key[CAT_ACCESS_KEY_BYTES];
} keys[2];

static int cached_key(int64_t day, unsigned char key[CAT_ACCESS_KEY_BYTES])
{
	int hit;

	pthread_mutex_lock(&keys_lock);
	hit = keys[day & 1].loaded && keys[day & 1].day == day;
	if (hit)
		memcpy(key, keys[day & 1].key, CAT_ACCESS_KEY_BYTES);
	pthread_mutex_unlock(&keys_lock);
	return hit;
}

/*
 * The key of day. Callers pass only today or yesterday (checked by
 * cat_access_key_day_ok before), so a client cannot make the store grow.
 * create: make the key when the day has none (signing); without it
 * (verifying: a read-only path, possibly inside a read snapshot) a day
 * without a key is CAT_ENOTFOUND, since no token can have been signed
 * with it.
 */
static int day_key(struct cat_store *store, int64_t day, int create,
		   unsigned char key[CAT_ACCESS_KEY_BYTES])
{
	unsigned char fresh[CAT_ACCESS_KEY_BYTES];
	char name[CAT_KEY_NAME_MAX + 1], fresh_hex[CAT_KEY_HEX],
		stored[CAT_KEY_HEX];
	size_t n = 0;
	int err;

	if (cached_key(day, key))
		return 0;
	/* racing threads or instances all end with the first key stored:
	 * key_get_or_add keeps it and returns it to everyone */
	crypto_auth_keygen(fresh);
	sodium_bin2hex(fresh_hex, sizeof(fresh_hex), fresh, sizeof(fresh));
	snprintf(name, sizeof(name), "access-mac-%lld", (long long)day);
	err = cat_store_key_get_or_add(store, name, create ? fresh_hex : NULL,
				       stored);
	if (err == 0 && (sodium_hex2bin(key, CAT_ACCESS_KEY_BYTES, stored,
					strlen(stored), NULL, &n, NULL) != 0 ||
			 n != CAT_ACCESS_KEY_BYTES))
		err = cat_error_set(CAT_ERROR,
				    "store: the access-token key of day %lld "
				    "is malformed",
				    (long long)day);
	if (err == 0) {
		pthread_mutex_lock(&keys_lock);
		keys[day & 1].day = day;
		memcpy(keys[day & 1].key, key, CAT_ACCESS_KEY_BYTES);
		keys[day & 1].loaded = 1;
		pthread_mutex_unlock(&keys_lock);
	}
	sodium_memzero(fresh, sizeof(fresh));
	sodium_memzero(fresh_hex, sizeof(fresh_hex));
	sodium_memzero(stored, sizeof(stored));
	return err;
}

int cat_access_issue(struct cat_req *req, const char *token_id,
		     int64_t not_after, char out[CAT_TOKEN_MAX],
		     int64_t *expires_at)
{
	unsigned char key[CAT_ACCESS_KEY_BYTES];
	int64_t day = req->now / CAT_ACCESS_DAY_SECONDS;
	int err;

	*expires_at = req->now + req->srv->cfg.access_ttl;
	/* so the client comes back to refresh when the CLI token ends, and
	 * hears why */
	if (not_after > 0 && not_after < *expires_at)
		*expires_at = not_after > req->now ? not_after : req->now + 1;
	if ((err = day_key(req->store, day, 1, key)) == 0)
		err = cat_access_mint(out, req->srv->cfg.dc, token_id,
				      *expires_at, day, key);
	sodium_memzero(key, sizeof(key));
	return err;
}

int cat_access_check(struct cat_req *req, const char *tok,
		     struct cat_access_claims *c)
{
	unsigned char key[CAT_ACCESS_KEY_BYTES];
	int err;

	if ((err = cat_access_parse(tok, c)) < 0)
		return err;
	if (strcmp(c->dc, req->srv->cfg.dc) != 0)
		return cat_error_set(
			CAT_ECONFLICT,
			"this token belongs to data center '%s' but "
			"this server is data center '%s'; use the '%s' server",
			c->dc, req->srv->cfg.dc, c->dc);
	/* before any key is fetched: only two days' keys can ever be asked */
	if (!cat_access_key_day_ok(c->key_day, req->now))
		return c->key_day < req->now / CAT_ACCESS_DAY_SECONDS
			       ? cat_error_set(CAT_EEXPIRED,
					       "access token expired")
			       : cat_error_set(CAT_EINVAL,
					       "access token signed with a "
					       "key that is not in use");
	err = day_key(req->store, c->key_day, 0, key);
	if (err == CAT_ENOTFOUND)
		err = cat_error_set(CAT_EINVAL, "access token signed with a "
						"key that is not in use");
	if (err == 0)
		err = cat_access_verify(tok, c, key, req->now);
	sodium_memzero(key, sizeof(key));
	return err;
}

void cat_access_keys_wipe(void)
{
	pthread_mutex_lock(&keys_lock);
	sodium_memzero(keys, sizeof(keys));
	pthread_mutex_unlock(&keys_lock);
}
