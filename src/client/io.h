/*
 * Terminal I/O: the message voice (cat_err/cat_warn/cat_note/cat_hint, all on
 * stderr), TTY and CI detection, secret masking, the live wait indicator,
 * Ctrl-C handling and the one prompt the CLI has (a numbered choice).
 */
#ifndef CAT_IO_H
#define CAT_IO_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Set by the SIGINT/SIGTERM handler; every wait loop checks it. */
extern volatile sig_atomic_t cat_interrupted;

/* Installs the handler without SA_RESTART, so sleeps and polls wake up. */
void cat_signals_install(void);

/*
 * Terminal safety. Anything a server sends (error descriptions, device and
 * project names, a token, an email) can carry escape sequences that would
 * retitle the window, clear the screen or hide text. Everything the CLI
 * prints goes through cat_term_escape, so no control character reaches the
 * terminal, whatever path the text took:
 *   C0 (0x00-0x1f), DEL       -> \n \r \t, else \xNN
 *   C1 (U+0080-U+009F)        -> \u0080 ... \u009f (0x9b is CSI)
 *   bidi overrides and isolates (U+202A-E, U+2066-9) -> \u202e etc.
 *   a byte that is not valid UTF-8 -> \xNN
 * Printable text, UTF-8 included, is copied as is; the result never holds a
 * control character, so escaping twice changes nothing.
 */
/* Appends the escaped form of s[0..len) to out; <0 when out is full. */
int cat_term_escape(struct cat_buf *out, const char *s, size_t len);
/* Writes s escaped (no newline added); NULL writes nothing. */
void cat_term_puts(FILE *f, const char *s);
/* Formats, escapes the whole result, then writes it and a newline. */
void cat_term_line(FILE *f, const char *fmt, ...) CAT_PRINTF(2, 3);
/*
 * Writes a JSON document (2-space indent) and a newline. jansson escapes
 * C0 inside strings but not DEL, C1 or bidi controls: those become \uXXXX,
 * which keeps the document valid and its values unchanged.
 */
int cat_print_json(FILE *f, const json_t *doc);

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
/* The hint waiting to be printed, "" when none (for tests). */
const char *cat_hint_pending(void);

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
 * True when NO_COLOR is set (no-color.org: any non-empty value) or TERM is
 * "dumb": then nothing the CLI prints holds an escape sequence.
 */
int cat_io_plain(void);

/*
 * Masks a secret for display: keeps the non-secret prefix (salt, kind, DC)
 * and 4 characters, e.g. "m_catr_us_Ab3x...". Never the whole secret.
 */
void cat_mask(char *out, size_t n, const char *secret);

/* Sleeps ms milliseconds; CAT_ECANCEL (message set) on Ctrl-C. */
int cat_sleep_ms(long ms);

/*
 * A spinner line on stderr, drawn only when stderr is a TTY; with
 * cat_io_plain() one plain line instead, written once.
 */
struct cat_wait {
	int tty;
	int plain;
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
/*
 * Asks a yes/no question (stderr/stdin); only "y" or "yes" is yes, so Enter
 * keeps the default, no. Callers check cat_io_interactive() first. Returns
 * 0 and *yes, or CAT_ECANCEL on end of input or Ctrl-C.
 */
int cat_prompt_yes(const char *question, int *yes);

/*
 * Reads one value (a token, a secret) from fd, so it need not be on the
 * command line: at most CAT_READ_VALUE_MAX bytes are read, the whitespace
 * around the value (a file's or echo's line end) is dropped, and what is
 * left must fit out (max bytes with the NUL). On a
 * terminal the first line ends it. CAT_EINVAL, naming what, when it is
 * empty, longer, holds a NUL or more than one line; the buffers it used are
 * wiped.
 */
#define CAT_READ_VALUE_MAX 4096
int cat_read_value(int fd, const char *what, char *out, size_t max);

/* Local time of an ISO-8601 UTC string as "YYYY-MM-DD HH:MM", or the input. */
void cat_fmt_time(char *out, size_t n, const char *iso);
/* Now as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ". */
void cat_now_iso(char out[32]);

#endif
