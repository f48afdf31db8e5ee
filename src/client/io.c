/*
 * Messages, TTY detection, masking, waiting and prompting. Everything here
 * writes to stderr: stdout carries only data (a token, a table, --json), so
 * `T=$(catalyst token:generate)` captures exactly the token.
 */
#include "io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "cli.h"
#include "banned.h"

volatile sig_atomic_t cat_interrupted;

static int verbose;
static char hint[512];

static void on_signal(int sig)
{
	(void)sig;
	cat_interrupted = 1;
}

void cat_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a sleep must end at Ctrl-C */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed pipe on stdout is an error to report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF) with its code point in *cp,
 * or 0 when p does not start one.
 */
static size_t utf8_seq(const unsigned char *p, size_t left, unsigned *cp)
{
	unsigned lo = 0x80, hi = 0xbf, c = p[0];
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
		c &= 0x07;
	} else {
		return 0;
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/* True for what a terminal would act on rather than show. */
static int term_control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

typedef int (*emit_fn)(void *arg, const char *p, size_t n);

static int escape_to(const char *s, size_t len, emit_fn emit, void *arg)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	char esc[16];
	unsigned cp;
	int err;

	while (i < len) {
		n = utf8_seq(p + i, len - i, &cp);
		if (n && !term_control(cp)) {
			i += n;
			continue;
		}
		if (i > run && (err = emit(arg, s + run, i - run)) < 0)
			return err;
		if (!n)
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
		else if (cp == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (cp == '\r')
			snprintf(esc, sizeof(esc), "\\r");
		else if (cp == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else if (cp < 0x80)
			snprintf(esc, sizeof(esc), "\\x%02x", cp);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
		if ((err = emit(arg, esc, strlen(esc))) < 0)
			return err;
		i += n ? n : 1;
		run = i;
	}
	return i > run ? emit(arg, s + run, i - run) : 0;
}

static int emit_buf(void *arg, const char *p, size_t n)
{
	return cat_buf_add(arg, p, n);
}

static int emit_file(void *arg, const char *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

int cat_term_escape(struct cat_buf *out, const char *s, size_t len)
{
	return escape_to(s, len, emit_buf, out);
}

void cat_term_puts(FILE *f, const char *s)
{
	if (s)
		(void)escape_to(s, strlen(s), emit_file, f);
}

/*
 * Formats into a stack buffer (the heap only for a longer message) and
 * writes it escaped with a newline. No cat_buf here: its failure would
 * overwrite the last error message, which is often one of the arguments.
 */
static void vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char stack[4096], *text = stack;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, cp);
	va_end(cp);
	if (n < 0) {
		n = 0;
		stack[0] = '\0';
	}
	if ((size_t)n >= sizeof(stack)) {
		text = malloc((size_t)n + 1);
		if (text)
			vsnprintf(text, (size_t)n + 1, fmt, ap);
		else
			text = stack; /* cut rather than lost */
	}
	fputs(prefix, f);
	cat_term_puts(f, text);
	fputc('\n', f);
	if (text != stack)
		free(text);
}

void cat_term_line(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(f, "", fmt, ap);
	va_end(ap);
}

int cat_print_json(FILE *f, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2));
	const unsigned char *p;
	size_t i = 0, run = 0, len, n;
	unsigned cp;
	int err = 0;

	if (!text)
		return cat_error_set(CAT_ERROR, "out of memory");
	p = (const unsigned char *)text;
	len = strlen(text);
	/* jansson wrote valid UTF-8 and escaped C0; only strings hold the rest
	 */
	while (i < len && err == 0) {
		cp = 0;
		n = utf8_seq(p + i, len - i, &cp);
		if (!n)
			n = 1;
		if (n > 1 || cp == 0x7f) {
			if (term_control(cp)) {
				char esc[16];

				err = emit_file(f, text + run, i - run);
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
				if (err == 0)
					err = emit_file(f, esc, strlen(esc));
				run = i + n;
			}
		}
		i += n;
	}
	if (err == 0)
		err = emit_file(f, text + run, len - run);
	free(text);
	if (err == 0 && fputc('\n', f) == EOF)
		err = -1;
	return err < 0 ? cat_error_set(CAT_ERROR, "cannot write the output")
		       : 0;
}

/* Straight to stderr: a message may carry a long URL that must not be cut. */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	vline(stderr, prefix, fmt, ap);
}

static void flush_hint(void)
{
	if (hint[0]) {
		fputs("hint: ", stderr);
		cat_term_puts(stderr, hint);
		fputc('\n', stderr);
		hint[0] = '\0';
	}
}

int cat_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("catalyst: ", fmt, ap);
	va_end(ap);
	flush_hint();
	return code;
}

void cat_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("catalyst: warning: ", fmt, ap);
	va_end(ap);
}

void cat_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cat_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg("catalyst: debug: ", fmt, ap);
	va_end(ap);
}

void cat_io_set_verbose(int on)
{
	verbose = on;
}

int cat_io_verbose(void)
{
	return verbose;
}

void cat_hint_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hint, sizeof(hint), fmt, ap);
	va_end(ap);
}

void cat_hint_clear(void)
{
	hint[0] = '\0';
}

const char *cat_hint_pending(void)
{
	return hint;
}

int cat_exit_code(int err)
{
	switch (err) {
	case 0:
		return CAT_EXIT_OK;
	case CAT_EAUTH:
		return CAT_EXIT_AUTH;
	case CAT_ECANCEL:
		return CAT_EXIT_CANCEL;
	default:
		return CAT_EXIT_ERROR;
	}
}

int cat_fail(int err, const char *what, ...)
{
	char line[512];
	const char *why = cat_error_last();
	va_list ap;

	va_start(ap, what);
	vsnprintf(line, sizeof(line), what, ap);
	va_end(ap);
	if (!why[0])
		why = cat_strerror(err);
	return cat_err(cat_exit_code(err), "%s: %s", line, why);
}

int cat_io_stdin_tty(void)
{
	return isatty(STDIN_FILENO);
}

int cat_io_stdout_tty(void)
{
	return isatty(STDOUT_FILENO);
}

int cat_io_stderr_tty(void)
{
	return isatty(STDERR_FILENO);
}

int cat_io_ci(void)
{
	static const char *const vars[] = { "CI", "CONTINUOUS_INTEGRATION",
					    "BUILD_NUMBER", "RUN_ID" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = cat_env(vars[i]);

		/* CI=false and CI=0 are how people turn it off */
		if (v && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
			return 1;
	}
	return 0;
}

int cat_io_interactive(void)
{
	return cat_io_stdin_tty() && cat_io_stderr_tty() && !cat_io_ci();
}

int cat_io_plain(void)
{
	const char *term = cat_env("TERM");

	return cat_env("NO_COLOR") || (term && strcmp(term, "dumb") == 0);
}

void cat_mask(char *out, size_t n, const char *secret)
{
	/* salt "m_", kind "catr_", DC "us_": none of it is secret */
	size_t keep = 0, len = strlen(secret), unders = 0;

	while (keep < len && unders < 3) {
		if (secret[keep] == '_')
			unders++;
		keep++;
	}
	if (unders < 3) /* not our format: show nothing of it */
		keep = 0;
	keep += 4;
	if (keep > len / 2)
		keep = len / 2;
	snprintf(out, n, "%.*s...", (int)keep, secret);
}

int cat_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!cat_interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (cat_interrupted)
		return cat_error_set(CAT_ECANCEL, "cancelled");
	return 0;
}

void cat_wait_start(struct cat_wait *w, const char *what)
{
	w->tty = cat_io_stderr_tty();
	w->plain = cat_io_plain();
	w->frame = 0;
	w->what = what;
}

void cat_wait_tick(struct cat_wait *w, long left)
{
	static const char frames[] = "|/-\\";

	if (!w->tty)
		return;
	if (w->plain) {
		/* no redraw without \r\033[K: one line, the first time */
		if (w->frame++ == 0)
			fprintf(stderr, "%s (Ctrl-C to cancel)...\n", w->what);
		return;
	}
	if (left >= 0)
		fprintf(stderr,
			"\r\033[K%c %s (%ld:%02ld left, Ctrl-C to cancel)",
			frames[w->frame++ % 4], w->what, left / 60, left % 60);
	else
		fprintf(stderr, "\r\033[K%c %s (Ctrl-C to cancel)",
			frames[w->frame++ % 4], w->what);
	fflush(stderr);
}

void cat_wait_end(struct cat_wait *w)
{
	if (w->tty && !w->plain) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}

int cat_prompt_choice(const char *title, const char *const *items, size_t n,
		      size_t *out)
{
	char line[64], *end;
	size_t i;
	long v;

	for (;;) {
		cat_term_line(stderr, "%s", title);
		for (i = 0; i < n; i++)
			cat_term_line(stderr, "  %zu) %s", i + 1, items[i]);
		fprintf(stderr, "Enter a number [1-%zu]: ", n);
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin) || cat_interrupted) {
			fputc('\n', stderr);
			return cat_error_set(CAT_ECANCEL, "cancelled");
		}
		errno = 0;
		v = strtol(line, &end, 10);
		while (*end == ' ' || *end == '\n' || *end == '\r')
			end++;
		if (!errno && end != line && !*end && v >= 1 &&
		    (size_t)v <= n) {
			*out = (size_t)v - 1;
			return 0;
		}
		fprintf(stderr, "not a number between 1 and %zu\n", n);
	}
}

int cat_prompt_yes(const char *question, int *yes)
{
	char line[64];
	size_t n;

	cat_term_puts(stderr, question);
	fprintf(stderr, " [y/N]: ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) || cat_interrupted) {
		fputc('\n', stderr);
		return cat_error_set(CAT_ECANCEL, "cancelled");
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	*yes = strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
	return 0;
}

void cat_fmt_time(char *out, size_t n, const char *iso)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!iso) {
		snprintf(out, n, "-");
		return;
	}
	end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end != 'Z' && *end != '.' && *end != '\0')) {
		snprintf(out, n, "%s", iso);
		return;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	if (strftime(out, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, n, "%s", iso);
}

void cat_now_iso(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cat_read_value(int fd, const char *what, char *out, size_t max)
{
	/* one byte more than is read, for the NUL */
	char buf[CAT_READ_VALUE_MAX + 1];
	size_t len = 0;
	const char *v;
	ssize_t n;
	int tty = isatty(fd), err = 0;

	out[0] = '\0';
	/* reading one byte past the limit tells "too long" from "just fits" */
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR && !cat_interrupted)
			continue;
		if (n < 0) {
			err = cat_interrupted
				      ? cat_error_set(CAT_ECANCEL, "cancelled")
				      : cat_error_set(CAT_ERROR,
						      "cannot read %s: %s",
						      what, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* a terminal gives a line at a time: Enter ends the value */
		if (tty && memchr(buf, '\n', len))
			break;
	}
	if (len > CAT_READ_VALUE_MAX) {
		err = cat_error_set(CAT_EINVAL,
				    "%s is too long (more than %d bytes)", what,
				    CAT_READ_VALUE_MAX);
		goto done;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		err = cat_error_set(CAT_EINVAL, "%s holds a NUL byte", what);
		goto done;
	}
	/* the line end of a file or of echo; anything else is not ours */
	v = cat_trim_space(buf, &len);
	if (len == 0) {
		err = cat_error_set(CAT_EINVAL, "%s is empty", what);
		goto done;
	}
	if (memchr(v, '\n', len) || memchr(v, '\r', len)) {
		err = cat_error_set(CAT_EINVAL,
				    "%s holds more than one line; put the "
				    "value alone on one line",
				    what);
		goto done;
	}
	if (len >= max) {
		err = cat_error_set(CAT_EINVAL,
				    "%s is too long (more than %zu bytes)",
				    what, max - 1);
		goto done;
	}
	memcpy(out, v, len);
	out[len] = '\0';
done:
	sodium_memzero(buf, sizeof(buf));
	return err;
}
