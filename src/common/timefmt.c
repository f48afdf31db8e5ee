/* ISO 8601 UTC timestamps: the one date format of the API and the logs. */
#include "timefmt.h"

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
