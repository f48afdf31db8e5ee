/* Input checks shared by the store backends, so both refuse the same input. */
#include "store_util.h"

#include <string.h>

#include "err.h"
#include "store.h"
#include "banned.h"

/* what a project created without them gets (the reference CLI's own) */
#define DEFAULT_PROJECT_TYPE "Live"
#define DEFAULT_TIMEZONE     "Asia/Kolkata"

int cat_store_check(const char *s, size_t max, const char *what)
{
	if (!s)
		return cat_error_set(CAT_EINVAL, "%s is missing", what);
	if (strnlen(s, max + 1) > max)
		return cat_error_set(CAT_EINVAL,
				     "%s is too long (at most %zu bytes)", what,
				     max);
	return 0;
}

int cat_store_check_key(const char *s, size_t max, const char *what)
{
	int err = cat_store_check(s, max, what);

	if (err == 0 && !*s)
		err = cat_error_set(CAT_EINVAL, "%s is empty", what);
	return err;
}

int cat_store_parse_id(const char *s, int64_t *out, const char *what)
{
	int64_t v = 0;
	size_t i;
	int err;

	*out = 0;
	if ((err = cat_store_check(s, CAT_ID_MAX, what)) < 0)
		return err;
	/* 18 digits always fit in int64_t; no id of ours has a leading 0 */
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 18 ||
		    (i == 0 && s[i] == '0'))
			return cat_error_set(CAT_ENOTFOUND, "unknown %s", what);
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return cat_error_set(CAT_ENOTFOUND, "unknown %s", what);
	*out = v;
	return 0;
}

int cat_store_check_project(struct cat_project *p, int64_t *oid)
{
	int err;

	if ((err = cat_store_check_key(p->name, CAT_NAME_MAX, "project name")) <
		    0 ||
	    (err = cat_store_check(p->type, sizeof(p->type) - 1,
				   "project type")) < 0 ||
	    (err = cat_store_check(p->timezone, sizeof(p->timezone) - 1,
				   "timezone")) < 0 ||
	    (err = cat_store_parse_id(p->org_id, oid, "org")) < 0)
		return err;
	if (!p->type[0])
		memcpy(p->type, DEFAULT_PROJECT_TYPE,
		       sizeof(DEFAULT_PROJECT_TYPE));
	if (!p->timezone[0])
		memcpy(p->timezone, DEFAULT_TIMEZONE, sizeof(DEFAULT_TIMEZONE));
	return 0;
}

int cat_store_check_grant(const struct cat_grant *g)
{
	int err;

	if ((err = cat_store_check_key(g->token_id, CAT_TOKEN_ID_LEN,
				       "token id")) < 0 ||
	    (err = cat_store_check_key(g->token_hash, CAT_HASH_HEX - 1,
				       "token hash")) < 0 ||
	    (err = cat_store_check_key(g->client_id, CAT_ID_MAX, "client id")) <
		    0 ||
	    (err = cat_store_check(g->scope, CAT_SCOPE_MAX, "scope")) < 0 ||
	    (err = cat_store_check(g->device_name, CAT_DEVICE_NAME_MAX,
				   "device name")) < 0 ||
	    (err = cat_store_check(g->dc, sizeof(g->dc) - 1, "data center")) <
		    0 ||
	    (err = cat_store_check(g->name, CAT_NAME_MAX, "token name")) < 0 ||
	    (err = cat_store_check(g->project_id, CAT_ID_MAX, "project id")) <
		    0)
		return err;
	return 0;
}

int cat_store_check_audit(const struct cat_audit *e)
{
	int err;

	if ((err = cat_store_check_key(e->event, CAT_AUDIT_WORD_MAX,
				       "audit event")) < 0 ||
	    (err = cat_store_check_key(e->actor, CAT_AUDIT_WORD_MAX,
				       "audit actor")) < 0 ||
	    (err = cat_store_check(e->token_id, CAT_TOKEN_ID_LEN, "token id")) <
		    0 ||
	    (err = cat_store_check(e->client_id, CAT_ID_MAX, "client id")) <
		    0 ||
	    (err = cat_store_check(e->addr, CAT_ADDR_MAX, "address")) < 0)
		return err;
	return 0;
}

int cat_store_check_client(const struct cat_client *c)
{
	int err;

	if ((err = cat_store_check_key(c->id, CAT_ID_MAX, "client id")) < 0 ||
	    (err = cat_store_check(c->secret_hash, CAT_HASH_HEX - 1,
				   "client secret hash")) < 0 ||
	    (err = cat_store_check(c->name, CAT_NAME_MAX, "client name")) < 0)
		return err;
	if (c->kind != CAT_CLIENT_DEVICE && c->kind != CAT_CLIENT_BROWSER)
		return cat_error_set(CAT_EINVAL, "unknown client kind");
	if (c->is_public != 0 && c->is_public != 1)
		return cat_error_set(CAT_EINVAL, "unknown client type");
	/* a confidential client without a secret could never authenticate,
	 * and a public one with a secret would be half of each */
	if (c->is_public != !c->secret_hash[0])
		return cat_error_set(CAT_EINVAL,
				     c->is_public ? "a public client has no "
						    "secret"
						  : "a confidential client "
						    "needs a secret hash");
	return 0;
}

static _Thread_local uint64_t thread_ns;

void cat_store_time_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	thread_ns += (uint64_t)(t1.tv_sec - t0->tv_sec) * 1000000000u +
		     (uint64_t)(t1.tv_nsec - t0->tv_nsec);
}

uint64_t cat_store_thread_us(void)
{
	return thread_ns / 1000;
}
