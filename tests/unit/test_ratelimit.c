/*
 * The web pages' limiter of wrong answers (web_session.c) on a real SQLite
 * store: only wrong answers count, the limit holds in staggered windows so
 * a burst across a window boundary is still caught, it says how long to
 * wait, and it lifts then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"
#include "web.h"

#define LIMIT 3

static const struct web_limit code_limit = { "code", LIMIT, WEB_RL_WINDOW };

struct fixture {
	char path[64];
	struct cat_store *store;
	struct cat_req req;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char url[80];
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/catalyst-rl-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	snprintf(url, sizeof(url), "sqlite:%s", f->path);
	assert_int_equal(cat_store_open(&f->store, url), 0);
	assert_int_equal(cat_store_migrate(f->store), 0);
	f->req.store = f->store;
	/* the start of a window of both staggers' grids */
	f->req.now = 1800000000 - 1800000000 % (2 * WEB_RL_WINDOW);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char side[80];

	cat_store_close(f->store);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

/* Seconds to wait before subject may answer again; 0: it may now. */
static int64_t wait_of(struct fixture *f, const struct web_limit *l,
		       const char *subject)
{
	int64_t retry = -1;

	assert_int_equal(web_limit_blocked(&f->req, &retry, l, subject), 0);
	assert_true(retry >= 0 && retry <= l->window);
	return retry;
}

static int blocked_now(struct fixture *f, const char *subject)
{
	return wait_of(f, &code_limit, subject) > 0;
}

static int wrong_of(struct fixture *f, const struct web_limit *l,
		    const char *subject)
{
	int64_t retry = -1;

	assert_int_equal(web_limit_wrong(&f->req, &retry, l, subject), 0);
	assert_true(retry >= 0 && retry <= l->window);
	return retry > 0;
}

static int wrong(struct fixture *f, const char *subject)
{
	return wrong_of(f, &code_limit, subject);
}

static void test_ratelimit__wrong_answers_block_at_the_limit(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < LIMIT; i++) {
		assert_false(blocked_now(f, "10.0.0.1"));
		assert_false(wrong(f, "10.0.0.1"));
	}
	assert_true(blocked_now(f, "10.0.0.1"));
	/* asking is a read: it did not use up anyone else's answers */
	assert_false(blocked_now(f, "10.0.0.2"));
	/* a request that raced past the check is told it went over */
	assert_true(wrong(f, "10.0.0.1"));
}

static void test_ratelimit__checking_does_not_count(void **state)
{
	struct fixture *f = *state;
	int i;

	/* right answers only check: any number of them never blocks */
	for (i = 0; i < 10 * LIMIT; i++)
		assert_false(blocked_now(f, "session-a"));
	assert_false(wrong(f, "session-a"));
	assert_false(blocked_now(f, "session-a"));
}

static void test_ratelimit__burst_across_a_window_boundary(void **state)
{
	struct fixture *f = *state;
	int64_t edge = f->req.now + WEB_RL_WINDOW;

	/* two wrong answers just before a boundary of one grid, two just
	 * after: each window of that grid holds two, the staggered grid's
	 * window holds all four */
	f->req.now = edge - 2;
	wrong(f, "10.0.0.3");
	wrong(f, "10.0.0.3");
	f->req.now = edge + 1;
	wrong(f, "10.0.0.3");
	assert_true(blocked_now(f, "10.0.0.3"));
}

static void test_ratelimit__lifts_after_the_windows(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < LIMIT; i++)
		wrong(f, "10.0.0.4");
	assert_true(blocked_now(f, "10.0.0.4"));
	f->req.now += 2 * WEB_RL_WINDOW;
	assert_false(blocked_now(f, "10.0.0.4"));
}

static void test_ratelimit__says_when_to_retry(void **state)
{
	struct fixture *f = *state;
	int64_t start = f->req.now, retry;
	int i;

	/* a quarter into the first grid's window, so only it holds all */
	f->req.now = start + WEB_RL_WINDOW / 4;
	for (i = 0; i < LIMIT; i++)
		wrong(f, "10.0.0.5");
	retry = wait_of(f, &code_limit, "10.0.0.5");
	/* both grids' windows are full: the later end (the first grid's,
	 * three quarters of a window from now) is when to retry */
	assert_int_equal(retry, 3 * WEB_RL_WINDOW / 4);
	f->req.now += retry - 1;
	assert_true(blocked_now(f, "10.0.0.5"));
	f->req.now += 1;
	assert_false(blocked_now(f, "10.0.0.5"));
}

static void test_ratelimit__limits_are_apart(void **state)
{
	struct fixture *f = *state;
	const struct web_limit hourly = { "code-h", LIMIT * 2, 3600 };
	int i;

	for (i = 0; i < LIMIT; i++) {
		wrong(f, "acct-1");
		wrong_of(f, &hourly, "acct-1");
	}
	/* one subject, two kinds: each counts its own answers */
	assert_true(blocked_now(f, "acct-1"));
	assert_int_equal(wait_of(f, &hourly, "acct-1"), 0);
	for (i = 0; i < LIMIT; i++)
		wrong_of(f, &hourly, "acct-1");
	assert_true(wait_of(f, &hourly, "acct-1") > WEB_RL_WINDOW);
	/* the short limit lifts, the long one still holds */
	f->req.now += 2 * WEB_RL_WINDOW;
	assert_false(blocked_now(f, "acct-1"));
	assert_true(wait_of(f, &hourly, "acct-1") > 0);
	assert_int_equal(web_limit_value(0, 7), 7);
	assert_int_equal(web_limit_value(3, 7), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_ratelimit__wrong_answers_block_at_the_limit, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ratelimit__checking_does_not_count, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ratelimit__burst_across_a_window_boundary, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ratelimit__lifts_after_the_windows, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ratelimit__says_when_to_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ratelimit__limits_are_apart, setup, teardown),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
