/*
 * Authenticated reads of the account's data: the token list and the
 * Catalyst admin API (orgs, projects, environments). Each returns the JSON
 * the caller needs, already checked for the expected shape.
 */
#ifndef CAT_REMOTE_H
#define CAT_REMOTE_H

#include <jansson.h>

#include "cli.h"

/* GET /oauth/user/info -> *out = the account (an object, new reference). */
int cat_remote_user(struct cat_ctx *ctx, json_t **out);
/* GET /api/v1/tokens -> *out = the "tokens" array (new reference). */
int cat_remote_tokens(struct cat_ctx *ctx, json_t **out);

/*
 * The org to send as CATALYST-ORG: --org, CATALYST_ORG, ZC_ORG_ID, else
 * rc_org (the active env of .catalystrc), else NULL (the server's default).
 */
const char *cat_remote_org(struct cat_ctx *ctx, const char *rc_org);

/* GET /baas/v1/orgs -> the "data" array. */
int cat_remote_orgs(struct cat_ctx *ctx, json_t **out);
/* GET /baas/v1/project -> the "data" array. */
int cat_remote_projects(struct cat_ctx *ctx, const char *org, json_t **out);
/* GET /baas/v1/project/{id}/environment -> the "data" array. */
int cat_remote_envs(struct cat_ctx *ctx, const char *org, const char *id,
		    json_t **out);

/*
 * Finds a project by ID (all digits) or exact name in a project list.
 * Borrowed, or NULL with a message listing the names.
 */
json_t *cat_remote_find_project(json_t *projects, const char *name_or_id);

#endif
