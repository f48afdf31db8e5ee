/*
 * The Catalyst admin API (/baas/v1) as the reference CLI reads it: orgs,
 * projects and their environments, scoped to the bearer's account and the
 * org named by CATALYST-ORG (else the account's default org). The JSON
 * shapes follow reference-cli-protocol.md B1-B5 field for field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "timefmt.h"
#include "banned.h"

/* A handler helper returns this when it has already written the answer. */
#define ANSWERED 1

/* Writes an admin error and returns ANSWERED (or <0 when that fails). */
static int answer(struct cat_resp *resp, int status, const char *code,
		  const char *msg)
{
	int err = cat_resp_admin_error(resp, status, code, msg);

	return err < 0 ? err : ANSWERED;
}

/* Default timezone of a project created without one. */
#define DEFAULT_TIMEZONE "UTC"

/* <env>: what init and project:use store in .catalystrc (section 8.5). */
static json_t *env_json(const struct cat_env *e, const struct cat_project *p)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:{s:s, s:s}}", "env_zgid",
			 e->zgid, "env_name", e->name, "env_type", e->type,
			 "env_status", e->status, "project_details", "id",
			 p->id, "project_name", p->name);
}

struct env_walk {
	const struct cat_project *p;
	json_t *arr;
};

static int env_cb(const struct cat_env *e, void *ctx)
{
	struct env_walk *w = ctx;

	if (json_array_append_new(w->arr, env_json(e, w->p)) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

/* *out = the project's environments, Development first (the store's
 * order). Returns 0 or <0 (the store's code, so 503 stays 503). */
static int envs_json(json_t **out, struct cat_store *st,
		     const struct cat_project *p)
{
	struct env_walk w = { p, json_array() };
	int err;

	*out = NULL;
	if (!w.arr)
		return cat_error_set(CAT_ERROR, "out of memory");
	if ((err = cat_store_env_list(st, p->id, env_cb, &w)) < 0) {
		json_decref(w.arr);
		return err;
	}
	*out = w.arr;
	return 0;
}

/*
 * <project>. catalystd hosts no apps, so project_domain is the domain label
 * alone; the CLI only reads project_domain_id and project_domain_name.
 */
static int project_json(json_t **out, struct cat_store *st,
			const struct cat_project *p)
{
	char created[32];
	json_t *envs;
	int err;

	if ((err = envs_json(&envs, st, p)) < 0)
		return err;
	cat_iso_time(created, p->created_at);
	*out = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:o, s:s, "
			 "s:s}",
			 "id", p->id, "project_name", p->name, "project_type",
			 p->type, "timezone", p->timezone,
			 "project_domain_details", "project_domain_id",
			 p->domain_id, "project_domain_name", p->domain_name,
			 "project_domain", p->domain_name, "env_details", envs,
			 "org_id", p->org_id, "created_time", created);
	return *out ? 0 : cat_error_set(CAT_ERROR, "out of memory");
}

/*
 * The org this request acts on: CATALYST-ORG when given (it must be one of
 * the caller's orgs), else the caller's default org. Returns 0 with out
 * filled, ANSWERED after writing a 4xx, or <0.
 */
static int pick_org(struct cat_req *req, struct cat_resp *resp,
		    char out[CAT_ID_MAX + 1])
{
	const char *h = cat_req_header(req, "CATALYST-ORG");
	char msg[160];
	int err;

	if (h) {
		if (!*h)
			return answer(resp, 400, "INVALID_ORG",
				      "the CATALYST-ORG header is empty");
		err = strlen(h) > CAT_ID_MAX
			      ? CAT_ENOTFOUND
			      : cat_store_member_check(
					req->store, req->principal.account_id,
					h);
		if (err == CAT_ENOTFOUND || err == CAT_EINVAL) {
			snprintf(
				msg, sizeof(msg),
				"org '%.64s' is not accessible to this account",
				h);
			return answer(resp, 403, "ORG_FORBIDDEN", msg);
		}
		if (err < 0)
			return err;
		memcpy(out, h, strlen(h) + 1);
		return 0;
	}
	/* the bearer check read it: the default org, else the first */
	memcpy(out, req->principal.org_id, sizeof(req->principal.org_id));
	if (!out[0])
		return answer(resp, 404, "NO_ORG",
			      "this account belongs to no org; an "
			      "administrator can add it with "
			      "'catalystd org add --member EMAIL'");
	return 0;
}

/*
 * Loads project id and checks the caller may see it. A project of an org
 * the caller cannot see (or not of the CATALYST-ORG given, or not the one
 * project of a limited token) is CAT_ENOTFOUND, the very same as an id
 * that does not exist: project ids are sequential, so a different answer
 * would let anyone enumerate every org's projects. 0, CAT_ENOTFOUND or <0.
 */
static int find_project(struct cat_req *req, const char *id,
			struct cat_project *p)
{
	const char *h = cat_req_header(req, "CATALYST-ORG");
	int err;

	/* a token limited to one project sees no other, the same way */
	if (req->principal.project_id[0] &&
	    strcmp(id, req->principal.project_id) != 0)
		err = CAT_ENOTFOUND;
	else
		err = cat_store_project_get(req->store, p, id);
	if (err == 0 && h && strcmp(h, p->org_id) != 0)
		err = CAT_ENOTFOUND;
	if (err == 0)
		err = cat_store_member_check(
			req->store, req->principal.account_id, p->org_id);
	return err == CAT_EINVAL ? CAT_ENOTFOUND : err;
}

/* find_project, answering 404 for a project the caller cannot see. */
static int load_project(struct cat_req *req, struct cat_resp *resp,
			const char *id, struct cat_project *p)
{
	int err = find_project(req, id, p);

	if (err == CAT_ENOTFOUND)
		return answer(resp, 404, "PROJECT_NOT_FOUND",
			      "no such project in the orgs of this account");
	return err;
}

static int org_cb(const struct cat_org *o, void *ctx)
{
	if (json_array_append_new(ctx, json_pack("{s:s, s:s, s:b}", "id", o->id,
						 "name", o->name, "is_default",
						 o->is_default)) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

int route_orgs(struct cat_req *req, struct cat_resp *resp)
{
	json_t *arr = json_array();
	int err;

	if (!arr)
		return cat_error_set(CAT_ERROR, "out of memory");
	err = cat_store_org_list(req->store, req->principal.account_id, org_cb,
				 arr);
	if (err < 0) {
		json_decref(arr);
		return err;
	}
	return cat_resp_admin_data(resp, arr);
}

/* Projects are collected first and expanded after the walk, so that no
 * backend is asked to run env_list while a project_list cursor is open. */
struct project_vec {
	struct cat_project *items;
	size_t n, cap;
};

static int project_cb(const struct cat_project *p, void *ctx)
{
	struct project_vec *v = ctx;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 16;
		struct cat_project *np = realloc(v->items, ncap * sizeof(*np));

		if (!np)
			return cat_error_set(CAT_ERROR, "out of memory");
		v->items = np;
		v->cap = ncap;
	}
	v->items[v->n++] = *p;
	return 0;
}

int route_project_list(struct cat_req *req, struct cat_resp *resp)
{
	struct project_vec v = { 0 };
	struct cat_project one;
	char org[CAT_ID_MAX + 1];
	json_t *arr = NULL, *pj;
	size_t i;
	int err;

	if (req->principal.project_id[0]) {
		/* a token of one project lists that one, in whichever of
		 * the account's orgs it is (or none when CATALYST-ORG names
		 * another) */
		err = find_project(req, req->principal.project_id, &one);
		if (err == 0)
			err = project_cb(&one, &v);
		if (err < 0 && err != CAT_ENOTFOUND)
			goto done;
	} else {
		if ((err = pick_org(req, resp, org)) != 0)
			goto done;
		if ((err = cat_store_project_list(req->store, org, project_cb,
						  &v)) < 0)
			goto done;
	}
	if (!(arr = json_array())) {
		err = cat_error_set(CAT_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < v.n; i++) {
		if ((err = project_json(&pj, req->store, &v.items[i])) < 0)
			goto done;
		if (json_array_append_new(arr, pj) < 0) {
			err = cat_error_set(CAT_ERROR, "out of memory");
			goto done;
		}
	}
	err = cat_resp_admin_data(resp, arr);
	arr = NULL;
done:
	json_decref(arr);
	free(v.items);
	return err < 0 ? err : 0;
}

/* Control characters would end up in .catalystrc and terminal tables. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Reads {"project_name", "project_type"?, "timezone"?} into p. Returns 0,
 * or ANSWERED after a 400 naming the offending field.
 */
static int parse_project_body(struct cat_req *req, struct cat_resp *resp,
			      struct cat_project *p)
{
	const char *why = NULL;
	json_t *body, *name, *type, *tz;
	json_error_t jerr;
	char msg[256];

	if (req->body.len == 0)
		return answer(resp, 400, "INVALID_INPUT",
			      "a JSON body {\"project_name\": \"...\"} is "
			      "required");
	body = json_loadb(cat_buf_cstr(&req->body), req->body.len,
			  JSON_REJECT_DUPLICATES, &jerr);
	if (!body) {
		snprintf(msg, sizeof(msg), "the body is not valid JSON: %s",
			 jerr.text);
		return answer(resp, 400, "INVALID_INPUT", msg);
	}
	name = json_object_get(body, "project_name");
	type = json_object_get(body, "project_type");
	tz = json_object_get(body, "timezone");
	if (!json_is_object(body))
		why = "the body must be a JSON object";
	else if (!name)
		why = "project_name is required";
	else if (!json_is_string(name))
		why = "project_name must be a string";
	else if (json_string_length(name) == 0)
		why = "project_name must not be empty";
	else if (json_string_length(name) > CAT_NAME_MAX)
		why = "project_name is longer than 127 bytes";
	else if (strlen(json_string_value(name)) != json_string_length(name) ||
		 !printable(json_string_value(name)))
		why = "project_name must not contain control characters";
	else if (type && !json_is_string(type))
		why = "project_type must be a string";
	else if (type && strcmp(json_string_value(type), "Live") != 0 &&
		 strcmp(json_string_value(type), "Demo") != 0)
		why = "project_type must be \"Live\" or \"Demo\"";
	else if (tz && (!json_is_string(tz) || json_string_length(tz) == 0 ||
			json_string_length(tz) >= sizeof(p->timezone) ||
			strcspn(json_string_value(tz), " \t\r\n\"'<>\\") !=
				json_string_length(tz)))
		why = "timezone must be a zone name like \"Asia/Kolkata\"";
	if (why) {
		json_decref(body);
		return answer(resp, 400, "INVALID_INPUT", why);
	}
	memcpy(p->name, json_string_value(name), json_string_length(name) + 1);
	snprintf(p->type, sizeof(p->type), "%s",
		 type ? json_string_value(type) : "Live");
	snprintf(p->timezone, sizeof(p->timezone), "%s",
		 tz ? json_string_value(tz) : DEFAULT_TIMEZONE);
	json_decref(body);
	return 0;
}

int route_project_create(struct cat_req *req, struct cat_resp *resp)
{
	struct cat_project p = { 0 };
	char msg[256];
	json_t *pj;
	int err;

	if (req->principal.project_id[0])
		return answer(resp, 403, "PROJECT_SCOPED_TOKEN",
			      "this CLI token is limited to one project: it "
			      "cannot create projects");
	if ((err = parse_project_body(req, resp, &p)) != 0)
		return err < 0 ? err : 0;
	if ((err = pick_org(req, resp, p.org_id)) != 0)
		return err < 0 ? err : 0;
	p.created_at = req->now;
	err = cat_store_project_add(req->store, &p);
	if (err == CAT_EEXISTS) {
		snprintf(msg, sizeof(msg),
			 "a project named '%s' already exists in org '%s'",
			 p.name, p.org_id);
		return cat_resp_admin_error(resp, 409, "DUPLICATE_PROJECT",
					    msg);
	}
	if (err == CAT_EINVAL)
		return cat_resp_admin_error(resp, 400, "INVALID_INPUT",
					    cat_error_last());
	if (err < 0)
		return err;
	if ((err = project_json(&pj, req->store, &p)) < 0)
		return err;
	return cat_resp_admin_data(resp, pj);
}

int route_project_get(struct cat_req *req, struct cat_resp *resp)
{
	struct cat_project p;
	json_t *pj;
	int err;

	if ((err = load_project(req, resp, req->path_arg[0], &p)) != 0)
		return err < 0 ? err : 0;
	if ((err = project_json(&pj, req->store, &p)) < 0)
		return err;
	return cat_resp_admin_data(resp, pj);
}

int route_project_envs(struct cat_req *req, struct cat_resp *resp)
{
	struct cat_project p;
	json_t *envs;
	int err;

	if ((err = load_project(req, resp, req->path_arg[0], &p)) != 0)
		return err < 0 ? err : 0;
	if ((err = envs_json(&envs, req->store, &p)) < 0)
		return err;
	return cat_resp_admin_data(resp, envs);
}

/* Telemetry of the reference CLI (B5): its records carry request URLs and
 * headers, so they are dropped unread rather than stored or logged. */
int route_cli_logs(struct cat_req *req, struct cat_resp *resp)
{
	(void)req;
	return cat_resp_admin_data(resp, json_object());
}
