/*
 * `catalyst help [command]`: the list of commands, or one command's usage,
 * both generated from the command table so help never drifts from it.
 */
#include <stdio.h>

#include "cmd.h"
#include "io.h"
#include "banned.h"

int cmd_help(struct cat_ctx *ctx)
{
	const struct cat_cmd *c;
	const char *near;

	if (ctx->opts.nargs == 0) {
		cat_cmd_help_all(stdout);
		return CAT_EXIT_OK;
	}
	if (!(c = cat_cmd_find(ctx->opts.args[0]))) {
		if ((near = cat_cmd_suggest(ctx->opts.args[0])))
			cat_hint_set("did you mean %s?", near);
		else
			cat_hint_set("see 'catalyst help' for the list");
		return cat_err(CAT_EXIT_USAGE, "unknown command '%s'",
			       ctx->opts.args[0]);
	}
	cat_cmd_usage(stdout, c);
	return CAT_EXIT_OK;
}
