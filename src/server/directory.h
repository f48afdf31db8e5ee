/*
 * The deployment directory: every data center of a deployment with its
 * public base URL and the ids of the CLI's public device and browser
 * clients there. A CLI configured with nothing but the directory's URL
 * finds the server of any token's DC in it (docs/catalystd.md, "Data
 * centers").
 *
 * The document is
 *   {"data_centers": {"us": {"url": "https://...",
 *                            "device_client_id": "...",
 *                            "browser_client_id": "..."}, ...}}
 * read from --directory FILE at start, or, without one, made per request
 * from this server alone (its DC, its public URL and the public CLI
 * clients of its store).
 */
#ifndef CAT_DIRECTORY_H
#define CAT_DIRECTORY_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

#define CAT_DIRECTORY_PATH "/.well-known/catalyst-directory"
/* How long clients and caches may keep it without asking again. */
#define CAT_DIRECTORY_MAX_AGE 300
/* A directory file is a few hundred bytes per DC; more is not one. */
#define CAT_DIRECTORY_FILE_MAX (64 * 1024)

/* A directory as it is served. */
struct cat_directory {
	char *body;    /* compact JSON with sorted keys: its bytes are stable */
	size_t len;    /* of body */
	char etag[40]; /* strong: "\"" 32 hex digits of its SHA-256 "\"" */
};

/*
 * Reads and checks the directory file at path: its JSON, every key, every
 * URL and client id, and that it lists own_dc (the server's DC). Returns
 * 0 with *out allocated, or -1 after printing on stderr the file and the
 * key that is wrong.
 */
int cat_directory_load(const char *path, const char *own_dc,
		       struct cat_directory **out);

/*
 * This server alone: its DC at public_url with the oldest public device and
 * browser clients of the store (the ids are left out when there are none).
 * 0 or <0 with the error set (a store error as the store said).
 */
int cat_directory_self(struct cat_store *s, const char *dc,
		       const char *public_url, struct cat_directory *out);

/* Frees what a directory holds (not d itself). */
void cat_directory_release(struct cat_directory *d);

#endif
