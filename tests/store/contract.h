/*
 * Shared by the files of the store contract suite: the store under test,
 * fixtures, and helpers that make rows unique to this run (a backend other
 * than SQLite may hold data from earlier runs).
 */
#ifndef CAT_TEST_CONTRACT_H
#define CAT_TEST_CONTRACT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "store.h"

/* Like assert_int_equal(e, 0), but shows the store's message. */
#define assert_ok(e)                                                           \
	do {                                                                   \
		int rc_ = (e);                                                 \
		if (rc_ != 0)                                                  \
			fail_msg("%s = %d: %s", #e, rc_, cat_error_last());    \
	} while (0)

/* Every test runs with a fresh handle on the migrated store in *state. */
#define CONTRACT_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

extern const char *g_url; /* the store under test */
extern int64_t g_now;     /* the suite's "now"; times are relative to it */

int setup(void **state);
int teardown(void **state);

/* The groups, each run by main(); they return cmocka's failure count. */
int contract_directory_tests(void);
int contract_oauth_tests(void);
int contract_write_tests(void);
int contract_operator_tests(void);
int contract_audit_tests(void);

int is_sqlite(const char *url);
/* The file of a SQLite URL ("sqlite:PATH" or PATH). */
const char *sqlite_path(const char *url);
/* Deletes a SQLite database and its companions; -1 (said) on failure. */
int remove_db(const char *path);

struct cat_store *open_store(void);
/* "<prefix><run tag><n>": distinct across tests and runs. */
void uniq(char *out, size_t n, const char *prefix);
/* A SHA-256 hex of a unique secret. */
void new_hash(char out[CAT_HASH_HEX]);
/* buf[0..len) = 'a', then NUL: for length limits. */
void fill(char *buf, size_t len);
int all_digits(const char *s);

/* Rows, inserted with assertions; make_* only fill the struct. */
int64_t new_account(struct cat_store *s);
void new_org(struct cat_store *s, struct cat_org *o);
void new_client(struct cat_store *s, struct cat_client *c, int kind);
void make_grant(struct cat_grant *g, int64_t account, const char *client,
		int64_t created);
void new_grant(struct cat_store *s, struct cat_grant *g, int64_t account,
	       const char *client, int64_t created);
/* A pending authorization created at `created`, valid for 300 s. */
void make_device(struct cat_device_auth *d, const char *client,
		 int64_t created);
void new_device(struct cat_store *s, struct cat_device_auth *d,
		const char *client, int64_t created);

#endif
