/*
 * Command table, option tables, parsing, generated usage and dispatch.
 * Global options apply to every command; each command has its own option
 * table, and an option from another command's table is a usage error there
 * (`catalyst whoami --force`) instead of being silently ignored.
 */
#include "cmd.h"

#include <ctype.h>
#include <string.h>

#include "auth.h"
#include "io.h"
#include "banned.h"

enum global_id {
	G_NONE,
	G_DC,
	G_HELP,
	G_JSON,
	G_ORG,
	G_PROJECT,
	G_TOKEN,
	G_TOKEN_FILE,
	G_VERBOSE,
	G_VERSION,
	/* command options with a value */
	G_GRACE,
	G_NAME,
	G_EXPIRES_IN,
};

const struct cat_opt cat_global_opts[] = {
	{ "dc", 0, "<dc>", 0, G_DC, "data center: " CAT_DC_NAMES },
	{ "help", 'h', NULL, 0, G_HELP, "show help" },
	{ "json", 0, NULL, 0, G_JSON, "print data as JSON" },
	{ "org", 0, "<id>", 0, G_ORG, "org to act in (also CATALYST_ORG)" },
	{ "project", 'p', "<name|id>", 0, G_PROJECT,
	  "project to act for (also CATALYST_PROJECT_ID)" },
	{ "token", 0, "<token>", 0, G_TOKEN,
	  "act as this CLI token's account; - reads it from stdin (also "
	  "CATALYST_TOKEN)" },
	{ "token-file", 0, "<path>", 0, G_TOKEN_FILE,
	  "read the CLI token from this file (keeps it out of the process "
	  "list)" },
	{ "verbose", 0, NULL, 0, G_VERBOSE, "print each request on stderr" },
	{ "version", 'V', NULL, 0, G_VERSION, "print the version" },
};
const size_t cat_global_opt_count =
	sizeof(cat_global_opts) / sizeof(cat_global_opts[0]);

/* ---- what each command takes ---- */

static const struct cat_opt init_opts[] = {
	{ "project", 'p', "<name|id>", 0, G_PROJECT,
	  "the project to use (required when not interactive)" },
	{ "force", 0, NULL, CO_FORCE, 0,
	  "replace an existing project selection" },
	{ NULL, 0, NULL, 0, 0, NULL },
};
static const struct cat_opt login_opts[] = {
	{ "no-localhost", 0, NULL, CO_NO_LOCALHOST, 0,
	  "use the device flow: a URL and a code to enter on any device "
	  "(also used without a terminal or a display, over SSH and in CI)" },
	{ "web", 0, NULL, CO_WEB, 0,
	  "use the browser flow even where the device flow would be chosen" },
	{ "force", 0, NULL, CO_FORCE, 0,
	  "sign in again even when already signed in" },
	{ NULL, 0, NULL, 0, 0, NULL },
};
static const struct cat_opt generate_opts[] = {
	{ "current", 0, NULL, CO_CURRENT, 0,
	  "print the token of this device's sign-in instead" },
	{ "name", 0, "<name>", CO_NAME, G_NAME,
	  "what token:list and the account page call it (default: this "
	  "host's name and the date)" },
	{ "expires-in", 0, "<duration>", CO_EXPIRES_IN, G_EXPIRES_IN,
	  "refused after this long: 12h, 30d, 1y (also s, m, w), or never "
	  "(the default)" },
	{ "project", 'p', "<name|id>", 0, G_PROJECT,
	  "limit the token to this project of the org: it sees no other "
	  "and cannot create projects" },
	{ "read-only", 0, NULL, CO_READ_ONLY, 0,
	  "the token may only read: every request that changes something is "
	  "refused" },
	{ NULL, 0, NULL, 0, 0, NULL },
};
static const struct cat_opt whoami_opts[] = {
	{ "all", 0, NULL, CO_ALL, 0,
	  "every data center signed in on this device, each checked with its "
	  "server (exit 4 when any sign-in was revoked or has expired)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};
static const struct cat_opt revoke_opts[] = {
	{ "yes", 'y', NULL, CO_YES, 0,
	  "revoke without asking (needed when not on a terminal or in CI)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct cat_opt rotate_opts[] = {
	{ "grace", 0, "<duration>", CO_GRACE, G_GRACE,
	  "keep the old secret working this long: 30s, 10m, 1h, 1d, 1w, at "
	  "most "
	  "7d (default 0: refused at once)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct cat_example help_ex[] = {
	{ "catalyst help", "list the commands" },
	{ "catalyst help token:revoke", "the options of one command" },
	{ NULL, NULL },
};
static const struct cat_example version_ex[] = {
	{ "catalyst version", "the same as catalyst --version" },
	{ NULL, NULL },
};
static const struct cat_example completion_ex[] = {
	{ "source <(catalyst completion bash)", "in ~/.bashrc" },
	{ "catalyst completion zsh > \"${fpath[1]}/_catalyst\"", "zsh, once" },
	{ "catalyst completion fish > ~/.config/fish/completions/catalyst.fish",
	  "fish, once" },
	{ NULL, NULL },
};
static const struct cat_example init_ex[] = {
	{ "catalyst init", "choose the org and project on a terminal" },
	{ "catalyst init -p alpha", "non-interactive: name the project" },
	{ "catalyst init -p beta --force", "replace the directory's project" },
	{ NULL, NULL },
};
static const struct cat_example login_ex[] = {
	{ "catalyst login", "sign in in a browser" },
	{ "catalyst login --no-localhost", "a URL and a code for any device" },
	{ "catalyst login --web", "the browser flow, even over SSH" },
	{ "catalyst login --dc eu --force", "sign in again, to the EU DC" },
	{ NULL, NULL },
};
static const struct cat_example config_ex[] = {
	{ "catalyst config list", "the settings of config.json" },
	{ "catalyst config set servers.eu https://eu.catalyst.example",
	  "the server of data center eu" },
	{ "catalyst config set http_timeout 60", "wait longer for answers" },
	{ "printf '%s\\n' \"$SECRET\" | catalyst config set "
	  "clients.device.secret -",
	  "a secret from stdin, not argv" },
	{ "catalyst config get dc --json", "{\"key\":\"dc\",\"value\":...}" },
	{ NULL, NULL },
};
static const struct cat_example logout_ex[] = {
	{ "catalyst logout", "revoke this device's sign-in" },
	{ NULL, NULL },
};
static const struct cat_example project_list_ex[] = {
	{ "catalyst project:list", "the org's projects" },
	{ "catalyst project:list --json --token \"$T\"",
	  "as a token's account" },
	{ NULL, NULL },
};
static const struct cat_example project_reset_ex[] = {
	{ "catalyst project:reset", "back to the directory's default project" },
	{ NULL, NULL },
};
static const struct cat_example project_use_ex[] = {
	{ "catalyst project:use beta", "make beta active here" },
	{ "catalyst project:use", "choose from a list on a terminal" },
	{ NULL, NULL },
};
static const struct cat_example token_generate_ex[] = {
	{ "T=$(catalyst token:generate)",
	  "approve the code; capture the token" },
	{ "catalyst token:generate --name ci --expires-in 30d -p alpha "
	  "--read-only",
	  "a named token for one project, reading only, for 30 days" },
	{ "catalyst token:generate --current", "this device's sign-in token" },
	{ NULL, NULL },
};
static const struct cat_example token_list_ex[] = {
	{ "catalyst token:list", "a table on a terminal, TSV when piped" },
	{ "catalyst token:list --json", "{\"tokens\":[...]}" },
	{ NULL, NULL },
};
static const struct cat_example token_revoke_ex[] = {
	{ "catalyst token:revoke 0a1b2c3d4e5f", "asks first on a terminal" },
	{ "catalyst token:revoke 0a1b2c3d4e5f --yes", "in a script or CI" },
	{ NULL, NULL },
};
static const struct cat_example token_rotate_ex[] = {
	{ "T=$(catalyst token:rotate 0a1b2c3d4e5f)",
	  "a new secret; the old one is refused at once" },
	{ "catalyst token:rotate 0a1b2c3d4e5f --grace 1h",
	  "the old secret keeps working for an hour" },
	{ NULL, NULL },
};
static const struct cat_example whoami_ex[] = {
	{ "catalyst whoami", "the signed-in account" },
	{ "CATALYST_TOKEN=$T catalyst whoami --json", "a token's account" },
	{ "catalyst whoami --token-file ~/.catalyst-token",
	  "a token kept in a file" },
	{ "catalyst whoami --all", "every data center signed in here" },
	{ NULL, NULL },
};

#define X_COMMON (X_OK | X_ERROR | X_USAGE)
#define X_NET    (X_COMMON | X_CANCEL | X_AUTH)
#define ENV_API  (ENV_TOKEN | ENV_SERVER | ENV_CLIENT | ENV_STATE)

const struct cat_cmd cat_cmd_table[] = {
	{ "help", cmd_help, 0, NULL, 0, 1, "[<command>]",
	  "Show the commands, or the options of one command", NULL, help_ex, 0,
	  X_OK | X_USAGE },
	{ "init", cmd_init, CMD_NEEDS_AUTH, init_opts, 0, 0, "",
	  "Choose this directory's project (writes .catalystrc, catalyst.json)",
	  "On a terminal it asks for the org and the project; otherwise -p\n"
	  "names the project (and --org the org when the account has "
	  "several).\n",
	  init_ex, ENV_API | ENV_ORG | ENV_PROJECT | ENV_CI, X_NET },
	{ "login", cmd_login, 0, login_opts, 0, 0, "",
	  "Sign in to Catalyst on this device",
	  "Where a browser on this machine can reach it, it opens the\n"
	  "authorization page and listens on 127.0.0.1 for the answer.\n"
	  "Without a terminal, over SSH, without a display or in CI it uses\n"
	  "the device flow instead, and says why. --no-localhost forces the\n"
	  "device flow, --web the browser flow.\n",
	  login_ex,
	  ENV_SERVER | ENV_CLIENT | ENV_DEVICE | ENV_STATE | ENV_CI |
		  ENV_BROWSER | ENV_TERM,
	  X_NET },
	{ "logout", cmd_logout, 0, NULL, 0, 0, "",
	  "Revoke this device's sign-in on the server and forget it",
	  "Tokens generated on this device stay, and stay revocable here.\n",
	  logout_ex, ENV_SERVER | ENV_CLIENT | ENV_STATE, X_NET },
	{ "project:list", cmd_project_list, CMD_NEEDS_AUTH | CMD_JSON, NULL, 0,
	  0, "", "List the projects of the org", NULL, project_list_ex,
	  ENV_API | ENV_ORG | ENV_PROJECT, X_NET },
	{ "project:reset", cmd_project_reset, 0, NULL, 0, 0, "",
	  "Make the directory's default project active again",
	  "Local only: no request is made.\n", project_reset_ex, 0, X_COMMON },
	{ "project:use", cmd_project_use, CMD_NEEDS_AUTH, NULL, 0, 1,
	  "[<name|id>]", "Make a project active in this directory",
	  "Without an argument it asks on a terminal.\n", project_use_ex,
	  ENV_API | ENV_ORG | ENV_PROJECT | ENV_CI, X_NET },
	{ "token:generate", cmd_token_generate, CMD_NEEDS_LOGIN, generate_opts,
	  0, 0, "", "Generate a CLI token for the signed-in account",
	  "The token is printed alone on stdout (T=$(catalyst "
	  "token:generate)).\n"
	  "It never expires unless --expires-in says so, and can be revoked\n"
	  "here with token:revoke, or from any browser on the account page.\n"
	  "The approval page shows its name, project, access and expiry\n"
	  "before you verify.\n",
	  token_generate_ex,
	  ENV_SERVER | ENV_CLIENT | ENV_DEVICE | ENV_STATE | ENV_TERM, X_NET },
	{ "token:list", cmd_token_list, CMD_NEEDS_AUTH | CMD_JSON, NULL, 0, 0,
	  "", "List the account's tokens and which ones this device can revoke",
	  NULL, token_list_ex, ENV_API | ENV_ORG, X_NET },
	{ "token:revoke", cmd_token_revoke, 0, revoke_opts, 1, 1, "<id>",
	  "Revoke a token generated on this device",
	  "On a terminal it asks for confirmation first. When stdin is not a\n"
	  "terminal or CI is set it never asks: without --yes it refuses\n"
	  "(exit 129) and revokes nothing.\n",
	  token_revoke_ex, ENV_API | ENV_CI, X_NET },
	{ "token:rotate", cmd_token_rotate, 0, rotate_opts, 1, 1, "<id>",
	  "Give a token generated on this device a new secret",
	  "The new token is printed alone on stdout, like token:generate\n"
	  "prints; its ID, scope and device name stay. The old secret is\n"
	  "refused at once, or after --grace. Access tokens already issued\n"
	  "keep working until they expire.\n",
	  token_rotate_ex, ENV_API, X_NET },
	/* not CMD_NEEDS_AUTH: --all needs no credential of the active DC */
	{ "whoami", cmd_whoami, CMD_JSON, whoami_opts, 0, 0, "",
	  "Show the signed-in account",
	  "It asks the server with the credential itself: a sign-in or token\n"
	  "revoked or expired there is exit 4, whatever the local state "
	  "says.\n"
	  "--all lists the sign-in of every data center on this device, one\n"
	  "line each (DC, account, state: valid, refused or error), and exits\n"
	  "4 when any was refused, 1 when any server could not be asked.\n",
	  whoami_ex, ENV_API, X_NET },
	{ "version", cmd_version, 0, NULL, 0, 0, "",
	  "Print the version (like --version)", NULL, version_ex, 0, X_OK },
	{ "config", cmd_config, CMD_JSON, NULL, 1, 3,
	  "get <key> | list | set <key> <value|-> | unset <key>",
	  "See and change the settings in config.json",
	  "The keys (a value of - reads it from stdin; secrets are shown\n"
	  "masked):\n"
	  "  directory              URL of the deployment directory, which "
	  "names\n"
	  "                         each DC's server (CATALYST_DIRECTORY "
	  "wins)\n"
	  "  dc                     the data center used when neither --dc nor "
	  "a\n"
	  "                         sign-in names one: " CAT_DC_NAMES "\n"
	  "  http_timeout           seconds a request may take (1-3600; 30)\n"
	  "  servers.<dc>           the server (http:// or https:// URL) of a "
	  "DC\n"
	  "  clients.device.id      OAuth client of the device flow\n"
	  "  clients.device.secret  its secret\n"
	  "  clients.browser.id     OAuth client of the browser flow\n"
	  "  clients.browser.secret its secret\n"
	  "config.json is checked whenever it is read: an unknown key or a\n"
	  "wrong type is an error naming the file and the key. set and unset\n"
	  "write the file only when the result is valid.\n",
	  config_ex, ENV_STATE | ENV_SERVER | ENV_CLIENT,
	  X_OK | X_ERROR | X_USAGE },
	{ "completion", cmd_completion, 0, NULL, 1, 1, "bash|zsh|fish",
	  "Print a shell completion script",
	  "Completes commands, options, data centers, and the IDs of the\n"
	  "tokens stored on this device for token:revoke.\n",
	  completion_ex, ENV_STATE, X_OK | X_USAGE },
	/* what the completion scripts call back; local state only */
	{ "__complete", cmd_complete, CMD_HIDDEN, NULL, 1, 2,
	  "commands|options <command>|token-ids", "List completion candidates",
	  NULL, NULL, ENV_STATE, X_OK | X_ERROR | X_USAGE },
};
const size_t cat_cmd_count = sizeof(cat_cmd_table) / sizeof(cat_cmd_table[0]);

const struct cat_env_var cat_env_vars[] = {
	{ ENV_TOKEN, "CATALYST_TOKEN",
	  "the CLI token to act as when --token is not given" },
	{ ENV_TOKEN, "ZC_TOKEN",
	  "the same, read when CATALYST_TOKEN is unset" },
	{ ENV_ORG, "CATALYST_ORG", "the org, like --org" },
	{ ENV_ORG, "ZC_ORG_ID", "the same, read when CATALYST_ORG is unset" },
	{ ENV_PROJECT, "CATALYST_PROJECT_ID", "the project, like -p" },
	{ ENV_PROJECT, "CATALYST_PROJECT", "the same, read next" },
	{ ENV_PROJECT, "ZC_PROJECT_ID", "the same, read last" },
	{ ENV_SERVER, "CATALYST_DIRECTORY",
	  "URL of the deployment directory, which names each DC's server "
	  "('directory' of config.json, then of /etc/catalyst/config.json)" },
	{ ENV_SERVER, "CATALYST_AUTH_URL",
	  "origin of the OAuth server of the active DC (development)" },
	{ ENV_SERVER, "CATALYST_ADMIN_URL",
	  "origin of the admin API of the active DC (development)" },
	{ ENV_SERVER, "CATALYST_HTTP_TIMEOUT",
	  "total timeout of a request in seconds (http_timeout of "
	  "config.json, else 30)" },
	{ ENV_CLIENT, "M_CATALYST_CLIENT_ID",
	  "OAuth client of the device flow (and M_CATALYST_CLIENT_SECRET)" },
	{ ENV_CLIENT, "W_CATALYST_CLIENT_ID",
	  "OAuth client of the browser flow (and W_CATALYST_CLIENT_SECRET)" },
	{ ENV_DEVICE, "CATALYST_DEVICE_NAME",
	  "the device name sent to the server (the host name)" },
	{ ENV_STATE, "CATALYST_CONFIG_DIR",
	  "the local state's directory (~/.config/catalyst)" },
	{ ENV_STATE, "XDG_CONFIG_HOME",
	  "its parent, when CATALYST_CONFIG_DIR "
	  "is unset" },
	{ ENV_STATE, "HOME", "for ~/.config when neither is set" },
	{ ENV_CI, "CI",
	  "never prompt (also CONTINUOUS_INTEGRATION, BUILD_NUMBER, RUN_ID; "
	  "CI=false or 0 turns it off)" },
	{ ENV_BROWSER, "BROWSER",
	  "the browser to open (else xdg-open, when DISPLAY or "
	  "WAYLAND_DISPLAY is set; none set: the device flow)" },
	{ ENV_BROWSER, "SSH_CONNECTION",
	  "an SSH session (also SSH_CLIENT, SSH_TTY): login uses the device "
	  "flow" },
	{ ENV_TERM, "NO_COLOR",
	  "when set, no terminal escape sequences (the wait indicator is "
	  "plain text)" },
	{ ENV_TERM, "TERM", "dumb: the same as NO_COLOR" },
};
const size_t cat_env_var_count = sizeof(cat_env_vars) / sizeof(cat_env_vars[0]);

const struct cat_exit_status cat_exit_statuses[] = {
	{ X_OK, CAT_EXIT_OK, "success" },
	{ X_ERROR, CAT_EXIT_ERROR,
	  "error: network, server, malformed token, corrupt local state" },
	{ X_CANCEL, CAT_EXIT_CANCEL,
	  "cancelled: Ctrl-C, or a question answered no" },
	{ X_AUTH, CAT_EXIT_AUTH,
	  "sign-in required, or the credential was refused" },
	{ X_USAGE, CAT_EXIT_USAGE,
	  "usage error: unknown command or option, wrong arguments, a "
	  "question that cannot be asked" },
};
const size_t cat_exit_status_count =
	sizeof(cat_exit_statuses) / sizeof(cat_exit_statuses[0]);

const struct cat_cmd *cat_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cat_cmd_count; i++)
		if (strcmp(cat_cmd_table[i].name, name) == 0)
			return &cat_cmd_table[i];
	return NULL;
}

/* ---- did you mean ---- */

unsigned cat_edit_distance(const char *a, const char *b)
{
	/* three rows of the DP matrix: enough for one transposition */
	unsigned rows[3][CAT_SUGGEST_MAX + 1], *pp, *p, *c, cost, v;
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > CAT_SUGGEST_MAX || lb > CAT_SUGGEST_MAX)
		return (unsigned)-1;
	pp = rows[0];
	p = rows[1];
	c = rows[2];
	for (j = 0; j <= lb; j++)
		p[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		c[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) !=
			       tolower((unsigned char)b[j - 1]);
			v = p[j - 1] + cost;
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
				    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
				    tolower((unsigned char)b[j - 1]) &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		/* rotate: the current row becomes the previous one */
		{
			unsigned *t = pp;

			pp = p;
			p = c;
			c = t;
		}
	}
	return p[lb];
}

void cat_suggest_init(struct cat_suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->dist = (unsigned)-1;
}

void cat_suggest_add(struct cat_suggest *s, const char *cand)
{
	size_t len = strlen(s->word);
	/* a third of the word may be wrong, at least one and at most three
	 * edits: "token:lst" finds token:list, "x" finds nothing */
	unsigned limit = len < 3 ? 1 : (len / 3 > 3 ? 3 : (unsigned)len / 3);
	unsigned d;

	if (len == 0)
		return;
	d = cat_edit_distance(s->word, cand);
	/* a unique-looking prefix ("token:gen") is as good as one typo */
	if (d > 1 && len >= 3 && strncmp(cand, s->word, len) == 0)
		d = 1;
	if (d <= limit && d < s->dist) {
		s->best = cand;
		s->dist = d;
	}
}

const char *cat_cmd_suggest(const char *word)
{
	struct cat_suggest s;
	size_t i;

	cat_suggest_init(&s, word);
	for (i = 0; i < cat_cmd_count; i++)
		if (!(cat_cmd_table[i].flags & CMD_HIDDEN))
			cat_suggest_add(&s, cat_cmd_table[i].name);
	return s.best;
}

/* ---- parsing ---- */

static int opt_is(const struct cat_opt *o, const char *name, size_t n,
		  char shrt)
{
	if (shrt)
		return o->shrt == shrt;
	return strlen(o->name) == n && strncmp(o->name, name, n) == 0;
}

/*
 * An option by long name (shrt 0) or short letter: the global ones first,
 * then every command's (a name means the same in every table, which
 * test_cmd checks), so options may come before the command.
 */
static const struct cat_opt *find_opt(const char *name, size_t n, char shrt)
{
	const struct cat_opt *o;
	size_t i;

	for (i = 0; i < cat_global_opt_count; i++)
		if (opt_is(&cat_global_opts[i], name, n, shrt))
			return &cat_global_opts[i];
	for (i = 0; i < cat_cmd_count; i++)
		for (o = cat_cmd_table[i].opts; o && o->name; o++)
			if (o->bit && opt_is(o, name, n, shrt))
				return o;
	return NULL;
}

static void apply(struct cat_opts *o, const struct cat_opt *s, const char *v)
{
	o->given |= s->bit;
	switch (s->id) {
	case G_DC:
		o->dc = v;
		break;
	case G_ORG:
		o->org = v;
		break;
	case G_PROJECT:
		o->project = v;
		break;
	case G_TOKEN:
		o->token = v;
		break;
	case G_TOKEN_FILE:
		o->token_file = v;
		break;
	case G_HELP:
		o->help = 1;
		break;
	case G_JSON:
		o->json = 1;
		break;
	case G_VERBOSE:
		o->verbose = 1;
		break;
	case G_VERSION:
		o->version = 1;
		break;
	case G_GRACE:
		o->grace = v;
		break;
	case G_NAME:
		o->token_name = v;
		break;
	case G_EXPIRES_IN:
		o->expires_in = v;
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

static void help_hint(const char *cmd)
{
	if (cmd && cat_cmd_find(cmd))
		cat_hint_set("see 'catalyst %s --help'", cmd);
	else
		cat_hint_set("see 'catalyst help'");
}

/*
 * The closest option to the unknown --name: among the global options and
 * the command's own, or every command's when the command is not known.
 */
static void suggest_option(const char *cmd, const char *name, size_t n)
{
	const struct cat_cmd *c = cmd ? cat_cmd_find(cmd) : NULL;
	const struct cat_opt *o;
	struct cat_suggest s;
	char word[CAT_SUGGEST_MAX + 1];
	size_t i;

	if (n > CAT_SUGGEST_MAX) {
		help_hint(cmd);
		return;
	}
	memcpy(word, name, n);
	word[n] = '\0';
	cat_suggest_init(&s, word);
	for (i = 0; i < cat_global_opt_count; i++)
		cat_suggest_add(&s, cat_global_opts[i].name);
	for (i = 0; i < cat_cmd_count; i++) {
		if (c && c != &cat_cmd_table[i])
			continue;
		for (o = cat_cmd_table[i].opts; o && o->name; o++)
			cat_suggest_add(&s, o->name);
	}
	if (s.best)
		cat_hint_set("did you mean --%s?", s.best);
	else
		help_hint(cmd);
}

int cat_cmd_parse(struct cat_opts *o, int argc, char **argv)
{
	const struct cat_opt *s;
	const char *a, *v, *unknown = NULL;
	size_t unknown_len = 0;
	int i, only_args = 0, err;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			if ((err = positional(o, a)) < 0) {
				help_hint(o->cmd);
				return err;
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		v = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			if (!(s = find_opt(a + 2, n, 0))) {
				/* the command may come later: suggest then */
				if (!unknown) {
					unknown = a;
					unknown_len = n + 2;
				}
				continue;
			}
			if (eq && !s->arg) {
				help_hint(o->cmd);
				return cat_error_set(CAT_EINVAL,
						     "option '--%s' "
						     "takes no value",
						     s->name);
			}
			if (eq)
				v = eq + 1;
		} else {
			if (!(s = find_opt(NULL, 0, a[1]))) {
				if (!unknown) {
					unknown = a;
					unknown_len = 2;
				}
				continue;
			}
			if (a[2] && !s->arg) {
				help_hint(o->cmd);
				return cat_error_set(CAT_EINVAL,
						     "option '-%c' "
						     "takes no value",
						     a[1]);
			}
			if (a[2])
				v = a + 2;
		}
		if (s->arg && !v) {
			if (i + 1 >= argc) {
				help_hint(o->cmd);
				return cat_error_set(CAT_EINVAL,
						     "option '--%s' "
						     "needs a value",
						     s->name);
			}
			v = argv[++i];
		}
		if (s->arg && !v[0]) {
			help_hint(o->cmd);
			return cat_error_set(CAT_EINVAL,
					     "option '--%s' needs a "
					     "non-empty value",
					     s->name);
		}
		apply(o, s, v);
	}
	if (unknown) {
		if (unknown[1] == '-')
			suggest_option(o->cmd, unknown + 2, unknown_len - 2);
		else
			help_hint(o->cmd);
		return cat_error_set(CAT_EINVAL, "unknown option '%.*s'",
				     (int)unknown_len, unknown);
	}
	if (o->token && o->token_file) {
		help_hint(o->cmd);
		return cat_error_set(CAT_EINVAL, "--token and --token-file "
						 "cannot be used together");
	}
	return 0;
}

/* ---- generated help ---- */

int cat_cmd_lists_global(const struct cat_cmd *c, const struct cat_opt *g)
{
	const struct cat_opt *o;

	for (o = c->opts; o && o->name; o++)
		if (!o->bit && strcmp(o->name, g->name) == 0)
			return 1;
	return 0;
}

/* "-p, --project <name|id>" */
static void opt_label(char *out, size_t n, const struct cat_opt *o)
{
	char shrt[8] = "";

	if (o->shrt)
		snprintf(shrt, sizeof(shrt), "-%c, ", o->shrt);
	snprintf(out, n, "%s--%s%s%s", shrt, o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
}

/*
 * "  <label>  <text>" with text wrapped at 79 columns under itself; a label
 * wider than its column gets a line of its own.
 */
static void item(FILE *f, const char *label, int width, const char *text)
{
	int col, indent = 2 + width + 1;
	size_t w;

	if ((int)strlen(label) > width)
		fprintf(f, "  %s\n%*s", label, indent, "");
	else
		fprintf(f, "  %-*s ", width, label);
	col = indent;
	while (*text) {
		w = strcspn(text, " ");
		if (col > indent && col + 1 + (int)w > 79) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, text);
		col += (int)w;
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void opt_line(FILE *f, const struct cat_opt *o)
{
	char label[64];

	opt_label(label, sizeof(label), o);
	item(f, label, 24, o->help);
}

/* Usage lines stay within 79 columns, like the rest of --help. */
#define SYNOPSIS_WIDTH 79

/* The usage line from column start, continued under its first option. */
static void synopsis(FILE *f, const struct cat_cmd *c, int start)
{
	const struct cat_opt *o;
	char word[128];
	int col, indent;

	col = indent = start + fprintf(f, "catalyst %s", c->name);
	for (o = c->opts; o && o->name; o++) {
		char shrt[4] = "";
		int n;

		if (o->shrt)
			snprintf(shrt, sizeof(shrt), "-%c|", o->shrt);
		n = snprintf(word, sizeof(word), "[%s--%s%s%s]", shrt, o->name,
			     o->arg ? " " : "", o->arg ? o->arg : "");
		if (col + 1 + n > SYNOPSIS_WIDTH && col > indent) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		}
		col += fprintf(f, " %s", word);
	}
	if (c->args[0]) {
		if (col + 1 + (int)strlen(c->args) > SYNOPSIS_WIDTH &&
		    col > indent)
			fprintf(f, "\n%*s", indent, "");
		fprintf(f, " %s", c->args);
	}
	fputc('\n', f);
}

void cat_cmd_synopsis(FILE *f, const struct cat_cmd *c)
{
	synopsis(f, c, 0);
}

static void env_section(FILE *f, unsigned groups)
{
	size_t i;

	fprintf(f, "\nenvironment:\n");
	if (!groups) {
		fprintf(f, "  none: the output does not depend on it\n");
		return;
	}
	for (i = 0; i < cat_env_var_count; i++)
		if (cat_env_vars[i].group & groups)
			item(f, cat_env_vars[i].name, 22, cat_env_vars[i].help);
}

static void exit_section(FILE *f, unsigned bits)
{
	size_t i;

	fprintf(f, "\nexit status:\n");
	for (i = 0; i < cat_exit_status_count; i++)
		if (cat_exit_statuses[i].bit & bits) {
			char code[8];

			snprintf(code, sizeof(code), "%d",
				 cat_exit_statuses[i].code);
			item(f, code, 5, cat_exit_statuses[i].help);
		}
}

void cat_cmd_usage(FILE *f, const struct cat_cmd *c)
{
	const struct cat_example *e;
	const struct cat_opt *o;
	size_t i;

	synopsis(f, c, fprintf(f, "usage: "));
	fprintf(f, "\n%s.\n", c->summary);
	if (c->details)
		fprintf(f, "\n%s", c->details);
	if (c->opts && c->opts->name) {
		fprintf(f, "\noptions:\n");
		for (o = c->opts; o->name; o++)
			opt_line(f, o);
	}
	fprintf(f, "\nglobal options:\n");
	for (i = 0; i < cat_global_opt_count; i++)
		if (!cat_cmd_lists_global(c, &cat_global_opts[i]))
			opt_line(f, &cat_global_opts[i]);
	if (c->examples && c->examples->line) {
		fprintf(f, "\nexamples:\n");
		for (e = c->examples; e->line; e++)
			fprintf(f, "  # %s\n  $ %s\n", e->what, e->line);
	}
	env_section(f, c->env);
	exit_section(f, c->exits);
}

void cat_cmd_help_all(FILE *f)
{
	size_t i;
	unsigned env = 0, exits = 0;

	fprintf(f, "usage: catalyst <command> [options]\n\ncommands:\n");
	for (i = 0; i < cat_cmd_count; i++) {
		if (cat_cmd_table[i].flags & CMD_HIDDEN)
			continue;
		fprintf(f, "  %-15s %s\n", cat_cmd_table[i].name,
			cat_cmd_table[i].summary);
		env |= cat_cmd_table[i].env;
		exits |= cat_cmd_table[i].exits;
	}
	fprintf(f, "\nglobal options:\n");
	for (i = 0; i < cat_global_opt_count; i++)
		opt_line(f, &cat_global_opts[i]);
	fprintf(f, "\nexamples:\n"
		   "  # sign in, then generate a token for a CI job\n"
		   "  $ catalyst login\n"
		   "  $ T=$(catalyst token:generate)\n"
		   "  # anywhere else, as the same account\n"
		   "  $ catalyst project:list --token \"$T\"\n");
	env_section(f, env);
	exit_section(f, exits);
	fprintf(f, "\nRun 'catalyst help <command>' for the options, examples "
		   "and environment of a command.\n");
}

/* ---- dispatch ---- */

static int usage_err(const struct cat_cmd *c, const char *fmt, const char *a)
{
	help_hint(c ? c->name : NULL);
	return cat_err(CAT_EXIT_USAGE, fmt, a);
}

static unsigned accepted(const struct cat_cmd *c)
{
	const struct cat_opt *o;
	unsigned bits = 0;

	for (o = c->opts; o && o->name; o++)
		bits |= o->bit;
	return bits;
}

/* The name of the command option with one of these bits. */
static const char *opt_name(unsigned bits)
{
	const struct cat_opt *o;
	size_t i;

	for (i = 0; i < cat_cmd_count; i++)
		for (o = cat_cmd_table[i].opts; o && o->name; o++)
			if (o->bit & bits)
				return o->name;
	return "?";
}

int cat_cmd_dispatch(struct cat_ctx *ctx)
{
	const struct cat_opts *o = &ctx->opts;
	const struct cat_cmd *c;
	const char *near;
	unsigned extra;
	int err;

	if (o->version)
		return cmd_version(ctx);
	if (!o->cmd) {
		cat_cmd_help_all(o->help ? stdout : stderr);
		return o->help ? CAT_EXIT_OK : CAT_EXIT_USAGE;
	}
	if (!(c = cat_cmd_find(o->cmd))) {
		if ((near = cat_cmd_suggest(o->cmd)))
			cat_hint_set("did you mean %s?", near);
		else
			cat_hint_set("see 'catalyst help'");
		return cat_err(CAT_EXIT_USAGE, "unknown command '%s'", o->cmd);
	}
	ctx->cmd = c;
	if (o->help) {
		cat_cmd_usage(stdout, c);
		return CAT_EXIT_OK;
	}
	if ((extra = o->given & ~accepted(c)) != 0) {
		cat_hint_set("see 'catalyst %s --help'", c->name);
		return cat_err(CAT_EXIT_USAGE,
			       "option '--%s' does not apply "
			       "to '%s'",
			       opt_name(extra), c->name);
	}
	/* one rule for every command: --json is honoured or refused, never
	 * silently ignored by a script that parses the output */
	if (o->json && !(c->flags & CMD_JSON)) {
		cat_hint_set("'%s' prints no data to format; drop --json",
			     c->name);
		return cat_err(CAT_EXIT_USAGE, "--json does not apply to '%s'",
			       c->name);
	}
	if (o->nargs < c->min_args)
		return usage_err(c, "'%s' needs more arguments", c->name);
	if (o->nargs > c->max_args)
		return usage_err(c, "'%s' got too many arguments", c->name);
	if (o->dc && !cat_dc_find(o->dc))
		return usage_err(
			c,
			"unknown data center '%s' (expected " CAT_DC_NAMES ")",
			o->dc);
	/*
	 * A command that talks to a server reads config.json first: a file
	 * that fails its check stops it before any request, instead of the
	 * credential going to a server the user never chose.
	 */
	if ((c->env & ENV_SERVER) && c->fn != cmd_config) {
		struct cat_config *cfg;

		if ((err = cat_ctx_config(ctx, &cfg)) < 0)
			return cat_fail(err, "%s", c->name);
	}
	if (c->flags & (CMD_NEEDS_AUTH | CMD_NEEDS_LOGIN)) {
		err = cat_auth_select(ctx, (c->flags & CMD_NEEDS_LOGIN) != 0);
		if (err < 0)
			return cat_fail(err, "%s", c->name);
	}
	return c->fn(ctx);
}
