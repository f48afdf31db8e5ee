/*
 * The command table. One row per command names its handler, what it needs
 * (checked once by dispatch, never by handlers), the options it takes, its
 * positional argument counts and its help; usage and --help are generated
 * from the row.
 */
#ifndef CAT_CMD_H
#define CAT_CMD_H

#include <stdio.h>

#include "cli.h"

enum cat_cmd_flag {
	CMD_NEEDS_AUTH = 1u << 0,  /* a credential: --token, env or sign-in */
	CMD_NEEDS_LOGIN = 1u << 1, /* this device's sign-in, nothing else */
};

struct cat_cmd {
	const char *name;
	int (*fn)(struct cat_ctx *ctx);
	unsigned flags; /* enum cat_cmd_flag */
	unsigned opts;  /* enum cat_cmd_opt bits it accepts */
	int min_args;
	int max_args;
	const char *args;    /* positional part of the usage line */
	const char *summary; /* one line for `catalyst help` */
	const char *details; /* more for `catalyst <cmd> --help`, or NULL */
};

extern const struct cat_cmd cat_cmd_table[];
extern const size_t cat_cmd_count;

const struct cat_cmd *cat_cmd_find(const char *name);

/*
 * Parses argv (global and command options may come anywhere; "--" ends
 * options). 0, or CAT_EINVAL with the message set (a usage error).
 */
int cat_cmd_parse(struct cat_opts *opts, int argc, char **argv);

/* Checks the row's requirements and runs the handler; returns the exit code. */
int cat_cmd_dispatch(struct cat_ctx *ctx);

/* `catalyst <cmd> --help` and `catalyst help`. */
void cat_cmd_usage(FILE *f, const struct cat_cmd *c);
void cat_cmd_help_all(FILE *f);

/* Handlers, one per cmd_<name>.c. They return the process exit code. */
int cmd_login(struct cat_ctx *ctx);
int cmd_logout(struct cat_ctx *ctx);
int cmd_whoami(struct cat_ctx *ctx);
int cmd_token_generate(struct cat_ctx *ctx);
int cmd_token_list(struct cat_ctx *ctx);
int cmd_token_revoke(struct cat_ctx *ctx);
int cmd_project_list(struct cat_ctx *ctx);
int cmd_project_use(struct cat_ctx *ctx);
int cmd_project_reset(struct cat_ctx *ctx);
int cmd_init(struct cat_ctx *ctx);
int cmd_help(struct cat_ctx *ctx);

#endif
