/*
 * catalyst: the Catalyst command-line client. main only parses, dispatches
 * through the command table (cmd.c) and turns the result into an exit
 * status; nothing heavy (config, libcurl) is touched before a command needs
 * it, so `catalyst --version` does no I/O beyond printing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "cmd.h"
#include "io.h"
#include "banned.h"

int main(int argc, char **argv)
{
	struct cat_ctx ctx;
	int code;

	memset(&ctx, 0, sizeof(ctx));
	if (cat_cmd_parse(&ctx.opts, argc, argv) < 0)
		return cat_err(CAT_EXIT_USAGE, "%s", cat_error_last());
	cat_io_set_verbose(ctx.opts.verbose);
	cat_signals_install();
	code = cat_cmd_dispatch(&ctx);
	cat_ctx_release(&ctx);
	cat_api_cleanup();
	/* data that never reached stdout is a failure (git's run_builtin) */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		cat_err(CAT_EXIT_ERROR, "cannot write to stdout: %s",
			strerror(errno));
		if (code == CAT_EXIT_OK)
			code = CAT_EXIT_ERROR;
	}
	return code;
}
