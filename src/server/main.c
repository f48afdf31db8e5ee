/*
 * catalystd: the token server. A table of subcommands (serve and the admin
 * commands); each row names its handler and a one-line description that
 * `catalystd help` prints.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
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
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct subcmd cmds[] = {
	{ "serve", NULL, cmd_serve, "run the HTTP server" },
	{ "migrate", NULL, cmd_migrate, "create or upgrade the store schema" },
	{ "user", "add", cmd_user_add,
	  "add an account (password from stdin or a prompt)" },
	{ "org", "add", cmd_org_add, "add an org, optionally with a member" },
	{ "project", "add", cmd_project_add, "add a project to an org" },
	{ "client", "add", cmd_client_add,
	  "register an OAuth client; prints its id and secret" },
	{ "help", NULL, cmd_help, "show this help" },
	{ "version", NULL, cmd_version, "print the version" },
};

static int cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("usage: catalystd <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s%s%s", cmds[i].name,
			 cmds[i].sub ? " " : "",
			 cmds[i].sub ? cmds[i].sub : "");
		printf("  %-14s %s\n", name, cmds[i].desc);
	}
	printf("\nRun 'catalystd <command> --help' for the options of a "
	       "command.\n");
	return 0;
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
	size_t i;

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
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, argv[1]) != 0)
			continue;
		if (!cmds[i].sub)
			return cmds[i].fn(argc - 1, argv + 1);
		if (argc >= 3 && strcmp(cmds[i].sub, argv[2]) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
		fprintf(stderr, "catalystd: '%s' needs a subcommand: '%s %s'\n",
			argv[1], argv[1], cmds[i].sub);
		return 129;
	}
	fprintf(stderr,
		"catalystd: unknown command '%s'; see 'catalystd help'\n",
		argv[1]);
	return 129;
}
