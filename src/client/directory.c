/*
 * The deployment directory (directory.h). A credential must never reach a
 * server the deployment did not name: a DC missing from the directory is an
 * error, not a default. The cache is a convenience only; it is keyed by the
 * directory's URL, so a changed setting never reads another directory's
 * cache, and a stale copy is used only when the directory cannot be
 * reached, with a warning.
 */
#include "directory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "config.h"
#include "io.h"
#include "banned.h"

#ifndef CATALYST_DIRECTORY_URL
#define CATALYST_DIRECTORY_URL ""
#endif
#ifndef CATALYST_SYSTEM_CONFIG
#define CATALYST_SYSTEM_CONFIG "/etc/catalyst/config.json"
#endif

/* An http(s) URL that cannot smuggle anything into a request line. */
static int good_url(const char *u)
{
	const char *host;

	if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else
		return 0;
	if (!*host || *host == '/')
		return 0;
	for (; *u; u++)
		if ((unsigned char)*u <= 0x20 || *u == 0x7f)
			return 0;
	return 1;
}

/* url into out, with the well-known path when it names only a server. */
static int put_url(char *out, size_t n, const char *url, const char *from)
{
	const char *host = strstr(url, "://") + 3;
	const char *path = host + strcspn(host, "/?#");
	size_t len = strlen(url);
	int w;

	while (len > 0 && url[len - 1] == '/' && url + len > path)
		len--;
	if (url + len <= path)
		w = snprintf(out, n, "%.*s%s", (int)(path - url), url,
			     CAT_DIR_PATH);
	else
		w = snprintf(out, n, "%s", url);
	if (w < 0 || (size_t)w >= n)
		return cat_error_set(CAT_EINVAL,
				     "the directory URL from %s is too long",
				     from);
	return 1;
}

/* "directory" of /etc/catalyst/config.json, checked like the user's. */
static int system_setting(char *out, size_t n)
{
	json_t *root = NULL, *v;
	int err;

	err = cat_config_read_file(CATALYST_SYSTEM_CONFIG, &root);
	if (err == CAT_ENOTFOUND)
		return 0;
	if (err == 0 &&
	    (err = cat_settings_validate(CATALYST_SYSTEM_CONFIG, root)) == 0) {
		v = json_object_get(root, "directory");
		err = json_is_string(v) ? put_url(out, n, json_string_value(v),
						  CATALYST_SYSTEM_CONFIG)
					: 0;
	}
	json_decref(root);
	return err;
}

int cat_dir_url(struct cat_ctx *ctx, char *out, size_t n, const char **from)
{
	struct cat_config *cfg = NULL;
	const char *v = cat_env("CATALYST_DIRECTORY");
	int err;

	if (v) {
		*from = "CATALYST_DIRECTORY";
		if (!good_url(v)) {
			cat_hint_set("set it to the directory's http:// or "
				     "https:// URL");
			return cat_error_set(CAT_EINVAL,
					     "CATALYST_DIRECTORY is not an "
					     "http:// or https:// URL");
		}
		return put_url(out, n, v, *from);
	}
	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return err;
	v = json_string_value(json_object_get(cfg->settings, "directory"));
	if (v) {
		*from = cfg->settings_path;
		return put_url(out, n, v, *from);
	}
	*from = CATALYST_SYSTEM_CONFIG;
	if ((err = system_setting(out, n)) != 0)
		return err;
	*from = "the build default (CATALYST_DIRECTORY_URL)";
	if (CATALYST_DIRECTORY_URL[0] && good_url(CATALYST_DIRECTORY_URL))
		return put_url(out, n, CATALYST_DIRECTORY_URL, *from);
	return 0;
}

/* The cache file of url, or NULL (absent, corrupt, or another URL's). */
static json_t *cache_read(const char *path, const char *url)
{
	json_t *c = NULL;

	if (cat_config_read_file(path, &c) < 0) {
		cat_error_clear();
		cat_hint_clear();
		return NULL;
	}
	if (!json_is_string(json_object_get(c, "url")) ||
	    strcmp(json_string_value(json_object_get(c, "url")), url) != 0 ||
	    !json_is_object(json_object_get(c, "directory"))) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* Best effort: a cache that cannot be written costs a fetch next time. */
static void cache_write(struct cat_config *cfg, const char *path, json_t *c)
{
	if (cat_config_make_dir(cfg->dir) < 0 ||
	    cat_config_write_file(path, c, 0600, 2, 1) < 0) {
		cat_warn("cannot cache the directory: %s", cat_error_last());
		cat_hint_clear();
	}
}

/* The directory's document is an object with a data_centers object. */
static int good_doc(const json_t *doc)
{
	return json_is_object(doc) &&
	       json_is_object(json_object_get(doc, "data_centers"));
}

/*
 * GETs the directory (conditionally when cache holds an ETag) and leaves in
 * *cache the fresh copy, written to disk. On a transport failure a cached
 * copy is kept (1 is returned, with a warning); without one it fails.
 */
static int fetch(struct cat_ctx *ctx, const char *url, const char *path,
		 json_t **cache)
{
	struct cat_config *cfg = NULL;
	struct cat_resp resp = { 0, NULL };
	const char *etag = json_string_value(json_object_get(*cache, "etag"));
	struct cat_req req = { "GET", url, NULL, NULL, NULL };
	struct cat_cache_info ci = { etag, "", -1 };
	long long now = (long long)time(NULL);
	json_t *c = NULL;
	int err;

	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		goto done;
	if ((err = cat_api_send_cond(&req, &ci, &resp)) < 0) {
		if (err != CAT_ECANCEL && *cache) {
			cat_warn("cannot reach the directory at %s (%s); using "
				 "the copy cached in '%s'",
				 url, cat_error_last(), path);
			cat_hint_clear();
			err = 1;
		}
		goto done;
	}
	if (resp.status == 304 && *cache) {
		c = json_incref(*cache);
	} else if (resp.status == 200 && good_doc(resp.json)) {
		c = json_pack("{s:s, s:O}", "url", url, "directory", resp.json);
		if (c && ci.etag[0])
			json_object_set_new(c, "etag", json_string(ci.etag));
	} else {
		cat_hint_set("check the directory URL (CATALYST_DIRECTORY or "
			     "'directory' in config.json)");
		err = resp.status == 200 ? cat_error_set(CAT_ERROR,
							 "the directory at %s "
							 "has no "
							 "data_centers object",
							 url)
					 : cat_error_set(CAT_ERROR,
							 "the directory at %s "
							 "answered %ld",
							 url, resp.status);
		goto done;
	}
	if (!c) {
		err = cat_error_set(CAT_ERROR, "out of memory");
		goto done;
	}
	/* no max-age: good for this run only */
	json_object_set_new(
		c, "expires_at",
		json_integer(now + (ci.max_age > 0 ? ci.max_age : 0)));
	cache_write(cfg, path, c);
	json_decref(*cache);
	*cache = c;
	c = NULL;
done:
	json_decref(c);
	cat_resp_release(&resp);
	return err;
}

static json_t *entry_of(json_t *cache, const char *dc)
{
	return json_object_get(
		json_object_get(json_object_get(cache, "directory"),
				"data_centers"),
		dc);
}

int cat_dir_entry(struct cat_ctx *ctx, const char *dc, json_t **out)
{
	struct cat_config *cfg = NULL;
	char url[CAT_URL_MAX], path[PATH_MAX + 32];
	const char *from = NULL, *u;
	json_t *cache = ctx->directory, *e;
	int err, fresh;

	*out = NULL;
	if ((err = cat_dir_url(ctx, url, sizeof(url), &from)) < 0)
		return err;
	if (err == 0) {
		cat_hint_set("set CATALYST_DIRECTORY (or 'catalyst config set "
			     "directory URL') to your deployment's directory, "
			     "or servers.%s in config.json",
			     dc);
		return cat_error_set(CAT_ENOTFOUND,
				     "no server is known for data center %s: "
				     "no directory is configured",
				     dc);
	}
	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, CAT_DIR_CACHE_FILE);
	if (!cache)
		cache = cache_read(path, url);
	fresh = json_integer_value(json_object_get(cache, "expires_at")) >
		(json_int_t)time(NULL);
	/* a DC not seen yet may have been added since: ask once a run */
	if (!ctx->directory_fetched && (!fresh || !entry_of(cache, dc))) {
		ctx->directory_fetched = 1;
		if ((err = fetch(ctx, url, path, &cache)) < 0) {
			if (cache != ctx->directory)
				json_decref(cache);
			return err;
		}
	}
	ctx->directory = cache;
	e = entry_of(cache, dc);
	if (!e) {
		cat_hint_set("the directory (set by %s) lists the data centers "
			     "of your deployment; check that the token is one "
			     "of them",
			     from);
		return cat_error_set(CAT_ENOTFOUND,
				     "data center %s is not in the directory "
				     "at %s",
				     dc, url);
	}
	u = json_string_value(json_object_get(e, "url"));
	if (!u || !good_url(u)) {
		cat_hint_set("the directory's operators must fix it");
		return cat_error_set(CAT_ERROR,
				     "the directory at %s has no valid url for "
				     "data center %s",
				     url, dc);
	}
	*out = e;
	return 0;
}
