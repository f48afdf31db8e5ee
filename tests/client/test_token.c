/*
 * Offline token checks: the CLI-token shape (salt + refresh token), the
 * checksum catching a single mistyped character, access tokens accepted as
 * bearer tokens, refusals that never echo the secret, and masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "io.h"

static void make(char *out, size_t n, char salt, enum cat_token_kind kind,
		 const char *dc)
{
	char t[CAT_TOKEN_MAX];

	assert_int_equal(cat_token_new(t, kind, dc), 0);
	if (salt)
		snprintf(out, n, "%c_%s", salt, t);
	else
		snprintf(out, n, "%s", t);
}

static void test_token__valid(void **state)
{
	struct cat_cred c;
	char t[64];

	(void)state;
	make(t, sizeof(t), 'm', CAT_TOK_REFRESH, "eu");
	assert_int_equal(cat_cred_parse(&c, t, "--token"), 0);
	assert_int_equal(c.kind, CAT_CRED_TOKEN);
	assert_int_equal(c.salt, 'm');
	assert_string_equal(c.dc, "eu");
	assert_string_equal(c.token, t);
	assert_string_equal(c.source, "--token");

	make(t, sizeof(t), 'w', CAT_TOK_REFRESH, "jp");
	assert_int_equal(cat_cred_parse(&c, t, "CATALYST_TOKEN"), 0);
	assert_int_equal(c.salt, 'w');
	assert_string_equal(c.dc, "jp");

	make(t, sizeof(t), 0, CAT_TOK_ACCESS, "us");
	assert_int_equal(cat_cred_parse(&c, t, "--token"), 0);
	assert_int_equal(c.kind, CAT_CRED_ACCESS);
	assert_string_equal(c.dc, "us");
}

static void test_token__checksum(void **state)
{
	struct cat_cred c;
	char t[64];
	size_t i;

	(void)state;
	make(t, sizeof(t), 'm', CAT_TOK_REFRESH, "us");
	/* flip one character of the random part: the CRC must catch it */
	i = 2 + 8 + 5;
	t[i] = t[i] == 'a' ? 'b' : 'a';
	assert_int_equal(cat_cred_parse(&c, t, "--token"), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "malformed"));
	assert_non_null(strstr(cat_error_last(), "checksum"));
	assert_null(strstr(cat_error_last(), t + 2)); /* never echoed */
	cat_hint_clear();
}

static void test_token__malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"m_",
		"x_catr_us_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000",
		"hello",
		"m_catr_zz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000",
		"m_1000.d5a915bced9586bdfe17d8ac99566907.aac6d6628928c71f",
	};
	struct cat_cred c;
	char t[64], longer[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cat_cred_parse(&c, bad[i], "--token"),
				 CAT_EINVAL);
	/* a bare refresh token: no salt, so no client to refresh with */
	make(t, sizeof(t), 0, CAT_TOK_REFRESH, "us");
	assert_int_equal(cat_cred_parse(&c, t, "--token"), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "m_ or w_"));
	/* a device code is a valid secret but not a CLI token */
	make(t, sizeof(t), 'm', CAT_TOK_DEVICE, "us");
	assert_int_equal(cat_cred_parse(&c, t, "--token"), CAT_EINVAL);
	/* truncated and overlong */
	make(t, sizeof(t), 'm', CAT_TOK_REFRESH, "us");
	t[strlen(t) - 1] = '\0';
	assert_int_equal(cat_cred_parse(&c, t, "--token"), CAT_EINVAL);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	longer[1] = '_';
	assert_int_equal(cat_cred_parse(&c, longer, "--token"), CAT_EINVAL);
	cat_hint_clear();
}

static void test_token__mask(void **state)
{
	char t[64], m[64];

	(void)state;
	make(t, sizeof(t), 'm', CAT_TOK_REFRESH, "us");
	cat_mask(m, sizeof(m), t);
	assert_int_equal(strncmp(m, t, 14), 0); /* m_catr_us_ + 4 */
	assert_string_equal(m + 14, "...");
	assert_true(strlen(m) < strlen(t) / 2 + 4);
	cat_mask(m, sizeof(m), "secretsecretsecret");
	assert_null(strstr(m, "secretsecret"));
}

static void test_token__scope(void **state)
{
	const char *s;

	(void)state;
	s = cat_auth_scope("us");
	assert_non_null(strstr(s, "ZohoCatalyst.projects.ALL"));
	assert_non_null(strstr(s, "ZohoCatalyst.dataverse.execute"));
	assert_non_null(strstr(s, "QuickML.deployment.READ"));
	assert_null(strstr(cat_auth_scope("eu"), "dataverse"));
	assert_non_null(strstr(cat_auth_scope("eu"), "QuickML"));
	assert_null(strstr(cat_auth_scope("sa"), "QuickML"));
	assert_non_null(strstr(cat_auth_scope("ae"), "dataverse"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token__valid),
		cmocka_unit_test(test_token__checksum),
		cmocka_unit_test(test_token__malformed),
		cmocka_unit_test(test_token__mask),
		cmocka_unit_test(test_token__scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
