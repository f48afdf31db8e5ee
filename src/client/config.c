/*
 * Reading and writing the local state. Every write is temp file + fsync +
 * rename under an flock(2) on a separate lock file, so twenty parallel runs
 * each see either the old or the new file, and a crash mid-write leaves the
 * old one in place. A file we cannot parse is reported by name, never fixed
 * behind the user's back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "cli.h"
#include "io.h"
#include "token.h"
#include "banned.h"

#define LOCK_WAIT_MS 10000
#define CACHE_MARGIN 60 /* seconds: never send a token about to expire */

static int set_path(char *dst, const char *dir, const char *name)
{
	int n = snprintf(dst, PATH_MAX, "%s%s%s", dir, name ? "/" : "",
			 name ? name : "");

	if (n < 0 || n >= PATH_MAX)
		return cat_error_set(CAT_EINVAL, "config path is too long");
	return 0;
}

static int find_dir(char dir[PATH_MAX])
{
	const char *d = cat_env("CATALYST_CONFIG_DIR");
	const char *home;
	struct passwd *pw;
	int n;

	if (d)
		return set_path(dir, d, NULL);
	d = cat_env("XDG_CONFIG_HOME");
	if (d && d[0] == '/') { /* the spec says relative values are ignored */
		n = snprintf(dir, PATH_MAX, "%s/catalyst", d);
		goto done;
	}
	home = cat_env("HOME");
	if (!home && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (!home) {
		cat_hint_set("set HOME or XDG_CONFIG_HOME");
		return cat_error_set(CAT_ERROR, "cannot find a home directory");
	}
	n = snprintf(dir, PATH_MAX, "%s/.config/catalyst", home);
done:
	if (n < 0 || n >= PATH_MAX)
		return cat_error_set(CAT_EINVAL, "config path is too long");
	return 0;
}

int cat_config_read_file(const char *path, json_t **out)
{
	struct cat_buf b = CAT_BUF_INIT(CAT_CONFIG_MAX);
	json_error_t jerr;
	char chunk[8192];
	json_t *root = NULL;
	int fd = -1, err = 0;
	ssize_t n;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return CAT_ENOTFOUND;
		err = cat_error_set(CAT_ERROR, "cannot open '%s': %s", path,
				    strerror(errno));
		goto done;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = cat_error_set(CAT_ERROR, "cannot read '%s': %s",
					    path, strerror(errno));
			goto done;
		}
		if (cat_buf_add(&b, chunk, (size_t)n) < 0) {
			err = cat_error_set(CAT_EINVAL, "'%s' is too large",
					    path);
			goto done;
		}
	}
	root = json_loadb(b.ptr ? b.ptr : "", b.len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!root) {
		err = cat_error_set(
			CAT_EINVAL,
			"'%s' is corrupt (not valid JSON: line %d: %s)", path,
			jerr.line, jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		err = cat_error_set(CAT_EINVAL,
				    "'%s' is corrupt (not a JSON object)",
				    path);
		goto done;
	}
	*out = root;
	root = NULL;
done:
	if (fd >= 0)
		close(fd);
	json_decref(root);
	cat_buf_release(&b);
	return err;
}

static int corrupt(const char *path, const char *key)
{
	return cat_error_set(CAT_EINVAL,
			     "'%s' is corrupt ('%s' has the wrong type)", path,
			     key);
}

/* A type check of an optional value, naming the file and the key. */
static int expect(const char *path, const json_t *v, int type, const char *key)
{
	return v && (int)json_typeof(v) != type ? corrupt(path, key) : 0;
}

/* Checks the shape the rest of the CLI relies on, so no getter can trip. */
static int validate_state(const char *path, json_t *st)
{
	const char *dc, *id;
	json_t *d, *v, *t;
	int err;

	if ((err = expect(path, json_object_get(st, "dcs"), JSON_OBJECT,
			  "dcs")) < 0 ||
	    (err = expect(path, json_object_get(st, "cache"), JSON_OBJECT,
			  "cache")) < 0 ||
	    (err = expect(path, json_object_get(st, "active_dc"), JSON_STRING,
			  "active_dc")) < 0)
		return err;
	json_object_foreach(json_object_get(st, "dcs"), dc, d)
	{
		if ((err = expect(path, d, JSON_OBJECT, dc)) < 0)
			return err;
		v = json_object_get(d, "login");
		if ((err = expect(path, v, JSON_OBJECT, "login")) < 0)
			return err;
		if (v && !json_is_string(json_object_get(v, "token")))
			return corrupt(path, "login.token");
		v = json_object_get(d, "tokens");
		if ((err = expect(path, v, JSON_OBJECT, "tokens")) < 0)
			return err;
		json_object_foreach(v, id, t)
		{
			if (!json_is_object(t) ||
			    !json_is_string(json_object_get(t, "token")))
				return corrupt(path, id);
		}
	}
	json_object_foreach(json_object_get(st, "cache"), id, t)
	{
		if (!json_is_object(t) ||
		    !json_is_string(json_object_get(t, "access_token")) ||
		    !json_is_integer(json_object_get(t, "expires_at")))
			return corrupt(path, "cache");
	}
	return 0;
}

static int load_state(struct cat_config *cfg, json_t **out)
{
	int err = cat_config_read_file(cfg->state_path, out);

	if (err == CAT_ENOTFOUND) {
		*out = json_object();
		return 0;
	}
	if (err == 0 && (err = validate_state(cfg->state_path, *out)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	if (err == CAT_EINVAL)
		cat_hint_set(
			"fix or remove '%s' (removing it signs this device "
			"out and forgets the tokens generated here)",
			cfg->state_path);
	return err;
}

/* config.json as it is ({} when absent); the caller validates it. */
static int load_settings(struct cat_config *cfg)
{
	int err = cat_config_read_file(cfg->settings_path, &cfg->settings);

	if (err == CAT_ENOTFOUND) {
		cfg->settings = json_object();
		return 0;
	}
	if (err == CAT_EINVAL)
		cat_hint_set("fix '%s' (see 'catalyst config --help' for its "
			     "keys)",
			     cfg->settings_path);
	return err;
}

int cat_config_open(struct cat_config *cfg)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if ((err = find_dir(cfg->dir)) < 0 ||
	    (err = set_path(cfg->settings_path, cfg->dir, CAT_CONFIG_FILE)) <
		    0 ||
	    (err = set_path(cfg->state_path, cfg->dir, CAT_STATE_FILE)) < 0 ||
	    (err = set_path(cfg->lock_path, cfg->dir, CAT_LOCK_FILE)) < 0)
		return err;
	if ((err = load_settings(cfg)) < 0)
		return err;
	if ((err = cat_settings_validate(cfg->settings_path, cfg->settings)) <
	    0)
		return err;
	cat_api_set_timeout(cat_settings_timeout(cfg->settings));
	if ((err = load_state(cfg, &cfg->state)) < 0)
		return err;
	return 0;
}

int cat_config_open_settings(struct cat_config *cfg)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if ((err = find_dir(cfg->dir)) < 0 ||
	    (err = set_path(cfg->settings_path, cfg->dir, CAT_CONFIG_FILE)) <
		    0 ||
	    (err = set_path(cfg->state_path, cfg->dir, CAT_STATE_FILE)) < 0 ||
	    (err = set_path(cfg->lock_path, cfg->dir, CAT_LOCK_FILE)) < 0)
		return err;
	return load_settings(cfg);
}

void cat_config_release(struct cat_config *cfg)
{
	json_decref(cfg->settings);
	json_decref(cfg->state);
	cfg->settings = cfg->state = NULL;
}

/* mkdir -p with 0700 for what we create; tightens our own directory. */
int cat_config_make_dir(const char *dir)
{
	char tmp[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n >= sizeof(tmp))
		return cat_error_set(CAT_EINVAL, "config path is too long");
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return cat_error_set(CAT_ERROR,
					     "cannot create '%s': %s", tmp,
					     strerror(errno));
		if (i < n)
			tmp[i] = '/';
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cat_error_set(CAT_ERROR, "'%s' is not a directory", dir);
	if ((st.st_mode & 077) && st.st_uid == getuid())
		chmod(dir, 0700);
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cat_config_write_file(const char *path, const json_t *root, int mode,
			  int indent, int trailing_nl)
{
	static unsigned seq;
	char tmp[PATH_MAX];
	char *text = NULL;
	int fd = -1, err = 0, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%u", path, (long)getpid(),
		     seq++);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return cat_error_set(CAT_EINVAL, "path '%s' is too long", path);
	if (!(text = json_dumps(root,
				JSON_INDENT(indent) | JSON_PRESERVE_ORDER))) {
		err = cat_error_set(CAT_ERROR, "cannot encode '%s'", path);
		goto done;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, (mode_t)mode) < 0 ||
	    write_all(fd, text, strlen(text)) < 0 ||
	    (trailing_nl && write_all(fd, "\n", 1) < 0) || fsync(fd) < 0) {
		err = cat_error_set(CAT_ERROR, "cannot write '%s': %s", tmp,
				    strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = cat_error_set(CAT_ERROR, "cannot write '%s': %s", tmp,
				    strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err = cat_error_set(CAT_ERROR, "cannot replace '%s': %s", path,
				    strerror(errno));
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (err < 0)
		unlink(tmp);
	free(text);
	return err;
}

static int take_lock(const char *path, int *out)
{
	int fd, waited = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return cat_error_set(CAT_ERROR, "cannot open lock '%s': %s",
				     path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return cat_error_set(CAT_ERROR, "cannot lock '%s': %s",
					     path, strerror(errno));
		}
		if (waited >= LOCK_WAIT_MS || cat_sleep_ms(10) < 0) {
			close(fd);
			if (cat_interrupted)
				return CAT_ECANCEL;
			cat_hint_set("another catalyst process holds '%s'; "
				     "retry when it has finished",
				     path);
			return cat_error_set(CAT_ERROR,
					     "timed out waiting for the lock");
		}
		waited += 10;
	}
	*out = fd;
	return 0;
}

int cat_config_update(struct cat_config *cfg,
		      int (*fn)(json_t *state, void *arg), void *arg)
{
	json_t *st = NULL;
	int fd = -1, err, rc;

	if ((err = cat_config_make_dir(cfg->dir)) < 0 ||
	    (err = take_lock(cfg->lock_path, &fd)) < 0)
		goto done;
	/* Re-read: another run may have written since we loaded. */
	if ((err = load_state(cfg, &st)) < 0)
		goto done;
	if ((rc = fn(st, arg)) < 0) {
		err = rc;
		goto done;
	}
	if (rc == 0) {
		if (!json_object_get(st, "version"))
			json_object_set_new(st, "version", json_integer(1));
		if ((err = cat_config_write_file(cfg->state_path, st, 0600, 2,
						 1)) < 0)
			goto done;
	}
	json_decref(cfg->state);
	cfg->state = st;
	st = NULL;
done:
	if (fd >= 0)
		close(fd); /* releases the flock */
	json_decref(st);
	return err;
}

int cat_config_update_settings(struct cat_config *cfg,
			       int (*fn)(json_t *settings, void *arg),
			       void *arg)
{
	json_t *set = NULL;
	int fd = -1, err, rc;

	if ((err = cat_config_make_dir(cfg->dir)) < 0 ||
	    (err = take_lock(cfg->lock_path, &fd)) < 0)
		goto done;
	/* Re-read: the user or another run may have changed it since. */
	err = cat_config_read_file(cfg->settings_path, &set);
	if (err == CAT_ENOTFOUND) {
		set = json_object();
		err = 0;
	} else if (err == CAT_EINVAL) {
		/* not JSON: nothing to edit; the file stays as it is */
		cat_hint_set("fix '%s' by hand", cfg->settings_path);
		goto done;
	}
	if (err < 0)
		goto done;
	if ((rc = fn(set, arg)) < 0) {
		err = rc;
		goto done;
	}
	if (rc == 0) {
		if ((err = cat_settings_validate(cfg->settings_path, set)) <
			    0 ||
		    (err = cat_config_write_file(cfg->settings_path, set, 0600,
						 2, 1)) < 0)
			goto done;
	}
	json_decref(cfg->settings);
	cfg->settings = set;
	set = NULL;
done:
	if (fd >= 0)
		close(fd); /* releases the flock */
	json_decref(set);
	return err;
}

json_t *cat_state_dc(json_t *state, const char *dc, int create)
{
	json_t *dcs = json_object_get(state, "dcs"), *d;

	if (!dcs) {
		if (!create)
			return NULL;
		json_object_set_new(state, "dcs", dcs = json_object());
	}
	d = json_object_get(dcs, dc);
	if (!d && create)
		json_object_set_new(dcs, dc, d = json_object());
	return d;
}

json_t *cat_state_login(json_t *state, const char *dc)
{
	return json_object_get(cat_state_dc(state, dc, 0), "login");
}

json_t *cat_state_tokens(json_t *state, const char *dc, int create)
{
	json_t *d = cat_state_dc(state, dc, create), *t;

	if (!d)
		return NULL;
	t = json_object_get(d, "tokens");
	if (!t && create)
		json_object_set_new(d, "tokens", t = json_object());
	return t;
}

json_t *cat_state_find_token(json_t *state, const char *id, const char **dc_out)
{
	const char *dc;
	json_t *d, *t;

	json_object_foreach(json_object_get(state, "dcs"), dc, d)
	{
		t = json_object_get(json_object_get(d, "tokens"), id);
		if (t) {
			if (dc_out)
				*dc_out = dc;
			return t;
		}
	}
	return NULL;
}

static void cache_key(char out[CAT_HASH_HEX], const char *rt)
{
	/* keyed by hash: the cache never holds the refresh token itself */
	cat_token_hash(out, rt);
}

const char *cat_state_cached_access(json_t *state, const char *rt)
{
	char key[CAT_HASH_HEX];
	json_t *e;

	cache_key(key, rt);
	e = json_object_get(json_object_get(state, "cache"), key);
	if (!e || json_integer_value(json_object_get(e, "expires_at")) <=
			  (json_int_t)time(NULL) + CACHE_MARGIN)
		return NULL;
	return json_string_value(json_object_get(e, "access_token"));
}

void cat_state_cache_put(json_t *state, const char *rt, const char *access,
			 long long expires_in)
{
	char key[CAT_HASH_HEX];
	json_t *cache = json_object_get(state, "cache"), *e;
	json_int_t now = (json_int_t)time(NULL);
	const char *k;
	void *tmp;

	if (!cache)
		json_object_set_new(state, "cache", cache = json_object());
	json_object_foreach_safe(cache, tmp, k, e)
	{
		if (json_integer_value(json_object_get(e, "expires_at")) <= now)
			json_object_del(cache, k);
	}
	cache_key(key, rt);
	if (!access || expires_in <= 0) {
		json_object_del(cache, key);
		return;
	}
	if (expires_in > CAT_MAX_ACCESS_TTL) /* now + it must not overflow */
		expires_in = CAT_MAX_ACCESS_TTL;
	json_object_set_new(cache, key,
			    json_pack("{s:s, s:I}", "access_token", access,
				      "expires_at",
				      now + (json_int_t)expires_in));
}

const char *cat_settings_server(const json_t *settings, const char *dc)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(settings, "servers"), dc));

	return s && s[0] ? s : NULL;
}

const char *cat_settings_client(const json_t *settings, const char *flow,
				const char *field)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(json_object_get(settings, "clients"), flow),
		field));

	return s && s[0] ? s : NULL;
}
