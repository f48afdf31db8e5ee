/*
 * catalystd org add: adds an org, optionally with members (existing
 * accounts), each of which gets it as default org when it is their first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "banned.h"

static const struct adm_opt org_add_opts[] = {
	{ "name", "NAME", O_NAME, 1, "org name" },
	{ "member", "EMAIL", O_MEMBER, 0,
	  "add this account as a member (repeatable)" },
	{ NULL, NULL, 0, 0, NULL },
};

/* Returns 1 (stop the walk) at the first org: "does it have any?" */
static int any_org_cb(const struct cat_org *o, void *ctx)
{
	(void)o;
	(void)ctx;
	return 1;
}

struct org_opts {
	const char *name;
	const char **members; /* at most argc of them */
	size_t nmembers;
};

static int org_opt(void *p, int c, const char *arg)
{
	struct org_opts *o = p;

	if (c == O_NAME)
		o->name = arg;
	else if (c == O_MEMBER)
		o->members[o->nmembers++] = arg;
	else
		return EXIT_USAGE;
	return 0;
}

static int org_add_run(const struct org_opts *o, const struct common_opts *co)
{
	struct cat_store *st = NULL;
	struct cat_account *accts = NULL;
	struct cat_org org = { 0 };
	json_t *ids = NULL;
	size_t i;
	int rc, err, has;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (!(accts = calloc(o->nmembers + 1, sizeof(*accts))) ||
	    !(ids = json_array())) {
		fprintf(stderr, "catalystd: out of memory\n");
		goto done;
	}
	/* resolve every member first: an unknown email creates nothing */
	for (i = 0; i < o->nmembers; i++) {
		err = cat_store_account_by_email(st, &accts[i], o->members[i]);
		if (err == CAT_ENOTFOUND || err == CAT_EINVAL)
			cat_error_set(err,
				      "no account '%s' (see 'catalystd "
				      "user add')",
				      o->members[i]);
		if (err < 0) {
			fprintf(stderr, "catalystd: cannot add org '%s': %s\n",
				o->name, cat_error_last());
			goto done;
		}
	}
	snprintf(org.name, sizeof(org.name), "%s", o->name);
	org.created_at = (int64_t)time(NULL);
	if (cat_store_org_add(st, &org) < 0) {
		fprintf(stderr, "catalystd: cannot add org '%s': %s\n", o->name,
			cat_error_last());
		goto done;
	}
	for (i = 0; i < o->nmembers; i++) {
		has = cat_store_org_list(st, accts[i].id, any_org_cb, NULL);
		err = has < 0 ? has
			      : cat_store_member_add(st, accts[i].id, org.id,
						     has == 0);
		if (err == CAT_EEXISTS) /* the same --member twice */
			continue;
		if (err < 0) {
			fprintf(stderr,
				"catalystd: org %s was added but member '%s' "
				"was not: %s\n",
				org.id, accts[i].email, cat_error_last());
			goto done;
		}
		json_array_append_new(ids, json_integer(accts[i].id));
	}
	if (co->json)
		adm_print_json(json_pack("{s:s, s:s, s:O}", "id", org.id,
					 "name", org.name, "members", ids));
	else
		printf("%s\n", org.id);
	rc = adm_finish(EXIT_OK);
done:
	json_decref(ids);
	free(accts);
	cat_store_close(st);
	return rc;
}

static int cmd_org_add(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct org_opts o = { 0 };
	size_t i;
	int rc;

	if (!(o.members = calloc((size_t)argc + 1, sizeof(*o.members)))) {
		fprintf(stderr, "catalystd: out of memory\n");
		return EXIT_ERR;
	}
	rc = adm_parse(argc, argv, &adm_org_add, &co, org_opt, &o);
	if (rc != 0) {
		rc = rc == HELP_SHOWN ? EXIT_OK : rc;
		goto done;
	}
	rc = EXIT_USAGE;
	if (!o.name) {
		adm_cmd_usage_err(&adm_org_add, "--name is required");
		goto done;
	}
	if (!adm_valid_text(o.name, CAT_NAME_MAX)) {
		adm_cmd_usage_err(&adm_org_add, "--name is 1-127 bytes of text "
						"without control characters");
		goto done;
	}
	for (i = 0; i < o.nmembers; i++) {
		if (!adm_valid_email(o.members[i])) {
			fprintf(stderr,
				"catalystd: --member '%s' is not an email "
				"address\n",
				o.members[i]);
			goto done;
		}
	}
	rc = org_add_run(&o, &co);
done:
	free(o.members);
	return rc;
}

const struct adm_cmd adm_org_add = {
	.name = "org",
	.sub = "add",
	.summary = "add an org, optionally with a member",
	.details = "Adds an org and prints its id. Each member must be an "
		   "existing\naccount; the org becomes their default if it is "
		   "their first.",
	.opts = org_add_opts,
	.fn = cmd_org_add,
};
