/*
 * catalystd project add: adds a project of an org with its Development and
 * Production environments, as the reference service creates them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "banned.h"

static const struct adm_opt project_add_opts[] = {
	{ "org", "ORG_ID", O_ORG, 1, "the org that owns the project" },
	{ "name", "NAME", O_NAME, 1, "project name (unique within the org)" },
	{ "type", "TYPE", O_TYPE, 0, "Live (default) or Demo" },
	{ "timezone", "TZ", O_TZ, 0, "e.g. Asia/Kolkata (default UTC)" },
	{ NULL, NULL, 0, 0, NULL },
};

struct project_opts {
	const char *org, *name, *type, *tz;
};

static int project_opt(void *p, int c, const char *arg)
{
	struct project_opts *o = p;

	switch (c) {
	case O_ORG:
		o->org = arg;
		break;
	case O_NAME:
		o->name = arg;
		break;
	case O_TYPE:
		o->type = arg;
		break;
	case O_TZ:
		o->tz = arg;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

static int env_print_cb(const struct cat_env *e, void *ctx)
{
	json_t *arr = ctx, *ej;

	if (!arr) {
		printf("%s\t%s\t%s\n", e->name, e->zgid, e->status);
		return 0;
	}
	ej = json_pack("{s:s, s:s, s:i, s:s}", "env_zgid", e->zgid, "env_name",
		       e->name, "env_type", e->type, "env_status", e->status);
	if (json_array_append_new(arr, ej) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

static int project_add_run(const struct project_opts *o,
			   const struct common_opts *co)
{
	struct cat_store *st = NULL;
	struct cat_project p = { 0 };
	struct cat_org org;
	json_t *envs = NULL;
	int rc, err;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if ((err = cat_store_org_get(st, &org, o->org)) < 0) {
		fprintf(stderr, "catalystd: cannot add project '%s': %s\n",
			o->name,
			err == CAT_ENOTFOUND || err == CAT_EINVAL
				? "no such org (see 'catalystd org add')"
				: cat_error_last());
		goto done;
	}
	snprintf(p.org_id, sizeof(p.org_id), "%s", o->org);
	snprintf(p.name, sizeof(p.name), "%s", o->name);
	snprintf(p.type, sizeof(p.type), "%s", o->type ? o->type : "Live");
	snprintf(p.timezone, sizeof(p.timezone), "%s", o->tz ? o->tz : "UTC");
	p.created_at = (int64_t)time(NULL);
	if ((err = cat_store_project_add(st, &p)) < 0) {
		fprintf(stderr, "catalystd: cannot add project '%s': %s\n",
			o->name,
			err == CAT_EEXISTS
				? "the org already has a project of that name"
				: cat_error_last());
		goto done;
	}
	if (co->json) {
		if (!(envs = json_array()))
			goto done;
	} else {
		printf("%s\n", p.id);
	}
	if (cat_store_env_list(st, p.id, env_print_cb, envs) < 0) {
		fprintf(stderr,
			"catalystd: project %s was added but its environments "
			"cannot be listed: %s\n",
			p.id, cat_error_last());
		goto done;
	}
	if (co->json)
		adm_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}",
					 "id", p.id, "name", p.name, "org_id",
					 p.org_id, "type", p.type, "timezone",
					 p.timezone, "domain_name",
					 p.domain_name, "environments", envs));
	rc = adm_finish(EXIT_OK);
done:
	json_decref(envs);
	cat_store_close(st);
	return rc;
}

static int cmd_project_add(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct project_opts o = { 0 };
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_project_add, &co, project_opt,
			    &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (!o.org || !o.name)
		return adm_cmd_usage_err(&adm_project_add,
					 "--org and --name are required");
	if (!adm_valid_id(o.org))
		return adm_cmd_usage_err(&adm_project_add,
					 "--org wants an org id");
	if (!adm_valid_text(o.name, CAT_NAME_MAX))
		return adm_cmd_usage_err(
			&adm_project_add,
			"--name is 1-127 bytes of text without "
			"control characters");
	if (o.type && strcmp(o.type, "Live") != 0 &&
	    strcmp(o.type, "Demo") != 0)
		return adm_cmd_usage_err(&adm_project_add,
					 "--type is Live or Demo");
	if (o.tz && (!adm_valid_text(o.tz, 63) ||
		     strcspn(o.tz, " \"'<>\\") != strlen(o.tz)))
		return adm_cmd_usage_err(
			&adm_project_add,
			"--timezone wants a zone name like Asia/Kolkata");
	return project_add_run(&o, &co);
}

const struct adm_cmd adm_project_add = {
	.name = "project",
	.sub = "add",
	.summary = "add a project to an org",
	.details = "Adds a project with its Development and Production "
		   "environments and\nprints its id, then one line per "
		   "environment: name, id, status.",
	.opts = project_add_opts,
	.fn = cmd_project_add,
};
