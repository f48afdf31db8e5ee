/*
 * .catalystrc and catalyst.json in the reference CLI's format, so both CLIs
 * read the same project directory. The project root is the nearest ancestor
 * of the working directory holding catalyst.json, else the working
 * directory itself.
 */
#ifndef CAT_RC_H
#define CAT_RC_H

#include <limits.h>

#include <jansson.h>

struct cat_rc {
	char root[PATH_MAX];
	char path[PATH_MAX]; /* root + "/.catalystrc" */
	json_t *rc;          /* NULL when the file does not exist */
};

/* Finds the root from the working directory and reads .catalystrc. */
int cat_rc_load(struct cat_rc *rc);
/* The same from an explicit directory (tests). */
int cat_rc_load_from(struct cat_rc *rc, const char *cwd);
void cat_rc_release(struct cat_rc *rc);
/* Writes .catalystrc atomically: 2-space indent and a trailing newline. */
int cat_rc_save(struct cat_rc *rc);

/* The active / default project entry, or NULL. Borrowed. */
json_t *cat_rc_active_project(const struct cat_rc *rc);
json_t *cat_rc_default_project(const struct cat_rc *rc);
/* The active env's id (the org to send as CATALYST-ORG), or NULL. */
const char *cat_rc_active_env_id(const struct cat_rc *rc);
/* A project entry's id as a string ("4000000000001"), or NULL. */
const char *cat_rc_project_id(const json_t *entry);

/*
 * Records a server project (the /baas/v1/project shape) and makes it
 * active. envs: its environments (the Development one, else the first,
 * becomes active); NULL takes env_details[0] of the project, as the
 * reference's project:use does. It becomes the default too when
 * make_default is set or there is no default yet.
 */
int cat_rc_use_project(struct cat_rc *rc, const json_t *project,
		       const json_t *envs, int make_default);

/* actives := defaults. 1 when nothing changed, 0 when changed, <0 on error. */
int cat_rc_reset(struct cat_rc *rc);

/* Writes "{}\n" to root/catalyst.json when it does not exist. */
int cat_rc_ensure_project_file(const struct cat_rc *rc);

#endif
