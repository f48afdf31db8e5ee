/*
 * Token shape and checksum (cat_token_parse, src/common/token.c) on any
 * text a client presents as a bearer, device code, cookie or secret, the
 * signed access token's parser and verifier (cat_access_parse,
 * cat_access_verify), and the CLI's reading of a token from --token, the
 * environment or its state (cat_cred_parse, src/client/auth.c).
 *
 * Checked: an accepted token re-serialises to itself (prefix of its kind,
 * its DC, its body, a recomputed checksum); a token minted from the
 * input's bytes parses back to its kind and DC, and stops parsing after
 * any one-character change; an access token that parses has the fields of
 * token.h's layout, and verifies under a key exactly when it is the token
 * that key mints for those fields; a signed token minted from the input
 * verifies, and no longer does after any one-character change even with
 * the checksum fixed up; whatever cat_cred_parse accepts is a token
 * cat_token_parse accepts, of a kind the CLI can use, and every exactly
 * valid CLI or access token is accepted.
 */
#include "fuzz.h"

#include "cli.h"
#include "auth.h"
#include "dc.h"
#include "err.h"
#include "token.h"

/* what follows "<prefix>_<dc>_" up to the checksum, by kind */
#define BODY_LEN(kind)                                                         \
	((kind) == CAT_TOK_ACCESS ? CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN         \
				  : CAT_TOKEN_HEAD_LEN + CAT_TOKEN_RANDOM_LEN)
#define TOK_LEN(kind) (BODY_LEN(kind) + CAT_TOKEN_CRC_LEN)
#define DAY           CAT_ACCESS_DAY_SECONDS

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* The documented prefixes, kept apart from token.c's own table. */
static const char *const prefix[CAT_TOK__COUNT] = {
	[CAT_TOK_REFRESH] = "catr", [CAT_TOK_ACCESS] = "cata",
	[CAT_TOK_DEVICE] = "catd",  [CAT_TOK_CODE] = "catc",
	[CAT_TOK_SESSION] = "cats", [CAT_TOK_SECRET] = "catk",
};

static void serialise(char out[CAT_TOKEN_MAX], enum cat_token_kind kind,
		      const char *dc, const char *body)
{
	size_t n = BODY_LEN(kind);

	memcpy(out, prefix[kind], 4);
	out[4] = '_';
	memcpy(out + 5, dc, 2);
	out[7] = '_';
	memcpy(out + CAT_TOKEN_HEAD_LEN, body, n - CAT_TOKEN_HEAD_LEN);
	cat_token_crc(out + n, out, n);
	FUZZ_CHECK(out[TOK_LEN(kind)] == '\0');
}

static void check_parsed(const char *s, enum cat_token_kind kind,
			 const char *dc)
{
	char again[CAT_TOKEN_MAX];

	FUZZ_CHECK((unsigned)kind < CAT_TOK__COUNT);
	FUZZ_CHECK(strlen(s) == TOK_LEN(kind));
	FUZZ_CHECK(strlen(dc) == 2 && cat_dc_find(dc) &&
		   strcmp(cat_dc_find(dc)->code, dc) == 0);
	serialise(again, kind, dc, s + CAT_TOKEN_HEAD_LEN);
	FUZZ_CHECK(strcmp(again, s) == 0);
}

/* A token built from the input must parse, and no single-character
 * change of it may (CRC32 catches every burst of 32 bits or less). */
static void check_minted(const uint8_t *data, size_t size)
{
	char tok[CAT_TOKEN_MAX], body[CAT_TOKEN_MAX], dc[3];
	enum cat_token_kind kind = (enum cat_token_kind)(data[0] %
							 CAT_TOK__COUNT),
			    got;
	const char *code = cat_dcs[data[1] % cat_dc_count].code;
	size_t i, pos;
	char c, old;

	for (i = 0; i < BODY_LEN(kind) - CAT_TOKEN_HEAD_LEN; i++)
		body[i] = base62[data[(4 + i) % size] % 62];
	serialise(tok, kind, code, body);
	FUZZ_CHECK(cat_token_parse(tok, &got, dc) == 0);
	FUZZ_CHECK(got == kind && strcmp(dc, code) == 0);

	pos = data[2] % TOK_LEN(kind);
	c = (char)data[3];
	old = tok[pos];
	if (c == old || c == '\0')
		return;
	tok[pos] = c;
	FUZZ_CHECK(cat_token_parse(tok, NULL, NULL) != 0);
	tok[pos] = old;
}

/* A key taken from the input (so the fuzzer varies it too). */
static void input_key(unsigned char key[CAT_ACCESS_KEY_BYTES],
		      const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i < CAT_ACCESS_KEY_BYTES; i++)
		key[i] = size ? data[(i * 7) % size] : (unsigned char)i;
}

/* Whatever cat_access_parse accepts has token.h's fields, and verifies
 * under a key exactly when it is what that key mints for them. */
static void check_access(const char *s, const uint8_t *data, size_t size)
{
	struct cat_access_claims c, c2;
	unsigned char key[CAT_ACCESS_KEY_BYTES];
	char again[CAT_TOKEN_MAX];
	enum cat_token_kind kind;
	char dc[3];
	int64_t now;
	size_t i;
	int err = cat_access_parse(s, &c);

	if (err != 0) {
		FUZZ_CHECK(err == CAT_EINVAL);
		if (strlen(s) >= 16)
			FUZZ_CHECK(strstr(cat_error_last(), s) == NULL);
		return;
	}
	FUZZ_CHECK(cat_token_parse(s, &kind, dc) == 0 &&
		   kind == CAT_TOK_ACCESS && strcmp(dc, c.dc) == 0);
	FUZZ_CHECK(strlen(s) == CAT_ACCESS_LEN);
	FUZZ_CHECK(strlen(c.token_id) == CAT_TOKEN_ID_LEN);
	for (i = 0; i < CAT_TOKEN_ID_LEN; i++)
		FUZZ_CHECK(strchr("0123456789abcdef", c.token_id[i]) &&
			   c.token_id[i] != '\0');
	FUZZ_CHECK(c.expires_at >= 0 && c.key_day >= 0);

	input_key(key, data, size);
	FUZZ_CHECK(cat_access_mint(again, c.dc, c.token_id, c.expires_at,
				   c.key_day, key) == 0);
	/* everything the MAC covers is the same text */
	FUZZ_CHECK(memcmp(again, s, CAT_ACCESS_SIGNED_LEN) == 0);
	FUZZ_CHECK(cat_access_parse(again, &c2) == 0);
	FUZZ_CHECK(c2.expires_at == c.expires_at && c2.key_day == c.key_day);
	/* a moment of the key's own day, before the expiry when possible */
	now = c.key_day * DAY;
	if (c.expires_at > now && c.expires_at - 1 < now + DAY)
		now = c.expires_at - 1;
	err = cat_access_verify(s, &c, key, now);
	if (c.expires_at <= now) {
		FUZZ_CHECK(err != 0);
		return;
	}
	FUZZ_CHECK((err == 0) == (strcmp(again, s) == 0));
	FUZZ_CHECK(cat_access_verify(again, &c2, key, now) == 0);
	/* the day after: still; two days after, tomorrow: never */
	if (c.expires_at > now + DAY)
		FUZZ_CHECK(cat_access_verify(again, &c2, key, now + DAY) == 0);
	FUZZ_CHECK(cat_access_verify(again, &c2, key, now + 2 * DAY) != 0);
	if (now >= DAY)
		FUZZ_CHECK(cat_access_verify(again, &c2, key, now - DAY) != 0);
}

/* A signed token minted from the input verifies, and any one changed
 * character refuses it, even with a checksum that matches the change. */
static void check_signed(const uint8_t *data, size_t size)
{
	struct cat_access_claims c;
	unsigned char key[CAT_ACCESS_KEY_BYTES];
	char tok[CAT_TOKEN_MAX], id[CAT_TOKEN_ID_LEN + 1];
	const char *code = cat_dcs[data[1] % cat_dc_count].code;
	int64_t now = (int64_t)(data[0] | (data[1] << 8)) * DAY + data[2];
	size_t i, pos;
	char ch, old;

	for (i = 0; i < CAT_TOKEN_ID_LEN; i++)
		id[i] = "0123456789abcdef"[data[(5 + i) % size] % 16];
	id[CAT_TOKEN_ID_LEN] = '\0';
	input_key(key, data, size);
	FUZZ_CHECK(cat_access_mint(tok, code, id, now + 1 + data[3] * 60,
				   now / DAY, key) == 0);
	FUZZ_CHECK(cat_access_parse(tok, &c) == 0);
	FUZZ_CHECK(strcmp(c.token_id, id) == 0 && strcmp(c.dc, code) == 0);
	FUZZ_CHECK(cat_access_verify(tok, &c, key, now) == 0);

	pos = data[2] % (CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN);
	ch = (char)data[3];
	old = tok[pos];
	if (ch == old || ch == '\0')
		return;
	tok[pos] = ch;
	cat_token_crc(tok + CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN, tok,
		      CAT_ACCESS_LEN - CAT_TOKEN_CRC_LEN);
	FUZZ_CHECK(cat_access_parse(tok, &c) != 0 ||
		   cat_access_verify(tok, &c, key, now) != 0);
	tok[pos] = old;
}

/* cat_cred_parse must agree with cat_token_parse on what it keeps. */
static void check_cred(const char *s)
{
	struct cat_cred cred;
	enum cat_token_kind kind;
	char dc[3];
	int exact_access, exact_cli, err;

	exact_access =
		cat_token_parse(s, &kind, dc) == 0 && kind == CAT_TOK_ACCESS;
	exact_cli = (s[0] == 'm' || s[0] == 'w') && s[1] == '_' &&
		    cat_token_parse(s + 2, &kind, dc) == 0 &&
		    kind == CAT_TOK_REFRESH;
	err = cat_cred_parse(&cred, s, "fuzz");
	if (exact_access || exact_cli)
		FUZZ_CHECK(err == 0);
	if (err != 0) {
		FUZZ_CHECK(err == CAT_EINVAL);
		/* a secret is never echoed back in the message */
		if (strlen(s) >= 16)
			FUZZ_CHECK(strstr(cat_error_last(), s) == NULL);
		return;
	}
	FUZZ_CHECK(memchr(cred.token, '\0', sizeof(cred.token)) != NULL);
	if (cred.kind == CAT_CRED_ACCESS) {
		FUZZ_CHECK(cat_token_parse(cred.token, &kind, dc) == 0);
		FUZZ_CHECK(kind == CAT_TOK_ACCESS);
	} else {
		FUZZ_CHECK(cred.kind == CAT_CRED_TOKEN);
		FUZZ_CHECK(cred.salt == cred.token[0]);
		FUZZ_CHECK((cred.salt == 'm' || cred.salt == 'w') &&
			   cred.token[1] == '_');
		FUZZ_CHECK(cat_token_parse(cred.token + 2, &kind, dc) == 0);
		FUZZ_CHECK(kind == CAT_TOK_REFRESH);
	}
	FUZZ_CHECK(strcmp(cred.dc, dc) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	enum cat_token_kind kind = CAT_TOK__COUNT;
	char dc[3] = "";
	int err;

	err = cat_token_parse(s, &kind, dc);
	if (err == 0) {
		check_parsed(s, kind, dc);
	} else {
		FUZZ_CHECK(err == CAT_EINVAL);
		FUZZ_CHECK(cat_error_last()[0] != '\0');
		if (strlen(s) >= 16)
			FUZZ_CHECK(strstr(cat_error_last(), s) == NULL);
	}
	check_cred(s);
	check_access(s, data, size);
	if (size >= 4) {
		check_minted(data, size);
		check_signed(data, size);
	}
	free(s);
	cat_error_clear();
	return 0;
}
