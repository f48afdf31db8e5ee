/*
 * `catalyst token:revoke <id>`: revocation presents the token itself, so it
 * works exactly where the token is stored: on the device that generated it.
 * For any other ID we ask the server's list where the token lives, to tell
 * the user which device to go to. Revoking cannot be undone and breaks
 * every job using the token, so on a terminal it asks first; without one
 * (or in CI) it never asks and needs --yes, so a script that forgot the
 * flag fails before destroying anything instead of hanging on a prompt.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "io.h"
#include "remote.h"
#include "banned.h"

struct forget_arg {
	const char *dc;
	const char *id;
};

static int forget(json_t *state, void *arg)
{
	struct forget_arg *a = arg;
	json_t *tokens = cat_state_tokens(state, a->dc, 0);

	if (!json_object_get(tokens, a->id))
		return 1;
	json_object_del(tokens, a->id);
	return 0;
}

static int is_login(json_t *state, const char *id)
{
	const char *dc, *tid;
	json_t *d;

	json_object_foreach(json_object_get(state, "dcs"), dc, d)
	{
		tid = json_string_value(json_object_get(
			json_object_get(d, "login"), "token_id"));
		if (tid && strcmp(tid, id) == 0)
			return 1;
	}
	return 0;
}

/* The ID is not ours: find out from the server where it lives. */
static int not_here(struct cat_ctx *ctx, const char *cmd, const char *verb,
		    const char *id)
{
	json_t *list = NULL, *t, *found = NULL;
	const char *device = NULL, *page;
	size_t i;
	int code;

	if (cat_auth_select(ctx, 0) < 0 || cat_remote_tokens(ctx, &list) < 0) {
		cat_hint_set("a token can be %s only on the device that "
			     "generated it; run 'catalyst %s %s' there",
			     verb, cmd, id);
		code = cat_err(CAT_EXIT_ERROR,
			       "%s: token '%s' was not "
			       "generated on this device",
			       cmd, id);
		goto done;
	}
	json_array_foreach(list, i, t)
	{
		const char *tid =
			json_string_value(json_object_get(t, "token_id"));

		if (tid && strcmp(tid, id) == 0) {
			found = t;
			break;
		}
	}
	if (!found) {
		cat_hint_set(
			"'catalyst token:list' shows the IDs of your tokens");
		code = cat_err(CAT_EXIT_ERROR, "%s: no token with ID '%s'", cmd,
			       id);
		goto done;
	}
	device = json_string_value(json_object_get(found, "device_name"));
	/* a lost device: the account page revokes any token, from anywhere */
	page = strcmp(cmd, "token:revoke") == 0
		       ? cat_ctx_auth_url(ctx, ctx->cred.dc)
		       : NULL;
	if (!page) /* no URL to name: the hint goes without it */
		cat_error_clear();
	cat_hint_set("a token can be %s only on the device that generated "
		     "it: run 'catalyst %s %s' on %s%s%s%s%s%s",
		     verb, cmd, id, device ? "'" : "",
		     device ? device : "that device", device ? "'" : "",
		     page ? ", or revoke it on the account page " : "",
		     page ? page : "", page ? "/account" : "");
	code = cat_err(CAT_EXIT_ERROR,
		       "%s: token '%s' was generated "
		       "on another device (%s)",
		       cmd, id, device ? device : "device name unknown");
done:
	json_decref(list);
	return code;
}

int cat_token_not_here(struct cat_ctx *ctx, json_t *state, const char *cmd,
		       const char *verb, const char *login_hint, const char *id)
{
	if (is_login(state, id)) {
		cat_hint_set("%s", login_hint);
		return cat_err(CAT_EXIT_ERROR,
			       "%s: '%s' is this device's sign-in, not a "
			       "generated token",
			       cmd, id);
	}
	return not_here(ctx, cmd, verb, id);
}

/* 0 to go on, else the exit code (declined, or no way to ask). */
static int confirm(struct cat_ctx *ctx, const char *id, const json_t *entry)
{
	char created[32], question[160];
	int yes = 0;

	if (ctx->opts.given & CO_YES)
		return 0;
	if (!cat_io_interactive()) {
		cat_hint_set("pass --yes to revoke it (not asking: %s)",
			     cat_io_ci() ? "CI is set"
			     : !cat_io_stdin_tty()
				     ? "stdin is not a terminal"
				     : "stderr is not a terminal");
		return cat_err(CAT_EXIT_USAGE,
			       "token:revoke: revoking token '%s' needs "
			       "confirmation",
			       id);
	}
	cat_fmt_time(created, sizeof(created),
		     json_string_value(json_object_get(entry, "created_at")));
	snprintf(question, sizeof(question),
		 "Revoke token %s (generated here %s)? Anything using it stops "
		 "working.",
		 id, created);
	if (cat_prompt_yes(question, &yes) < 0 || !yes)
		return cat_err(CAT_EXIT_CANCEL,
			       "token:revoke: cancelled; token '%s' was not "
			       "revoked",
			       id);
	return 0;
}

int cmd_token_revoke(struct cat_ctx *ctx)
{
	const char *id = ctx->opts.args[0], *dc = NULL, *token;
	struct forget_arg fa;
	struct cat_config *cfg = NULL;
	struct cat_cred cred;
	json_t *entry;
	char dcbuf[3];
	int err;

	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "token:revoke");
	entry = cat_state_find_token(cfg->state, id, &dc);
	if (!entry)
		return cat_token_not_here(
			ctx, cfg->state, "token:revoke", "revoked",
			"use 'catalyst logout' to revoke it", id);
	if ((err = confirm(ctx, id, entry)) != 0)
		return err;
	snprintf(dcbuf, sizeof(dcbuf), "%s", dc);
	token = json_string_value(json_object_get(entry, "token"));
	if ((err = cat_cred_parse(&cred, token, "the local store")) < 0 ||
	    (err = cat_auth_revoke(ctx, token, cred.dc)) < 0)
		return cat_fail(err, "token:revoke: cannot revoke token '%s'",
				id);
	fa.dc = dcbuf;
	fa.id = id;
	if ((err = cat_config_update(cfg, forget, &fa)) < 0)
		return cat_fail(err, "token:revoke: revoked on the server, but "
				     "cannot update the local state");
	cat_note("Token %s revoked.", id);
	return CAT_EXIT_OK;
}
