/*
 * `catalyst version`, the same as `catalyst --version` (gh and git accept
 * both). No file or network access: it must stay as fast as --version.
 */
#include <stdio.h>

#include "cmd.h"
#include "banned.h"

int cmd_version(struct cat_ctx *ctx)
{
	(void)ctx;
	printf("catalyst %s\n", CATALYST_VERSION);
	return CAT_EXIT_OK;
}
