/*
 * One record per line: ISO time with milliseconds, level, then the message
 * (text) or the same as one JSON object. Every record is built in a stack
 * buffer and written with one write(2): the access line runs on every
 * request, so it allocates nothing and takes no lock.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

#define LINE_MAX_BYTES 2048
/* room kept at the end of a line for what closes it ("\"}\n") */
#define LINE_RESERVE 8

static enum cat_log_level max_level = CAT_LOG_INFO;
static enum cat_log_format format = CAT_LOG_TEXT;
static const char *const names[] = { "error", "warn", "info", "debug" };
static _Thread_local char cur_request[40];

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

void cat_log_set_format(enum cat_log_format f)
{
	format = f;
}

int cat_log_parse_format(const char *s)
{
	if (strcmp(s, "text") == 0)
		return CAT_LOG_TEXT;
	if (strcmp(s, "json") == 0)
		return CAT_LOG_JSON;
	return -1;
}

int cat_log_enabled(enum cat_log_level level)
{
	return level <= max_level;
}

void cat_log_set_request(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n >= sizeof(cur_request))
		n = sizeof(cur_request) - 1;
	if (n)
		memcpy(cur_request, id, n);
	cur_request[n] = '\0';
}

struct line {
	char buf[LINE_MAX_BYTES];
	size_t len;
	int cut; /* something did not fit */
};

/* Appends up to the reserve; what does not fit is cut. */
static void put(struct line *l, const char *s, size_t n)
{
	size_t room = l->len < sizeof(l->buf) - LINE_RESERVE
			      ? sizeof(l->buf) - LINE_RESERVE - l->len
			      : 0;

	if (n > room) {
		n = room;
		l->cut = 1;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* Appends the closing bytes into the reserve. */
static void close_with(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_uint(struct line *l, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(l, tmp + i, sizeof(tmp) - i);
}

/*
 * s as the inside of a JSON string. Bytes outside printable ASCII become
 * \u00XX, so the line is valid JSON (and one line) whatever s holds; an
 * escape that does not fit whole is left out.
 */
static void put_escaped(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (l->len + 6 > sizeof(l->buf) - LINE_RESERVE) {
			l->cut = 1;
			return;
		}
		if (c == '"' || c == '\\') {
			e[1] = (char)c;
			put(l, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			put(l, e, 6);
		} else {
			l->buf[l->len++] = (char)c;
		}
	}
}

static void put_json_str(struct line *l, const char *s)
{
	put(l, "\"", 1);
	put_escaped(l, s);
	close_with(l, "\"");
}

/* A text value: bare when it is a plain word, else quoted like JSON. */
static void put_text_value(struct line *l, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p >= 0x7f)
			break;
	if (*s && !*p)
		puts_(l, s);
	else
		put_json_str(l, s);
}

/* ` key=value` (text) or `,"key":"value"` (JSON); left out whole when it
 * does not fit, so that a long record stays valid JSON. */
static void put_field(struct line *l, const char *key, const char *value)
{
	size_t before = l->len;

	l->cut = 0;
	if (format == CAT_LOG_JSON) {
		put(l, ",\"", 2);
		put_escaped(l, key);
		put(l, "\":", 2);
		put_json_str(l, value);
	} else {
		put(l, " ", 1);
		puts_(l, key);
		put(l, "=", 1);
		put_text_value(l, value);
	}
	if (l->cut)
		l->len = before;
}

static void put_field_uint(struct line *l, const char *key,
			   unsigned long long v)
{
	if (format == CAT_LOG_JSON) {
		put(l, ",\"", 2);
		puts_(l, key);
		put(l, "\":", 2);
	} else {
		put(l, " ", 1);
		puts_(l, key);
		put(l, "=", 1);
	}
	put_uint(l, v);
}

/* "2026-11-30T07:26:37.123Z"; the date part is formatted once a second
 * per thread. */
static void put_time(struct line *l)
{
	static _Thread_local time_t last = (time_t)-1;
	static _Thread_local char secs[24];
	struct timespec ts;
	char ms[6];
	long m;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		struct tm tm;

		if (!gmtime_r(&ts.tv_sec, &tm) ||
		    !strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm))
			secs[0] = '\0';
		last = ts.tv_sec;
	}
	m = ts.tv_nsec / 1000000;
	ms[0] = '.';
	ms[1] = (char)('0' + m / 100);
	ms[2] = (char)('0' + m / 10 % 10);
	ms[3] = (char)('0' + m % 10);
	ms[4] = 'Z';
	ms[5] = '\0';
	puts_(l, secs);
	put(l, ms, 5);
}

/* Time and level: the start of every record. */
static void begin(struct line *l, enum cat_log_level level)
{
	l->len = 0;
	l->cut = 0;
	if (format == CAT_LOG_JSON) {
		put(l, "{\"time\":\"", 9);
		put_time(l);
		put(l, "\",\"level\":\"", 11);
		puts_(l, names[level]);
		put(l, "\"", 1);
		return;
	}
	put_time(l);
	put(l, " ", 1);
	puts_(l, names[level]);
}

static void emit(struct line *l)
{
	size_t off = 0;

	close_with(l, format == CAT_LOG_JSON ? "}\n" : "\n");
	while (off < l->len) {
		ssize_t n = write(STDERR_FILENO, l->buf + off, l->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

void cat_log(enum cat_log_level level, const char *fmt, ...)
{
	char msg[1024];
	struct line l;
	va_list ap;
	char *p;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	begin(&l, level);
	if (format == CAT_LOG_JSON) {
		put(&l, ",\"msg\":", 7);
		put_json_str(&l, msg);
	} else {
		/* a message is one line: a database error may hold several */
		for (p = msg; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		put(&l, " ", 1);
		puts_(&l, msg);
	}
	emit(&l);
}

void cat_log_access(const struct cat_access_rec *a)
{
	struct line l;
	char ms[32];
	size_t n;

	if (CAT_LOG_INFO > max_level)
		return;
	begin(&l, CAT_LOG_INFO);
	puts_(&l, format == CAT_LOG_JSON ? ",\"kind\":\"access\"" : " access");
	put_field(&l, "request_id", a->id ? a->id : "");
	put_field(&l, "method", a->method ? a->method : "");
	put_field(&l, "route", a->route ? a->route : "");
	put_field_uint(&l, "status", (unsigned)a->status);
	/* milliseconds with three decimals, as a JSON number too */
	put_field_uint(&l, "duration_ms", a->duration_us / 1000);
	n = 0;
	ms[n++] = '.';
	ms[n++] = (char)('0' + a->duration_us % 1000 / 100);
	ms[n++] = (char)('0' + a->duration_us % 100 / 10);
	ms[n++] = (char)('0' + a->duration_us % 10);
	put(&l, ms, n);
	put_field(&l, "client", a->client ? a->client : "");
	put_field_uint(&l, "bytes", a->bytes);
	emit(&l);
}

void cat_log_event(const char *kind, ...)
{
	struct line l;
	const char *key, *value;
	va_list ap;

	if (CAT_LOG_INFO > max_level)
		return;
	begin(&l, CAT_LOG_INFO);
	if (format == CAT_LOG_JSON)
		put_field(&l, "kind", "event");
	put_field(&l, "event", kind);
	if (cur_request[0])
		put_field(&l, "request_id", cur_request);
	va_start(ap, kind);
	while ((key = va_arg(ap, const char *))) {
		value = va_arg(ap, const char *);
		if (value)
			put_field(&l, key, value);
	}
	va_end(ap);
	emit(&l);
}
