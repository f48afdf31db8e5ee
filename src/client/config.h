/*
 * The CLI's local state under $XDG_CONFIG_HOME/catalyst (0700):
 *   config.json       settings the user edits (DC servers, OAuth clients)
 *   credentials.json  what the CLI writes (0600): per DC the sign-in and the
 *                     tokens generated on this device, plus the access-token
 *                     cache
 *   .lock             flock(2) target serialising every write
 * Reads need no lock (writes are temp file + rename); writes re-read the
 * file under the lock so parallel runs never lose each other's changes.
 */
#ifndef CAT_CONFIG_H
#define CAT_CONFIG_H

#include <limits.h>

#include <jansson.h>

#define CAT_CONFIG_FILE "config.json"
#define CAT_STATE_FILE  "credentials.json"
#define CAT_LOCK_FILE   ".lock"
/* Neither file is anywhere near this; a bigger one is not ours. */
#define CAT_CONFIG_MAX (4 * 1024 * 1024)

struct cat_config {
	char dir[PATH_MAX];
	char settings_path[PATH_MAX];
	char state_path[PATH_MAX];
	char lock_path[PATH_MAX];
	json_t *settings; /* config.json, {} when absent */
	json_t *state;    /* credentials.json, {} when absent */
};

/*
 * Finds the directory (CATALYST_CONFIG_DIR, $XDG_CONFIG_HOME/catalyst,
 * ~/.config/catalyst) and reads both files. Creates nothing. 0, or <0 with
 * a message naming the file (a corrupt file is CAT_EINVAL).
 */
int cat_config_open(struct cat_config *cfg);
void cat_config_release(struct cat_config *cfg);

/*
 * Edits credentials.json: creates the directory, takes the lock, re-reads
 * the file, calls fn on the fresh state, writes it atomically (0600) and
 * releases the lock. cfg->state becomes the new state. fn returns 0 to save,
 * 1 to leave the file alone, <0 to fail. Returns fn's error or 0.
 */
int cat_config_update(struct cat_config *cfg,
		      int (*fn)(json_t *state, void *arg), void *arg);

/* Reads and validates one JSON object file: 0, CAT_ENOTFOUND, or CAT_EINVAL. */
int cat_config_read_file(const char *path, json_t **out);
/*
 * Writes root to path atomically (temp in the same directory + fsync +
 * rename) with mode. indent as for json_dumps; trailing_nl adds a newline.
 */
int cat_config_write_file(const char *path, const json_t *root, int mode,
			  int indent, int trailing_nl);

/* ---- state accessors; borrowed references, NULL when absent ---- */

/* state.dcs.<dc>; created (and returned) when create is set. */
json_t *cat_state_dc(json_t *state, const char *dc, int create);
/* state.dcs.<dc>.login */
json_t *cat_state_login(json_t *state, const char *dc);
/* state.dcs.<dc>.tokens, created when asked */
json_t *cat_state_tokens(json_t *state, const char *dc, int create);
/* Finds a token generated here by ID in any DC; *dc_out names the DC. */
json_t *cat_state_find_token(json_t *state, const char *id,
			     const char **dc_out);
/* The cached access token for refresh token rt if not within 60 s of expiry. */
const char *cat_state_cached_access(json_t *state, const char *rt);
/* Sets or (access == NULL) drops the cache entry of rt; prunes stale ones. */
void cat_state_cache_put(json_t *state, const char *rt, const char *access,
			 long long expires_in);

/* ---- settings ---- */

/* The server URL configured for dc (servers.<dc>), else the default. */
const char *cat_settings_server(const json_t *settings, const char *dc);
/* clients.<device|browser>.{id,secret}; NULL when absent */
const char *cat_settings_client(const json_t *settings, const char *flow,
				const char *field);

#define CAT_DEFAULT_SERVER "http://127.0.0.1:8080"

#endif
