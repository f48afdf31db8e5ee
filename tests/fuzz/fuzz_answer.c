/*
 * Server answers as the CLI decodes them (src/client/api.c, auth.c,
 * flow_device.c, remote.c, rc.c): the body is parsed exactly as
 * cat_api_send parses it, then handed to every decoder a command would use
 * on it. The input is "<status selector byte><body>".
 *
 * Checked: an error answer maps to the documented code with a message;
 * a token answer that is accepted keeps its tokens exactly and caches an
 * access token that is found again (or, when about to expire, not at all);
 * times from token lists always format; a project answer is recorded in
 * .catalystrc as the active project with the id the server gave; durations
 * are clamped as documented. What reaches the terminal (cat_term_escape,
 * on the raw body and on every string in it) holds no C0, DEL, C1 or bidi
 * control and no invalid UTF-8, and escaping it again changes nothing;
 * --json output (cat_print_json) holds none of those either and parses
 * back to the same document.
 */
#include "fuzz.h"

#include <limits.h>
#include <stdio.h>

#include "api.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "flow.h"
#include "io.h"
#include "rc.h"
#include "remote.h"
#include "token.h"

static const long statuses[] = { 200, 201, 400, 401, 403, 404, 429, 500, 503 };

/* Nothing a terminal acts on: C0, DEL, C1 (U+0080-U+009F), bidi
 * overrides and isolates (U+202A-E, U+2066-9), invalid UTF-8. */
static void check_inert(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	FUZZ_CHECK(cat_utf8_valid(s, n));
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(p[i] >= 0x20 && p[i] != 0x7f);
		if (p[i] == 0xC2 && i + 1 < n)
			FUZZ_CHECK(p[i + 1] < 0x80 || p[i + 1] > 0x9f);
		if (p[i] == 0xE2 && i + 2 < n && p[i + 1] == 0x80)
			FUZZ_CHECK(p[i + 2] < 0xAA || p[i + 2] > 0xAE);
		if (p[i] == 0xE2 && i + 2 < n && p[i + 1] == 0x81)
			FUZZ_CHECK(p[i + 2] < 0xA6 || p[i + 2] > 0xA9);
	}
}

static void check_escape(const char *s, size_t n)
{
	struct cat_buf once = CAT_BUF_INIT(1u << 24),
		       twice = CAT_BUF_INIT(1u << 24);

	FUZZ_CHECK(cat_term_escape(&once, s, n) == 0);
	check_inert(cat_buf_cstr(&once), once.len);
	FUZZ_CHECK(cat_term_escape(&twice, cat_buf_cstr(&once), once.len) == 0);
	FUZZ_CHECK(twice.len == once.len &&
		   memcmp(cat_buf_cstr(&twice), cat_buf_cstr(&once),
			  once.len) == 0);
	cat_buf_release(&once);
	cat_buf_release(&twice);
}

/* Every string in the document, as a table or message would print it. */
static void escape_strings(const json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v)) {
		check_escape(json_string_value(v), json_string_length(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			escape_strings(e);
		}
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
		{
			check_escape(k, strlen(k));
			escape_strings(e);
		}
	}
}

/* --json output: inert, and the same document once parsed back. */
static void check_print_json(const json_t *doc)
{
	char *text = NULL;
	size_t len = 0;
	json_t *back;
	FILE *f = open_memstream(&text, &len);

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(cat_print_json(f, doc) == 0);
	FUZZ_CHECK(fclose(f) == 0);
	/* jansson's indentation and the final newline are the only C0 */
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			text[i] = ' ';
	check_inert(text, len);
	back = json_loadb(text, len, 0, NULL);
	FUZZ_CHECK(back != NULL && json_equal(back, doc));
	json_decref(back);
	free(text);
}

static void check_seconds(const json_t *v)
{
	long got = cat_json_seconds(v, 300, 1800);
	json_int_t i = json_integer_value(v);

	if (!json_is_integer(v) || i < 1)
		FUZZ_CHECK(got == 300);
	else if (i > 1800)
		FUZZ_CHECK(got == 1800);
	else
		FUZZ_CHECK(got == (long)i);
}

static void check_error(const struct cat_resp *r)
{
	int err = cat_api_error(r), want = CAT_ERROR;

	if (r->status == 401)
		want = CAT_EAUTH;
	else if (r->status == 404)
		want = CAT_ENOTFOUND;
	else if (r->status >= 500)
		want = CAT_EUNAVAIL;
	FUZZ_CHECK(err == want);
	FUZZ_CHECK(strncmp(cat_error_last(), "server answered ", 16) == 0);
	check_escape(cat_error_last(), strlen(cat_error_last()));
	(void)cat_resp_oauth_error(r);
}

static void check_grant(const struct cat_resp *r)
{
	struct cat_grant g;
	const char *cached;
	json_t *state;

	if (cat_grant_from_json(&g, r->json) != 0)
		return;
	FUZZ_CHECK(strcmp(g.refresh_token, cat_resp_str(r, "refresh_token")) ==
		   0);
	FUZZ_CHECK(strcmp(g.access_token, cat_resp_str(r, "access_token")) ==
		   0);
	/* what login and token:generate do with it next */
	state = json_object();
	FUZZ_CHECK(state != NULL);
	cat_state_cache_put(state, g.refresh_token, g.access_token,
			    g.expires_in);
	cached = cat_state_cached_access(state, g.refresh_token);
	if (cached)
		FUZZ_CHECK(strcmp(cached, g.access_token) == 0);
	if (g.expires_in <= 60)
		FUZZ_CHECK(cached == NULL);
	json_decref(state);
	cat_grant_release(&g);
}

/* token:list formats every time the server sends. */
static void check_times(const json_t *body)
{
	const json_t *tokens = json_object_get(body, "tokens"), *t;
	static const char *const keys[] = { "created_at", "last_used_at" };
	char out[64];
	size_t i, k;

	json_array_foreach(tokens, i, t)
	{
		for (k = 0; k < 2; k++) {
			memset(out, 'x', sizeof(out));
			cat_fmt_time(
				out, sizeof(out),
				json_string_value(json_object_get(t, keys[k])));
			FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL);
		}
	}
}

/* project:use on a project list, or on one project's answer. */
static void check_project(const json_t *body)
{
	json_t *data = json_object_get(body, "data"), *p = NULL, *envs = NULL;
	const json_t *id;
	struct cat_rc rc;
	char want[32] = "";

	if (json_is_array(data)) {
		p = cat_remote_find_project(data, "alpha");
		if (!p)
			p = cat_remote_find_project(data, "4000000000001");
		if (!p)
			p = json_array_get(data, 0);
	} else if (json_is_object(data)) {
		p = data;
		envs = json_object_get(p, "env_details");
		if (!json_is_array(envs))
			envs = NULL;
	}
	if (!json_is_object(p))
		return;
	memset(&rc, 0, sizeof(rc));
	if (cat_rc_use_project(&rc, p, envs, 0) == 0) {
		id = json_object_get(p, "id");
		if (json_is_string(id))
			snprintf(want, sizeof(want), "%s",
				 json_string_value(id));
		else
			snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(id));
		FUZZ_CHECK(cat_rc_active_project(&rc) != NULL);
		FUZZ_CHECK(cat_rc_default_project(&rc) != NULL);
		/* ids longer than the buffer are compared by prefix */
		FUZZ_CHECK(
			strncmp(cat_rc_project_id(cat_rc_active_project(&rc)),
				want, sizeof(want) - 1) == 0);
		(void)cat_rc_active_env_id(&rc);
	}
	cat_rc_release(&rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cat_resp r = { 0, NULL };

	if (size < 1)
		return 0;
	r.status = statuses[data[0] % (sizeof(statuses) / sizeof(*statuses))];
	/* as cat_api_send: any body, parsed when not empty */
	if (size > 1)
		r.json = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	/* cat_api_send refuses a 2xx without a JSON object itself */
	if (r.status < 300 && !json_is_object(r.json)) {
		cat_resp_release(&r);
		return 0;
	}
	if (size > 1)
		check_escape((const char *)data + 1, size - 1);
	check_error(&r);
	check_grant(&r);
	if (r.json) {
		check_times(r.json);
		check_project(r.json);
		check_seconds(json_object_get(r.json, "expires_in"));
		check_seconds(json_object_get(r.json, "interval"));
		escape_strings(r.json);
		check_print_json(r.json);
	}
	cat_resp_release(&r);
	cat_error_clear();
	cat_hint_clear();
	return 0;
}
