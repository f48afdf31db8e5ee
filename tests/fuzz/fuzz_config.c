/*
 * The CLI's own files (src/client/config.c): credentials.json, which the
 * CLI writes but anyone with the account can edit or damage, and
 * config.json, which the user writes. The input is
 * "<credentials.json>\0<config.json>"; an empty part means no file.
 *
 * Checked: a state that loads satisfies what every getter assumes (each
 * sign-in has a string token, each token entry is found by its id), the
 * getters and cat_cred_parse take whatever the files hold, and a state we
 * accept, once edited and written back by cat_config_update, loads again
 * unchanged: the CLI never writes a file it would then call corrupt.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "io.h"

static char dir[64];
static char state_path[128], settings_path[128];

/* Leaves nothing in /dev/shm after a clean exit. */
static void cleanup(void)
{
	char lock[160];

	snprintf(lock, sizeof(lock), "%s/%s", dir, CAT_LOCK_FILE);
	unlink(state_path);
	unlink(settings_path);
	unlink(lock);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;

	(void)argc;
	(void)argv;
	/* tmpfs when there is one: each input writes and renames files */
	snprintf(dir, sizeof(dir), "%s/catalyst-fuzz-XXXXXX",
		 stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(state_path, sizeof(state_path), "%s/%s", dir, CAT_STATE_FILE);
	snprintf(settings_path, sizeof(settings_path), "%s/%s", dir,
		 CAT_CONFIG_FILE);
	FUZZ_CHECK(setenv("CATALYST_CONFIG_DIR", dir, 1) == 0);
	atexit(cleanup);
	return 0;
}

static void put_file(const char *path, const uint8_t *p, size_t n)
{
	int fd;

	unlink(path);
	if (n == 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void check_getters(struct cat_config *cfg)
{
	const char *dc, *id, *in_dc, *server;
	json_t *d, *login, *tokens, *t;
	struct cat_cred cred;

	json_object_foreach(json_object_get(cfg->state, "dcs"), dc, d)
	{
		FUZZ_CHECK(cat_state_dc(cfg->state, dc, 0) == d);
		login = cat_state_login(cfg->state, dc);
		if (login) {
			const char *tok = json_string_value(
				json_object_get(login, "token"));

			FUZZ_CHECK(tok != NULL);
			/* what select_login does with it */
			(void)cat_cred_parse(&cred, tok, "sign-in");
			(void)cat_state_cached_access(cfg->state, tok);
		}
		tokens = cat_state_tokens(cfg->state, dc, 0);
		json_object_foreach(tokens, id, t)
		{
			in_dc = NULL;
			FUZZ_CHECK(cat_state_find_token(cfg->state, id,
							&in_dc) != NULL);
			FUZZ_CHECK(in_dc != NULL);
			FUZZ_CHECK(json_string_value(json_object_get(
					   t, "token")) != NULL);
		}
		/* servers.<dc>, checked as an http(s) URL on load; NULL when
		 * unset, as there is no default server any more */
		server = cat_settings_server(cfg->settings, dc);
		FUZZ_CHECK(!server || strncmp(server, "http://", 7) == 0 ||
			   strncmp(server, "https://", 8) == 0);
	}
	(void)cat_settings_client(cfg->settings, "device", "id");
	(void)cat_settings_client(cfg->settings, "browser", "secret");
}

/* An edit as login makes one: cache an access token, sign in. */
static int edit(json_t *state, void *arg)
{
	json_t *d;

	(void)arg;
	cat_state_cache_put(state, "m_catr_us_fuzz", "cata_us_fuzz", 3600);
	d = cat_state_dc(state, "us", 1);
	if (!json_is_object(d))
		return 1;
	json_object_set_new(d, "login",
			    json_pack("{s:s, s:s}", "token", "m_catr_us_fuzz",
				      "token_id", "0123456789ab"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t slen = nul ? (size_t)(nul - data) : size;
	struct cat_config cfg, again;
	json_t *written;
	int err;

	put_file(state_path, data, slen);
	put_file(settings_path, nul ? nul + 1 : data,
		 nul ? size - slen - 1 : 0);

	err = cat_config_open(&cfg);
	if (err < 0) {
		FUZZ_CHECK(err == CAT_EINVAL);
		cat_config_release(&cfg);
		goto done;
	}
	FUZZ_CHECK(json_is_object(cfg.state) && json_is_object(cfg.settings));
	check_getters(&cfg);

	err = cat_config_update(&cfg, edit, NULL);
	FUZZ_CHECK(err == 0);
	written = cfg.state;
	FUZZ_CHECK(cat_config_open(&again) == 0);
	FUZZ_CHECK(json_equal(again.state, written));
	check_getters(&again);
	cat_config_release(&again);
	cat_config_release(&cfg);
done:
	cat_error_clear();
	cat_hint_clear();
	return 0;
}
