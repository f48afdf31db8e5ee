/* One line per event: ISO time, level, message. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"
#include "banned.h"

static enum cat_log_level max_level = CAT_LOG_INFO;
static const char *const names[] = { "error", "warn", "info", "debug" };

void cat_log_set_level(enum cat_log_level level)
{
	max_level = level;
}

int cat_log_parse_level(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void cat_log(enum cat_log_level level, const char *fmt, ...)
{
	char line[1024], ts[CAT_ISO_TIME_LEN];
	va_list ap;

	if (level > max_level)
		return;
	cat_iso_time(ts, (int64_t)time(NULL));
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one fprintf per line so concurrent threads never interleave */
	fprintf(stderr, "%s %s %s\n", ts, names[level], line);
}
