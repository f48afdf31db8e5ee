/*
 * `catalyst project:use <name|id>`: makes a project active in this
 * directory's .catalystrc (and its default when there is none yet). Like
 * the reference CLI it takes the environment from the project list entry,
 * asking the server for the environments only when the entry has none.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "io.h"
#include "project.h"
#include "rc.h"
#include "remote.h"
#include "banned.h"

int cmd_project_use(struct cat_ctx *ctx)
{
	struct cat_rc rc;
	json_t *list = NULL, *envs = NULL, *p;
	const char *want =
		ctx->opts.nargs ? ctx->opts.args[0] : cat_project_flag(ctx);
	const char *org, *type;
	char id[32];
	int err, code = CAT_EXIT_OK;

	if ((err = cat_rc_load(&rc)) < 0) {
		code = cat_fail(err, "project:use");
		goto done;
	}
	org = cat_remote_org(ctx, cat_rc_active_env_id(&rc));
	if ((err = cat_remote_projects(ctx, org, &list)) < 0) {
		code = cat_fail(err, "project:use");
		goto done;
	}
	if (!(p = cat_project_pick(
		      list, want, "project:use",
		      "the project: catalyst project:use <name|id>", &code)))
		goto done;
	cat_project_id(id, sizeof(id), p);
	type = json_string_value(json_object_get(p, "project_type"));
	if (type && strcmp(type, "Live") != 0 && strcmp(type, "Demo") != 0) {
		code = cat_err(CAT_EXIT_ERROR,
			       "project:use: project '%s' has "
			       "type '%s' and cannot be used",
			       id, type);
		goto done;
	}
	if (json_array_size(json_object_get(p, "env_details")) == 0 &&
	    (err = cat_remote_envs(ctx, org, id, &envs)) < 0) {
		code = cat_fail(err, "project:use");
		goto done;
	}
	if ((err = cat_rc_use_project(&rc, p, envs, 0)) < 0 ||
	    (err = cat_rc_save(&rc)) < 0) {
		code = cat_fail(err, "project:use");
		goto done;
	}
	cat_note("Project %s (%s) is now active in %s.",
		 json_string_value(json_object_get(p, "project_name")), id,
		 rc.root);
done:
	cat_rc_release(&rc);
	json_decref(list);
	json_decref(envs);
	return code;
}
