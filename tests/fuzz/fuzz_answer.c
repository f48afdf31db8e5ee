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
 * .catalystrc as the active project with the id the server gave.
 */
#include "fuzz.h"

#include <limits.h>

#include "api.h"
#include "config.h"
#include "err.h"
#include "flow.h"
#include "io.h"
#include "rc.h"
#include "remote.h"

static const long statuses[] = { 200, 201, 400, 401, 403, 404, 429, 500, 503 };

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
	check_error(&r);
	check_grant(&r);
	if (r.json) {
		check_times(r.json);
		check_project(r.json);
	}
	cat_resp_release(&r);
	cat_error_clear();
	cat_hint_clear();
	return 0;
}
