/*
 * Minting, checking and hashing of every secret the system hands out.
 * Randomness and constant-time comparison come from libsodium; the checksum
 * is zlib's CRC32.
 */
#include "token.h"

#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "err.h"
#include "banned.h"

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const char *const prefixes[CAT_TOK__COUNT] = {
	[CAT_TOK_REFRESH] = "catr", [CAT_TOK_ACCESS] = "cata",
	[CAT_TOK_DEVICE] = "catd",  [CAT_TOK_CODE] = "catc",
	[CAT_TOK_SESSION] = "cats", [CAT_TOK_SECRET] = "catk",
};

void cat_random_chars(char *out, size_t n, const char *alphabet)
{
	uint32_t len = (uint32_t)strlen(alphabet);
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(len)];
	out[n] = '\0';
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

int cat_token_new(char out[CAT_TOKEN_MAX], enum cat_token_kind kind,
		  const char *dc)
{
	size_t off;

	if ((unsigned)kind >= CAT_TOK__COUNT || !cat_dc_find(dc) ||
	    strlen(dc) != 2)
		return cat_error_set(CAT_EINVAL, "unknown token kind or DC");
	memcpy(out, prefixes[kind], 4);
	out[4] = '_';
	memcpy(out + 5, dc, 2);
	out[7] = '_';
	off = 8;
	cat_random_chars(out + off, CAT_TOKEN_RANDOM_LEN, base62);
	off += CAT_TOKEN_RANDOM_LEN;
	cat_token_crc(out + off, out, off);
	return 0;
}

int cat_token_parse(const char *s, enum cat_token_kind *kind, char dc_out[3])
{
	size_t len, i, body = 8 + CAT_TOKEN_RANDOM_LEN;
	char crc[CAT_TOKEN_CRC_LEN + 1], dc[3];
	int k;

	if (!s)
		return cat_error_set(CAT_EINVAL, "no token given");
	len = strlen(s);
	if (len != CAT_TOKEN_MAX - 1 || s[4] != '_' || s[7] != '_')
		return cat_error_set(
			CAT_EINVAL,
			"not a Catalyst token (wrong length or shape)");
	for (k = 0; k < CAT_TOK__COUNT; k++)
		if (memcmp(s, prefixes[k], 4) == 0)
			break;
	if (k == CAT_TOK__COUNT)
		return cat_error_set(CAT_EINVAL,
				     "not a Catalyst token (unknown prefix)");
	for (i = 8; i < len; i++)
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
