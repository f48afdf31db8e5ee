/*
 * The per-run context: lazy config loading, the active data center and the
 * server origins. Nothing is read before a command needs it, which keeps
 * `catalyst --version` and usage errors free of any file access.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "directory.h"
#include "io.h"
#include "banned.h"

const char *cat_env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

int cat_ctx_config(struct cat_ctx *ctx, struct cat_config **out)
{
	struct cat_config *cfg = NULL;
	int err;

	if (!ctx->cfg) {
		if (!(cfg = calloc(1, sizeof(*cfg))))
			return cat_error_set(CAT_ERROR, "out of memory");
		if ((err = cat_config_open(cfg)) < 0) {
			cat_config_release(cfg);
			free(cfg);
			return err;
		}
		ctx->cfg = cfg;
	}
	*out = ctx->cfg;
	return 0;
}

int cat_ctx_dc(struct cat_ctx *ctx, const struct cat_dc **out)
{
	struct cat_config *cfg = NULL;
	const struct cat_dc *dc = NULL;
	const char *name = ctx->opts.dc;
	int err;

	if (!name) {
		if ((err = cat_ctx_config(ctx, &cfg)) < 0)
			return err;
		name = json_string_value(
			json_object_get(cfg->state, "active_dc"));
		if (!name)
			name = json_string_value(
				json_object_get(cfg->settings, "dc"));
		if (!name)
			name = "us";
	}
	if (!(dc = cat_dc_find(name)))
		return cat_error_set(
			CAT_EINVAL,
			"unknown data center '%s' (expected one of "
			"us eu in au ca sa jp ae)",
			name);
	*out = dc;
	return 0;
}

/* Copies an origin without trailing slashes into buf. */
static const char *origin(char *buf, size_t n, const char *url)
{
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	snprintf(buf, n, "%.*s", (int)len, url);
	return buf;
}

/*
 * The reference CLI's override replaces the origin of the active DC only:
 * a credential of another DC sent there would be refused by that server at
 * best, and handed to a server of another DC at worst, so it is refused
 * here, before any request.
 */
static int override_dc(struct cat_ctx *ctx, const char *env, const char *dc)
{
	const struct cat_dc *active = NULL;
	int err;

	if ((err = cat_ctx_dc(ctx, &active)) < 0)
		return err;
	if (strcmp(active->code, dc) == 0)
		return 0;
	cat_hint_set("%s is the server of the active data center %s; for a "
		     "server of data center %s pass --dc %s, or unset "
		     "CATALYST_AUTH_URL and CATALYST_ADMIN_URL to use the "
		     "directory",
		     env, active->code, dc, dc);
	return cat_error_set(CAT_EINVAL,
			     "refusing to send a credential of data center "
			     "%s to %s, the server of data center %s",
			     dc, env, active->code);
}

static const char *server(struct cat_ctx *ctx, const char *env, const char *dc,
			  char *buf, size_t n)
{
	struct cat_config *cfg = NULL;
	const char *v = cat_env(env);
	json_t *e = NULL;

	if (v)
		return override_dc(ctx, env, dc) < 0 ? NULL : origin(buf, n, v);
	if (cat_ctx_config(ctx, &cfg) < 0)
		return NULL;
	if ((v = cat_settings_server(cfg->settings, dc)))
		return origin(buf, n, v);
	if (cat_dir_entry(ctx, dc, &e) < 0)
		return NULL;
	return origin(buf, n, json_string_value(json_object_get(e, "url")));
}

const char *cat_ctx_auth_url(struct cat_ctx *ctx, const char *dc)
{
	static char buf[1024];

	return server(ctx, "CATALYST_AUTH_URL", dc, buf, sizeof(buf));
}

const char *cat_ctx_admin_url(struct cat_ctx *ctx, const char *dc)
{
	static char buf[1024];

	return server(ctx, "CATALYST_ADMIN_URL", dc, buf, sizeof(buf));
}

void cat_ctx_release(struct cat_ctx *ctx)
{
	json_decref(ctx->directory);
	ctx->directory = NULL;
	if (ctx->cfg) {
		cat_config_release(ctx->cfg);
		free(ctx->cfg);
		ctx->cfg = NULL;
	}
}
