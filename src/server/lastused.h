/*
 * When each CLI token was last used, kept off the request path: a bearer
 * check only records the time in memory, and a background thread writes
 * everything recorded since its last pass in one store transaction every
 * few seconds (--last-used-flush). Writing one row per request instead
 * made every request with a token unseen for a minute a write, behind the
 * store's write lock (issue 8).
 *
 * Memory is bounded: a full table asks for an early flush and, until it
 * has run, drops new ids (a last-used time is advisory).
 */
#ifndef CAT_LASTUSED_H
#define CAT_LASTUSED_H

#include <stdint.h>

/* Starts the flush thread, writing to the store at db_url (which must
 * outlive the thread) every interval_s seconds; -1 if it cannot start. */
int cat_lastused_start(const char *db_url, int interval_s);
/* Stops the thread after a last flush of everything recorded. */
void cat_lastused_stop(void);

/* Notes that grant token_id was used at `at` from addr (text, may be
 * NULL); no store access. A no-op while the flush thread is not running.
 */
void cat_lastused_record(const char *token_id, int64_t at, const char *addr);
/* The latest time recorded for token_id and not yet known to be in the
 * store, 0 if none: lets a listing show what this instance has seen. */
int64_t cat_lastused_pending(const char *token_id);

#endif
