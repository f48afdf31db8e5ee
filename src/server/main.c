/*
 * catalystd: the token server. A table of subcommands (serve and the admin
 * commands); each row names its handler and a one-line description that
 * `catalystd help` prints, or the struct adm_cmd of an admin command
 * (admin_util.h), which holds both and the option table.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "admin_util.h"
#include "banned.h"

#ifndef CATALYST_VERSION
/* set once, from project(VERSION) in CMakeLists.txt, on catcommon */
#error "CATALYST_VERSION is not defined"
#endif

struct subcmd {
	const char *name;
	const char *sub; /* second word, or NULL */
	int (*fn)(int argc, char **argv);
	const char *desc;
	const struct adm_cmd *adm; /* else NULL: the fields above */
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct subcmd cmds[] = {
	{ "serve", NULL, cmd_serve, "run the HTTP server", NULL },
	{ "migrate", NULL, NULL, NULL, &adm_migrate },
	{ "user", "add", NULL, NULL, &adm_user_add },
	{ "user", "list", NULL, NULL, &adm_user_list },
	{ "user", "disable", NULL, NULL, &adm_user_disable },
	{ "user", "enable", NULL, NULL, &adm_user_enable },
	{ "org", "add", NULL, NULL, &adm_org_add },
	{ "project", "add", NULL, NULL, &adm_project_add },
	{ "token", "list", NULL, NULL, &adm_token_list },
	{ "token", "revoke", NULL, NULL, &adm_token_revoke },
	{ "client", "add", NULL, NULL, &adm_client_add },
	{ "client", "list", NULL, NULL, &adm_client_list },
	{ "client", "remove", NULL, NULL, &adm_client_remove },
	{ "audit", NULL, NULL, NULL, &adm_audit },
	{ "help", NULL, cmd_help, "show this help", NULL },
	{ "version", NULL, cmd_version, "print the version", NULL },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int cmd_help(int argc, char **argv)
{
	const struct subcmd *c;
	char name[32];

	(void)argc;
	(void)argv;
	printf("usage: catalystd <command> [options]\n\ncommands:\n");
	for (c = cmds; c < cmds + NCMDS; c++) {
		snprintf(name, sizeof(name), "%s%s%s", c->name,
			 c->sub ? " " : "", c->sub ? c->sub : "");
		printf("  %-16s %s\n", name,
		       c->adm ? c->adm->summary : c->desc);
	}
	printf("\nRun 'catalystd <command> --help' for the options of a "
	       "command.\n");
	return 0;
}

/* The subcommands of name, for "'user' needs a subcommand: ...". */
static void print_subs(const char *name)
{
	const struct subcmd *c;
	const char *sep = "";

	for (c = cmds; c < cmds + NCMDS; c++) {
		if (strcmp(c->name, name) == 0) {
			fprintf(stderr, "%s%s", sep, c->sub);
			sep = ", ";
		}
	}
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("catalystd %s\n", CATALYST_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	int (*fn)(int argc, char **argv);
	size_t i;
	int known = 0;

	/* before any thread exists: it picks the fastest Argon2 and hash code
	 */
	if (sodium_init() < 0) {
		fprintf(stderr, "catalystd: cannot initialise libsodium\n");
		return 1;
	}
	if (argc < 2)
		return cmd_help(0, NULL), 129;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(0, NULL);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].name, argv[1]) != 0)
			continue;
		known = 1;
		fn = cmds[i].adm ? cmds[i].adm->fn : cmds[i].fn;
		if (!cmds[i].sub)
			return fn(argc - 1, argv + 1);
		if (argc >= 3 && strcmp(cmds[i].sub, argv[2]) == 0)
			return fn(argc - 2, argv + 2);
	}
	if (known) {
		fprintf(stderr,
			"catalystd: '%s' needs a subcommand: ", argv[1]);
		print_subs(argv[1]);
		fprintf(stderr, "\n");
		return 129;
	}
	fprintf(stderr,
		"catalystd: unknown command '%s'; see 'catalystd help'\n",
		argv[1]);
	return 129;
}
