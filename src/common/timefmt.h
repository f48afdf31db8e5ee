/* Time formatting shared by server, client and logs: ISO 8601 in UTC. */
#ifndef CAT_TIMEFMT_H
#define CAT_TIMEFMT_H

#include <stdint.h>

#define CAT_ISO_TIME_LEN 32

/* Formats Unix time t as "2026-11-27T20:00:00Z" (out[0] = 0 if impossible). */
void cat_iso_time(char out[CAT_ISO_TIME_LEN], int64_t t);

/*
 * A duration as people type it: a number of seconds ("90") or a number
 * and one unit, s, m, h, d, w or y (365 days): "30s", "12h", "30d", "1y".
 * Returns the seconds, or -1 when s is not one or exceeds max.
 */
long long cat_duration_parse(const char *s, long long max);

#endif
