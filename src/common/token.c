/*
 * Minting, checking and hashing of every secret the system hands out.
 * Randomness and constant-time comparison come from libsodium; the checksum
 * is zlib's CRC32.
 */
#include "token.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "err.h"
#include "banned.h"

_Static_assert(CAT_ACCESS_KEY_BYTES == crypto_auth_KEYBYTES,
	       "the access-token key is a crypto_auth key");
_Static_assert(CAT_ACCESS_MAC_BYTES <= crypto_auth_BYTES &&
		       CAT_ACCESS_MAC_BYTES == crypto_verify_16_BYTES,
	       "the MAC is a prefix of crypto_auth's, compared in 16 bytes");
_Static_assert(CAT_ACCESS_LEN >= CAT_TOKEN_LEN,
	       "CAT_TOKEN_MAX holds every secret");

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const char *const prefixes[CAT_TOK__COUNT] = {
	[CAT_TOK_REFRESH] = "catr", [CAT_TOK_ACCESS] = "cata",
	[CAT_TOK_DEVICE] = "catd",  [CAT_TOK_CODE] = "catc",
	[CAT_TOK_SESSION] = "cats", [CAT_TOK_SECRET] = "catk",
};

void cat_random_chars(char *out, size_t n, const char *alphabet)
{
	/*
	 * One getrandom() per block, not per character: each call is a
	 * system call. A byte at or above the largest multiple of the
	 * alphabet's length is drawn again, so every character stays equally
	 * likely.
	 */
	unsigned char pool[64];
	size_t len = strlen(alphabet), i = 0, used = sizeof(pool);
	unsigned limit = 256u - 256u % (unsigned)len;

	while (i < n) {
		if (used == sizeof(pool)) {
			randombytes_buf(pool, sizeof(pool));
			used = 0;
		}
		if (pool[used] < limit)
			out[i++] = alphabet[pool[used] % len];
		used++;
	}
	out[n] = '\0';
	sodium_memzero(pool, sizeof(pool));
}

void cat_token_crc(char out[CAT_TOKEN_CRC_LEN + 1], const char *s, size_t n)
{
	uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)s, (uInt)n);
	int i;

	for (i = CAT_TOKEN_CRC_LEN - 1; i >= 0; i--) {
		out[i] = base62[crc % 62];
		crc /= 62;
	}
	out[CAT_TOKEN_CRC_LEN] = '\0';
}

/* Characters after the head: the random part, or an access token's body. */
static size_t body_len(enum cat_token_kind kind)
{
	return kind == CAT_TOK_ACCESS
		       ? CAT_ACCESS_LEN - CAT_TOKEN_HEAD_LEN - CAT_TOKEN_CRC_LEN
		       : CAT_TOKEN_RANDOM_LEN;
}

static int head(char out[CAT_TOKEN_HEAD_LEN], enum cat_token_kind kind,
		const char *dc)
{
	if ((unsigned)kind >= CAT_TOK__COUNT || !dc || !cat_dc_find(dc) ||
	    strlen(dc) != 2)
		return cat_error_set(CAT_EINVAL, "unknown token kind or DC");
	memcpy(out, prefixes[kind], 4);
	out[4] = '_';
	memcpy(out + 5, dc, 2);
	out[7] = '_';
	return 0;
}

int cat_token_new(char out[CAT_TOKEN_MAX], enum cat_token_kind kind,
		  const char *dc)
{
	size_t off = CAT_TOKEN_HEAD_LEN;
	int err;

	if ((err = head(out, kind, dc)) < 0)
		return err;
	cat_random_chars(out + off, body_len(kind), base62);
	off += body_len(kind);
	cat_token_crc(out + off, out, off);
	return 0;
}

int cat_token_parse(const char *s, enum cat_token_kind *kind, char dc_out[3])
{
	size_t len, i, body;
	char crc[CAT_TOKEN_CRC_LEN + 1], dc[3];
	int k;

	if (!s)
		return cat_error_set(CAT_EINVAL, "no token given");
	/* bounded: whatever a client sends, no more than this is read */
	len = strnlen(s, CAT_TOKEN_MAX);
	if (len < CAT_TOKEN_LEN || s[4] != '_' || s[7] != '_')
		return cat_error_set(
			CAT_EINVAL,
			"not a Catalyst token (wrong length or shape)");
	for (k = 0; k < CAT_TOK__COUNT; k++)
		if (memcmp(s, prefixes[k], 4) == 0)
			break;
	if (k == CAT_TOK__COUNT)
		return cat_error_set(CAT_EINVAL,
				     "not a Catalyst token (unknown prefix)");
	body = CAT_TOKEN_HEAD_LEN + body_len((enum cat_token_kind)k);
	if (len != body + CAT_TOKEN_CRC_LEN)
		return cat_error_set(
			CAT_EINVAL,
			"not a Catalyst token (wrong length or shape)");
	for (i = CAT_TOKEN_HEAD_LEN; i < len; i++)
		if (!strchr(base62, s[i]) || s[i] == '\0')
			return cat_error_set(
				CAT_EINVAL,
				"token contains invalid characters");
	dc[0] = s[5];
	dc[1] = s[6];
	dc[2] = '\0';
	if (!cat_dc_find(dc) || strcmp(cat_dc_find(dc)->code, dc) != 0)
		return cat_error_set(CAT_EINVAL,
				     "token names an unknown data center '%s'",
				     dc);
	cat_token_crc(crc, s, body);
	if (memcmp(crc, s + body, CAT_TOKEN_CRC_LEN) != 0)
		return cat_error_set(CAT_EINVAL,
				     "token checksum does not match (mistyped "
				     "or truncated?)");
	if (kind)
		*kind = (enum cat_token_kind)k;
	if (dc_out)
		memcpy(dc_out, dc, 3);
	return 0;
}

/* Access tokens (layout in token.h) */

static int b62_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 36;
	return -1;
}

/* v in exactly n base62 digits; -1 when it does not fit. */
static int b62_put(char *out, size_t n, int64_t v)
{
	size_t i;

	if (v < 0)
		return -1;
	for (i = n; i-- > 0;) {
		out[i] = base62[v % 62];
		v /= 62;
	}
	return v == 0 ? 0 : -1;
}

/* n base62 digits (n <= 10, so no overflow); -1 on a non-digit. */
static int64_t b62_get(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d = b62_value(s[i]);

		if (d < 0)
			return -1;
		v = v * 62 + d;
	}
	return v;
}

/* The MAC as one big-endian number in CAT_ACCESS_MAC_LEN base62 digits. */
static void mac_encode(char out[CAT_ACCESS_MAC_LEN],
		       const unsigned char mac[CAT_ACCESS_MAC_BYTES])
{
	unsigned char n[CAT_ACCESS_MAC_BYTES];
	size_t i, j;

	memcpy(n, mac, sizeof(n));
	for (i = CAT_ACCESS_MAC_LEN; i-- > 0;) {
		unsigned rem = 0;

		for (j = 0; j < sizeof(n); j++) {
			unsigned cur = rem * 256 + n[j];

			n[j] = (unsigned char)(cur / 62);
			rem = cur % 62;
		}
		out[i] = base62[rem];
	}
	sodium_memzero(n, sizeof(n));
}

/* The reverse; -1 on a non-digit or a value of 2^128 or more (the only
 * spelling of a MAC is the one mac_encode gives). Reads only what the
 * client sent, so its timing tells nothing about the expected MAC. */
static int mac_decode(unsigned char mac[CAT_ACCESS_MAC_BYTES], const char *s)
{
	/* one byte more than the MAC: a carry into it is an overflow */
	unsigned char n[CAT_ACCESS_MAC_BYTES + 1] = { 0 };
	size_t i, j;

	for (i = 0; i < CAT_ACCESS_MAC_LEN; i++) {
		int d = b62_value(s[i]);
		unsigned carry;

		if (d < 0)
			return -1;
		carry = (unsigned)d;
		for (j = sizeof(n); j-- > 0;) {
			unsigned cur = n[j] * 62u + carry;

			n[j] = (unsigned char)(cur & 0xff);
			carry = cur >> 8;
		}
		if (n[0] != 0)
			return -1;
	}
	memcpy(mac, n + 1, CAT_ACCESS_MAC_BYTES);
	return 0;
}

static void access_mac(unsigned char out[CAT_ACCESS_MAC_BYTES], const char *s,
		       const unsigned char key[CAT_ACCESS_KEY_BYTES])
{
	unsigned char full[crypto_auth_BYTES];

	crypto_auth(full, (const unsigned char *)s, CAT_ACCESS_SIGNED_LEN, key);
	memcpy(out, full, CAT_ACCESS_MAC_BYTES);
	sodium_memzero(full, sizeof(full));
}

static int token_id_ok(const char *id)
{
	size_t i;

	for (i = 0; i < CAT_TOKEN_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

int cat_access_mint(char out[CAT_TOKEN_MAX], const char *dc,
		    const char *token_id, int64_t expires_at, int64_t key_day,
		    const unsigned char key[CAT_ACCESS_KEY_BYTES])
{
	unsigned char mac[CAT_ACCESS_MAC_BYTES];
	char *p = out + CAT_TOKEN_HEAD_LEN;
	int err;

	if ((err = head(out, CAT_TOK_ACCESS, dc)) < 0)
		return err;
	if (!token_id ||
	    strnlen(token_id, CAT_TOKEN_ID_LEN + 1) != CAT_TOKEN_ID_LEN ||
	    !token_id_ok(token_id))
		return cat_error_set(CAT_EINVAL, "a token id is %d hex digits",
				     CAT_TOKEN_ID_LEN);
	memcpy(p, token_id, CAT_TOKEN_ID_LEN);
	p += CAT_TOKEN_ID_LEN;
	if (b62_put(p, CAT_ACCESS_EXP_LEN, expires_at) < 0 ||
	    b62_put(p + CAT_ACCESS_EXP_LEN, CAT_ACCESS_DAY_LEN, key_day) < 0)
		return cat_error_set(CAT_EINVAL,
				     "access token expiry or key day out of "
				     "range");
	p += CAT_ACCESS_EXP_LEN + CAT_ACCESS_DAY_LEN;
	access_mac(mac, out, key);
	mac_encode(p, mac);
	sodium_memzero(mac, sizeof(mac));
	p += CAT_ACCESS_MAC_LEN;
	cat_token_crc(p, out, (size_t)(p - out));
	return 0;
}

int cat_access_parse(const char *s, struct cat_access_claims *c)
{
	enum cat_token_kind kind;
	const char *p;

	memset(c, 0, sizeof(*c));
	if (cat_token_parse(s, &kind, c->dc) < 0)
		return CAT_EINVAL;
	if (kind != CAT_TOK_ACCESS)
		return cat_error_set(CAT_EINVAL, "not an access token");
	p = s + CAT_TOKEN_HEAD_LEN;
	if (!token_id_ok(p))
		return cat_error_set(CAT_EINVAL,
				     "malformed access token (token id)");
	memcpy(c->token_id, p, CAT_TOKEN_ID_LEN);
	p += CAT_TOKEN_ID_LEN;
	/* base62 already checked by cat_token_parse: these cannot fail */
	c->expires_at = b62_get(p, CAT_ACCESS_EXP_LEN);
	c->key_day = b62_get(p + CAT_ACCESS_EXP_LEN, CAT_ACCESS_DAY_LEN);
	p += CAT_ACCESS_EXP_LEN + CAT_ACCESS_DAY_LEN;
	if (c->expires_at < 0 || c->key_day < 0 || mac_decode(c->mac, p) < 0)
		return cat_error_set(CAT_EINVAL, "malformed access token");
	return 0;
}

int cat_access_key_day_ok(int64_t key_day, int64_t now)
{
	int64_t today = now / CAT_ACCESS_DAY_SECONDS;

	return now >= 0 && (key_day == today || key_day == today - 1);
}

int cat_access_verify(const char *s, const struct cat_access_claims *c,
		      const unsigned char key[CAT_ACCESS_KEY_BYTES],
		      int64_t now)
{
	unsigned char mac[CAT_ACCESS_MAC_BYTES];
	int ok;

	if (!cat_access_key_day_ok(c->key_day, now))
		return cat_error_set(CAT_EINVAL,
				     "access token signed with a key that is "
				     "not in use");
	access_mac(mac, s, key);
	ok = crypto_verify_16(mac, c->mac) == 0;
	sodium_memzero(mac, sizeof(mac));
	if (!ok)
		return cat_error_set(CAT_EINVAL,
				     "access token signature does not match");
	if (c->expires_at <= now)
		return cat_error_set(CAT_EEXPIRED, "access token expired");
	return 0;
}

void cat_token_hash(char out[CAT_HASH_HEX], const char *s)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, CAT_HASH_HEX, h, sizeof(h));
}

int cat_secret_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

void cat_token_id_new(char out[CAT_TOKEN_ID_LEN + 1])
{
	cat_random_chars(out, CAT_TOKEN_ID_LEN, "0123456789abcdef");
}

void cat_user_code_new(char out[CAT_USER_CODE_LEN + 1])
{
	cat_random_chars(out, CAT_USER_CODE_LEN, CAT_USER_CODE_ALPHABET);
}

void cat_user_code_display(char out[CAT_USER_CODE_LEN + 2],
			   const char code[CAT_USER_CODE_LEN + 1])
{
	memcpy(out, code, 4);
	out[4] = '-';
	memcpy(out + 5, code + 4, 4);
	out[9] = '\0';
}

int cat_user_code_normalize(char out[CAT_USER_CODE_LEN + 1], const char *in)
{
	size_t n = 0;

	for (; in && *in; in++) {
		char c = *in;

		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!strchr(CAT_USER_CODE_ALPHABET, c) || c == '\0' ||
		    n == CAT_USER_CODE_LEN)
			return cat_error_set(
				CAT_EINVAL,
				"a code is 8 letters like BCDF-GHJK");
		out[n++] = c;
	}
	if (n != CAT_USER_CODE_LEN)
		return cat_error_set(CAT_EINVAL,
				     "a code is 8 letters like BCDF-GHJK");
	out[n] = '\0';
	return 0;
}

int cat_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t need, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			need = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

void cat_token_scope_words(char *out, size_t n, const char *project_id,
			   int read_only)
{
	int project = project_id && *project_id;

	snprintf(out, n, "%s%s%s%s",
		 project ? "project " : (read_only ? "" : "full"),
		 project ? project_id : "", project && read_only ? ", " : "",
		 read_only ? "read-only" : "");
}
