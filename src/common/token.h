/*
 * Secret formats. Every secret we mint is "<prefix>_<dc>_<random><crc>":
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
/* prefix(4) + '_' + dc(2) + '_' + random + crc + NUL */
#define CAT_TOKEN_MAX                                                          \
	(4 + 1 + 2 + 1 + CAT_TOKEN_RANDOM_LEN + CAT_TOKEN_CRC_LEN + 1)
/* SHA-256 in lowercase hex, plus NUL */
#define CAT_HASH_HEX      65
#define CAT_USER_CODE_LEN 8
#define CAT_TOKEN_ID_LEN  12

/* Mints a new secret of kind for dc into out (CAT_TOKEN_MAX bytes). */
int cat_token_new(char out[CAT_TOKEN_MAX], enum cat_token_kind kind,
		  const char *dc);

/*
 * Checks the shape and checksum of s. On success fills *kind and dc_out
 * (3 bytes) and returns 0; CAT_EINVAL with a message saying what is wrong
 * otherwise (never echoing the secret itself).
 */
int cat_token_parse(const char *s, enum cat_token_kind *kind, char dc_out[3]);

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

/* 1 when s is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int cat_utf8_valid(const char *s, size_t n);

#endif
