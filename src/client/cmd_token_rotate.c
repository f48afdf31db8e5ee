/*
 * `catalyst token:rotate <id> [--grace DURATION]`: a new secret for a token
 * generated on this device, same ID and grant. The server wants proof of
 * the current secret, which only the generating device keeps, so like
 * token:revoke it works only there. The old secret may stay valid for a
 * grace period, so that a CI secret can be swapped before it stops
 * working instead of failing the runs in between.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "flow.h"
#include "io.h"
#include "timefmt.h"
#include "banned.h"

/* The server's limit too (docs/http-api.md): a week. */
#define GRACE_MAX (7LL * 24 * 3600)

struct store_arg {
	const char *dc;
	const char *id;
	const char *token;
};

static int store_token(json_t *state, void *arg)
{
	struct store_arg *a = arg;
	json_t *entry =
		json_object_get(cat_state_tokens(state, a->dc, 0), a->id);

	/* created_at and device_name stay: the grant is the same */
	if (!entry)
		return cat_error_set(
			CAT_ERROR, "token '%s' left the local store meanwhile",
			a->id);
	if (json_object_set_new(entry, "token", json_string(a->token)) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

int cmd_token_rotate(struct cat_ctx *ctx)
{
	const char *id = ctx->opts.args[0], *dc = NULL, *old;
	struct cat_grant g = { NULL, NULL, NULL, 0 };
	struct store_arg sa;
	struct cat_config *cfg = NULL;
	struct cat_cred cred;
	char token[CAT_CLI_TOKEN_MAX], dcbuf[3];
	long long grace = 0;
	json_t *entry;
	int err, code = CAT_EXIT_OK;

	if (ctx->opts.given & CO_GRACE) {
		grace = cat_duration_parse(ctx->opts.grace, GRACE_MAX);
		if (grace < 0) {
			cat_hint_set("a number with s, m, h or d (30s, 10m, "
				     "1h, 1d), at most 7d");
			return cat_err(CAT_EXIT_USAGE,
				       "token:rotate: --grace '%s' is not a "
				       "duration from 0 to 7d",
				       ctx->opts.grace);
		}
	}
	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "token:rotate");
	entry = cat_state_find_token(cfg->state, id, &dc);
	if (!entry)
		return cat_token_not_here(ctx, cfg->state, "token:rotate",
					  "rotated",
					  "use 'catalyst login --force' for a "
					  "new sign-in",
					  id);
	snprintf(dcbuf, sizeof(dcbuf), "%s", dc);
	old = json_string_value(json_object_get(entry, "token"));
	if ((err = cat_cred_parse(&cred, old, "the local store")) < 0 ||
	    (err = cat_auth_rotate(ctx, old, grace, &g)) < 0)
		return cat_fail(err, "token:rotate: cannot rotate token '%s'",
				id);
	/* as token:generate does: what goes to stdout and the store must be
	 * a token, of the same flow as the old one */
	if (snprintf(token, sizeof(token), "%c_%s", cred.salt,
		     g.refresh_token) >= (int)sizeof(token) ||
	    cat_cred_parse(&cred, token, "the server") < 0) {
		cat_hint_clear();
		code = cat_err(CAT_EXIT_ERROR, "token:rotate: the server "
					       "issued a malformed refresh "
					       "token");
		goto done;
	}
	sa.dc = dcbuf;
	sa.id = id;
	sa.token = token;
	if ((err = cat_config_update(cfg, store_token, &sa)) < 0) {
		/* the old secret may be refused already: the new one must not
		 * be lost, so it is printed all the same */
		cat_term_line(stdout, "%s", token);
		code = cat_fail(err,
				"token:rotate: token '%s' was rotated, "
				"but the new token (printed) cannot be "
				"stored here",
				id);
		goto done;
	}
	cat_term_line(stdout, "%s", token);
	if (grace)
		cat_note("Token %s rotated; the old token keeps working for "
			 "%lld s.",
			 id, grace);
	else
		cat_note("Token %s rotated; the old token no longer works.",
			 id);
done:
	sodium_memzero(token, sizeof(token));
	cat_grant_release(&g);
	return code;
}
