/*
 * Project selection shared by project:use and init. A prompt is offered
 * only on a terminal outside CI; otherwise the command fails naming the
 * flag or argument that would have answered it.
 */
#include "project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "remote.h"
#include "banned.h"

const char *cat_project_flag(struct cat_ctx *ctx)
{
	static const char *const vars[] = { "CATALYST_PROJECT_ID",
					    "CATALYST_PROJECT",
					    "ZC_PROJECT_ID" };
	size_t i;

	if (ctx->opts.project)
		return ctx->opts.project;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (cat_env(vars[i]))
			return cat_env(vars[i]);
	return NULL;
}

void cat_project_id(char *out, size_t n, const json_t *project)
{
	const json_t *v = json_object_get(project, "id");

	if (json_is_string(v))
		snprintf(out, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, n, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else
		snprintf(out, n, "?");
}

json_t *cat_project_pick(json_t *list, const char *name_or_id, const char *cmd,
			 const char *flag, int *code)
{
	const char **items = NULL;
	char(*labels)[160] = NULL;
	json_t *p = NULL;
	size_t i, n = json_array_size(list), pick;

	*code = CAT_EXIT_OK;
	if (n == 0) {
		cat_hint_set("create a project first (for a local server: "
			     "'catalystd project add')");
		*code = cat_err(CAT_EXIT_ERROR, "%s: the org has no projects",
				cmd);
		return NULL;
	}
	if (name_or_id) {
		if (!(p = cat_remote_find_project(list, name_or_id)))
			*code = cat_fail(CAT_ENOTFOUND, "%s", cmd);
		return p;
	}
	if (!cat_io_interactive()) {
		cat_hint_set("pass %s (not prompting: %s)", flag,
			     cat_io_ci() ? "CI is set"
					 : "stdin is not a terminal");
		*code = cat_err(CAT_EXIT_USAGE, "%s: no project given", cmd);
		return NULL;
	}
	items = calloc(n, sizeof(*items));
	labels = calloc(n, sizeof(*labels));
	if (!items || !labels) {
		*code = cat_err(CAT_EXIT_ERROR, "%s: out of memory", cmd);
		goto done;
	}
	for (i = 0; i < n; i++) {
		char id[32];
		const json_t *e = json_array_get(list, i);
		const char *name =
			json_string_value(json_object_get(e, "project_name"));

		cat_project_id(id, sizeof(id), e);
		snprintf(labels[i], sizeof(labels[i]), "%s (%s)",
			 name ? name : "?", id);
		items[i] = labels[i];
	}
	if (cat_prompt_choice("Choose a project:", items, n, &pick) < 0) {
		*code = cat_err(CAT_EXIT_CANCEL, "%s: cancelled", cmd);
		goto done;
	}
	p = json_array_get(list, pick);
done:
	free(items);
	free(labels);
	return p;
}
