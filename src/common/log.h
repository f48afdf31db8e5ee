/*
 * Leveled logging to stderr for catalystd, one line per record (one
 * write(2), so concurrent threads never interleave), as text or as one
 * JSON object per line. Callers never pass secrets: log token IDs and
 * client IDs, not tokens, codes or passwords.
 */
#ifndef CAT_LOG_H
#define CAT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum cat_log_level { CAT_LOG_ERROR, CAT_LOG_WARN, CAT_LOG_INFO, CAT_LOG_DEBUG };
enum cat_log_format { CAT_LOG_TEXT, CAT_LOG_JSON };

void cat_log_set_level(enum cat_log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int cat_log_parse_level(const char *s);
void cat_log_set_format(enum cat_log_format format);
/* Parses "text", "json"; returns -1 when unknown. */
int cat_log_parse_format(const char *s);
/* 1 when records of level are written. */
int cat_log_enabled(enum cat_log_level level);
void cat_log(enum cat_log_level level, const char *fmt, ...) CAT_PRINTF(2, 3);

#define cat_log_error(...) cat_log(CAT_LOG_ERROR, __VA_ARGS__)
#define cat_log_warn(...)  cat_log(CAT_LOG_WARN, __VA_ARGS__)
#define cat_log_info(...)  cat_log(CAT_LOG_INFO, __VA_ARGS__)
#define cat_log_debug(...) cat_log(CAT_LOG_DEBUG, __VA_ARGS__)

/* The id of the request the calling thread serves (copied; NULL or "" when
 * none), added to every event it logs. */
void cat_log_set_request(const char *id);

/* One request, as the access line at info reports it. */
struct cat_access_rec {
	const char *id;     /* request id, also sent as X-Request-Id */
	const char *method; /* the client's method */
	const char *route;  /* the route pattern, never the raw path */
	const char *client; /* client address */
	int status;
	uint64_t duration_us;
	size_t bytes; /* response body bytes */
};
void cat_log_access(const struct cat_access_rec *a);

/*
 * A structured event at info ("token_issued", "signin_failed", ...)
 * followed by field name/value string pairs, ended by NULL. A NULL value
 * leaves its field out. Values are never secrets.
 */
void cat_log_event(const char *kind, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((sentinel))
#endif
	;

#endif
