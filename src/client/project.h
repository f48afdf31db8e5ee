/*
 * Helpers the project commands share: the project the directory (or -p)
 * makes active, a project's ID as text, and choosing one interactively.
 */
#ifndef CAT_PROJECT_H
#define CAT_PROJECT_H

#include <jansson.h>

#include "cli.h"
#include "rc.h"

/* -p, CATALYST_PROJECT_ID, CATALYST_PROJECT, ZC_PROJECT_ID, else NULL. */
const char *cat_project_flag(struct cat_ctx *ctx);

/* A server project's id as text into out. */
void cat_project_id(char *out, size_t n, const json_t *project);

/*
 * Picks a project from list: by name_or_id when given, else by a prompt
 * when interactive, else a usage error naming flag. Borrowed result.
 * Returns 0 or an exit code (already reported) via *code.
 */
json_t *cat_project_pick(json_t *list, const char *name_or_id, const char *cmd,
			 const char *flag, int *code);

#endif
