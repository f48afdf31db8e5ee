/*
 * `catalyst project:list`: the org's projects, marking the one active in
 * this directory (or given with -p) and the directory's default. The org is
 * --org / CATALYST_ORG, else the one .catalystrc points at, else the
 * account's default org on the server.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "io.h"
#include "project.h"
#include "rc.h"
#include "remote.h"
#include "table.h"
#include "banned.h"

enum { COLS = 4 };
static const char *const headers[COLS] = { "NAME", "ID", "TYPE", "STATE" };

int cmd_project_list(struct cat_ctx *ctx)
{
	struct cat_rc rc;
	json_t *list = NULL, *p, *rows = json_array(), *out = json_array();
	const char *active, *def;
	size_t i;
	int err, code = CAT_EXIT_OK;

	if ((err = cat_rc_load(&rc)) < 0) {
		code = cat_fail(err, "project:list");
		goto done;
	}
	active = cat_project_flag(ctx);
	if (!active)
		active = cat_rc_project_id(cat_rc_active_project(&rc));
	def = cat_rc_project_id(cat_rc_default_project(&rc));
	if ((err = cat_remote_projects(
		     ctx, cat_remote_org(ctx, cat_rc_active_env_id(&rc)),
		     &list)) < 0) {
		code = cat_fail(err, "project:list");
		goto done;
	}
	json_array_foreach(list, i, p)
	{
		const char *name =
			json_string_value(json_object_get(p, "project_name"));
		const char *cells[COLS];
		char id[32], state[32];
		int is_active, is_def;

		cat_project_id(id, sizeof(id), p);
		is_active = active && (strcmp(active, id) == 0 ||
				       (name && strcmp(active, name) == 0));
		is_def = def && strcmp(def, id) == 0;
		snprintf(state, sizeof(state), "%s%s%s",
			 is_active ? "active" : "",
			 is_active && is_def ? "," : "",
			 is_def ? "default" : "");
		cells[0] = name;
		cells[1] = id;
		cells[2] =
			json_string_value(json_object_get(p, "project_type"));
		cells[3] = state[0] ? state : NULL;
		cat_table_row(rows, COLS, cells);
		p = json_deep_copy(p);
		json_object_set_new(p, "active", json_boolean(is_active));
		json_object_set_new(p, "default", json_boolean(is_def));
		json_array_append_new(out, p);
	}
	if (ctx->opts.json) {
		/* one object, as every --json document: {"projects": [...]} */
		json_t *doc = json_pack("{s:O}", "projects", out);

		cat_print_json(stdout, doc);
		json_decref(doc);
	} else if (json_array_size(rows) == 0) {
		cat_note("No projects found.");
	} else {
		cat_table_print(stdout, headers, COLS, rows,
				cat_io_stdout_tty());
		if (active && def && strcmp(active, def) != 0 &&
		    !cat_project_flag(ctx))
			cat_note("This directory uses a project other than its "
				 "default; 'catalyst project:reset' switches "
				 "back.");
	}
done:
	cat_rc_release(&rc);
	json_decref(list);
	json_decref(rows);
	json_decref(out);
	return code;
}
