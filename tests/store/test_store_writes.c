/*
 * Contract: writes from many handles at once. On SQLite they share commits
 * (group commit); on every backend each write is answered only once it is
 * committed, and a write that fails fails alone: the writes committed with
 * it are kept, and the failure's own message reaches its caller.
 */
#include "contract.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

#define WRITERS 16
#define ROUNDS  40
/* every FAIL_EVERY-th write reuses a device code that is taken */
#define FAIL_EVERY 5

struct writer {
	pthread_barrier_t *go;
	struct cat_device_auth d[ROUNDS];
	int rc[ROUNDS];
	char msg[ROUNDS][160];
	int open_failed;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct cat_store *s = NULL;
	int i;

	w->open_failed = cat_store_open(&s, g_url) < 0;
	pthread_barrier_wait(w->go);
	for (i = 0; i < ROUNDS && !w->open_failed; i++) {
		w->rc[i] = cat_store_device_insert(s, &w->d[i]);
		snprintf(w->msg[i], sizeof(w->msg[i]), "%s",
			 w->rc[i] < 0 ? cat_error_last() : "");
	}
	cat_store_close(s);
	return NULL;
}

static void test_store__concurrent_writes_fail_alone(void **state)
{
	static struct writer w[WRITERS];
	struct cat_store *s = *state;
	struct cat_device_auth taken, out;
	struct cat_client c;
	pthread_barrier_t go;
	pthread_t t[WRITERS];
	uint64_t commits0, writes0, commits1, writes1, ok = 0, failed = 0;
	int i, j;

	new_client(s, &c, CAT_CLIENT_DEVICE);
	make_device(&taken, c.id, g_now);
	assert_ok(cat_store_device_insert(s, &taken));
	memset(w, 0, sizeof(w));
	for (i = 0; i < WRITERS; i++)
		for (j = 0; j < ROUNDS; j++) {
			make_device(&w[i].d[j], c.id, g_now);
			if ((i * ROUNDS + j) % FAIL_EVERY == 0)
				memcpy(w[i].d[j].device_hash, taken.device_hash,
				       CAT_HASH_HEX);
		}
	assert_ok(pthread_barrier_init(&go, NULL, WRITERS));
	cat_store_commit_stats(&commits0, &writes0);
	for (i = 0; i < WRITERS; i++) {
		w[i].go = &go;
		assert_ok(pthread_create(&t[i], NULL, writer_main, &w[i]));
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	cat_store_commit_stats(&commits1, &writes1);

	for (i = 0; i < WRITERS; i++) {
		assert_false(w[i].open_failed);
		for (j = 0; j < ROUNDS; j++) {
			const struct cat_device_auth *d = &w[i].d[j];

			if ((i * ROUNDS + j) % FAIL_EVERY == 0) {
				/* its own error, with its own message */
				assert_int_equal(w[i].rc[j], CAT_EEXISTS);
				assert_non_null(strstr(w[i].msg[j], "in use"));
				failed++;
				continue;
			}
			if (w[i].rc[j] != 0)
				fail_msg("writer %d, write %d: %d %s", i, j,
					 w[i].rc[j], w[i].msg[j]);
			/* answered after its commit: another handle sees it */
			assert_ok(cat_store_device_by_hash(s, &out,
							   d->device_hash));
			assert_true(out.id == d->id);
			assert_string_equal(out.user_code, d->user_code);
			ok++;
		}
	}
	/* the failures changed nothing of the row they collided with */
	assert_ok(cat_store_device_by_hash(s, &out, taken.device_hash));
	assert_true(out.id == taken.id);
	assert_string_equal(out.user_code, taken.user_code);
	assert_true(failed > 0 && ok > 0);

	/* every committed write is counted once, failures not at all */
	assert_true(writes1 - writes0 == ok);
	if (is_sqlite(g_url))
		/* sixteen writers at once: some commits carried several */
		assert_true(commits1 - commits0 < writes1 - writes0);
	else
		assert_true(commits1 - commits0 == writes1 - writes0);
}

/* The hint changes how a handle reads, never what it reads or writes. */
static void test_store__prefer_writes(void **state)
{
	struct cat_store *s = *state, *w = open_store();
	struct cat_device_auth d, out;
	struct cat_client c;

	assert_ok(cat_store_prefer_writes(w));
	assert_ok(cat_store_prefer_writes(w)); /* twice is fine */
	new_client(s, &c, CAT_CLIENT_DEVICE);
	make_device(&d, c.id, g_now);
	assert_ok(cat_store_device_insert(w, &d));
	assert_ok(cat_store_device_by_hash(w, &out, d.device_hash));
	assert_true(out.id == d.id);
	/* and the other handles see its writes at once */
	assert_ok(cat_store_device_by_hash(s, &out, d.device_hash));
	assert_ok(cat_store_device_decide(s, d.id, new_account(s), 1, g_now));
	assert_ok(cat_store_device_by_hash(w, &out, d.device_hash));
	assert_int_equal(out.status, CAT_DEV_APPROVED);
	cat_store_close(w);
}

int contract_write_tests(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TEST(test_store__concurrent_writes_fail_alone),
		CONTRACT_TEST(test_store__prefer_writes),
	};

	return cmocka_run_group_tests_name("store: concurrent writes", tests,
					   NULL, NULL);
}
