/*
 * Command table, option parsing and dispatch. Options are one sorted table
 * too: global ones apply to every command, command options are accepted only
 * by the rows that list their bit, so `catalyst whoami --force` is a usage
 * error instead of being silently ignored.
 */
#include "cmd.h"

#include <string.h>

#include "auth.h"
#include "io.h"
#include "banned.h"

const struct cat_cmd cat_cmd_table[] = {
	{ "help", cmd_help, 0, 0, 0, 1, "[<command>]",
	  "Show the commands, or the options of one command", NULL },
	{ "init", cmd_init, CMD_NEEDS_AUTH, CO_FORCE, 0, 0, "",
	  "Choose this directory's project (writes .catalystrc, catalyst.json)",
	  "  -p, --project <name|id>  the project to use (required when not\n"
	  "                           interactive)\n"
	  "  --force                  replace an existing project "
	  "selection\n" },
	{ "login", cmd_login, 0, CO_NO_LOCALHOST | CO_FORCE, 0, 0, "",
	  "Sign in to Catalyst on this device",
	  "  --no-localhost  use the device flow: a URL and a code to enter "
	  "on\n"
	  "                  any device (also used when not on a terminal)\n"
	  "  --force         sign in again even when already signed in\n" },
	{ "logout", cmd_logout, 0, 0, 0, 0, "",
	  "Revoke this device's sign-in on the server and forget it", NULL },
	{ "project:list", cmd_project_list, CMD_NEEDS_AUTH, 0, 0, 0, "",
	  "List the projects of the org", NULL },
	{ "project:reset", cmd_project_reset, 0, 0, 0, 0, "",
	  "Make the directory's default project active again", NULL },
	{ "project:use", cmd_project_use, CMD_NEEDS_AUTH, 0, 0, 1,
	  "[<name|id>]", "Make a project active in this directory", NULL },
	{ "token:generate", cmd_token_generate, CMD_NEEDS_LOGIN, CO_CURRENT, 0,
	  0, "", "Generate a CLI token for the signed-in account",
	  "  --current  print the token of this device's sign-in instead\n"
	  "\n"
	  "The token is printed alone on stdout (T=$(catalyst "
	  "token:generate)),\n"
	  "never expires, and can be revoked only on this device.\n" },
	{ "token:list", cmd_token_list, CMD_NEEDS_AUTH, 0, 0, 0, "",
	  "List the account's tokens and which ones this device can revoke",
	  NULL },
	{ "token:revoke", cmd_token_revoke, 0, 0, 1, 1, "<id>",
	  "Revoke a token generated on this device", NULL },
	{ "whoami", cmd_whoami, CMD_NEEDS_AUTH, 0, 0, 0, "",
	  "Show the signed-in account", NULL },
};
const size_t cat_cmd_count = sizeof(cat_cmd_table) / sizeof(cat_cmd_table[0]);

enum opt_id {
	O_CURRENT,
	O_DC,
	O_FORCE,
	O_HELP,
	O_JSON,
	O_NO_LOCALHOST,
	O_ORG,
	O_PROJECT,
	O_TOKEN,
	O_VERBOSE,
	O_VERSION,
};

struct opt_spec {
	const char *name;
	char shrt;
	int has_arg;
	unsigned cmd_bit; /* 0: a global option */
	enum opt_id id;
	const char *usage;
	const char *help;
};

/* Sorted by name. */
static const struct opt_spec opt_specs[] = {
	{ "current", 0, 0, CO_CURRENT, O_CURRENT, NULL, NULL },
	{ "dc", 0, 1, 0, O_DC, "--dc <dc>",
	  "data center: us eu in au ca sa jp ae" },
	{ "force", 0, 0, CO_FORCE, O_FORCE, NULL, NULL },
	{ "help", 'h', 0, 0, O_HELP, "-h, --help", "show help" },
	{ "json", 0, 0, 0, O_JSON, "--json", "print data as JSON" },
	{ "no-localhost", 0, 0, CO_NO_LOCALHOST, O_NO_LOCALHOST, NULL, NULL },
	{ "org", 0, 1, 0, O_ORG, "--org <id>",
	  "org to act in (also CATALYST_ORG)" },
	{ "project", 'p', 1, 0, O_PROJECT, "-p, --project <name|id>",
	  "project to act for (also CATALYST_PROJECT_ID)" },
	{ "token", 0, 1, 0, O_TOKEN, "--token <token>",
	  "act as this CLI token's account (also CATALYST_TOKEN)" },
	{ "verbose", 0, 0, 0, O_VERBOSE, "--verbose",
	  "print each request on stderr" },
	{ "version", 'V', 0, 0, O_VERSION, "-V, --version",
	  "print the version" },
};
#define N_OPTS (sizeof(opt_specs) / sizeof(opt_specs[0]))

const struct cat_cmd *cat_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cat_cmd_count; i++)
		if (strcmp(cat_cmd_table[i].name, name) == 0)
			return &cat_cmd_table[i];
	return NULL;
}

static const struct opt_spec *find_long(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (strlen(opt_specs[i].name) == n &&
		    strncmp(opt_specs[i].name, name, n) == 0)
			return &opt_specs[i];
	return NULL;
}

static const struct opt_spec *find_short(char c)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (opt_specs[i].shrt == c)
			return &opt_specs[i];
	return NULL;
}

static void apply(struct cat_opts *o, const struct opt_spec *s, const char *v)
{
	o->given |= s->cmd_bit;
	switch (s->id) {
	case O_DC:
		o->dc = v;
		break;
	case O_ORG:
		o->org = v;
		break;
	case O_PROJECT:
		o->project = v;
		break;
	case O_TOKEN:
		o->token = v;
		break;
	case O_HELP:
		o->help = 1;
		break;
	case O_JSON:
		o->json = 1;
		break;
	case O_VERBOSE:
		o->verbose = 1;
		break;
	case O_VERSION:
		o->version = 1;
		break;
	default:
		break; /* command options live in o->given */
	}
}

static int positional(struct cat_opts *o, const char *a)
{
	if (!o->cmd) {
		o->cmd = a;
		return 0;
	}
	if (o->nargs == CAT_MAX_ARGS)
		return cat_error_set(CAT_EINVAL, "too many arguments");
	o->args[o->nargs++] = a;
	return 0;
}

int cat_cmd_parse(struct cat_opts *o, int argc, char **argv)
{
	const struct opt_spec *s;
	const char *a, *v;
	int i, only_args = 0, err;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			if ((err = positional(o, a)) < 0)
				return err;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		v = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			s = find_long(a + 2, eq ? (size_t)(eq - a - 2)
						: strlen(a + 2));
			if (!s)
				return cat_error_set(
					CAT_EINVAL,
					"unknown option "
					"'%.*s'",
					eq ? (int)(eq - a) : (int)strlen(a), a);
			if (eq && !s->has_arg)
				return cat_error_set(CAT_EINVAL,
						     "option '--%s' "
						     "takes no value",
						     s->name);
			if (eq)
				v = eq + 1;
		} else {
			if (!(s = find_short(a[1])))
				return cat_error_set(CAT_EINVAL,
						     "unknown option "
						     "'-%c'",
						     a[1]);
			if (a[2] && !s->has_arg)
				return cat_error_set(CAT_EINVAL,
						     "option '-%c' "
						     "takes no value",
						     a[1]);
			if (a[2])
				v = a + 2;
		}
		if (s->has_arg && !v) {
			if (i + 1 >= argc)
				return cat_error_set(CAT_EINVAL,
						     "option '--%s' "
						     "needs a value",
						     s->name);
			v = argv[++i];
		}
		if (s->has_arg && !v[0])
			return cat_error_set(CAT_EINVAL,
					     "option '--%s' needs a "
					     "non-empty value",
					     s->name);
		apply(o, s, v);
	}
	return 0;
}

void cat_cmd_usage(FILE *f, const struct cat_cmd *c)
{
	size_t i;

	fprintf(f, "usage: catalyst %s%s%s [options]\n\n%s.\n", c->name,
		c->args[0] ? " " : "", c->args, c->summary);
	if (c->details)
		fprintf(f, "\noptions:\n%s", c->details);
	fprintf(f, "\nglobal options:\n");
	for (i = 0; i < N_OPTS; i++)
		if (!opt_specs[i].cmd_bit)
			fprintf(f, "  %-24s %s\n", opt_specs[i].usage,
				opt_specs[i].help);
}

void cat_cmd_help_all(FILE *f)
{
	size_t i;

	fprintf(f, "usage: catalyst <command> [options]\n\ncommands:\n");
	for (i = 0; i < cat_cmd_count; i++)
		fprintf(f, "  %-15s %s\n", cat_cmd_table[i].name,
			cat_cmd_table[i].summary);
	fprintf(f, "\nglobal options:\n");
	for (i = 0; i < N_OPTS; i++)
		if (!opt_specs[i].cmd_bit)
			fprintf(f, "  %-24s %s\n", opt_specs[i].usage,
				opt_specs[i].help);
	fprintf(f, "\nRun 'catalyst help <command>' for the options of a "
		   "command.\n");
}

static int usage_err(const struct cat_cmd *c, const char *fmt, const char *a)
{
	if (c)
		cat_hint_set("see 'catalyst %s --help'", c->name);
	else
		cat_hint_set("see 'catalyst help'");
	return cat_err(CAT_EXIT_USAGE, fmt, a);
}

int cat_cmd_dispatch(struct cat_ctx *ctx)
{
	const struct cat_opts *o = &ctx->opts;
	const struct cat_cmd *c;
	unsigned extra;
	size_t i;
	int err;

	if (o->version) {
		printf("catalyst %s\n", CATALYST_VERSION);
		return CAT_EXIT_OK;
	}
	if (!o->cmd) {
		cat_cmd_help_all(o->help ? stdout : stderr);
		return o->help ? CAT_EXIT_OK : CAT_EXIT_USAGE;
	}
	if (!(c = cat_cmd_find(o->cmd)))
		return usage_err(NULL, "unknown command '%s'", o->cmd);
	ctx->cmd = c;
	if (o->help) {
		cat_cmd_usage(stdout, c);
		return CAT_EXIT_OK;
	}
	if ((extra = o->given & ~c->opts) != 0) {
		for (i = 0; i < N_OPTS; i++)
			if (opt_specs[i].cmd_bit & extra)
				break;
		cat_hint_set("see 'catalyst %s --help'", c->name);
		return cat_err(CAT_EXIT_USAGE,
			       "option '--%s' does not apply "
			       "to '%s'",
			       opt_specs[i].name, c->name);
	}
	if (o->nargs < c->min_args)
		return usage_err(c, "'%s' needs more arguments", c->name);
	if (o->nargs > c->max_args)
		return usage_err(c, "'%s' got too many arguments", c->name);
	if (o->dc && !cat_dc_find(o->dc))
		return usage_err(c,
				 "unknown data center '%s' (expected us eu "
				 "in au ca sa jp ae)",
				 o->dc);
	if (c->flags & (CMD_NEEDS_AUTH | CMD_NEEDS_LOGIN)) {
		err = cat_auth_select(ctx, (c->flags & CMD_NEEDS_LOGIN) != 0);
		if (err < 0)
			return cat_fail(err, "%s", c->name);
	}
	return c->fn(ctx);
}
