#include "audit.h"

#include <stdio.h>

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

void cat_audit(struct cat_store *st, const char *event, const char *actor,
	       int64_t account_id, const char *token_id, const char *client_id,
	       const char *addr, const char *extra_key, const char *extra_val)
{
	struct cat_audit e = { .account_id = account_id };
	char account[24];

	put(e.event, sizeof(e.event), event);
	put(e.actor, sizeof(e.actor), actor);
	put(e.token_id, sizeof(e.token_id), token_id);
	put(e.client_id, sizeof(e.client_id), client_id);
	put(e.addr, sizeof(e.addr), addr);
	snprintf(account, sizeof(account), "%lld", (long long)account_id);
	/* a NULL value leaves its field out; extra_key NULL ends the list */
	cat_log_event(event, "token_id", or_null(token_id), "client_id",
		      or_null(client_id), "account",
		      account_id ? account : NULL, "client", or_null(addr),
		      "actor", actor, extra_key, extra_val, NULL);
	if (cat_store_audit_add(st, &e) < 0)
		cat_log_warn("audit: cannot record %s: %s", event,
			     cat_error_last());
}
