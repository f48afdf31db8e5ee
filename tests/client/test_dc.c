/*
 * DC routing and credential selection: --dc, the stored active DC and the
 * config's default; the server per DC from config.json with the
 * CATALYST_AUTH_URL/ADMIN_URL overrides; a token's own DC deciding where it
 * goes; --token before CATALYST_TOKEN before ZC_TOKEN before the sign-in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "auth.h"
#include "config.h"
#include "io.h"

static char dir[256];

static void put(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cat-dc-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	setenv("CATALYST_CONFIG_DIR", dir, 1);
	unsetenv("CATALYST_AUTH_URL");
	unsetenv("CATALYST_ADMIN_URL");
	unsetenv("CATALYST_TOKEN");
	unsetenv("ZC_TOKEN");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void token(char *out, size_t n, const char *dc)
{
	char t[CAT_TOKEN_MAX];

	assert_int_equal(cat_token_new(t, CAT_TOK_REFRESH, dc), 0);
	snprintf(out, n, "m_%s", t);
}

static void test_dc__active(void **state)
{
	struct cat_ctx ctx;
	const struct cat_dc *dc;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(cat_ctx_dc(&ctx, &dc), 0);
	assert_string_equal(dc->code, "us");
	cat_ctx_release(&ctx);

	put("config.json", "{\"dc\": \"in\"}");
	assert_int_equal(cat_ctx_dc(&ctx, &dc), 0);
	assert_string_equal(dc->code, "in");
	cat_ctx_release(&ctx);

	put("credentials.json", "{\"active_dc\": \"jp\"}");
	assert_int_equal(cat_ctx_dc(&ctx, &dc), 0);
	assert_string_equal(dc->code, "jp");

	ctx.opts.dc = "uae";
	assert_int_equal(cat_ctx_dc(&ctx, &dc), 0);
	assert_string_equal(dc->code, "ae");
	ctx.opts.dc = "com";
	assert_int_equal(cat_ctx_dc(&ctx, &dc), 0);
	assert_string_equal(dc->code, "us");
	ctx.opts.dc = "mars";
	assert_int_equal(cat_ctx_dc(&ctx, &dc), CAT_EINVAL);
	cat_ctx_release(&ctx);
}

static void test_dc__servers(void **state)
{
	struct cat_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	unsetenv("CATALYST_DIRECTORY");
	/* no server and no directory: an error naming the DC, no default */
	assert_null(cat_ctx_auth_url(&ctx, "eu"));
	assert_non_null(strstr(cat_error_last(), "data center eu"));
	cat_ctx_release(&ctx);
	put("config.json", "{\"servers\": {\"eu\": \"https://eu.example/\","
			   " \"us\": \"http://10.0.0.1:9\"}}");
	assert_string_equal(cat_ctx_auth_url(&ctx, "eu"), "https://eu.example");
	assert_string_equal(cat_ctx_admin_url(&ctx, "us"), "http://10.0.0.1:9");
	assert_null(cat_ctx_auth_url(&ctx, "jp"));
	/* the override is the server of the active DC (us here) ... */
	setenv("CATALYST_AUTH_URL", "http://127.0.0.1:1234//", 1);
	assert_string_equal(cat_ctx_auth_url(&ctx, "us"),
			    "http://127.0.0.1:1234");
	/* ... and no other DC's credential goes there */
	assert_null(cat_ctx_auth_url(&ctx, "eu"));
	assert_non_null(strstr(cat_error_last(), "data center eu"));
	assert_non_null(strstr(cat_error_last(), "data center us"));
	assert_string_equal(cat_ctx_admin_url(&ctx, "eu"),
			    "https://eu.example");
	ctx.opts.dc = "eu";
	assert_string_equal(cat_ctx_auth_url(&ctx, "eu"),
			    "http://127.0.0.1:1234");
	setenv("CATALYST_ADMIN_URL", "http://127.0.0.1:1235", 1);
	assert_string_equal(cat_ctx_admin_url(&ctx, "eu"),
			    "http://127.0.0.1:1235");
	unsetenv("CATALYST_AUTH_URL");
	unsetenv("CATALYST_ADMIN_URL");
	cat_ctx_release(&ctx);
}

/* A token goes to its own DC's server whatever --dc says. */
static void test_dc__token_routes_itself(void **state)
{
	struct cat_ctx ctx;
	char t[64], url[256];

	(void)state;
	put("config.json", "{\"servers\": {\"eu\": \"http://eu.test\", "
			   "\"us\": \"http://us.test\"}}");
	memset(&ctx, 0, sizeof(ctx));
	token(t, sizeof(t), "eu");
	ctx.opts.token = t;
	ctx.opts.dc = "us";
	ctx.opts.cmd = "project:list";
	assert_int_equal(cat_auth_select(&ctx, 0), 0);
	assert_string_equal(ctx.cred.dc, "eu");
	assert_int_equal(
		cat_auth_url(&ctx, 1, "/baas/v1/project", url, sizeof(url)), 0);
	assert_string_equal(url, "http://eu.test/baas/v1/project");
	assert_int_equal(
		cat_auth_url(&ctx, 0, "/oauth/v2/token", url, sizeof(url)), 0);
	assert_string_equal(url, "http://eu.test/oauth/v2/token");
	cat_ctx_release(&ctx);
}

static void test_dc__precedence(void **state)
{
	struct cat_ctx ctx;
	char a[64], b[64], c[64], st[512];

	(void)state;
	token(a, sizeof(a), "us");
	token(b, sizeof(b), "eu");
	token(c, sizeof(c), "in");
	snprintf(st, sizeof(st),
		 "{\"dcs\": {\"us\": {\"login\": {\"token\": "
		 "\"%s\", \"token_id\": \"0123456789ab\"}}}}",
		 a);
	put("credentials.json", st);

	memset(&ctx, 0, sizeof(ctx));
	setenv("ZC_TOKEN", c, 1);
	assert_int_equal(cat_auth_select(&ctx, 0), 0);
	assert_string_equal(ctx.cred.source, "ZC_TOKEN");
	cat_ctx_release(&ctx);

	memset(&ctx, 0, sizeof(ctx));
	setenv("CATALYST_TOKEN", b, 1);
	assert_int_equal(cat_auth_select(&ctx, 0), 0);
	assert_string_equal(ctx.cred.source, "CATALYST_TOKEN");
	assert_string_equal(ctx.cred.token, b);
	cat_ctx_release(&ctx);

	memset(&ctx, 0, sizeof(ctx));
	ctx.opts.token = c;
	assert_int_equal(cat_auth_select(&ctx, 0), 0);
	assert_string_equal(ctx.cred.source, "--token");
	cat_ctx_release(&ctx);

	/* token:generate: only the sign-in counts */
	memset(&ctx, 0, sizeof(ctx));
	ctx.opts.cmd = "token:generate";
	assert_int_equal(cat_auth_select(&ctx, 1), 0);
	assert_int_equal(ctx.cred.kind, CAT_CRED_LOGIN);
	assert_string_equal(ctx.cred.token, a);
	assert_string_equal(ctx.cred.token_id, "0123456789ab");
	cat_ctx_release(&ctx);

	/* no sign-in in eu: env tokens do not stand in for it */
	memset(&ctx, 0, sizeof(ctx));
	ctx.opts.dc = "eu";
	assert_int_equal(cat_auth_select(&ctx, 1), CAT_EAUTH);
	cat_hint_clear();
	cat_ctx_release(&ctx);

	unsetenv("CATALYST_TOKEN");
	unsetenv("ZC_TOKEN");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(cat_auth_select(&ctx, 0), 0);
	assert_int_equal(ctx.cred.kind, CAT_CRED_LOGIN);
	cat_ctx_release(&ctx);
}

static void test_dc__clients(void **state)
{
	struct cat_ctx ctx;
	struct cat_client cl;

	(void)state;
	unsetenv("M_CATALYST_CLIENT_ID");
	unsetenv("M_CATALYST_CLIENT_SECRET");
	unsetenv("W_CATALYST_CLIENT_ID");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(cat_auth_client(&ctx, 'm', &cl), CAT_ERROR);
	cat_hint_clear();
	cat_ctx_release(&ctx);
	put("config.json", "{\"clients\": {\"device\": {\"id\": \"1000.D\", "
			   "\"secret\": \"s\"}}}");
	assert_int_equal(cat_auth_client(&ctx, 'm', &cl), 0);
	assert_string_equal(cl.id, "1000.D");
	assert_string_equal(cl.secret, "s");
	assert_int_equal(cat_auth_client(&ctx, 'w', &cl), CAT_ERROR);
	cat_hint_clear();
	setenv("M_CATALYST_CLIENT_ID", "1000.ENV", 1);
	assert_int_equal(cat_auth_client(&ctx, 'm', &cl), 0);
	assert_string_equal(cl.id, "1000.ENV");
	assert_null(cl.secret);
	unsetenv("M_CATALYST_CLIENT_ID");
	cat_ctx_release(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dc__active, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dc__servers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dc__token_routes_itself,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dc__precedence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dc__clients, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
