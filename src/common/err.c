/*
 * Thread-local "last error" message, libgit2 style: the failing function sets
 * it once; callers pass the code up unchanged.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

#include "banned.h"

static _Thread_local char last_msg[512];

int cat_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *cat_error_last(void)
{
	return last_msg;
}

void cat_error_clear(void)
{
	last_msg[0] = '\0';
}

const char *cat_strerror(int code)
{
	switch (code) {
	case CAT_OK:
		return "success";
	case CAT_ENOTFOUND:
		return "not found";
	case CAT_EEXISTS:
		return "already exists";
	case CAT_EINVAL:
		return "invalid input";
	case CAT_ETOOBIG:
		return "too large";
	case CAT_ECONFLICT:
		return "already used or changed";
	case CAT_EAUTH:
		return "authentication failed";
	case CAT_EPENDING:
		return "authorization pending";
	case CAT_ESLOWDOWN:
		return "polling too fast";
	case CAT_EDENIED:
		return "access denied";
	case CAT_EEXPIRED:
		return "expired";
	case CAT_EUNAVAIL:
		return "service unavailable";
	case CAT_ETIMEOUT:
		return "timed out";
	case CAT_ECANCEL:
		return "cancelled";
	default:
		return "error";
	}
}
