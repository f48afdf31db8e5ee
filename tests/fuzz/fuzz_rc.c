/*
 * .catalystrc (src/client/rc.c), which the reference CLI writes too and
 * people edit by hand. The input is the file; an empty input means no file.
 *
 * Every reader runs on what loads (active and default project, active env,
 * project ids, project:reset), then project:use records a server project.
 * Checked: after project:use the active entry is that project, the file
 * written back loads again unchanged, and for a file whose entries are
 * well-formed (distinct integer idx and string id each) the default and
 * active entries are found, the active env too when the server sent one.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "rc.h"

#define PROJECT_ID "4000000000042"

static char dir[64], path[128];
static json_t *project;

/* Leaves nothing in /dev/shm after a clean exit. */
static void cleanup(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/catalyst.json", dir);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;
	char p[128];
	int fd;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/catalyst-fuzz-XXXXXX",
		 stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	/* catalyst.json makes dir the project root */
	snprintf(p, sizeof(p), "%s/catalyst.json", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0 && write(fd, "{}\n", 3) == 3);
	close(fd);
	snprintf(path, sizeof(path), "%s/.catalystrc", dir);
	/* GET /baas/v1/project/{id} as catalystd answers it */
	project = json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:i}], "
		"s:s}",
		"id", PROJECT_ID, "project_name", "fuzz", "project_type",
		"Live", "timezone", "UTC", "project_domain_details",
		"project_domain_id", "7", "project_domain_name", "fuzz-1",
		"env_details", "env_zgid", "1001", "env_name", "Development",
		"env_type", 2, "org_id", "1");
	FUZZ_CHECK(project != NULL);
	atexit(cleanup);
	return 0;
}

/* Every entry an object with an integer idx >= 1 and a string id, both
 * distinct; with_env: each entry's env list (if any) likewise. */
static int well_formed(const json_t *arr, int with_env)
{
	size_t i, j;
	json_t *a, *b;

	if (!json_is_array(arr))
		return arr == NULL;
	json_array_foreach(arr, i, a)
	{
		if (!json_is_integer(json_object_get(a, "idx")) ||
		    json_integer_value(json_object_get(a, "idx")) < 1 ||
		    !json_is_string(json_object_get(a, "id")))
			return 0;
		if (with_env && !well_formed(json_object_get(a, "env"), 0))
			return 0;
		for (j = 0; j < i; j++) {
			b = json_array_get(arr, j);
			if (json_integer_value(json_object_get(a, "idx")) ==
				    json_integer_value(
					    json_object_get(b, "idx")) ||
			    strcmp(json_string_value(json_object_get(a, "id")),
				   json_string_value(
					   json_object_get(b, "id"))) == 0)
				return 0;
		}
	}
	return 1;
}

static void put_file(const uint8_t *p, size_t n)
{
	int fd;

	unlink(path);
	if (n == 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void readers(struct cat_rc *rc)
{
	json_t *p = cat_rc_active_project(rc), *d;

	if (p)
		(void)cat_rc_project_id(p);
	d = cat_rc_default_project(rc);
	if (d)
		(void)cat_rc_project_id(d);
	(void)cat_rc_active_env_id(rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cat_rc rc, again;
	json_t *copy, *active, *saved;
	int err, good;

	put_file(data, size);
	err = cat_rc_load_from(&rc, dir);
	if (err < 0) {
		FUZZ_CHECK(err == CAT_EINVAL && rc.rc == NULL);
		goto done;
	}
	FUZZ_CHECK(rc.rc == NULL || json_is_object(rc.rc));
	readers(&rc);
	good = well_formed(json_object_get(rc.rc, "projects"), 1);

	/* project:reset on a copy, so project:use below sees the file */
	if (rc.rc) {
		struct cat_rc r2 = rc;

		copy = json_deep_copy(rc.rc);
		FUZZ_CHECK(copy != NULL);
		r2.rc = copy;
		err = cat_rc_reset(&r2);
		FUZZ_CHECK(err == 0 || err == 1 || err == CAT_ENOTFOUND);
		if (err >= 0 && good)
			FUZZ_CHECK(
				json_equal(json_object_get(copy, "actives"),
					   json_object_get(copy, "defaults")));
		readers(&r2);
		json_decref(copy);
	}

	FUZZ_CHECK(cat_rc_use_project(&rc, project, NULL, 0) == 0);
	readers(&rc);
	active = cat_rc_active_project(&rc);
	FUZZ_CHECK(active != NULL);
	if (good) {
		FUZZ_CHECK(strcmp(cat_rc_project_id(active), PROJECT_ID) == 0);
		FUZZ_CHECK(cat_rc_default_project(&rc) != NULL);
		FUZZ_CHECK(cat_rc_active_env_id(&rc) != NULL);
	}

	FUZZ_CHECK(cat_rc_save(&rc) == 0);
	saved = json_incref(rc.rc);
	cat_rc_release(&rc);
	FUZZ_CHECK(cat_rc_load_from(&again, dir) == 0);
	FUZZ_CHECK(json_equal(again.rc, saved));
	json_decref(saved);
	cat_rc_release(&again);
done:
	cat_error_clear();
	cat_hint_clear();
	return 0;
}
