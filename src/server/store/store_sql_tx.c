/*
 * Write transactions of the SQL store, and group commit.
 *
 * SQLite runs one writer at a time, and each commit costs the same
 * whatever it carries: the WAL frames of every page it touched, the locks,
 * the WAL index. Concurrent writes of one process therefore share one
 * transaction: the first writer to find no transaction running becomes the
 * leader, takes every write queued behind it, runs each inside its own
 * SAVEPOINT on its own connection, and commits them all at once; then
 * every writer returns, its answer known only after that commit. A write
 * that fails is rolled back to its savepoint and fails alone; a commit
 * that fails fails every write it carried.
 *
 * PostgreSQL already shares WAL flushes between concurrent commits, and
 * one transaction across operations would only widen lock waits between
 * instances, so there each write runs on its own (a single statement with
 * no BEGIN at all).
 */
#include "store_sql.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Writes one commit carries at most; the rest go in the next. */
#define GROUP_MAX 64

struct sql_job {
	sql_tx_fn fn;
	void *arg;
	int flags;
	int err;
	int done;      /* its commit is over (set before wake is posted) */
	int lead;      /* it leads the next batch (set before wake too) */
	int rejected;  /* leader only: failed and rolled back on its own */
	sem_t wake;    /* its writer sleeps here: one wake-up per writer */
	char msg[256]; /* the failure's message, for the writer's thread */
	struct sql_job *next;
};

/* The writers of one database file in this process. */
struct sql_group {
	struct sql_group *next; /* the registry */
	char *key;              /* the URL that opened it */
	pthread_mutex_t mu;     /* the queue and leading */
	struct sql_job *head, **tail;
	int leading;
};

/* Commits, and the writes they carried, since the process started. */
static atomic_uint_fast64_t n_commits, n_writes;

void cat_store_commit_stats(uint64_t *commits, uint64_t *writes)
{
	*commits = atomic_load_explicit(&n_commits, memory_order_relaxed);
	*writes = atomic_load_explicit(&n_writes, memory_order_relaxed);
}

static void count(uint64_t writes)
{
	atomic_fetch_add_explicit(&n_commits, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&n_writes, writes, memory_order_relaxed);
}

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sql_group *registry;

struct sql_group *sql_group_for(const char *url)
{
	struct sql_group *g;

	pthread_mutex_lock(&registry_mu);
	for (g = registry; g; g = g->next)
		if (strcmp(g->key, url) == 0)
			goto done;
	if (!(g = calloc(1, sizeof(*g))) || !(g->key = strdup(url))) {
		free(g);
		g = NULL;
		goto done;
	}
	pthread_mutex_init(&g->mu, NULL);
	g->tail = &g->head;
	/* groups live as long as the process: handles come and go */
	g->next = registry;
	registry = g;
done:
	pthread_mutex_unlock(&registry_mu);
	return g;
}

static void job_finish(struct sql_job *j, int err)
{
	j->err = err;
	if (err < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", cat_error_last());
}

/* One write in a transaction of its own. */
static int run_alone(struct db *db, sql_tx_fn fn, void *arg, int flags)
{
	int err;

	if (flags & SQL_TX_ONE) {
		if ((err = fn(db, arg)) >= 0)
			count(1);
		return err;
	}
	if ((err = db_begin(db)) < 0)
		return err;
	if ((err = fn(db, arg)) < 0) {
		db_rollback(db);
		return err;
	}
	if ((err = db_commit(db)) < 0)
		return err;
	count(1);
	return 0;
}

static int savepoint(struct db *db, int slot, const char *sql)
{
	int err = db_write(db, slot, sql, DB_NOARGS);

	return err < 0 ? err : 0;
}

/*
 * Runs the batch on the leader's connection in one transaction. A job
 * whose write failed is rolled back to its savepoint; when the
 * transaction itself is lost (a failed rollback to a savepoint, a failed
 * commit), every job not already failed fails with that error.
 */
static void run_batch(struct db *db, struct sql_job *batch)
{
	struct sql_job *j;
	uint64_t carried = 0;
	int err, lost = 0;

	if (!batch->next) {
		job_finish(batch,
			   run_alone(db, batch->fn, batch->arg, batch->flags));
		return;
	}
	if ((err = db_begin(db)) < 0) {
		lost = err;
		goto fail;
	}
	for (j = batch; j; j = j->next) {
		if ((err = savepoint(db, SL_SAVEPOINT, "SAVEPOINT job")) < 0) {
			lost = err;
			goto fail;
		}
		if ((err = j->fn(db, j->arg)) < 0) {
			job_finish(j, err);
			j->rejected = 1;
			if ((err = savepoint(db, SL_ROLLBACK_TO,
					     "ROLLBACK TO job")) < 0) {
				lost = err;
				goto fail;
			}
		} else {
			job_finish(j, err);
			carried++;
		}
		if ((err = savepoint(db, SL_RELEASE, "RELEASE job")) < 0) {
			lost = err;
			goto fail;
		}
	}
	if ((err = db_commit(db)) == 0) {
		count(carried);
		return;
	}
	lost = err;
fail:
	db_rollback(db);
	for (j = batch; j; j = j->next)
		if (!j->rejected)
			job_finish(j, lost);
}

/*
 * The leader hands the lead to the oldest waiting writer and wakes each
 * writer of its batch on its own semaphore, so a commit wakes exactly the
 * writers it answered, not every one waiting.
 */
int sql_tx(struct cat_store *s, sql_tx_fn fn, void *arg, int flags)
{
	struct sql_store *h = (struct sql_store *)s;
	struct sql_group *g = h->group;
	struct sql_job job = { .fn = fn, .arg = arg, .flags = flags };
	struct sql_job *batch, *j, *after, *next, **cut;
	int n, mine;

	if (!g)
		return run_alone(h->db, fn, arg, flags);
	sem_init(&job.wake, 0, 0);
	pthread_mutex_lock(&g->mu);
	*g->tail = &job;
	g->tail = &job.next;
	if (!g->leading)
		g->leading = job.lead = 1;
	pthread_mutex_unlock(&g->mu);
	for (;;) {
		if (!job.lead) {
			while (sem_wait(&job.wake) < 0 && errno == EINTR)
				;
			if (job.done)
				break;
		}
		/* lead: take up to GROUP_MAX queued writes, the oldest first */
		job.lead = 0;
		pthread_mutex_lock(&g->mu);
		batch = g->head;
		for (cut = &g->head, n = 0; *cut && n < GROUP_MAX; n++)
			cut = &(*cut)->next;
		g->head = *cut;
		if (!g->head)
			g->tail = &g->head;
		*cut = NULL;
		pthread_mutex_unlock(&g->mu);
		run_batch(h->db, batch);
		pthread_mutex_lock(&g->mu);
		if ((next = g->head))
			next->lead = 1;
		else
			g->leading = 0;
		pthread_mutex_unlock(&g->mu);
		/* a woken writer returns at once: read next before waking */
		for (mine = 0, j = batch; j; j = after) {
			after = j->next;
			j->done = 1;
			if (j == &job)
				mine = 1;
			else
				sem_post(&j->wake);
		}
		if (next == &job)
			continue;
		if (next)
			sem_post(&next->wake);
		if (mine)
			break;
	}
	sem_destroy(&job.wake);
	if (job.err < 0)
		return cat_error_set(job.err, "%s", job.msg);
	return job.err;
}
