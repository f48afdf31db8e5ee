/*
 * Error codes shared by client, server and store. Functions return 0 on
 * success or a negative CAT_E* code; the human-readable message is set once,
 * where the failure happens, with cat_error_set() and read by whoever reports.
 */
#ifndef CAT_ERR_H
#define CAT_ERR_H

enum cat_errcode {
	CAT_OK = 0,
	CAT_ERROR = -1,      /* generic failure, see cat_error_last() */
	CAT_ENOTFOUND = -3,  /* no such object (or expired) */
	CAT_EEXISTS = -4,    /* unique value already taken */
	CAT_EINVAL = -5,     /* malformed input */
	CAT_ETOOBIG = -6,    /* a bounded buffer would overflow */
	CAT_ECONFLICT = -7,  /* state changed under us (already used, raced) */
	CAT_EAUTH = -8,      /* authentication failed or required */
	CAT_EPENDING = -9,   /* authorization still pending */
	CAT_ESLOWDOWN = -10, /* polling too fast */
	CAT_EDENIED = -11,   /* the user denied the request */
	CAT_EEXPIRED = -12,  /* code or token expired */
	CAT_EUNAVAIL = -13,  /* backend (store, server) unreachable */
	CAT_ETIMEOUT = -14,  /* request timed out */
	CAT_ECANCEL = -15,   /* cancelled by the user (Ctrl-C) */
};

#if defined(__GNUC__)
#define CAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CAT_PRINTF(f, a)
#endif

/* Records the message of the current failure (thread-local) and returns code.
 */
int cat_error_set(int code, const char *fmt, ...) CAT_PRINTF(2, 3);

/* The last message set on this thread, or "" when none. Borrowed. */
const char *cat_error_last(void);

void cat_error_clear(void);

/* A generic description of a code, for when no message was set. */
const char *cat_strerror(int code);

#endif
