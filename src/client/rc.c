/*
 * Reading and writing .catalystrc. Entries are numbered by "idx" (from 1)
 * and "defaults"/"actives" point at them; an updated entry moves to the end
 * of the array, as the reference CLI does. Unlike the reference we always
 * set defaults.env too, so project:reset works after a bare project:use.
 */
#include "rc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "io.h"
#include "banned.h"

static int exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;
	int n = snprintf(p, sizeof(p), "%s/%s", dir, name);

	return n > 0 && (size_t)n < sizeof(p) && stat(p, &st) == 0;
}

int cat_rc_load_from(struct cat_rc *rc, const char *cwd)
{
	char dir[PATH_MAX];
	size_t n = strlen(cwd);
	int err, w;

	memset(rc, 0, sizeof(*rc));
	if (n >= sizeof(dir))
		return cat_error_set(CAT_EINVAL,
				     "working directory path is too long");
	memcpy(dir, cwd, n + 1);
	for (;;) {
		char *slash;

		if (exists(dir, "catalyst.json"))
			break;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			memcpy(dir, cwd,
			       n + 1); /* none above: cwd is the root */
			break;
		}
		*slash = '\0';
	}
	memcpy(rc->root, dir, strlen(dir) + 1);
	w = snprintf(rc->path, sizeof(rc->path), "%s/.catalystrc",
		     strcmp(dir, "/") == 0 ? "" : dir);
	if (w < 0 || (size_t)w >= sizeof(rc->path))
		return cat_error_set(CAT_EINVAL, "project path is too long");
	err = cat_config_read_file(rc->path, &rc->rc);
	if (err == CAT_ENOTFOUND)
		return 0;
	if (err == CAT_EINVAL)
		cat_hint_set("fix '%s', or remove it and run 'catalyst init'",
			     rc->path);
	return err;
}

int cat_rc_load(struct cat_rc *rc)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return cat_error_set(CAT_ERROR,
				     "cannot get the working "
				     "directory: %s",
				     strerror(errno));
	return cat_rc_load_from(rc, cwd);
}

void cat_rc_release(struct cat_rc *rc)
{
	json_decref(rc->rc);
	rc->rc = NULL;
}

int cat_rc_save(struct cat_rc *rc)
{
	return cat_config_write_file(rc->path, rc->rc, 0644, 2, 1);
}

static json_t *find_idx(json_t *arr, json_int_t idx)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
	{
		if (json_integer_value(json_object_get(e, "idx")) == idx)
			return e;
	}
	return NULL;
}

static json_t *pointed(const struct cat_rc *rc, const char *which)
{
	json_t *p = json_object_get(json_object_get(rc->rc, which), "project");

	if (!json_is_integer(p))
		return NULL;
	return find_idx(json_object_get(rc->rc, "projects"),
			json_integer_value(p));
}

json_t *cat_rc_active_project(const struct cat_rc *rc)
{
	return pointed(rc, "actives");
}

json_t *cat_rc_default_project(const struct cat_rc *rc)
{
	return pointed(rc, "defaults");
}

const char *cat_rc_active_env_id(const struct cat_rc *rc)
{
	json_t *p = cat_rc_active_project(rc);
	json_t *e = json_object_get(json_object_get(rc->rc, "actives"), "env");

	if (!p || !json_is_integer(e))
		return NULL;
	return json_string_value(json_object_get(
		find_idx(json_object_get(p, "env"), json_integer_value(e)),
		"id"));
}

const char *cat_rc_project_id(const json_t *entry)
{
	return json_string_value(json_object_get(entry, "id"));
}

/* A server id (string or number) as a new JSON string. */
static json_t *id_string(const json_t *v)
{
	char buf[32];

	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return json_string(buf);
	}
	return NULL;
}

static json_int_t next_idx(const json_t *arr)
{
	json_int_t max = 0;
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
	{
		if (json_integer_value(json_object_get(e, "idx")) > max)
			max = json_integer_value(json_object_get(e, "idx"));
	}
	if (max < LLONG_MAX)
		return max + 1;
	/* a hand-edited file holds the largest idx: take the first free one */
	for (max = 1;; max++) {
		json_array_foreach(arr, i, e)
		{
			if (json_integer_value(json_object_get(e, "idx")) ==
			    max)
				break;
		}
		if (i == json_array_size(arr))
			return max;
	}
}

static json_t *find_id(json_t *arr, const char *id, size_t *pos)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
	{
		const char *s = json_string_value(json_object_get(e, "id"));

		if (s && strcmp(s, id) == 0) {
			if (pos)
				*pos = i;
			return e;
		}
	}
	return NULL;
}

/* Upserts one server env into the entry's env list; returns its idx. */
static json_int_t upsert_env(json_t *list, const json_t *env)
{
	json_t *id = id_string(json_object_get(env, "env_zgid"));
	json_t *e;
	json_int_t idx;

	if (!id)
		return 0;
	e = find_id(list, json_string_value(id), NULL);
	if (!e) {
		idx = next_idx(list);
		e = json_object();
		json_object_set_new(e, "idx", json_integer(idx));
		json_array_append_new(list, e);
	}
	json_object_set_new(e, "id", id);
	if (json_is_string(json_object_get(env, "env_name")))
		json_object_set(e, "name", json_object_get(env, "env_name"));
	if (json_is_integer(json_object_get(env, "env_type")))
		json_object_set(e, "type", json_object_get(env, "env_type"));
	return json_integer_value(json_object_get(e, "idx"));
}

static json_t *ensure_obj(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

int cat_rc_use_project(struct cat_rc *rc, const json_t *project,
		       const json_t *envs, int make_default)
{
	json_t *id = id_string(json_object_get(project, "id"));
	json_t *projects, *entry = NULL, *old, *envlist, *dom, *env;
	json_t *defaults, *actives, *one = NULL;
	const json_t *src = envs;
	json_int_t idx, env_idx = 0, first = 0;
	size_t pos = 0, i;
	int err = 0;

	if (!id || !json_is_string(json_object_get(project, "project_name"))) {
		err = cat_error_set(CAT_ERROR, "the server sent a project "
					       "without id or project_name");
		goto done;
	}
	if (!rc->rc)
		rc->rc = json_object();
	defaults = ensure_obj(rc->rc, "defaults");
	actives = ensure_obj(rc->rc, "actives");
	projects = json_object_get(rc->rc, "projects");
	if (!json_is_array(projects)) {
		projects = json_array();
		json_object_set_new(rc->rc, "projects", projects);
	}
	old = find_id(projects, json_string_value(id), &pos);
	idx = old ? json_integer_value(json_object_get(old, "idx"))
		  : next_idx(projects);
	entry = json_object();
	json_object_set_new(entry, "idx", json_integer(idx));
	json_object_set(entry, "id", id);
	json_object_set(entry, "name",
			json_object_get(project, "project_name"));
	dom = json_object_get(project, "project_domain_details");
	if (json_is_object(dom))
		json_object_set_new(
			entry, "domain",
			json_pack("{s:o?, s:O?}", "id",
				  id_string(json_object_get(
					  dom, "project_domain_id")),
				  "name",
				  json_object_get(dom, "project_domain_name")));
	if (json_is_string(json_object_get(project, "timezone")))
		json_object_set(entry, "timezone",
				json_object_get(project, "timezone"));
	envlist = old && json_is_array(json_object_get(old, "env"))
			  ? json_deep_copy(json_object_get(old, "env"))
			  : json_array();
	json_object_set_new(entry, "env", envlist);
	if (!src) {
		json_t *details = json_object_get(project, "env_details");

		one = json_array();
		if (json_array_size(details) > 0)
			json_array_append(one, json_array_get(details, 0));
		src = one;
	}
	json_array_foreach(src, i, env)
	{
		json_int_t e = upsert_env(envlist, env);
		const char *name =
			json_string_value(json_object_get(env, "env_name"));

		if (!first)
			first = e;
		if (name && strcmp(name, "Development") == 0 && !env_idx)
			env_idx = e;
	}
	if (!env_idx)
		env_idx = first;
	if (old)
		json_array_remove(projects, pos);
	json_array_append(projects, entry);
	json_object_set_new(actives, "project", json_integer(idx));
	if (env_idx)
		json_object_set_new(actives, "env", json_integer(env_idx));
	else
		json_object_del(actives, "env");
	if (make_default ||
	    !json_is_integer(json_object_get(defaults, "project")) ||
	    !cat_rc_default_project(rc)) {
		json_object_set_new(defaults, "project", json_integer(idx));
		if (env_idx)
			json_object_set_new(defaults, "env",
					    json_integer(env_idx));
	}
done:
	json_decref(id);
	json_decref(entry);
	json_decref(one);
	return err;
}

int cat_rc_reset(struct cat_rc *rc)
{
	json_t *def = cat_rc_default_project(rc);
	json_t *defaults = json_object_get(rc->rc, "defaults");
	json_t *actives, *env;
	size_t i;
	json_t *e;

	if (!def) {
		cat_hint_set("run 'catalyst init' or 'catalyst project:use "
			     "<name>' here first");
		return cat_error_set(CAT_ENOTFOUND,
				     "'%s' has no default "
				     "project",
				     rc->path);
	}
	env = json_object_get(defaults, "env");
	if (!json_is_integer(
		    env)) { /* written by the reference's project:use */
		json_int_t pick = 0;

		json_array_foreach(json_object_get(def, "env"), i, e)
		{
			const char *n =
				json_string_value(json_object_get(e, "name"));

			if (!pick || (n && strcmp(n, "Development") == 0))
				pick = json_integer_value(
					json_object_get(e, "idx"));
		}
		if (pick)
			json_object_set_new(defaults, "env",
					    json_integer(pick));
	}
	actives = json_object_get(rc->rc, "actives");
	if (json_equal(actives, defaults))
		return 1;
	json_object_set_new(rc->rc, "actives", json_deep_copy(defaults));
	return 0;
}

int cat_rc_ensure_project_file(const struct cat_rc *rc)
{
	char p[PATH_MAX];
	json_t *empty;
	int n, err;

	n = snprintf(p, sizeof(p), "%s/catalyst.json",
		     strcmp(rc->root, "/") == 0 ? "" : rc->root);
	if (n < 0 || (size_t)n >= sizeof(p))
		return cat_error_set(CAT_EINVAL, "project path is too long");
	if (exists(rc->root, "catalyst.json"))
		return 0;
	empty = json_object();
	err = cat_config_write_file(p, empty, 0644, 0, 1);
	json_decref(empty);
	return err;
}
