/*
 * `catalyst token:generate`: a device authorization bound to the signed-in
 * account (its bearer token goes with the code request), named after this
 * host. The new token goes alone to stdout and into the local store under
 * its server-assigned ID, which is what lets this device, and only this
 * device, revoke it later.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "flow.h"
#include "io.h"
#include "banned.h"

struct store_arg {
	const char *dc;
	const char *id;
	json_t *entry; /* borrowed */
};

static int store_token(json_t *state, void *arg)
{
	struct store_arg *a = arg;

	json_object_set(cat_state_tokens(state, a->dc, 1), a->id, a->entry);
	return 0;
}

int cmd_token_generate(struct cat_ctx *ctx)
{
	struct cat_grant g = { NULL, NULL, NULL, 0 };
	struct store_arg sa = { NULL, NULL, NULL };
	struct cat_config *cfg = NULL;
	char token[CAT_CLI_TOKEN_MAX], created[32], host[128];
	char local_id[CAT_TOKEN_ID_LEN + 1];
	struct cat_cred cred;
	int err, code = CAT_EXIT_OK;

	if (ctx->opts.given & CO_CURRENT) {
		cat_term_line(stdout, "%s", ctx->cred.token);
		return CAT_EXIT_OK;
	}
	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "token:generate");
	err = cat_flow_device(ctx, ctx->cred.dc, 1, "approve the new token",
			      &g);
	if (err < 0)
		return cat_fail(err, "token:generate");
	/* as login does: what goes to stdout and the store must be a token */
	if (snprintf(token, sizeof(token), "m_%s", g.refresh_token) >=
		    (int)sizeof(token) ||
	    cat_cred_parse(&cred, token, "the server") < 0) {
		cat_hint_clear();
		code = cat_err(CAT_EXIT_ERROR,
			       "token:generate: the server "
			       "issued a malformed refresh token");
		goto done;
	}
	sa.dc = ctx->cred.dc;
	sa.id = g.token_id;
	if (!sa.id) { /* an older server: an ID of our own still lets us revoke
		       */
		cat_token_id_new(local_id);
		sa.id = local_id;
	}
	cat_now_iso(created);
	cat_host_name(host, sizeof(host));
	sa.entry = json_pack("{s:s, s:s, s:s}", "token", token, "created_at",
			     created, "device_name", host);
	if (!sa.entry || (err = cat_config_update(cfg, store_token, &sa)) < 0) {
		/* a token this device cannot revoke must not stay alive */
		cat_auth_revoke(ctx, token, ctx->cred.dc);
		code = cat_fail(err ? err : CAT_ERROR,
				"token:generate: cannot "
				"store the token (it was revoked again)");
		goto done;
	}
	cat_auth_cache(ctx, g.refresh_token, g.access_token, g.expires_in);
	cat_term_line(stdout, "%s", token);
	cat_note("Token %s generated; revoke it on this device with "
		 "'catalyst token:revoke %s'.",
		 sa.id, sa.id);
done:
	json_decref(sa.entry);
	cat_grant_release(&g);
	return code;
}
