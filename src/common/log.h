/*
 * Leveled logging to stderr for catalystd. Callers never pass secrets: log
 * token IDs and client IDs, not tokens, codes or passwords.
 */
#ifndef CAT_LOG_H
#define CAT_LOG_H

#include "err.h"

enum cat_log_level { CAT_LOG_ERROR, CAT_LOG_WARN, CAT_LOG_INFO, CAT_LOG_DEBUG };

void cat_log_set_level(enum cat_log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int cat_log_parse_level(const char *s);
void cat_log(enum cat_log_level level, const char *fmt, ...) CAT_PRINTF(2, 3);

#define cat_log_error(...) cat_log(CAT_LOG_ERROR, __VA_ARGS__)
#define cat_log_warn(...)  cat_log(CAT_LOG_WARN, __VA_ARGS__)
#define cat_log_info(...)  cat_log(CAT_LOG_INFO, __VA_ARGS__)
#define cat_log_debug(...) cat_log(CAT_LOG_DEBUG, __VA_ARGS__)

#endif
