/*
 * catalystd audit: the security events of the audit trail (sign-ins,
 * device approvals, tokens issued and revoked, accounts disabled),
 * newest first, for one account or all, since a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "admin_util.h"
#include "store.h"
#include "timefmt.h"
#include "banned.h"

/* Without --limit: enough for an investigation, bounded for a terminal. */
#define AUDIT_LIMIT_DEFAULT 1000
#define AUDIT_LIMIT_MAX     1000000

struct audit_opts {
	const char *email, *since, *limit;
};

static const struct adm_opt audit_opts[] = {
	{ "email", "EMAIL", O_EMAIL, 0, "only the events of this account" },
	{ "since", "T", O_SINCE, 0,
	  "only events at or after T: a UTC date or time\n"
	  "(2026-11-30, 2026-11-30T08:00:00Z) or a duration\n"
	  "back from now (90s, 30m, 24h, 7d, 2w)" },
	{ "limit", "N", O_LIMIT, 0, "at most N events (default 1000)" },
	{ NULL, NULL, 0, 0, NULL },
};

static int audit_opt(void *p, int c, const char *arg)
{
	struct audit_opts *o = p;

	switch (c) {
	case O_EMAIL:
		o->email = arg;
		break;
	case O_SINCE:
		o->since = arg;
		break;
	case O_LIMIT:
		o->limit = arg;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" with an optional "THH:MM[:SS]" and "Z", read as UTC. */
static int parse_iso(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, len = (int)strlen(s);
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (s[n] == 'T' || s[n] == ' ') {
		int m2 = 0;

		if (sscanf(s + n + 1, "%2d:%2d%n", &h, &mi, &m2) != 2 ||
		    m2 != 5)
			return -1;
		n += 1 + m2;
		if (s[n] == ':') {
			if (sscanf(s + n + 1, "%2d%n", &sec, &m2) != 1 ||
			    m2 != 2)
				return -1;
			n += 1 + m2;
		}
	}
	if (s[n] == 'Z')
		n++;
	if (n != len || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59 || h < 0 ||
	    mi < 0 || sec < 0)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

/* "N" with a unit s, m, h, d or w: now minus that. */
static int parse_ago(const char *s, int64_t now, int64_t *out)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 's', 1 },
		      { 'm', 60 },
		      { 'h', 3600 },
		      { 'd', 86400 },
		      { 'w', 7 * 86400 } };
	char *end;
	long long v;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* a century back at most: the product stays far from overflow */
	if (errno || end == s || !end[0] || end[1] || v > 36500LL * 86400)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit) {
			*out = now - (int64_t)v * units[i].secs;
			if (*out < 0)
				*out = 0;
			return 0;
		}
	return -1;
}

static json_t *json_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static int audit_print_cb(const struct cat_audit *e, void *ctx)
{
	json_t *arr = ctx, *row;
	char at[CAT_ISO_TIME_LEN], email[CAT_EMAIL_MAX + 1],
		client[CAT_ID_MAX + 1], addr[CAT_ADDR_MAX + 1],
		event[CAT_AUDIT_WORD_MAX + 1], actor[CAT_AUDIT_WORD_MAX + 1],
		token[CAT_TOKEN_ID_LEN + 1];

	cat_iso_time(at, e->at);
	if (!arr) {
		/* every stored string is cleaned for the terminal */
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", at,
		       adm_clean(event, sizeof(event), e->event),
		       adm_clean(actor, sizeof(actor), e->actor),
		       adm_clean(email, sizeof(email),
				 *e->email ? e->email : "-"),
		       adm_clean(token, sizeof(token),
				 *e->token_id ? e->token_id : "-"),
		       adm_clean(client, sizeof(client),
				 *e->client_id ? e->client_id : "-"),
		       adm_clean(addr, sizeof(addr), *e->addr ? e->addr : "-"));
		return 0;
	}
	row = json_pack("{s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "id",
			(json_int_t)e->id, "at", at, "event", e->event, "actor",
			e->actor, "account_id", (json_int_t)e->account_id,
			"email", json_or_null(e->email), "token_id",
			json_or_null(e->token_id), "client_id",
			json_or_null(e->client_id), "address",
			json_or_null(e->addr));
	if (!row || json_array_append_new(arr, row) < 0)
		return cat_error_set(CAT_ERROR, "out of memory");
	return 0;
}

static int audit_run(const struct audit_opts *o, const struct common_opts *co,
		     int64_t since, size_t limit)
{
	struct cat_store *st = NULL;
	struct cat_account a = { 0 };
	json_t *arr = NULL;
	int rc;

	if ((rc = adm_open_store(&st, co->db)) != 0)
		goto done;
	if (o->email &&
	    (rc = adm_account(st, o->email, "cannot list the events of", &a)) !=
		    0)
		goto done;
	rc = EXIT_ERR;
	if (co->json && !(arr = json_array())) {
		fprintf(stderr, "catalystd: out of memory\n");
		goto done;
	}
	if (!co->json)
		printf("TIME\tEVENT\tACTOR\tACCOUNT\tTOKEN\tCLIENT\tADDRESS\n");
	if (cat_store_audit_list(st, a.id, since, limit, audit_print_cb, arr) <
	    0) {
		fprintf(stderr, "catalystd: cannot list the events: %s\n",
			cat_error_last());
		goto done;
	}
	if (co->json)
		adm_print_json(json_pack("{s:O}", "events", arr));
	rc = adm_finish(EXIT_OK);
done:
	json_decref(arr);
	cat_store_close(st);
	return rc;
}

static int cmd_audit(int argc, char **argv)
{
	struct common_opts co = { 0 };
	struct audit_opts o = { 0 };
	int64_t since = 0;
	long long limit = AUDIT_LIMIT_DEFAULT;
	char *end;
	int rc;

	if ((rc = adm_parse(argc, argv, &adm_audit, &co, audit_opt, &o)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if (o.since && parse_iso(o.since, &since) < 0 &&
	    parse_ago(o.since, (int64_t)time(NULL), &since) < 0)
		return adm_cmd_usage_err(&adm_audit,
					 "--since wants a UTC date or time "
					 "(2026-11-30T08:00:00Z) or a duration "
					 "(24h, 7d)");
	if (o.limit) {
		errno = 0;
		limit = strtoll(o.limit, &end, 10);
		if (errno || end == o.limit || *end || limit < 1 ||
		    limit > AUDIT_LIMIT_MAX)
			return adm_cmd_usage_err(
				&adm_audit,
				"--limit wants a number from 1 to 1000000");
	}
	return audit_run(&o, &co, since, (size_t)limit);
}

const struct adm_cmd adm_audit = {
	.name = "audit",
	.summary = "show the security events of the audit trail",
	.details =
		"Lists the audit trail's security events, newest first: time,\n"
		"event, actor (device, user, operator, system), account, "
		"token\n"
		"id, client id and client address (\"-\" when none), one per\n"
		"line, tab-separated, after a header line. Times are UTC. "
		"Events\n"
		"are kept for serve's --audit-retention days (default 90).",
	.opts = audit_opts,
	.fn = cmd_audit,
};
