/*
 * The local state: what a fresh directory looks like, modes, atomic
 * replacement, the lock serialising parallel writers (forked processes, as
 * parallel CLI runs are), corruption reported by file name, the cache; the
 * keys of config.json, its check on load (an unknown key or a wrong type
 * names the file and the key) and edits that never write an invalid file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "dc.h"
#include "err.h"
#include "io.h"

static char base[256], dir[512];

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/cat-cfg-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(dir, sizeof(dir), "%s/nested/catalyst", base);
	setenv("CATALYST_CONFIG_DIR", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_state(const char *text)
{
	char p[600];
	FILE *f;

	mkdir(base, 0700);
	snprintf(p, sizeof(p), "%s/nested", base);
	mkdir(p, 0700);
	mkdir(dir, 0700);
	snprintf(p, sizeof(p), "%s/credentials.json", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int add_key(json_t *st, void *arg)
{
	json_object_set_new(st, (const char *)arg, json_true());
	return 0;
}

static int no_change(json_t *st, void *arg)
{
	(void)st;
	(void)arg;
	return 1;
}

static void test_config__fresh(void **state)
{
	struct cat_config cfg;
	struct stat st;

	(void)state;
	assert_int_equal(cat_config_open(&cfg), 0);
	assert_int_equal(json_object_size(cfg.state), 0);
	assert_int_equal(json_object_size(cfg.settings), 0);
	assert_int_equal(stat(dir, &st), -1); /* reading creates nothing */
	assert_int_equal(cat_config_update(&cfg, no_change, NULL), 0);
	assert_int_equal(stat(cfg.state_path, &st), -1);
	cat_config_release(&cfg);
}

static void test_config__write_modes(void **state)
{
	struct cat_config cfg;
	struct stat st;
	DIR *d;
	struct dirent *e;
	int files = 0;

	(void)state;
	umask(022);
	assert_int_equal(cat_config_open(&cfg), 0);
	assert_int_equal(cat_config_update(&cfg, add_key, "a"), 0);
	assert_true(json_is_true(json_object_get(cfg.state, "a")));
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(cfg.state_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cat_config_release(&cfg);

	assert_int_equal(cat_config_open(&cfg), 0);
	assert_true(json_is_true(json_object_get(cfg.state, "a")));
	assert_int_equal(
		json_integer_value(json_object_get(cfg.state, "version")), 1);
	cat_config_release(&cfg);

	/* no temp files left behind */
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			files++, assert_string_equal(e->d_name,
						     "credentials.json");
	closedir(d);
	assert_int_equal(files, 1);
}

static void test_config__corrupt(void **state)
{
	struct cat_config cfg;

	(void)state;
	write_state("{\"dcs\": {\"us\": ");
	assert_int_equal(cat_config_open(&cfg), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "credentials.json"));
	assert_non_null(strstr(cat_error_last(), "corrupt"));
	cat_config_release(&cfg);

	write_state("{\"dcs\": []}");
	assert_int_equal(cat_config_open(&cfg), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "credentials.json"));
	cat_config_release(&cfg);

	write_state("{\"dcs\": {\"us\": {\"tokens\": {\"abc\": 5}}}}");
	assert_int_equal(cat_config_open(&cfg), CAT_EINVAL);
	cat_config_release(&cfg);

	write_state("[1, 2]");
	assert_int_equal(cat_config_open(&cfg), CAT_EINVAL);
	cat_config_release(&cfg);

	write_state("");
	assert_int_equal(cat_config_open(&cfg), CAT_EINVAL);
	cat_config_release(&cfg);
}

/* Sixteen processes each add a key; the lock + re-read keeps all of them. */
static void test_config__parallel_writers(void **state)
{
	struct cat_config cfg;
	pid_t pids[16];
	char key[16];
	int i, status;

	(void)state;
	for (i = 0; i < 16; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct cat_config c;
			char k[16];
			int rc;

			snprintf(k, sizeof(k), "k%d", i);
			rc = cat_config_open(&c) == 0 &&
			     cat_config_update(&c, add_key, k) == 0;
			cat_config_release(&c);
			_exit(rc ? 0 : 1);
		}
	}
	for (i = 0; i < 16; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(cat_config_open(&cfg), 0);
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(json_is_true(json_object_get(cfg.state, key)));
	}
	cat_config_release(&cfg);
}

/* A writer waits for a lock another process holds, then proceeds. */
static void test_config__waits_for_lock(void **state)
{
	struct cat_config cfg;
	struct timespec a, b;
	int fds[2], status;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(cat_config_open(&cfg), 0);
	assert_int_equal(cat_config_update(&cfg, add_key, "first"), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		int fd = open(cfg.lock_path, O_RDWR);

		flock(fd, LOCK_EX);
		(void)!write(fds[1], "x", 1);
		usleep(300 * 1000);
		_exit(0);
	}
	assert_int_equal(read(fds[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(cat_config_update(&cfg, add_key, "second"), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true((b.tv_sec - a.tv_sec) * 1000 +
			    (b.tv_nsec - a.tv_nsec) / 1000000 >=
		    200);
	waitpid(pid, &status, 0);
	assert_true(json_is_true(json_object_get(cfg.state, "first")));
	assert_true(json_is_true(json_object_get(cfg.state, "second")));
	close(fds[0]);
	close(fds[1]);
	cat_config_release(&cfg);
}

static void test_config__cache(void **state)
{
	json_t *st = json_object();
	char *dump;

	(void)state;
	assert_null(cat_state_cached_access(st, "catr_us_x"));
	cat_state_cache_put(st, "catr_us_x", "cata_us_1", 3600);
	assert_string_equal(cat_state_cached_access(st, "catr_us_x"),
			    "cata_us_1");
	assert_null(cat_state_cached_access(st, "catr_us_y"));
	/* the cache is keyed by hash: no refresh token inside */
	dump = json_dumps(st, 0);
	assert_null(strstr(dump, "catr_us_x"));
	free(dump);
	cat_state_cache_put(st, "catr_us_y", "cata_us_2",
			    30); /* about to expire */
	assert_null(cat_state_cached_access(st, "catr_us_y"));
	cat_state_cache_put(st, "catr_us_x", NULL, 0);
	assert_null(cat_state_cached_access(st, "catr_us_x"));
	json_decref(st);
}

static void test_config__state_helpers(void **state)
{
	json_t *st = json_object(), *tok;
	const char *dc = NULL;

	(void)state;
	assert_null(cat_state_login(st, "us"));
	assert_null(cat_state_tokens(st, "eu", 0));
	tok = cat_state_tokens(st, "eu", 1);
	json_object_set_new(tok, "0a1b2c3d4e5f",
			    json_pack("{s:s}", "token", "m_x"));
	assert_non_null(cat_state_find_token(st, "0a1b2c3d4e5f", &dc));
	assert_string_equal(dc, "eu");
	assert_null(cat_state_find_token(st, "ffffffffffff", NULL));
	json_decref(st);
}

static void test_config__settings(void **state)
{
	json_t *s = json_pack("{s:{s:s}, s:{s:{s:s}}}", "servers", "eu",
			      "http://eu.example:9000", "clients", "device",
			      "id", "1000.ABC");

	(void)state;
	assert_string_equal(cat_settings_server(s, "eu"),
			    "http://eu.example:9000");
	/* no default server: the directory or an error decides */
	assert_null(cat_settings_server(s, "us"));
	assert_string_equal(cat_settings_client(s, "device", "id"), "1000.ABC");
	assert_null(cat_settings_client(s, "device", "secret"));
	assert_null(cat_settings_client(s, "browser", "id"));
	json_decref(s);
}

static void write_settings(const char *text)
{
	char p[600];
	FILE *f;

	write_state("{}");
	snprintf(p, sizeof(p), "%s/config.json", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* cat_config_open refuses text naming the file and key; hint pending */
static void refused(const char *text, const char *key, const char *why)
{
	struct cat_config cfg;
	char quoted[160];

	write_settings(text);
	assert_int_equal(cat_config_open(&cfg), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "config.json"));
	assert_non_null(strstr(cat_error_last(), dir));
	snprintf(quoted, sizeof(quoted), "'%s'", key);
	if (!strstr(cat_error_last(), quoted))
		fail_msg("'%s' does not name %s", cat_error_last(), quoted);
	if (!strstr(cat_error_last(), why))
		fail_msg("'%s' does not say %s", cat_error_last(), why);
	assert_true(cat_hint_pending()[0] != '\0');
	cat_hint_clear();
	cat_config_release(&cfg);
}

static void test_config__settings_checked_on_load(void **state)
{
	struct cat_config cfg;

	(void)state;
	write_settings("{\"dc\": \"eu\", \"http_timeout\": 12, "
		       "\"servers\": {\"us\": \"http://127.0.0.1:1\", "
		       "\"eu\": \"https://eu.example/\"}, \"clients\": "
		       "{\"device\": {\"id\": \"1000.A\", \"secret\": "
		       "\"s\"}, \"browser\": {\"id\": \"1000.B\"}}}");
	assert_int_equal(cat_config_open(&cfg), 0);
	assert_int_equal(cat_settings_timeout(cfg.settings), 12);
	cat_config_release(&cfg);

	/* unknown keys, at every level */
	refused("{\"sever\": {}}", "sever", "unknown key");
	refused("{\"dc\": \"eu\", \"directry\": \"x\"}", "directry",
		"unknown key");
	/* the directory is a URL */
	refused("{\"directory\": \"x\"}", "directory", "URL");
	refused("{\"servers\": {\"mars\": \"http://x\"}}", "servers.mars",
		"unknown key");
	refused("{\"servers\": {\"com\": \"http://x\"}}", "servers.com",
		"unknown key");
	refused("{\"clients\": {\"device\": {\"secrte\": \"x\"}}}",
		"clients.device.secrte", "unknown key");
	refused("{\"clients\": {\"cli\": {}}}", "clients.cli", "unknown key");
	/* wrong types and values */
	refused("{\"http_timeout\": \"30\"}", "http_timeout", "seconds");
	refused("{\"http_timeout\": 0}", "http_timeout", "seconds");
	refused("{\"http_timeout\": 3601}", "http_timeout", "seconds");
	refused("{\"http_timeout\": 1.5}", "http_timeout", "seconds");
	refused("{\"dc\": 5}", "dc", "data center");
	refused("{\"dc\": \"mars\"}", "dc", "data center");
	refused("{\"servers\": \"http://x\"}", "servers", "object");
	refused("{\"servers\": {\"eu\": 8080}}", "servers.eu", "URL");
	refused("{\"servers\": {\"eu\": \"eu.example\"}}", "servers.eu", "URL");
	refused("{\"servers\": {\"eu\": \"http://a\\r\\nX: y\"}}", "servers.eu",
		"URL");
	refused("{\"servers\": {\"eu\": \"\"}}", "servers.eu", "URL");
	refused("{\"clients\": {\"device\": []}}", "clients.device", "object");
	refused("{\"clients\": {\"device\": {\"id\": 1000}}}",
		"clients.device.id", "string");
	refused("{\"clients\": {\"browser\": {\"secret\": \"\"}}}",
		"clients.browser.secret", "string");
}

static void test_config__settings_table(void **state)
{
	char key[32];
	size_t i;

	(void)state;
	/* every DC has its server key, and only known DCs do */
	for (i = 0; i < cat_dc_count; i++) {
		snprintf(key, sizeof(key), "servers.%s", cat_dcs[i].code);
		assert_non_null(cat_setting_find(key));
	}
	for (i = 0; i < cat_setting_count; i++) {
		assert_non_null(cat_settings[i].help);
		if (strncmp(cat_settings[i].key, "servers.", 8) == 0)
			assert_non_null(cat_dc_find(cat_settings[i].key + 8));
	}
	assert_null(cat_setting_find("servers"));
	assert_null(cat_setting_find("clients.device"));
}

static void test_config__settings_edit(void **state)
{
	json_t *s = json_object(), *v;
	const struct cat_setting *dc = cat_setting_find("dc");
	const struct cat_setting *to = cat_setting_find("http_timeout");
	const struct cat_setting *url = cat_setting_find("servers.eu");

	(void)state;
	assert_int_equal(cat_setting_parse(dc, "uae", &v), 0);
	assert_string_equal(json_string_value(v), "ae");
	assert_int_equal(cat_settings_put(s, "dc", v), 0);
	assert_int_equal(cat_setting_parse(to, "45", &v), 0);
	assert_int_equal(json_integer_value(v), 45);
	assert_int_equal(cat_settings_put(s, "http_timeout", v), 0);
	assert_int_equal(cat_setting_parse(url, "http://eu:1", &v), 0);
	assert_int_equal(cat_settings_put(s, "servers.eu", v), 0);
	assert_int_equal(
		cat_settings_put(s, "clients.device.id", json_string("1000.X")),
		0);
	assert_int_equal(cat_settings_validate("f", s), 0);
	assert_string_equal(
		json_string_value(cat_settings_get(s, "clients.device.id")),
		"1000.X");
	assert_string_equal(cat_settings_server(s, "eu"), "http://eu:1");
	assert_int_equal(cat_settings_timeout(s), 45);
	assert_null(cat_settings_get(s, "clients.browser.id"));
	assert_null(cat_settings_get(s, "dc.x"));

	assert_int_equal(cat_setting_parse(to, "45s", &v), CAT_EINVAL);
	assert_null(v);
	assert_non_null(strstr(cat_error_last(), "http_timeout"));
	assert_int_equal(cat_setting_parse(to, "99999999999999999999", &v),
			 CAT_EINVAL);
	assert_int_equal(cat_setting_parse(dc, "mars", &v), CAT_EINVAL);
	assert_int_equal(cat_setting_parse(url, "ftp://x", &v), CAT_EINVAL);
	assert_int_equal(cat_setting_parse(
				 cat_setting_find("clients.device.id"), "", &v),
			 CAT_EINVAL);

	/* unset drops the parents it leaves empty */
	assert_int_equal(cat_settings_del(s, "clients.device.id"), 1);
	assert_null(json_object_get(s, "clients"));
	assert_int_equal(cat_settings_del(s, "clients.device.id"), 0);
	assert_int_equal(cat_settings_del(s, "servers.eu"), 1);
	assert_null(json_object_get(s, "servers"));
	assert_int_equal(cat_settings_del(s, "dc"), 1);
	assert_int_equal(json_object_size(s), 1); /* http_timeout */
	json_decref(s);
}

static int put_dc(json_t *settings, void *arg)
{
	return cat_settings_put(settings, "dc", json_string(arg));
}

static int del_key(json_t *settings, void *arg)
{
	return cat_settings_del(settings, arg) ? 0 : 1;
}

static void test_config__settings_update(void **state)
{
	struct cat_config cfg;
	struct stat st;
	const char *bad = "{\"dc\": \"eu\", \"bogus\": 1}";
	char path[600];

	(void)state;
	assert_int_equal(cat_config_open_settings(&cfg), 0);
	assert_int_equal(cat_config_update_settings(&cfg, put_dc, "in"), 0);
	assert_string_equal(
		json_string_value(json_object_get(cfg.settings, "dc")), "in");
	assert_int_equal(stat(cfg.settings_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cat_config_release(&cfg);

	/* an edit that leaves the file invalid writes nothing */
	write_settings(bad);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(cat_config_open_settings(&cfg), 0);
	assert_int_equal(cat_config_update_settings(&cfg, put_dc, "us"),
			 CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), "'bogus'"));
	cat_hint_clear();
	assert_string_equal(slurp(path), bad);
	/* ... a value that is invalid as well */
	assert_int_equal(cat_config_update_settings(&cfg, put_dc, "mars"),
			 CAT_EINVAL);
	assert_string_equal(slurp(path), bad);
	cat_hint_clear();
	/* one that repairs it is written */
	assert_int_equal(cat_config_update_settings(&cfg, del_key, "bogus"), 0);
	assert_null(strstr(slurp(path), "bogus"));
	assert_non_null(strstr(slurp(path), "\"eu\""));
	cat_config_release(&cfg);

	/* not JSON at all: never rewritten */
	write_settings("{\"dc\": ");
	assert_int_equal(cat_config_open_settings(&cfg), CAT_EINVAL);
	cat_config_release(&cfg);
	cfg.settings = NULL;
	assert_int_equal(cat_config_update_settings(&cfg, put_dc, "us"),
			 CAT_EINVAL);
	cat_hint_clear();
	assert_string_equal(slurp(path), "{\"dc\": ");
	cat_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config__fresh, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__write_modes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__corrupt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config__parallel_writers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_config__waits_for_lock,
						setup, teardown),
		cmocka_unit_test(test_config__cache),
		cmocka_unit_test(test_config__state_helpers),
		cmocka_unit_test(test_config__settings),
		cmocka_unit_test_setup_teardown(
			test_config__settings_checked_on_load, setup, teardown),
		cmocka_unit_test(test_config__settings_table),
		cmocka_unit_test(test_config__settings_edit),
		cmocka_unit_test_setup_teardown(test_config__settings_update,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
