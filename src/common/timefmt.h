/* Time formatting shared by server, client and logs: ISO 8601 in UTC. */
#ifndef CAT_TIMEFMT_H
#define CAT_TIMEFMT_H

#include <stdint.h>

#define CAT_ISO_TIME_LEN 32

/* Formats Unix time t as "2026-11-27T20:00:00Z" (out[0] = 0 if impossible). */
void cat_iso_time(char out[CAT_ISO_TIME_LEN], int64_t t);

#endif
