/*
 * `catalyst project:reset`: makes the directory's default project active
 * again. Purely local: .catalystrc already holds everything needed.
 */
#include <stdio.h>

#include "cmd.h"
#include "io.h"
#include "rc.h"
#include "banned.h"

int cmd_project_reset(struct cat_ctx *ctx)
{
	struct cat_rc rc;
	const char *name;
	int err, code = CAT_EXIT_OK;

	(void)ctx;
	if ((err = cat_rc_load(&rc)) < 0) {
		code = cat_fail(err, "project:reset");
		goto done;
	}
	if (!rc.rc) {
		cat_hint_set("run 'catalyst init' or 'catalyst project:use "
			     "<name>' in the project directory");
		code = cat_err(CAT_EXIT_ERROR,
			       "project:reset: not in a Catalyst "
			       "project directory (no .catalystrc in %s)",
			       rc.root);
		goto done;
	}
	if ((err = cat_rc_reset(&rc)) < 0) {
		code = cat_fail(err, "project:reset");
		goto done;
	}
	name = json_string_value(
		json_object_get(cat_rc_default_project(&rc), "name"));
	if (err == 1) {
		cat_note("Already using the default project %s.",
			 name ? name : "");
		goto done;
	}
	if ((err = cat_rc_save(&rc)) < 0) {
		code = cat_fail(err, "project:reset");
		goto done;
	}
	cat_note("Project %s is active again.", name ? name : "");
done:
	cat_rc_release(&rc);
	return code;
}
