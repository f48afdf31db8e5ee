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

/* mkdir -p with mode 0700 (the config directory). 0 or <0. */
int cat_config_make_dir(const char *dir);

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

/* ---- settings: config.json ---- */

/*
 * What a setting's value must be. The type decides the check on load and
 * how `catalyst config set` turns its text argument into JSON.
 */
enum cat_setting_type {
	CAT_SET_STRING,  /* a non-empty string without control characters */
	CAT_SET_SECRET,  /* the same, masked by `config list` */
	CAT_SET_DC,      /* a data center code or alias (stored as the code) */
	CAT_SET_URL,     /* an http:// or https:// origin */
	CAT_SET_SECONDS, /* an integer 1..CAT_SETTING_MAX_SECONDS */
};

#define CAT_SETTING_MAX_SECONDS 3600

/*
 * One key of config.json, as a dotted path ("servers.eu" is
 * {"servers": {"eu": ...}}). Only keys the CLI reads are listed: anything
 * else in the file is an error, so a typo cannot be ignored silently.
 */
struct cat_setting {
	const char *key;
	enum cat_setting_type type;
	const char *help;
};

extern const struct cat_setting cat_settings[];
extern const size_t cat_setting_count;

/* The row of a dotted key, or NULL. */
const struct cat_setting *cat_setting_find(const char *key);

/*
 * Checks a parsed config.json against cat_settings: 0, or CAT_EINVAL with
 * a message naming path and the first bad key (unknown, wrong type or a
 * value out of range) and a hint. Never changes anything.
 */
int cat_settings_validate(const char *path, const json_t *settings);

/* The value of a dotted key (borrowed), or NULL when it is not set. */
json_t *cat_settings_get(const json_t *settings, const char *key);

/*
 * Turns the text of `config set` into the key's value: a new reference in
 * *out, or CAT_EINVAL with a message saying what the key takes.
 */
int cat_setting_parse(const struct cat_setting *s, const char *text,
		      json_t **out);

/* Sets a dotted key, creating its parent objects; steals value. 0 or <0. */
int cat_settings_put(json_t *settings, const char *key, json_t *value);

/* Removes a dotted key and the parents it leaves empty; 1 removed, 0 absent. */
int cat_settings_del(json_t *settings, const char *key);

/*
 * Edits config.json as cat_config_update edits credentials.json: under the
 * lock, on a fresh read of the file; fn's result is validated before it is
 * written (atomically, 0600, 2-space indent), so the CLI never writes a
 * file it would then refuse. A file that fails validation before fn ran is
 * passed to fn anyway, so that an edit can repair it; if the result is
 * still invalid nothing is written. cfg->settings becomes the new object.
 */
int cat_config_update_settings(struct cat_config *cfg,
			       int (*fn)(json_t *settings, void *arg),
			       void *arg);

/* Finds the directory and reads config.json alone, unvalidated ({} absent). */
int cat_config_open_settings(struct cat_config *cfg);

/* http_timeout from config.json, or 0 when it is not set. */
long cat_settings_timeout(const json_t *settings);

/* The server URL configured for dc (servers.<dc>), else NULL. */
const char *cat_settings_server(const json_t *settings, const char *dc);
/* clients.<device|browser>.{id,secret}; NULL when absent */
const char *cat_settings_client(const json_t *settings, const char *flow,
				const char *field);

#endif
