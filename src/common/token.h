/*
 * Secret formats. Every secret we mint is "<prefix>_<dc>_<random><crc>"
 * (access tokens: "cata_<dc>_<body><crc>", see below):
 * a greppable prefix naming product and kind, the DC, 32 base62 characters
 * (190 bits) from the OS CSPRNG, and 6 base62 characters of CRC32 over all
 * that precedes them. The checksum lets a client reject a mistyped token
 * offline and lets secret scanners match real tokens only. '_' keeps the
 * whole token selectable with one double-click.
 */
#ifndef CAT_TOKEN_H
#define CAT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "dc.h"

enum cat_token_kind {
	CAT_TOK_REFRESH, /* catr_: the long-lived part of a CLI token */
	CAT_TOK_ACCESS,  /* cata_: 1 h bearer token */
	CAT_TOK_DEVICE,  /* catd_: device_code of a device authorization */
	CAT_TOK_CODE,    /* catc_: authorization code of the browser flow */
	CAT_TOK_SESSION, /* cats_: web session cookie */
	CAT_TOK_SECRET,  /* catk_: OAuth client secret */
	CAT_TOK__COUNT
};

#define CAT_TOKEN_RANDOM_LEN 32
#define CAT_TOKEN_CRC_LEN    6
/* prefix(4) + '_' + dc(2) + '_' */
#define CAT_TOKEN_HEAD_LEN 8
/* every secret but an access token: head + random + crc */
#define CAT_TOKEN_LEN                                                          \
	(CAT_TOKEN_HEAD_LEN + CAT_TOKEN_RANDOM_LEN + CAT_TOKEN_CRC_LEN)
/* SHA-256 in lowercase hex, plus NUL */
#define CAT_HASH_HEX      65
#define CAT_USER_CODE_LEN 8
#define CAT_TOKEN_ID_LEN  12

/*
 * Access tokens (cata_) carry no random part: the server verifies them
 * without a store row, so the body says which grant they derive from,
 * until when, and under which key they were signed. The 58 characters:
 *
 *   offset len
 *        0   8  "cata_<dc>_"
 *        8  12  token_id of the grant, lowercase hex (CAT_TOKEN_ID_LEN)
 *       20   6  expires_at, Unix seconds, base62, most significant first
 *       26   4  key day: the UTC day (t / 86400) whose MAC key signed it,
 *               base62 like expires_at
 *       30  22  MAC: the first 16 bytes of HMAC-SHA512-256 (crypto_auth)
 *               under that day's key over the 30 characters before it
 *               (prefix and DC included), as one 128-bit big-endian
 *               number in base62
 *       52   6  CRC32 of the 52 characters before it, as on every secret
 *
 * Fixed widths and a MAC of 128 bits (22 digits hold up to 2^131, larger
 * values are refused) give every token exactly one spelling. Six digits
 * of seconds last until the year 3770.
 */
#define CAT_ACCESS_EXP_LEN     6
#define CAT_ACCESS_DAY_LEN     4
#define CAT_ACCESS_MAC_LEN     22
#define CAT_ACCESS_MAC_BYTES   16
#define CAT_ACCESS_KEY_BYTES   32 /* crypto_auth_KEYBYTES */
#define CAT_ACCESS_DAY_SECONDS 86400
#define CAT_ACCESS_SIGNED_LEN                                                  \
	(CAT_TOKEN_HEAD_LEN + CAT_TOKEN_ID_LEN + CAT_ACCESS_EXP_LEN +          \
	 CAT_ACCESS_DAY_LEN)
#define CAT_ACCESS_LEN                                                         \
	(CAT_ACCESS_SIGNED_LEN + CAT_ACCESS_MAC_LEN + CAT_TOKEN_CRC_LEN)

/* Room for any secret and its NUL: the access token is the longest. */
#define CAT_TOKEN_MAX (CAT_ACCESS_LEN + 1)

/*
 * Mints a new random secret of kind for dc into out (CAT_TOKEN_MAX bytes).
 * For CAT_TOK_ACCESS the body is random too: it has the shape of an access
 * token but no valid MAC (clients and tests only; servers mint with
 * cat_access_mint).
 */
int cat_token_new(char out[CAT_TOKEN_MAX], enum cat_token_kind kind,
		  const char *dc);

/*
 * Checks the shape and checksum of s. On success fills *kind and dc_out
 * (3 bytes) and returns 0; CAT_EINVAL with a message saying what is wrong
 * otherwise (never echoing the secret itself).
 */
int cat_token_parse(const char *s, enum cat_token_kind *kind, char dc_out[3]);

/* What an access token says once parsed (nothing secret). */
struct cat_access_claims {
	char dc[3];
	char token_id[CAT_TOKEN_ID_LEN + 1];
	int64_t expires_at;
	int64_t key_day;
	unsigned char mac[CAT_ACCESS_MAC_BYTES];
};

/*
 * Signs an access token for the grant token_id of dc, valid until
 * expires_at, with the key of key_day. CAT_EINVAL when a field does not fit
 * the layout above.
 */
int cat_access_mint(char out[CAT_TOKEN_MAX], const char *dc,
		    const char *token_id, int64_t expires_at, int64_t key_day,
		    const unsigned char key[CAT_ACCESS_KEY_BYTES]);

/*
 * Shape, checksum and fields of an access token, no key needed (so a
 * server can pick the key, or refuse before fetching one). 0 and *c
 * filled, or CAT_EINVAL (message set, never echoing s).
 */
int cat_access_parse(const char *s, struct cat_access_claims *c);

/*
 * 1 when key_day may sign a token checked at now: today's key or
 * yesterday's (a token lives at most a day), never any other day, so a
 * client cannot make a server create keys for days of its choosing.
 */
int cat_access_key_day_ok(int64_t key_day, int64_t now);

/*
 * Verifies s, parsed into c by cat_access_parse, at now with the key of
 * c->key_day: the key day (as cat_access_key_day_ok), then the MAC in
 * constant time, then the expiry. 0, CAT_EINVAL (forged, or a key day
 * refused) or CAT_EEXPIRED, with a message that never echoes s.
 */
int cat_access_verify(const char *s, const struct cat_access_claims *c,
		      const unsigned char key[CAT_ACCESS_KEY_BYTES],
		      int64_t now);

/* SHA-256 of s as lowercase hex: what the store keeps instead of secrets. */
void cat_token_hash(char out[CAT_HASH_HEX], const char *s);

/* Constant-time string equality (length leaks, content does not). */
int cat_secret_eq(const char *a, const char *b);

/* base62(CRC32(s[0..n))) in exactly CAT_TOKEN_CRC_LEN characters + NUL. */
void cat_token_crc(char out[CAT_TOKEN_CRC_LEN + 1], const char *s, size_t n);

/* n random characters from alphabet into out (out[n] = NUL), unbiased. */
void cat_random_chars(char *out, size_t n, const char *alphabet);

/* A new token ID: CAT_TOKEN_ID_LEN lowercase hex characters. */
void cat_token_id_new(char out[CAT_TOKEN_ID_LEN + 1]);

/*
 * User codes: 8 characters of BCDFGHJKLMNPQRSTVWXZ (no vowels, so no words,
 * no 0/O 1/I confusion), shown as XXXX-XXXX.
 */
#define CAT_USER_CODE_ALPHABET "BCDFGHJKLMNPQRSTVWXZ"
void cat_user_code_new(char out[CAT_USER_CODE_LEN + 1]);
/* "xxxx-xxxx" -> "XXXX-XXXX" display form (10 bytes). */
void cat_user_code_display(char out[CAT_USER_CODE_LEN + 2],
			   const char code[CAT_USER_CODE_LEN + 1]);
/*
 * Normalises what a person typed: case-insensitive, ignores '-' and spaces.
 * Returns 0 and the 8 canonical characters, or CAT_EINVAL.
 */
int cat_user_code_normalize(char out[CAT_USER_CODE_LEN + 1], const char *in);

/*
 * A CLI token's limits in the words both listings show: "full",
 * "project <id>", "read-only", or "project <id>, read-only". project_id
 * NULL or "" is every project.
 */
void cat_token_scope_words(char *out, size_t n, const char *project_id,
			   int read_only);

/* 1 when s is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int cat_utf8_valid(const char *s, size_t n);

#endif
