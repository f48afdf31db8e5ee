#include "config_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "banned.h"

/* Longer lines are refused rather than cut, so no value is truncated. */
#define LINE_MAX_LEN 4096

const char *cat_config_path(const char *given, const char *dflt)
{
	struct stat st;

	if (given)
		return given;
	if (dflt && (stat(dflt, &st) == 0 || errno != ENOENT))
		return dflt;
	return NULL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* 1 true, 0 false, -1 neither. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static const struct option *find_key(const struct option *opts, const char *key)
{
	/* the file names no other file, and asks for no help */
	if (strcmp(key, "config") == 0 || strcmp(key, "help") == 0)
		return NULL;
	for (; opts->name; opts++)
		if (strcmp(opts->name, key) == 0)
			return opts;
	return NULL;
}

/* One non-comment line; 0, or -1 after printing why. */
static int read_line(const char *path, unsigned lineno, char *line,
		     const struct option *opts, cat_config_apply_fn apply,
		     void *ctx)
{
	char label[LINE_MAX_LEN + 64];
	const struct option *o;
	char *eq = strchr(line, '='), *key, *val;
	int b;

	if (!eq) {
		key = trim(line);
		key[strcspn(key, " \t")] = '\0';
		fprintf(stderr,
			"catalystd: %s:%u: key '%s' has no '=' (lines are "
			"key = value)\n",
			path, lineno, key);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key) {
		fprintf(stderr, "catalystd: %s:%u: no key before '='\n", path,
			lineno);
		return -1;
	}
	if (!(o = find_key(opts, key))) {
		fprintf(stderr, "catalystd: %s:%u: unknown key '%s'\n", path,
			lineno, key);
		return -1;
	}
	snprintf(label, sizeof(label), "%s:%u: key '%s'", path, lineno, key);
	if (o->has_arg == no_argument) {
		if ((b = parse_bool(val)) < 0) {
			fprintf(stderr,
				"catalystd: %s wants true or false, got "
				"'%s'\n",
				label, val);
			return -1;
		}
		return b ? apply(ctx, o->val, label, NULL) : 0;
	}
	if (!*val) {
		fprintf(stderr, "catalystd: %s has no value\n", label);
		return -1;
	}
	return apply(ctx, o->val, label, val);
}

int cat_config_read(const char *path, const char *flag,
		    const struct option *opts, cat_config_apply_fn apply,
		    void *ctx)
{
	char line[LINE_MAX_LEN + 2];
	unsigned lineno = 0;
	int rc = -1, err = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		err = errno;
		goto done;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr,
				"catalystd: %s:%u: line longer than %d "
				"bytes\n",
				path, lineno, LINE_MAX_LEN);
			goto done;
		}
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (read_line(path, lineno, s, opts, apply, ctx) < 0)
			goto done;
	}
	/* a directory opens, and fails on the first read */
	if (ferror(f))
		err = errno ? errno : EIO;
	else
		rc = 0;
done:
	if (err)
		fprintf(stderr, "catalystd: %s%s%s: cannot read: %s\n",
			flag ? flag : "", flag ? " " : "", path, strerror(err));
	if (f)
		fclose(f);
	return rc;
}
