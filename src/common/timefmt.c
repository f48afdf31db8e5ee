/* ISO 8601 UTC timestamps: the one date format of the API and the logs. */
#include "timefmt.h"

#include <stddef.h>
#include <time.h>

#include "banned.h"

void cat_iso_time(char out[CAT_ISO_TIME_LEN], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, CAT_ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

long long cat_duration_parse(const char *s, long long max)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = {
		{ 's', 1 },     { 'm', 60 },        { 'h', 3600 },
		{ 'd', 86400 }, { 'w', 7 * 86400 }, { 'y', 365 * 86400 }
	};
	long long v = 0;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	if (!*s)
		return v;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s[0] == units[i].unit && !s[1])
			return v <= max / units[i].secs ? v * units[i].secs
							: -1;
	return -1;
}
