/*
 * Token shape and checksum (cat_token_parse, src/common/token.c) on any
 * text a client presents as a bearer, device code, cookie or secret, and
 * the CLI's reading of a token from --token, the environment or its state
 * (cat_cred_parse, src/client/auth.c).
 *
 * Checked: an accepted token re-serialises to itself (prefix of its kind,
 * its DC, its random part, a recomputed checksum); a token minted from the
 * input's bytes parses back to its kind and DC, and stops parsing after
 * any one-character change; whatever cat_cred_parse accepts is a token
 * cat_token_parse accepts, of a kind the CLI can use, and every exactly
 * valid CLI or access token is accepted.
 */
#include "fuzz.h"

#include "cli.h"
#include "auth.h"
#include "dc.h"
#include "err.h"
#include "token.h"

#define BODY_LEN (8 + CAT_TOKEN_RANDOM_LEN)
#define TOK_LEN  (CAT_TOKEN_MAX - 1)

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* The documented prefixes, kept apart from token.c's own table. */
static const char *const prefix[CAT_TOK__COUNT] = {
	[CAT_TOK_REFRESH] = "catr", [CAT_TOK_ACCESS] = "cata",
	[CAT_TOK_DEVICE] = "catd",  [CAT_TOK_CODE] = "catc",
	[CAT_TOK_SESSION] = "cats", [CAT_TOK_SECRET] = "catk",
};

static void serialise(char out[CAT_TOKEN_MAX], enum cat_token_kind kind,
		      const char *dc, const char *random)
{
	memcpy(out, prefix[kind], 4);
	out[4] = '_';
	memcpy(out + 5, dc, 2);
	out[7] = '_';
	memcpy(out + 8, random, CAT_TOKEN_RANDOM_LEN);
	cat_token_crc(out + BODY_LEN, out, BODY_LEN);
	FUZZ_CHECK(out[TOK_LEN] == '\0');
}

static void check_parsed(const char *s, enum cat_token_kind kind,
			 const char *dc)
{
	char again[CAT_TOKEN_MAX];

	FUZZ_CHECK(strlen(s) == TOK_LEN);
	FUZZ_CHECK((unsigned)kind < CAT_TOK__COUNT);
	FUZZ_CHECK(strlen(dc) == 2 && cat_dc_find(dc) &&
		   strcmp(cat_dc_find(dc)->code, dc) == 0);
	serialise(again, kind, dc, s + 8);
	FUZZ_CHECK(strcmp(again, s) == 0);
}

/* A token built from the input must parse, and no single-character
 * change of it may (CRC32 catches every burst of 32 bits or less). */
static void check_minted(const uint8_t *data, size_t size)
{
	char tok[CAT_TOKEN_MAX], random[CAT_TOKEN_RANDOM_LEN], dc[3];
	enum cat_token_kind kind = (enum cat_token_kind)(data[0] %
							 CAT_TOK__COUNT),
			    got;
	const char *code = cat_dcs[data[1] % cat_dc_count].code;
	size_t i, pos;
	char c, old;

	for (i = 0; i < CAT_TOKEN_RANDOM_LEN; i++)
		random[i] = base62[data[(4 + i) % size] % 62];
	serialise(tok, kind, code, random);
	FUZZ_CHECK(cat_token_parse(tok, &got, dc) == 0);
	FUZZ_CHECK(got == kind && strcmp(dc, code) == 0);

	pos = data[2] % TOK_LEN;
	c = (char)data[3];
	old = tok[pos];
	if (c == old || c == '\0')
		return;
	tok[pos] = c;
	FUZZ_CHECK(cat_token_parse(tok, NULL, NULL) != 0);
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
	if (size >= 4)
		check_minted(data, size);
	free(s);
	cat_error_clear();
	return 0;
}
