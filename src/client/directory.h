/*
 * The deployment directory on the CLI's side: where each data center's
 * server is, so that a credential goes to the server of the DC written in
 * it and nowhere else. The CLI is configured with one URL (build default,
 * /etc/catalyst/config.json, the user's config.json, CATALYST_DIRECTORY),
 * fetches the directory when it needs a DC it has not seen, and keeps it in
 * directory.json next to config.json, revalidated by ETag once max-age has
 * passed.
 */
#ifndef CAT_CLIENT_DIRECTORY_H
#define CAT_CLIENT_DIRECTORY_H

#include <stddef.h>

#include <jansson.h>

#include "cli.h"

#define CAT_DIR_CACHE_FILE "directory.json"
#define CAT_DIR_PATH       "/.well-known/catalyst-directory"

/*
 * The directory's URL into out (a bare origin gets CAT_DIR_PATH), and in
 * *from where it was set ("CATALYST_DIRECTORY", a file's path, "the build
 * default"). 1 when one is configured, 0 when none is, <0 on a bad value
 * or an unreadable config file (message set).
 */
int cat_dir_url(struct cat_ctx *ctx, char *out, size_t n, const char **from);

/*
 * The directory's entry for dc (borrowed from ctx, valid until
 * cat_ctx_release): from the cache while fresh, else fetched. A DC not in
 * the directory is CAT_ENOTFOUND with a message naming the DC and the
 * directory's URL; no directory configured is CAT_ENOTFOUND too.
 */
int cat_dir_entry(struct cat_ctx *ctx, const char *dc, json_t **out);

#endif
