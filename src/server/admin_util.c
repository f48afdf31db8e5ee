/*
 * Helpers shared by the admin subcommands: one option loop, one way to
 * open the store and report it, one set of input checks.
 */
#include "admin_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "textclean.h"
#include "token.h"
#include "banned.h"

/*
 * getopt_long over argv with the shared options (--help, --db, --json)
 * handled here. Returns 0, HELP_SHOWN or EXIT_USAGE.
 */
static int adm_parse_opts(int argc, char **argv, const struct option *opts,
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

int adm_list_main(int argc, char **argv, const struct adm_cmd *c,
		  const char *header, const char *key, const char *what,
		  adm_walk_fn walk)
{
	struct common_opts co = { 0 };
	struct cat_store *st = NULL;
	json_t *arr = NULL;
	int rc;

	if ((rc = adm_parse(argc, argv, c, &co, NULL, NULL)) != 0)
		return rc == HELP_SHOWN ? EXIT_OK : rc;
	if ((rc = adm_open_store(&st, co.db)) != 0)
		goto done;
	rc = EXIT_ERR;
	if (co.json && !(arr = json_array())) {
		fprintf(stderr, "catalystd: out of memory\n");
		goto done;
	}
	if (!co.json)
		printf("%s\n", header);
	if (walk(st, arr) < 0) {
		fprintf(stderr, "catalystd: cannot list the %s: %s\n", what,
			cat_error_last());
		goto done;
	}
	if (co.json)
		adm_print_json(json_pack("{s:O}", key, arr));
	rc = adm_finish(EXIT_OK);
done:
	json_decref(arr);
	cat_store_close(st);
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

/* Options of one command at most, besides the common ones. */
#define ADM_OPTS_MAX 16

/* One word of a synopsis, wrapped under the command at 79 columns. */
static void synopsis_word(FILE *f, int *col, int indent, const char *w)
{
	int n = (int)strlen(w);

	if (*col + 1 + n > 79) {
		fprintf(f, "\n%*s", indent, "");
		*col = indent;
	}
	fprintf(f, " %s", w);
	*col += 1 + n;
}

void adm_usage(FILE *f, const struct adm_cmd *c)
{
	const struct adm_opt *o;
	const char *h;
	char flag[64], word[72];
	int col, indent;

	col = fprintf(f, "usage: catalystd %s%s%s", c->name, c->sub ? " " : "",
		      c->sub ? c->sub : "");
	indent = col;
	for (o = c->opts; o && o->name; o++) {
		snprintf(word, sizeof(word), "%s--%s%s%s%s",
			 o->required ? "" : "[", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "", o->required ? "" : "]");
		synopsis_word(f, &col, indent, word);
	}
	synopsis_word(f, &col, indent, "[--json]");
	fprintf(f, "\n\n%s\n\n", c->details);
	for (o = c->opts; o && o->name; o++) {
		snprintf(flag, sizeof(flag), "--%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-20s", flag);
		if (strlen(flag) > 19)
			fprintf(f, "\n  %-20s", "");
		for (h = o->help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "  %-20s", "");
		}
		fputc('\n', f);
	}
	fputs(COMMON_USAGE, f);
}

int adm_cmd_usage_err(const struct adm_cmd *c, const char *what)
{
	fprintf(stderr, "catalystd: %s\n", what);
	adm_usage(stderr, c);
	return EXIT_USAGE;
}

int adm_parse(int argc, char **argv, const struct adm_cmd *c,
	      struct common_opts *co, opt_fn fn, void *o)
{
	static const struct option common[] = { COMMON_OPTS };
	struct option opts[ADM_OPTS_MAX + 5] = { 0 };
	char *usage = NULL;
	size_t n = 0, len = 0, i;
	FILE *f;
	int rc = EXIT_ERR;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		opts[n++] = common[i];
	for (i = 0; c->opts && c->opts[i].name && i < ADM_OPTS_MAX; i++)
		opts[n++] = (struct option){ c->opts[i].name,
					     c->opts[i].arg ? required_argument
							    : no_argument,
					     NULL, c->opts[i].id };
	/* the same text for --help and for every usage error */
	if (!(f = open_memstream(&usage, &len))) {
		fprintf(stderr, "catalystd: out of memory\n");
		return EXIT_ERR;
	}
	adm_usage(f, c);
	if (fclose(f) != 0 || !usage) {
		fprintf(stderr, "catalystd: out of memory\n");
		goto done;
	}
	rc = adm_parse_opts(argc, argv, opts, usage, co, fn, o);
done:
	free(usage);
	return rc;
}

const char *adm_clean(char *out, size_t n, const char *s)
{
	if (cat_text_clean(out, n, s ? s : "") < 0)
		snprintf(out, n, "?");
	return out;
}

int adm_account(struct cat_store *st, const char *email, const char *verb,
		struct cat_account *out)
{
	char shown[CAT_EMAIL_MAX + 1];
	int err = cat_store_account_by_email(st, out, email);

	if (err == 0)
		return 0;
	fprintf(stderr, "catalystd: %s '%s': %s\n", verb,
		adm_clean(shown, sizeof(shown), email),
		err == CAT_ENOTFOUND || err == CAT_EINVAL
			? "no account with this email (see 'catalystd user "
			  "list')"
			: cat_error_last());
	return EXIT_ERR;
}
