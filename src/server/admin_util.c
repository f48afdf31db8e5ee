/*
 * Helpers shared by the admin subcommands: one option loop, one way to
 * open the store and report it, one set of input checks.
 */
#include "admin_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "token.h"
#include "banned.h"

/*
 * getopt_long over argv with the shared options (--help, --db, --json)
 * handled here. Returns 0, HELP_SHOWN or EXIT_USAGE.
 */
int adm_parse_opts(int argc, char **argv, const struct option *opts,
		   const char *usage, struct common_opts *co, opt_fn fn,
		   void *o)
{
	const char *config = NULL;
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			fputs(usage, stdout);
			return HELP_SHOWN;
		case O_DB:
			co->db = optarg;
			break;
		case O_CONFIG:
			config = optarg;
			break;
		case O_JSON:
			co->json = 1;
			break;
		case ':':
		case '?':
			/* optopt names a bad short option; a long one is
			 * the argument just consumed */
			if (optopt > 0 && optopt < 256)
				fprintf(stderr, "catalystd: %s '-%c'\n%s",
					c == ':' ? "option needs a value:"
						 : "unknown option",
					optopt, usage);
			else
				fprintf(stderr, "catalystd: %s '%s'\n%s",
					c == ':' ? "option needs a value:"
						 : "unknown option",
					argv[optind - 1], usage);
			return EXIT_USAGE;
		default:
			if ((err = fn ? fn(o, c, optarg) : EXIT_USAGE) != 0)
				return err;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "catalystd: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return EXIT_USAGE;
	}
	if (!co->db && !(co->db = cat_admin_db_default(config)))
		return EXIT_USAGE;
	return 0;
}

int adm_usage_err(const char *usage, const char *what)
{
	fprintf(stderr, "catalystd: %s\n%s", what, usage);
	return EXIT_USAGE;
}

/* A PostgreSQL URL may carry a password: show only what follows the '@',
 * up to any query string. */
static const char *adm_db_label(const char *db, int *len)
{
	const char *at = strrchr(db, '@');

	if (strstr(db, "://")) {
		db = at ? at + 1 : db;
		*len = (int)strcspn(db, "?");
	} else {
		*len = (int)strlen(db);
	}
	return db;
}

int adm_open_store(struct cat_store **out, const char *db)
{
	int err = cat_store_open(out, db), len;
	const char *label;

	if (err == 0)
		err = cat_store_migrate(*out);
	if (err < 0) {
		label = adm_db_label(db, &len);
		fprintf(stderr,
			"catalystd: --db %.*s: cannot open the store: %s\n",
			len, label, cat_error_last());
		cat_store_close(*out);
		*out = NULL;
		return EXIT_ERR;
	}
	return 0;
}

/* Prints obj (stolen) as one line of JSON. */
void adm_print_json(json_t *obj)
{
	if (!obj) {
		fputs("{}\n", stdout);
		return;
	}
	json_dumpf(obj, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(obj);
}

/* A command succeeded only if its output reached stdout. */
int adm_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "catalystd: cannot write output: %s\n",
			strerror(errno));
		return EXIT_ERR;
	}
	return rc;
}

/* 1..max bytes of valid UTF-8 with no control characters. */
int adm_valid_text(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max || !cat_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int adm_valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;

	if (!at || at == s || !at[1] || strchr(at + 1, '@') ||
	    strlen(s) > CAT_EMAIL_MAX)
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Characters, not bytes, so the minimum means the same in any script. */
size_t adm_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Ids appear in URLs and headers: keep them to what routes accept. */
int adm_valid_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= CAT_ID_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == n;
}
