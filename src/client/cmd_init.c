/*
 * `catalyst init` (project selection): picks the org and the project, then
 * writes .catalystrc with the project as default and active, every
 * environment recorded and Development active, plus an empty catalyst.json
 * marking the project root, all in the reference CLI's format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io.h"
#include "project.h"
#include "rc.h"
#include "remote.h"
#include "banned.h"

/* The org's id as text. */
static void org_id(char *out, size_t n, const json_t *org)
{
	cat_project_id(out, n, org); /* same id shape: string or number */
}

/* --org if it is one of the account's, else one org, else the default. */
static int pick_org(struct cat_ctx *ctx, json_t *orgs, char *out, size_t n)
{
	const char *want = cat_remote_org(ctx, NULL);
	const char **items = NULL;
	char(*labels)[160] = NULL, id[32];
	size_t i, pick = 0, count = json_array_size(orgs);
	json_t *o;
	int err = 0;

	if (count == 0) {
		cat_hint_set("ask an administrator to add you to an org");
		return cat_error_set(CAT_ERROR, "the account has no org");
	}
	json_array_foreach(orgs, i, o)
	{
		org_id(id, sizeof(id), o);
		if (want && strcmp(want, id) == 0) {
			snprintf(out, n, "%s", id);
			return 0;
		}
		if (json_is_true(json_object_get(o, "is_default")))
			pick = i;
	}
	if (want) {
		cat_hint_set("'catalyst init' without --org lists your orgs");
		return cat_error_set(CAT_EINVAL,
				     "org '%s' is not one of the "
				     "account's orgs",
				     want);
	}
	if (count > 1 && cat_io_interactive()) {
		items = calloc(count, sizeof(*items));
		labels = calloc(count, sizeof(*labels));
		if (!items || !labels) {
			err = cat_error_set(CAT_ERROR, "out of memory");
			goto done;
		}
		json_array_foreach(orgs, i, o)
		{
			org_id(id, sizeof(id), o);
			snprintf(labels[i], sizeof(labels[i]), "%s (%s)",
				 json_string_value(json_object_get(o, "name")),
				 id);
			items[i] = labels[i];
		}
		if ((err = cat_prompt_choice("Choose an org:", items, count,
					     &pick)) < 0)
			goto done;
	} else if (count > 1) {
		cat_note("Using the default org; pass --org <id> to choose "
			 "another.");
	}
	org_id(out, n, json_array_get(orgs, pick));
done:
	free(items);
	free(labels);
	return err;
}

int cmd_init(struct cat_ctx *ctx)
{
	struct cat_rc rc;
	json_t *orgs = NULL, *list = NULL, *envs = NULL, *p, *def;
	char org[32], id[32];
	int err, code = CAT_EXIT_OK;

	if ((err = cat_rc_load(&rc)) < 0) {
		code = cat_fail(err, "init");
		goto done;
	}
	def = cat_rc_default_project(&rc);
	if (def && !(ctx->opts.given & CO_FORCE)) {
		cat_note("This directory already uses project %s (%s); use "
			 "'catalyst init --force' to choose again.",
			 json_string_value(json_object_get(def, "name")),
			 rc.path);
		goto done;
	}
	if ((err = cat_remote_orgs(ctx, &orgs)) < 0 ||
	    (err = pick_org(ctx, orgs, org, sizeof(org))) < 0 ||
	    (err = cat_remote_projects(ctx, org, &list)) < 0) {
		code = cat_fail(err, "init");
		goto done;
	}
	if (!(p = cat_project_pick(list, cat_project_flag(ctx), "init",
				   "-p <name|id>", &code)))
		goto done;
	cat_project_id(id, sizeof(id), p);
	if ((err = cat_remote_envs(ctx, org, id, &envs)) < 0 ||
	    (err = cat_rc_use_project(&rc, p, envs, 1)) < 0 ||
	    (err = cat_rc_save(&rc)) < 0 ||
	    (err = cat_rc_ensure_project_file(&rc)) < 0) {
		code = cat_fail(err, "init");
		goto done;
	}
	cat_note("Project %s (%s) is now the default for %s.",
		 json_string_value(json_object_get(p, "project_name")), id,
		 rc.root);
done:
	cat_rc_release(&rc);
	json_decref(orgs);
	json_decref(list);
	json_decref(envs);
	return code;
}
