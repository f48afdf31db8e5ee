#include "audit.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "banned.h"

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* Copies what fits: every caller's values are bounded by the store's
 * sizes already, and a cut one is refused by the store, not overrun. */
static void put(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

void cat_audit_fill(struct cat_audit *e, const char *event, const char *actor,
		    int64_t account_id, const char *token_id,
		    const char *client_id, const char *addr)
{
	memset(e, 0, sizeof(*e));
	e->account_id = account_id;
	put(e->event, sizeof(e->event), event);
	put(e->actor, sizeof(e->actor), actor);
	put(e->token_id, sizeof(e->token_id), token_id);
	put(e->client_id, sizeof(e->client_id), client_id);
	put(e->addr, sizeof(e->addr), addr);
}

void cat_audit_log(const struct cat_audit *e, const char *extra_key,
		   const char *extra_val)
{
	char account[24];

	snprintf(account, sizeof(account), "%lld", (long long)e->account_id);
	/* a NULL value leaves its field out; extra_key NULL ends the list */
	cat_log_event(e->event, "token_id", or_null(e->token_id), "client_id",
		      or_null(e->client_id), "account",
		      e->account_id ? account : NULL, "client",
		      or_null(e->addr), "actor", e->actor, extra_key, extra_val,
		      NULL);
}

void cat_audit(struct cat_store *st, const char *event, const char *actor,
	       int64_t account_id, const char *token_id, const char *client_id,
	       const char *addr, const char *extra_key, const char *extra_val)
{
	struct cat_audit e;

	cat_audit_fill(&e, event, actor, account_id, token_id, client_id, addr);
	cat_audit_log(&e, extra_key, extra_val);
	if (cat_store_audit_add(st, &e) < 0)
		cat_log_warn("audit: cannot record %s: %s", event,
			     cat_error_last());
}
