/*
 * .catalystrc handling: finding the project root by catalyst.json, the
 * reference format (idx numbering, defaults/actives, 2-space indent and a
 * trailing newline), project:use vs init semantics, reset, and reading a
 * file the reference CLI wrote after a bare project:use (no defaults.env).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "io.h"
#include "rc.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cat-rc-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *project(const char *id, const char *name, const char *env)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:i, s:s}]}",
		"id", id, "project_name", name, "project_type", "Live",
		"timezone", "Asia/Kolkata", "project_domain_details",
		"project_domain_id", "5000", "project_domain_name", name,
		"env_details", "env_zgid", env, "env_name", "Development",
		"env_type", 3, "env_status", "Active");
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_rc__root(void **state)
{
	struct cat_rc rc;
	char sub[512], p[600];
	FILE *f;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	snprintf(p, sizeof(p), "%s/a", dir);
	mkdir(p, 0755);
	mkdir(sub, 0755);
	/* no catalyst.json anywhere: the working directory is the root */
	assert_int_equal(cat_rc_load_from(&rc, sub), 0);
	assert_string_equal(rc.root, sub);
	assert_null(rc.rc);
	cat_rc_release(&rc);
	snprintf(p, sizeof(p), "%s/a/catalyst.json", dir);
	f = fopen(p, "w");
	fputs("{}\n", f);
	fclose(f);
	assert_int_equal(cat_rc_load_from(&rc, sub), 0);
	snprintf(p, sizeof(p), "%s/a", dir);
	assert_string_equal(rc.root, p);
	snprintf(p, sizeof(p), "%s/a/.catalystrc", dir);
	assert_string_equal(rc.path, p);
	cat_rc_release(&rc);
}

static void test_rc__use_and_format(void **state)
{
	struct cat_rc rc;
	json_t *alpha = project("4000000000001", "alpha", "60001234");
	json_t *beta = project("4000000000002", "beta", "60001234");
	const char *text;

	(void)state;
	assert_int_equal(cat_rc_load_from(&rc, dir), 0);
	/* project:use in a fresh directory: active and default */
	assert_int_equal(cat_rc_use_project(&rc, alpha, NULL, 0), 0);
	assert_int_equal(cat_rc_save(&rc), 0);
	text = slurp(rc.path);
	assert_int_equal(strncmp(text,
				 "{\n  \"defaults\": {\n    \"project\": 1,\n"
				 "    \"env\": 1\n  },\n  \"actives\"",
				 53),
			 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_string_equal(cat_rc_project_id(cat_rc_active_project(&rc)),
			    "4000000000001");
	assert_string_equal(cat_rc_active_env_id(&rc), "60001234");
	/* a second project becomes active only; the default stays */
	assert_int_equal(cat_rc_use_project(&rc, beta, NULL, 0), 0);
	assert_string_equal(cat_rc_project_id(cat_rc_active_project(&rc)),
			    "4000000000002");
	assert_string_equal(cat_rc_project_id(cat_rc_default_project(&rc)),
			    "4000000000001");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(rc.rc, "projects"), 1),
			"idx")),
		2);
	/* using alpha again keeps its idx and moves it to the end */
	assert_int_equal(cat_rc_use_project(&rc, alpha, NULL, 0), 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(rc.rc, "projects"), 1),
			"name")),
		"alpha");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(rc.rc, "projects"), 1),
			"idx")),
		1);
	assert_int_equal(json_array_size(json_object_get(rc.rc, "projects")),
			 2);
	cat_rc_release(&rc);
	json_decref(alpha);
	json_decref(beta);
}

static void test_rc__reset(void **state)
{
	struct cat_rc rc;
	json_t *alpha = project("1", "alpha", "60001234");
	json_t *beta = project("2", "beta", "60001234");

	(void)state;
	assert_int_equal(cat_rc_load_from(&rc, dir), 0);
	rc.rc = json_object();
	assert_int_equal(cat_rc_reset(&rc), CAT_ENOTFOUND);
	cat_hint_clear();
	assert_int_equal(cat_rc_use_project(&rc, alpha, NULL, 1), 0);
	assert_int_equal(cat_rc_reset(&rc), 1); /* already the default */
	assert_int_equal(cat_rc_use_project(&rc, beta, NULL, 0), 0);
	assert_int_equal(cat_rc_reset(&rc), 0);
	assert_string_equal(cat_rc_project_id(cat_rc_active_project(&rc)), "1");
	assert_true(json_equal(json_object_get(rc.rc, "actives"),
			       json_object_get(rc.rc, "defaults")));
	cat_rc_release(&rc);
	json_decref(alpha);
	json_decref(beta);
}

/* The reference writes defaults without env after project:use; we cope. */
static void test_rc__reference_file(void **state)
{
	struct cat_rc rc;
	char p[512];
	FILE *f;

	(void)state;
	snprintf(p, sizeof(p), "%s/.catalystrc", dir);
	f = fopen(p, "w");
	fputs("{\"defaults\":{\"project\":1},\"actives\":{\"project\":2,"
	      "\"env\":1},"
	      "\"projects\":[{\"idx\":1,\"id\":\"11\",\"name\":\"a\",\"env\":"
	      "[{\"idx\":1,\"id\":\"600\",\"name\":\"Development\",\"type\":3}]"
	      "},"
	      "{\"idx\":2,\"id\":\"22\",\"name\":\"b\",\"env\":[{\"idx\":1,"
	      "\"id\":\"601\",\"name\":\"Development\",\"type\":3}]}]}",
	      f);
	fclose(f);
	assert_int_equal(cat_rc_load_from(&rc, dir), 0);
	assert_string_equal(cat_rc_active_env_id(&rc), "601");
	assert_int_equal(cat_rc_reset(&rc), 0);
	assert_string_equal(cat_rc_active_env_id(&rc), "600");
	cat_rc_release(&rc);

	f = fopen(p, "w");
	fputs("{\"defaults\": ", f);
	fclose(f);
	assert_int_equal(cat_rc_load_from(&rc, dir), CAT_EINVAL);
	assert_non_null(strstr(cat_error_last(), ".catalystrc"));
	cat_hint_clear();
	cat_rc_release(&rc);
}

static void test_rc__init_envs(void **state)
{
	struct cat_rc rc;
	json_t *p = project("7", "gamma", "1");
	json_t *envs = json_pack("[{s:s, s:s, s:i}, {s:s, s:s, s:i}]",
				 "env_zgid", "900", "env_name", "Production",
				 "env_type", 1, "env_zgid", "901", "env_name",
				 "Development", "env_type", 3);
	char jp[512];

	(void)state;
	assert_int_equal(cat_rc_load_from(&rc, dir), 0);
	assert_int_equal(cat_rc_use_project(&rc, p, envs, 1), 0);
	assert_string_equal(cat_rc_active_env_id(&rc), "901");
	assert_int_equal(json_array_size(json_object_get(
				 cat_rc_active_project(&rc), "env")),
			 2);
	assert_int_equal(cat_rc_ensure_project_file(&rc), 0);
	snprintf(jp, sizeof(jp), "%s/catalyst.json", dir);
	assert_string_equal(slurp(jp), "{}\n");
	cat_rc_release(&rc);
	json_decref(p);
	json_decref(envs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rc__root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rc__use_and_format, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rc__reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rc__reference_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rc__init_envs, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
