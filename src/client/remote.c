/*
 * The admin API client. Answers follow the Catalyst envelope
 * {"status":"success","data":...}; a 403 means the org is not the
 * account's, which gets its own message because the fix (--org) differs.
 */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "io.h"
#include "banned.h"

/* GET path on the accounts server; *body the JSON object answered. */
static int accounts_get(struct cat_ctx *ctx, const char *path, json_t **body)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	struct cat_req req = { "GET", url, NULL, NULL, NULL };
	int err;

	*body = NULL;
	if ((err = cat_auth_url(ctx, 0, path, url, sizeof(url))) < 0 ||
	    (err = cat_auth_send(ctx, &req, &resp)) < 0)
		goto done;
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	if (!json_is_object(resp.json)) {
		err = cat_error_set(CAT_ERROR,
				    "the server's answer to %s is "
				    "not a JSON object",
				    path);
		goto done;
	}
	*body = json_incref(resp.json);
done:
	cat_resp_release(&resp);
	return err;
}

int cat_remote_user(struct cat_ctx *ctx, json_t **out)
{
	return accounts_get(ctx, "/oauth/user/info", out);
}

int cat_remote_tokens(struct cat_ctx *ctx, json_t **out)
{
	json_t *body, *list;
	int err;

	*out = NULL;
	if ((err = accounts_get(ctx, "/api/v1/tokens", &body)) < 0)
		return err;
	list = json_object_get(body, "tokens");
	if (json_is_array(list))
		*out = json_incref(list);
	else
		err = cat_error_set(CAT_ERROR, "the token list answer has no "
					       "'tokens' array");
	json_decref(body);
	return err;
}

const char *cat_remote_org(struct cat_ctx *ctx, const char *rc_org)
{
	const char *o = ctx->opts.org;

	if (!o)
		o = cat_env("CATALYST_ORG");
	if (!o)
		o = cat_env("ZC_ORG_ID");
	return o ? o : rc_org;
}

/* GET an admin path and return its "data" member of the wanted type. */
static int admin_get(struct cat_ctx *ctx, const char *org, const char *path,
		     int type, json_t **out)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	struct cat_req req = { "GET", url, NULL, org, NULL };
	json_t *data;
	int err;

	*out = NULL;
	if ((err = cat_auth_url(ctx, 1, path, url, sizeof(url))) < 0 ||
	    (err = cat_auth_send(ctx, &req, &resp)) < 0)
		goto done;
	if (resp.status == 403 && org) {
		cat_hint_set(
			"check the org ID; 'catalyst project:list' without "
			"--org uses your default org");
		err = cat_error_set(CAT_ERROR,
				    "org '%s' is not accessible to "
				    "this account",
				    org);
		goto done;
	}
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	data = json_object_get(resp.json, "data");
	if (!data || (int)json_typeof(data) != type) {
		err = cat_error_set(CAT_ERROR, "unexpected answer from %s",
				    path);
		goto done;
	}
	*out = json_incref(data);
done:
	cat_resp_release(&resp);
	return err;
}

int cat_remote_orgs(struct cat_ctx *ctx, json_t **out)
{
	return admin_get(ctx, NULL, "/baas/v1/orgs", JSON_ARRAY, out);
}

int cat_remote_projects(struct cat_ctx *ctx, const char *org, json_t **out)
{
	return admin_get(ctx, org, "/baas/v1/project", JSON_ARRAY, out);
}

int cat_remote_envs(struct cat_ctx *ctx, const char *org, const char *id,
		    json_t **out)
{
	char path[512];
	char *esc = cat_api_escape(id);
	int err, n;

	if (!esc)
		return cat_error_set(CAT_ERROR, "out of memory");
	n = snprintf(path, sizeof(path), "/baas/v1/project/%s/environment",
		     esc);
	cat_api_free(esc);
	if (n < 0 || (size_t)n >= sizeof(path))
		return cat_error_set(CAT_EINVAL, "project ID is too long");
	err = admin_get(ctx, org, path, JSON_ARRAY, out);
	return err;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

json_t *cat_remote_find_project(json_t *projects, const char *name_or_id)
{
	struct cat_buf names = CAT_BUF_INIT(2048);
	int by_id = all_digits(name_or_id);
	json_t *p, *idv;
	size_t i;

	json_array_foreach(projects, i, p)
	{
		char id[32] = "";
		const char *name =
			json_string_value(json_object_get(p, "project_name"));

		idv = json_object_get(p, "id");
		if (json_is_string(idv))
			snprintf(id, sizeof(id), "%s", json_string_value(idv));
		else if (json_is_integer(idv))
			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(idv));
		if ((by_id && strcmp(id, name_or_id) == 0) ||
		    (name && strcmp(name, name_or_id) == 0)) {
			cat_buf_release(&names);
			return p;
		}
		if (name)
			cat_buf_printf(&names, "%s%s", names.len ? ", " : "",
				       name);
	}
	cat_hint_set("the projects are: %s",
		     names.len ? cat_buf_cstr(&names) : "(none)");
	cat_error_set(CAT_ENOTFOUND, "no project named or numbered '%s'",
		      name_or_id);
	cat_buf_release(&names);
	return NULL;
}
