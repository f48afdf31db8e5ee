/*
 * `catalyst whoami`: the account a command would act as, asked from the
 * server with the credential itself (GET /oauth/user/info, refreshing the
 * access token as every command does). So it also proves the credential
 * still works: a sign-in or token revoked or expired on the server is an
 * error (exit 4), never the account the local state remembers.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "io.h"
#include "banned.h"

static int print_user(struct cat_ctx *ctx, const json_t *user)
{
	const char *email = json_string_value(json_object_get(user, "Email"));
	const char *name =
		json_string_value(json_object_get(user, "Display_Name"));
	json_t *out;

	if (ctx->opts.json) {
		out = json_pack("{s:s?, s:s?, s:s, s:s}", "email", email,
				"name", name, "dc", ctx->cred.dc, "source",
				ctx->cred.source);
		if (out)
			cat_print_json(stdout, out);
		json_decref(out);
		return CAT_EXIT_OK;
	}
	cat_term_line(stdout, "%s (data center %s)",
		      email  ? email
		      : name ? name
			     : "unknown",
		      ctx->cred.dc);
	return CAT_EXIT_OK;
}

int cmd_whoami(struct cat_ctx *ctx)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	struct cat_req req = { "GET", url, NULL, NULL, NULL };
	int err, code;

	if ((err = cat_auth_url(ctx, 0, "/oauth/user/info", url, sizeof(url))) <
		    0 ||
	    (err = cat_auth_send(ctx, &req, &resp)) < 0) {
		code = cat_fail(err, "whoami");
		goto done;
	}
	if (resp.status != 200) {
		code = cat_fail(cat_api_error(&resp), "whoami");
		goto done;
	}
	if (!json_is_object(resp.json)) {
		code = cat_err(CAT_EXIT_ERROR, "whoami: the server's answer "
					       "is not a JSON object");
		goto done;
	}
	code = print_user(ctx, resp.json);
done:
	cat_resp_release(&resp);
	return code;
}
