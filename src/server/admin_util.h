/*
 * What the admin subcommands share (admin_util.c): option parsing with the
 * common --help/--db/--json, opening the store, output and input checks.
 */
#ifndef CAT_ADMIN_UTIL_H
#define CAT_ADMIN_UTIL_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "store.h"

#define EXIT_OK    0
#define EXIT_ERR   1
#define EXIT_USAGE 129
/* adm_parse: --help was printed, exit 0 */
#define HELP_SHOWN (-2)

enum {
	O_HELP = 256,
	O_DB,
	O_JSON,
	O_CONFIG,
	O_EMAIL,
	O_FIRST,
	O_LAST,
	O_ORG,
	O_PWSTDIN,
	O_NAME,
	O_MEMBER,
	O_TYPE,
	O_TZ,
	O_KIND,
	O_ID,
	O_SECSTDIN,
	O_DC,
	O_PUBLIC,
	O_ALL,
	O_SINCE,
	O_LIMIT,
};

#define COMMON_OPTS                                                            \
	{ "help", no_argument, NULL, O_HELP },                                 \
		{ "db", required_argument, NULL, O_DB },                       \
		{ "config", required_argument, NULL, O_CONFIG },               \
	{                                                                      \
		"json", no_argument, NULL, O_JSON                              \
	}

#define COMMON_USAGE                                                           \
	"  --db URL            SQLite file (default ./var/catalyst.db) or\n"   \
	"                      postgres://...\n"                               \
	"  --config FILE       take --db from FILE (default\n"                 \
	"                      /etc/catalystd/catalystd.conf when it "         \
	"exists)\n"                                                            \
	"  --json              print the result as JSON\n"

struct common_opts {
	const char *db;
	int json;
};

/* Called for every option adm_parse does not handle itself; returns 0 or
 * EXIT_USAGE. */
typedef int (*opt_fn)(void *o, int c, const char *arg);

/* One option of an admin command (struct adm_cmd). */
struct adm_opt {
	const char *name; /* long form without "--" */
	const char *arg;  /* placeholder of its value; NULL: a flag */
	int id;           /* O_*, passed to the command's opt_fn */
	int required;     /* shown bare in the synopsis, else in [] */
	const char *help; /* may hold '\n': continuation lines are indented */
};

/*
 * An admin command: the row `catalystd help` and dispatch read, and all
 * its usage is generated from (synopsis, options, the common options),
 * so the usage cannot drift from what the parser accepts.
 */
struct adm_cmd {
	const char *name, *sub;     /* sub NULL: a one-word command */
	const char *summary;        /* one line for `catalystd help` */
	const char *details;        /* the paragraph under the synopsis */
	const struct adm_opt *opts; /* {NULL}-terminated */
	int (*fn)(int argc, char **argv);
};

/* The usage of c, generated from its rows. */
void adm_usage(FILE *f, const struct adm_cmd *c);

/*
 * getopt_long over argv with c's options and the common ones (--help,
 * --db, --config, --json); fn gets c's own. Returns 0,
 * HELP_SHOWN or EXIT_USAGE (after saying why).
 */
int adm_parse(int argc, char **argv, const struct adm_cmd *c,
	      struct common_opts *co, opt_fn fn, void *o);

/* Prints what is wrong and c's usage on stderr; returns EXIT_USAGE. */
int adm_cmd_usage_err(const struct adm_cmd *c, const char *what);

/*
 * Resolves an --email to its account, or prints "catalystd: <verb> 'E':
 * no account ..." (E escaped) and returns EXIT_ERR.
 */
int adm_account(struct cat_store *st, const char *email, const char *verb,
		struct cat_account *out);

/* s (from the store or a user) cleaned of control characters for a
 * terminal, in out; "?" when it does not fit. */
const char *adm_clean(char *out, size_t n, const char *s);

/* Opens and migrates the store at db, or prints why not (never the
 * password of a postgres:// URL) and returns EXIT_ERR. */
int adm_open_store(struct cat_store **out, const char *db);

/* Prints obj (stolen) as one line of JSON. */
void adm_print_json(json_t *obj);

/* A command succeeded only if its output reached stdout. */
int adm_finish(int rc);

/*
 * The body of a command that lists store rows and takes only the common
 * options: a header line then one tab-separated line per row, or with
 * --json one object {key: [rows]}. walk lists the rows through the
 * command's own callback, which prints a row when arr is NULL and appends
 * it to arr otherwise; what names the rows in an error.
 */
typedef int (*adm_walk_fn)(struct cat_store *st, json_t *arr);
int adm_list_main(int argc, char **argv, const struct adm_cmd *c,
		  const char *header, const char *key, const char *what,
		  adm_walk_fn walk);

/* 1..max bytes of valid UTF-8 with no control characters. */
int adm_valid_text(const char *s, size_t max);

/* One @ with text on both sides, no spaces or control characters. */
int adm_valid_email(const char *s);

/* Characters, not bytes, so the minimum means the same in any script. */
size_t adm_utf8_chars(const char *s);

/* Ids appear in URLs and headers: keep them to what routes accept. */
int adm_valid_id(const char *s);

#endif
