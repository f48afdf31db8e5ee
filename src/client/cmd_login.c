/*
 * `catalyst login`: the browser flow (PKCE to a loopback listener) where a
 * browser on this machine can reach the listener, the device flow with
 * --no-localhost or where it cannot (no terminal, SSH, no display, CI);
 * --web forces the browser flow. The grant
 * is stored under the DC named inside the token, which is the DC of the
 * server that issued it; `--force` replaces an existing sign-in and then
 * revokes the old one so no orphaned grant stays valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "flow.h"
#include "io.h"
#include "banned.h"

struct login_arg {
	const char *dc;
	json_t *login; /* borrowed */
};

static int store_login(json_t *state, void *arg)
{
	struct login_arg *a = arg;
	json_t *d = cat_state_dc(state, a->dc, 1);

	json_object_set(d, "login", a->login);
	json_object_set_new(state, "active_dc", json_string(a->dc));
	return 0;
}

static int fetch_user(struct cat_ctx *ctx, const char *dc, const char *at,
		      json_t **out)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	struct cat_req req = { "GET", url, at, NULL, NULL };
	int err;

	*out = NULL;
	if ((err = cat_api_url(url, sizeof(url), cat_ctx_auth_url(ctx, dc),
			       "/oauth/user/info")) < 0 ||
	    (err = cat_api_send(&req, &resp)) < 0)
		goto done;
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	*out = json_incref(resp.json);
done:
	cat_resp_release(&resp);
	return err;
}

static const char *user_label(const json_t *user)
{
	const char *s = json_string_value(json_object_get(user, "Email"));

	if (!s)
		s = json_string_value(json_object_get(user, "Display_Name"));
	return s ? s : "(unknown account)";
}

/* Revokes a grant we no longer want; failure only warns. */
static void revoke_quietly(struct cat_ctx *ctx, const char *token)
{
	struct cat_cred c;

	if (cat_cred_parse(&c, token, "old sign-in") < 0 ||
	    cat_auth_revoke(ctx, token, c.dc) < 0) {
		cat_warn("could not revoke the previous sign-in: %s",
			 cat_error_last());
		cat_hint_clear();
	}
}

/*
 * 1 for the browser flow, 0 for the device flow. Without --web or
 * --no-localhost the browser flow is used only where it can work, and the
 * choice of the device flow says why on stderr.
 */
static int pick_flow(unsigned given)
{
	const char *why;

	if (given & CO_WEB)
		return 1;
	if (given & CO_NO_LOCALHOST)
		return 0;
	why = cat_flow_headless(cat_io_stdin_tty(),
				cat_io_stdout_tty() && cat_io_stderr_tty(),
				cat_io_ci());
	if (!why)
		return 1;
	cat_note("Using the device flow: %s (--web forces the browser flow).",
		 why);
	return 0;
}

int cmd_login(struct cat_ctx *ctx)
{
	struct cat_grant g = { NULL, NULL, NULL, 0 };
	struct login_arg la = { NULL, NULL };
	const struct cat_dc *dc = NULL;
	struct cat_config *cfg = NULL;
	struct cat_client client = { NULL, NULL };
	struct cat_cred cred;
	json_t *user = NULL, *old;
	char token[CAT_CLI_TOKEN_MAX], created[32], *old_token = NULL;
	int err, browser, code = CAT_EXIT_OK;
	char salt;

	if ((ctx->opts.given & CO_WEB) && (ctx->opts.given & CO_NO_LOCALHOST)) {
		cat_hint_set("--web is the browser flow, --no-localhost the "
			     "device flow: pass one");
		return cat_err(CAT_EXIT_USAGE,
			       "login: --web and --no-localhost "
			       "cannot be used together");
	}
	if ((err = cat_ctx_dc(ctx, &dc)) < 0 ||
	    (err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "login");
	old = cat_state_login(cfg->state, dc->code);
	if (old && !(ctx->opts.given & CO_FORCE)) {
		cat_note("Already signed in as %s (data center %s).",
			 user_label(json_object_get(old, "user")), dc->code);
		cat_note("Use 'catalyst login --force' to sign in again.");
		return CAT_EXIT_OK;
	}
	if (old)
		old_token = strdup(
			json_string_value(json_object_get(old, "token")));
	browser = pick_flow(ctx->opts.given);
	if (browser) {
		err = cat_flow_browser(ctx, dc->code, &g);
		if (err == CAT_EUNAVAIL) {
			cat_warn("%s; using the device flow", cat_error_last());
			cat_hint_clear();
			browser = 0;
		}
	}
	if (!browser)
		err = cat_flow_device(ctx, dc->code, 0, "sign in", NULL, &g);
	if (err < 0) {
		code = cat_fail(err, "login");
		goto done;
	}
	salt = browser ? 'w' : 'm';
	if (snprintf(token, sizeof(token), "%c_%s", salt, g.refresh_token) >=
		    (int)sizeof(token) ||
	    cat_cred_parse(&cred, token, "the server") < 0) {
		code = cat_err(CAT_EXIT_ERROR, "login: the server issued a "
					       "malformed refresh token");
		goto done;
	}
	if ((err = fetch_user(ctx, cred.dc, g.access_token, &user)) < 0) {
		revoke_quietly(ctx, token);
		code = cat_fail(err, "login: cannot read the account");
		goto done;
	}
	if (strcmp(cred.dc, dc->code) != 0)
		cat_warn("the server at %s serves data center %s, not %s; the "
			 "sign-in is stored for %s",
			 cat_ctx_auth_url(ctx, dc->code), cred.dc, dc->code,
			 cred.dc);
	cat_now_iso(created);
	/* the flow asked the same (already resolved) client; it never fails
	 * here, and a refresh must go with the client the grant names */
	if (cat_auth_client(ctx, salt, &client) < 0) {
		cat_hint_clear();
		client.id = NULL;
	}
	la.dc = cred.dc;
	la.login = json_pack("{s:s, s:s?, s:O, s:s, s:s, s:s?}", "token", token,
			     "token_id", g.token_id, "user", user, "created_at",
			     created, "flow", browser ? "browser" : "device",
			     "client_id", client.id);
	if (!la.login || (err = cat_config_update(cfg, store_login, &la)) < 0) {
		revoke_quietly(ctx, token);
		code = cat_fail(err ? err : CAT_ERROR, "login: cannot save the "
						       "sign-in");
		goto done;
	}
	cat_auth_cache(ctx, g.refresh_token, g.access_token, g.expires_in);
	if (old_token && strcmp(old_token, token) != 0)
		revoke_quietly(ctx, old_token);
	cat_note("Signed in as %s (data center %s).", user_label(user),
		 cred.dc);
done:
	json_decref(user);
	json_decref(la.login);
	cat_grant_release(&g);
	free(old_token);
	return code;
}
