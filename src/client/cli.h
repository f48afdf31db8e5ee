/*
 * What every part of the catalyst CLI shares: the parsed command line, the
 * per-run context (lazily loaded config, the selected credential) and the
 * exit codes. Command handlers take only a struct cat_ctx.
 */
#ifndef CAT_CLI_H
#define CAT_CLI_H

#include <limits.h>

#include <jansson.h>

#include "dc.h"
#include "err.h"
#include "token.h"

#ifndef CATALYST_VERSION
/* set once, from project(VERSION) in CMakeLists.txt, on catcommon */
#error "CATALYST_VERSION is not defined"
#endif

/* Process exit codes (gh's set; 129 is git's usage code). */
enum cat_exit {
	CAT_EXIT_OK = 0,
	CAT_EXIT_ERROR = 1,
	CAT_EXIT_CANCEL = 2,
	CAT_EXIT_AUTH = 4,
	CAT_EXIT_USAGE = 129,
};

#define CAT_MAX_ARGS 8
/* "m_" + refresh token + NUL */
#define CAT_CLI_TOKEN_MAX (2 + CAT_TOKEN_MAX)

/* Command-specific options, one bit each; a command row lists those it takes.
 */
enum cat_cmd_opt {
	CO_NO_LOCALHOST = 1u << 0,
	CO_FORCE = 1u << 1,
	CO_CURRENT = 1u << 2,
	CO_YES = 1u << 3,
	CO_WEB = 1u << 4,
	CO_ALL = 1u << 5,
	CO_GRACE = 1u << 6,
	CO_NAME = 1u << 7,
	CO_EXPIRES_IN = 1u << 8,
	CO_READ_ONLY = 1u << 9,
};

struct cat_opts {
	const char *cmd;
	const char *args[CAT_MAX_ARGS];
	int nargs;
	/* global options */
	const char *token; /* "-": read it from stdin */
	const char *token_file;
	const char *dc;
	const char *org;
	const char *project;
	int json;
	int verbose;
	int help;
	int version;
	/* command options, see enum cat_cmd_opt */
	unsigned given;    /* bits of the command options seen */
	const char *grace; /* token:rotate --grace, as typed */
	/* token:generate --name and --expires-in, as typed */
	const char *token_name;
	const char *expires_in;
};

enum cat_cred_kind {
	CAT_CRED_NONE,
	CAT_CRED_LOGIN,  /* this device's sign-in, from the local state */
	CAT_CRED_TOKEN,  /* a CLI token from --token or the environment */
	CAT_CRED_ACCESS, /* a bare access token: used as is, never refreshed */
};

struct cat_cred {
	enum cat_cred_kind kind;
	const char *source; /* "--token", "CATALYST_TOKEN", "sign-in", ... */
	char token[CAT_CLI_TOKEN_MAX]; /* the whole CLI (or access) token */
	char salt;                     /* 'm' device flow, 'w' browser flow */
	char dc[3];                    /* the DC named inside the token */
	char token_id[CAT_TOKEN_ID_LEN + 8]; /* sign-in only, "" unknown */
	/*
	 * Sign-in only: the OAuth client the grant was issued to, recorded by
	 * login ("" for sign-ins older than the record), so that each DC's
	 * sign-in refreshes with its own client whatever the others use.
	 */
	char client_id[128];
};

struct cat_config;
struct cat_cmd;

struct cat_ctx {
	struct cat_opts opts;
	const struct cat_cmd *cmd;
	struct cat_config *cfg; /* NULL until cat_ctx_config() */
	struct cat_cred cred;   /* filled by dispatch for CMD_NEEDS_AUTH */
	json_t *directory;      /* the deployment directory once read */
	int directory_fetched;  /* asked its server this run already */
};

/* Looks up an environment variable; NULL when unset or empty. */
const char *cat_env(const char *name);

/*
 * Loads the config on first use (cheap: two small files). Returns 0 or <0
 * with the message set; *out is borrowed from ctx.
 */
int cat_ctx_config(struct cat_ctx *ctx, struct cat_config **out);

/* The DC this run works in without a token: --dc, the last login, config, us.
 */
int cat_ctx_dc(struct cat_ctx *ctx, const struct cat_dc **out);

/*
 * Origins (no trailing slash) of the auth and admin servers of dc:
 * CATALYST_AUTH_URL / CATALYST_ADMIN_URL (the server of the active DC, see
 * cat_ctx_dc: another DC is refused), else servers.<dc> of config.json,
 * else the deployment directory's entry for dc. Never a default server:
 * NULL with the error set when dc has none. Borrowed; valid until the next
 * call.
 */
const char *cat_ctx_auth_url(struct cat_ctx *ctx, const char *dc);
const char *cat_ctx_admin_url(struct cat_ctx *ctx, const char *dc);

void cat_ctx_release(struct cat_ctx *ctx);

#endif
