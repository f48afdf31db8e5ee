/*
 * Terminal I/O: the message voice (cat_err/cat_warn/cat_note/cat_hint, all on
 * stderr), TTY and CI detection, secret masking, the live wait indicator,
 * Ctrl-C handling and the one prompt the CLI has (a numbered choice).
 */
#ifndef CAT_IO_H
#define CAT_IO_H

#include <signal.h>
#include <stddef.h>

#include "err.h"

/* Set by the SIGINT/SIGTERM handler; every wait loop checks it. */
extern volatile sig_atomic_t cat_interrupted;

/* Installs the handler without SA_RESTART, so sleeps and polls wake up. */
void cat_signals_install(void);

/* Prints "catalyst: <msg>" on stderr (and a pending hint); returns code. */
int cat_err(int code, const char *fmt, ...) CAT_PRINTF(2, 3);
void cat_warn(const char *fmt, ...) CAT_PRINTF(1, 2);
/* A plain line on stderr (progress, confirmations). */
void cat_note(const char *fmt, ...) CAT_PRINTF(1, 2);
/* A debug line on stderr, only with --verbose. */
void cat_debug(const char *fmt, ...) CAT_PRINTF(1, 2);
void cat_io_set_verbose(int on);
int cat_io_verbose(void);

/*
 * A hint says what to do next. Lower layers set it where they know the fix
 * (like cat_error_set); cat_err/cat_fail print it once and clear it.
 */
void cat_hint_set(const char *fmt, ...) CAT_PRINTF(1, 2);
void cat_hint_clear(void);

/*
 * Reports a failed step: "catalyst: <what>: <last error message>", the hint,
 * and returns the exit code for err (4 for CAT_EAUTH, 2 for CAT_ECANCEL,
 * else 1).
 */
int cat_fail(int err, const char *what, ...) CAT_PRINTF(2, 3);
int cat_exit_code(int err);

int cat_io_stdin_tty(void);
int cat_io_stdout_tty(void);
int cat_io_stderr_tty(void);
/* True when CI (or a similar variable) is set. */
int cat_io_ci(void);
/* True when we may prompt: stdin and stderr are TTYs and not CI. */
int cat_io_interactive(void);

/*
 * Masks a secret for display: keeps the non-secret prefix (salt, kind, DC)
 * and 4 characters, e.g. "m_catr_us_Ab3x...". Never the whole secret.
 */
void cat_mask(char *out, size_t n, const char *secret);

/* Sleeps ms milliseconds; CAT_ECANCEL (message set) on Ctrl-C. */
int cat_sleep_ms(long ms);

/* A spinner line on stderr, drawn only when stderr is a TTY. */
struct cat_wait {
	int tty;
	unsigned frame;
	const char *what;
};
void cat_wait_start(struct cat_wait *w, const char *what);
/* Redraws with the time left (seconds; <0 hides it). */
void cat_wait_tick(struct cat_wait *w, long left);
void cat_wait_end(struct cat_wait *w);

/*
 * Asks the user to pick one of n items by number (stderr/stdin). Callers
 * check cat_io_interactive() first. Returns 0 and *out, or CAT_ECANCEL.
 */
int cat_prompt_choice(const char *title, const char *const *items, size_t n,
		      size_t *out);

/* Local time of an ISO-8601 UTC string as "YYYY-MM-DD HH:MM", or the input. */
void cat_fmt_time(char *out, size_t n, const char *iso);
/* Now as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ". */
void cat_now_iso(char out[32]);

#endif
