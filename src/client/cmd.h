/*
 * The command table. One row per command names its handler, what it needs
 * (checked once by dispatch, never by handlers), its option table, its
 * positional argument counts, examples, the environment variables it reads
 * and the exit statuses it returns. Usage, --help, shell completion and the
 * checks of the man page are all generated from these rows, so none of them
 * can drift from what the parser accepts.
 */
#ifndef CAT_CMD_H
#define CAT_CMD_H

#include <stdio.h>

#include "cli.h"

enum cat_cmd_flag {
	CMD_NEEDS_AUTH = 1u << 0,  /* a credential: --token, env or sign-in */
	CMD_NEEDS_LOGIN = 1u << 1, /* this device's sign-in, nothing else */
	CMD_HIDDEN = 1u << 2,      /* for scripts: not in help or completion */
	/* prints data and honours --json; every other command refuses it */
	CMD_JSON = 1u << 3,
};

/*
 * One option. Global options (bit 0, in cat_global_opts) apply to every
 * command. A command option is accepted only by the commands whose table
 * lists it; a command table may also list a global option (bit 0) to
 * document what it means for that command.
 */
struct cat_opt {
	const char *name; /* long form without "--" */
	char shrt;        /* short form, or 0 */
	const char *arg;  /* placeholder of its value ("<dc>"); NULL: a flag */
	unsigned bit;     /* enum cat_cmd_opt; 0 for a global option */
	int id;           /* global options: which field it sets (cmd.c) */
	const char *help;
};

struct cat_example {
	const char *line; /* what to type, without the prompt */
	const char *what; /* what it does */
};

/* Groups of environment variables a command reads (cat_env_vars). */
enum cat_env_group {
	ENV_TOKEN = 1u << 0,
	ENV_SERVER = 1u << 1,
	ENV_ORG = 1u << 2,
	ENV_PROJECT = 1u << 3,
	ENV_CLIENT = 1u << 4,
	ENV_DEVICE = 1u << 5,
	ENV_STATE = 1u << 6,
	ENV_CI = 1u << 7,
	ENV_BROWSER = 1u << 8,
	ENV_TERM = 1u << 9,
};

struct cat_env_var {
	unsigned group; /* enum cat_env_group */
	const char *name;
	const char *help;
};

/* Exit statuses a command can return, one bit each (cat_exit_statuses). */
enum cat_exit_bit {
	X_OK = 1u << 0,
	X_ERROR = 1u << 1,
	X_CANCEL = 1u << 2,
	X_AUTH = 1u << 3,
	X_USAGE = 1u << 4,
};

struct cat_exit_status {
	unsigned bit;
	int code;
	const char *help;
};

struct cat_cmd {
	const char *name;
	int (*fn)(struct cat_ctx *ctx);
	unsigned flags;             /* enum cat_cmd_flag */
	const struct cat_opt *opts; /* {NULL}-terminated, or NULL: none */
	int min_args;
	int max_args;
	const char *args;    /* positional part of the usage line */
	const char *summary; /* one line for `catalyst help` */
	const char
		*details; /* more prose for `catalyst <cmd> --help`, or NULL */
	const struct cat_example *examples; /* {NULL}-terminated */
	unsigned env;                       /* enum cat_env_group bits */
	unsigned exits;                     /* enum cat_exit_bit bits */
};

extern const struct cat_cmd cat_cmd_table[];
extern const size_t cat_cmd_count;
extern const struct cat_opt cat_global_opts[];
extern const size_t cat_global_opt_count;
extern const struct cat_env_var cat_env_vars[];
extern const size_t cat_env_var_count;
extern const struct cat_exit_status cat_exit_statuses[];
extern const size_t cat_exit_status_count;

const struct cat_cmd *cat_cmd_find(const char *name);

/* The data-center names --dc accepts, space-separated (for completion). */
#define CAT_DC_NAMES "us eu in au ca sa jp ae"

/*
 * Parses argv (global and command options may come anywhere; "--" ends
 * options). 0, or CAT_EINVAL with the message set and a hint pending (a
 * usage error; an unknown option's hint names the closest known one).
 */
int cat_cmd_parse(struct cat_opts *opts, int argc, char **argv);

/* Checks the row's requirements and runs the handler; returns the exit code. */
int cat_cmd_dispatch(struct cat_ctx *ctx);

/* The usage line alone: "catalyst init [-p <name|id>] [--force]". */
void cat_cmd_synopsis(FILE *f, const struct cat_cmd *c);
/* `catalyst <cmd> --help` and `catalyst help`. */
void cat_cmd_usage(FILE *f, const struct cat_cmd *c);
void cat_cmd_help_all(FILE *f);
/* True when c documents a global option itself (so usage lists it there). */
int cat_cmd_lists_global(const struct cat_cmd *c, const struct cat_opt *g);

/*
 * "Did you mean": the optimal-string-alignment distance (Levenshtein plus
 * swapping two neighbours), case-insensitive; words longer than
 * CAT_SUGGEST_MAX are never close to anything.
 */
#define CAT_SUGGEST_MAX 64
unsigned cat_edit_distance(const char *a, const char *b);

struct cat_suggest {
	const char *word;
	const char *best; /* the closest candidate so far, or NULL */
	unsigned dist;
};
void cat_suggest_init(struct cat_suggest *s, const char *word);
/* Offers a candidate; it is kept if close enough and closer than the best. */
void cat_suggest_add(struct cat_suggest *s, const char *cand);
/* The closest visible command to word, or NULL. */
const char *cat_cmd_suggest(const char *word);

/* Handlers, one per cmd_<name>.c. They return the process exit code. */
int cmd_login(struct cat_ctx *ctx);
int cmd_logout(struct cat_ctx *ctx);
int cmd_whoami(struct cat_ctx *ctx);
int cmd_token_generate(struct cat_ctx *ctx);
int cmd_token_list(struct cat_ctx *ctx);
int cmd_token_revoke(struct cat_ctx *ctx);
int cmd_token_rotate(struct cat_ctx *ctx);
/*
 * The exit code for an ID that is not a token generated on this device:
 * this device's sign-in (login_hint says what to do instead), another
 * device's token (the server's list names which; verb: "revoked") or no
 * token at all. For the commands that work only on the generating device.
 */
int cat_token_not_here(struct cat_ctx *ctx, json_t *state, const char *cmd,
		       const char *verb, const char *login_hint,
		       const char *id);
int cmd_project_list(struct cat_ctx *ctx);
int cmd_project_use(struct cat_ctx *ctx);
int cmd_project_reset(struct cat_ctx *ctx);
int cmd_init(struct cat_ctx *ctx);
int cmd_help(struct cat_ctx *ctx);
int cmd_version(struct cat_ctx *ctx);
int cmd_completion(struct cat_ctx *ctx);
int cmd_config(struct cat_ctx *ctx);
int cmd_complete(struct cat_ctx *ctx);

#endif
