/*
 * `catalyst token:generate`: a device authorization bound to the signed-in
 * account (its bearer token goes with the code request), named after this
 * host. It carries the token's terms (--name, --expires-in, --project,
 * --read-only), which the server shows on the approval page, keeps with
 * the grant and enforces. The new token goes alone to stdout and into the
 * local store under its server-assigned ID, which is what lets this
 * device, and only this device, revoke it later.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "flow.h"
#include "io.h"
#include "project.h"
#include "remote.h"
#include "timefmt.h"
#include "banned.h"

/* The server's bound too (src/server/terms.h): ten years. */
#define EXPIRY_MAX   (10LL * 366 * 86400)
#define NAME_MAX_LEN 127

/* What the code request carries besides the client's own fields. */
struct terms {
	char name[NAME_MAX_LEN + 1];
	char expires_in[24]; /* seconds, "" for never */
	char project_id[32]; /* "" for every project */
	const char *form[9];
};

/* The default name: this host and today's date, "build-7 2026-11-30". */
static void default_name(char *out, size_t n)
{
	char host[128], today[CAT_ISO_TIME_LEN];

	cat_host_name(host, sizeof(host));
	cat_iso_time(today, (int64_t)time(NULL));
	snprintf(out, n, "%.100s %.10s", host, today);
}

/* Resolves --project (a name or an ID) among the org's projects. */
static int resolve_project(struct cat_ctx *ctx, struct terms *t, int *code)
{
	json_t *list = NULL, *p;
	int err;

	if ((err = cat_remote_projects(ctx, cat_remote_org(ctx, NULL), &list)) <
	    0) {
		*code = cat_fail(err, "token:generate");
		return -1;
	}
	p = cat_project_pick(list, ctx->opts.project, "token:generate",
			     "--project <name|id>", code);
	if (p)
		cat_project_id(t->project_id, sizeof(t->project_id), p);
	json_decref(list);
	return p ? 0 : -1;
}

/* Checks the flags and fills *t; an exit code when they are wrong. */
static int read_terms(struct cat_ctx *ctx, struct terms *t)
{
	const char *e = ctx->opts.expires_in;
	long long secs = 0;
	size_t n = 0;
	int code = CAT_EXIT_OK;

	memset(t, 0, sizeof(*t));
	if (ctx->opts.token_name) {
		if (!ctx->opts.token_name[0] ||
		    strlen(ctx->opts.token_name) > NAME_MAX_LEN)
			return cat_err(CAT_EXIT_USAGE,
				       "token:generate: --name wants 1 to %d "
				       "characters",
				       NAME_MAX_LEN);
		snprintf(t->name, sizeof(t->name), "%s", ctx->opts.token_name);
	} else {
		default_name(t->name, sizeof(t->name));
	}
	if (e && strcmp(e, "never") != 0 &&
	    ((secs = cat_duration_parse(e, EXPIRY_MAX)) <= 0)) {
		cat_hint_set("write a number and a unit, like 12h, 30d or 1y, "
			     "or never");
		return cat_err(CAT_EXIT_USAGE,
			       "token:generate: --expires-in '%s' is not a "
			       "duration of at most 10 years",
			       e);
	}
	if (secs > 0)
		snprintf(t->expires_in, sizeof(t->expires_in), "%lld", secs);
	if (ctx->opts.project && resolve_project(ctx, t, &code) < 0)
		return code;
	t->form[n++] = "token_name";
	t->form[n++] = t->name;
	if (t->expires_in[0]) {
		t->form[n++] = "token_expires_in";
		t->form[n++] = t->expires_in;
	}
	if (t->project_id[0]) {
		t->form[n++] = "project_id";
		t->form[n++] = t->project_id;
	}
	if (ctx->opts.given & CO_READ_ONLY) {
		t->form[n++] = "read_only";
		t->form[n++] = "true";
	}
	return CAT_EXIT_OK;
}

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
	struct terms terms;
	int err, code = CAT_EXIT_OK;

	if ((ctx->opts.given & CO_CURRENT) &&
	    ((ctx->opts.given & (CO_NAME | CO_EXPIRES_IN | CO_READ_ONLY)) ||
	     ctx->opts.project))
		return cat_err(CAT_EXIT_USAGE,
			       "token:generate: --current prints the sign-in "
			       "token as it is; it takes no --name, "
			       "--expires-in, --project or --read-only");
	if (ctx->opts.given & CO_CURRENT) {
		cat_term_line(stdout, "%s", ctx->cred.token);
		return CAT_EXIT_OK;
	}
	if ((code = read_terms(ctx, &terms)) != CAT_EXIT_OK)
		return code;
	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "token:generate");
	err = cat_flow_device(ctx, ctx->cred.dc, 1, "approve the new token",
			      terms.form, &g);
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
	sa.entry =
		json_pack("{s:s, s:s, s:s, s:s}", "token", token, "created_at",
			  created, "device_name", host, "name", terms.name);
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
