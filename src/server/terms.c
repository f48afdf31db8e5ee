/*
 * A CLI token's terms: parsed once from the device authorization request,
 * described once for the approving person, reported in one JSON shape by
 * every answer that shows a token (terms.h).
 */
#include "terms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "textclean.h"
#include "timefmt.h"
#include "banned.h"

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int parse_expiry(struct cat_req *req, const char *v, int64_t *out)
{
	long long secs, min = req->srv->cfg.token_expiry_min;
	char *end;

	*out = 0;
	if (!v || !*v)
		return 0;
	errno = 0;
	secs = all_digits(v) ? strtoll(v, &end, 10) : -1;
	if (errno || secs < 0 || secs > CAT_TERMS_MAX_TTL)
		return cat_error_set(CAT_EINVAL,
				     "'token_expires_in' must be a number of "
				     "seconds from %lld to %lld, or 0 for "
				     "never",
				     min, (long long)CAT_TERMS_MAX_TTL);
	if (secs == 0)
		return 0;
	/* shorter than one access token makes a token that dies unused */
	if (secs < min)
		return cat_error_set(CAT_EINVAL,
				     "a token must live at least %lld "
				     "seconds; asked for %lld",
				     min, secs);
	*out = req->now + secs;
	return 0;
}

int cat_terms_parse(struct cat_req *req, struct cat_device_auth *d)
{
	const char *name = cat_req_param(req, "token_name");
	const char *project = cat_req_param(req, "project_id");
	const char *ro = cat_req_param(req, "read_only");
	int err;

	/* the approving person reads the name: it must show what it is */
	if (cat_text_clean(d->token_name, sizeof(d->token_name),
			   name ? name : "") < 0)
		return cat_error_set(CAT_EINVAL,
				     "'token_name' is longer than %d bytes",
				     CAT_NAME_MAX);
	if ((err = parse_expiry(req, cat_req_param(req, "token_expires_in"),
				&d->token_expires_at)) < 0)
		return err;
	if (project && *project) {
		if (!all_digits(project) || strlen(project) > CAT_ID_MAX)
			return cat_error_set(CAT_EINVAL,
					     "'project_id' must be a project "
					     "ID (digits)");
		memcpy(d->project_id, project, strlen(project) + 1);
	}
	if (!ro || !*ro || strcmp(ro, "false") == 0 || strcmp(ro, "0") == 0)
		d->read_only = 0;
	else if (strcmp(ro, "true") == 0 || strcmp(ro, "1") == 0)
		d->read_only = 1;
	else
		return cat_error_set(CAT_EINVAL,
				     "'read_only' must be true or false");
	return 0;
}

int cat_terms_project_ok(struct cat_store *st, int64_t account_id,
			 const char *project_id)
{
	struct cat_project p;
	int err;

	if (!project_id[0])
		return 0;
	err = cat_store_project_get(st, &p, project_id);
	if (err == 0)
		err = cat_store_member_check(st, account_id, p.org_id);
	/* one answer for "no such project" and "another org's": ids are
	 * sequential, so a difference would list every org's projects */
	if (err == CAT_ENOTFOUND || err == CAT_EINVAL)
		return cat_error_set(CAT_ENOTFOUND,
				     "project %s is not a project of this "
				     "account's orgs",
				     project_id);
	return err;
}

void cat_terms_date(char *out, size_t n, int64_t t)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (n)
		out[0] = '\0';
	if (!gmtime_r(&tt, &tm) || tm.tm_mon < 0 || tm.tm_mon > 11)
		return;
	snprintf(out, n, "%d %s %d %02d:%02d UTC", tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

void cat_terms_describe(struct cat_store *st, const struct cat_device_auth *d,
			char *out, size_t n)
{
	struct cat_project p;
	char project[CAT_NAME_MAX + 32], date[64];

	if (!d->project_id[0])
		snprintf(project, sizeof(project), "every project");
	else if (cat_store_project_get(st, &p, d->project_id) == 0)
		snprintf(project, sizeof(project), "project %s only", p.name);
	else
		snprintf(project, sizeof(project), "project %s only",
			 d->project_id);
	if (d->token_expires_at > 0) {
		char when[48];

		cat_terms_date(when, sizeof(when), d->token_expires_at);
		snprintf(date, sizeof(date), "expires %s", when);
	} else {
		snprintf(date, sizeof(date), "never expires");
	}
	snprintf(out, n, "%s \xc2\xb7 %s \xc2\xb7 %s \xc2\xb7 %s",
		 d->token_name[0] ? d->token_name : "unnamed", project,
		 d->read_only ? "read-only" : "read and write", date);
}

int cat_terms_json(json_t *o, const struct cat_grant *g)
{
	char exp[CAT_ISO_TIME_LEN];
	int err = 0;

	cat_iso_time(exp, g->expires_at);
	err |= json_object_set_new(o, "token_name",
				   g->name[0] ? json_string(g->name)
					      : json_null());
	err |= json_object_set_new(
		o, "token_expires_at",
		g->expires_at > 0 && exp[0] ? json_string(exp) : json_null());
	err |= json_object_set_new(o, "project_id",
				   g->project_id[0] ? json_string(g->project_id)
						    : json_null());
	err |= json_object_set_new(o, "read_only", json_boolean(g->read_only));
	return err ? cat_error_set(CAT_ERROR, "out of memory") : 0;
}

void cat_terms_scope(char *out, size_t n, const struct cat_grant *g)
{
	/* space-separated words (RFC 7662 2.2), none empty */
	snprintf(out, n, "%s%s%s%s%s%s", g->scope,
		 g->scope[0] && g->project_id[0] ? " " : "",
		 g->project_id[0] ? "project:" : "", g->project_id,
		 (g->scope[0] || g->project_id[0]) && g->read_only ? " " : "",
		 g->read_only ? "read-only" : "");
}
