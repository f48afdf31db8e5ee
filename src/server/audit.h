/*
 * The audit trail's writer (audit.c): each security event catalystd
 * handles becomes one row of the store's audit_events and one structured
 * log line (docs/catalystd.md, "Audit trail").
 */
#ifndef CAT_AUDIT_H
#define CAT_AUDIT_H

#include <stdint.h>

#include "store.h"

/* Who acted (struct cat_audit's actor). */
#define CAT_ACTOR_DEVICE   "device"   /* a client holding the code or token */
#define CAT_ACTOR_USER     "user"     /* a person on the web pages */
#define CAT_ACTOR_OPERATOR "operator" /* the catalystd admin commands */
#define CAT_ACTOR_SYSTEM   "system"   /* the server on its own */

/*
 * Records event (a word of the docs' table) by actor: a row through
 * cat_store_audit_add, then the log line "event=EVENT token_id client_id
 * account client actor" and extra_key=extra_val when extra_key is set
 * (empty fields are left out). token_id, client_id and addr may be NULL.
 * The act it records has happened already, so a failed insert is logged
 * as a warning, not returned.
 */
void cat_audit(struct cat_store *st, const char *event, const char *actor,
	       int64_t account_id, const char *token_id, const char *client_id,
	       const char *addr, const char *extra_key, const char *extra_val);

/*
 * The two halves of cat_audit, for an act whose store operation records
 * its event in its own transaction (grant_revoke): fill the event, hand it
 * to the operation, and write the log line only when the act happened.
 */
void cat_audit_fill(struct cat_audit *e, const char *event, const char *actor,
		    int64_t account_id, const char *token_id,
		    const char *client_id, const char *addr);
void cat_audit_log(const struct cat_audit *e, const char *extra_key,
		   const char *extra_val);

#endif
