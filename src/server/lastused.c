/*
 * Sharded open-addressing tables, one mutex each, so worker threads
 * recording different tokens rarely meet on a lock. The flush thread
 * drains every shard into the "flight" array, sorted by token id, and
 * writes that. The flight stays readable until the next drain replaces it,
 * so a listing that read the store just before a commit still finds the
 * time it would otherwise miss.
 */
#include "lastused.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "ticker.h"
#include "banned.h"

#define SHARDS     16
#define SLOTS      4096 /* per shard; a power of two */
#define SHARD_FULL (SLOTS * 3 / 4)

struct shard {
	pthread_mutex_t lock;
	size_t used;
	struct cat_touch slot[SLOTS]; /* token_id[0] == 0: free */
};

static struct {
	struct shard shard[SHARDS];
	struct cat_ticker flusher;
	atomic_int running;
	const char *db_url;
	struct cat_store *store; /* the flusher's, opened on first use */
	pthread_mutex_t flight_lock;
	size_t nflight;
	struct cat_touch flight[SHARDS * SHARD_FULL];
	atomic_ulong dropped;
} lu = { .flight_lock = PTHREAD_MUTEX_INITIALIZER };

static uint32_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

/* The slot of id in sh, or the free slot where it would go. */
static struct cat_touch *probe(struct shard *sh, const char *id, uint32_t h)
{
	size_t i = (h >> 4) & (SLOTS - 1);

	/* never full (SHARD_FULL < SLOTS): the loop ends on a free slot */
	while (sh->slot[i].token_id[0] && strcmp(sh->slot[i].token_id, id))
		i = (i + 1) & (SLOTS - 1);
	return &sh->slot[i];
}

static void wake_flush(void)
{
	cat_ticker_kick(&lu.flusher);
}

/* The address of the latest use wins, like its time. */
static void touch_set(struct cat_touch *t, int64_t at, const char *addr)
{
	t->at = at;
	if (addr)
		snprintf(t->addr, sizeof(t->addr), "%s", addr);
	else
		t->addr[0] = '\0';
}

void cat_lastused_record(const char *token_id, int64_t at, const char *addr)
{
	size_t n = strnlen(token_id, CAT_TOKEN_ID_LEN + 1);
	uint32_t h;
	struct shard *sh;
	struct cat_touch *t;
	int full = 0;

	if (!atomic_load_explicit(&lu.running, memory_order_relaxed) ||
	    n == 0 || n > CAT_TOKEN_ID_LEN)
		return;
	h = id_hash(token_id);
	sh = &lu.shard[h % SHARDS];
	pthread_mutex_lock(&sh->lock);
	t = probe(sh, token_id, h);
	if (t->token_id[0]) {
		if (t->at < at)
			touch_set(t, at, addr);
	} else if (sh->used < SHARD_FULL) {
		memcpy(t->token_id, token_id, n + 1);
		touch_set(t, at, addr);
		full = ++sh->used == SHARD_FULL;
	} else {
		atomic_fetch_add(&lu.dropped, 1);
	}
	pthread_mutex_unlock(&sh->lock);
	if (full)
		wake_flush();
}

static int touch_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cat_touch *)a)->token_id,
		      ((const struct cat_touch *)b)->token_id);
}

int64_t cat_lastused_pending(const char *token_id)
{
	uint32_t h = id_hash(token_id);
	struct shard *sh = &lu.shard[h % SHARDS];
	struct cat_touch key, *t;
	int64_t at = 0;
	size_t n = strnlen(token_id, CAT_TOKEN_ID_LEN + 1);

	if (!atomic_load_explicit(&lu.running, memory_order_relaxed) ||
	    n == 0 || n > CAT_TOKEN_ID_LEN)
		return 0;
	pthread_mutex_lock(&sh->lock);
	t = probe(sh, token_id, h);
	if (t->token_id[0])
		at = t->at;
	pthread_mutex_unlock(&sh->lock);
	memcpy(key.token_id, token_id, n + 1);
	pthread_mutex_lock(&lu.flight_lock);
	t = bsearch(&key, lu.flight, lu.nflight, sizeof(key), touch_cmp);
	if (t && t->at > at)
		at = t->at;
	pthread_mutex_unlock(&lu.flight_lock);
	return at;
}

/*
 * Moves every shard's entries into the flight; the flight lock is held
 * throughout, so a reader never sees an entry in neither place. Sorted,
 * the batch also takes row locks in the same order on every instance
 * (PostgreSQL), which two overlapping flushes need to never deadlock.
 */
static size_t drain(void)
{
	size_t i, j, n = 0;

	pthread_mutex_lock(&lu.flight_lock);
	for (i = 0; i < SHARDS; i++) {
		struct shard *sh = &lu.shard[i];

		pthread_mutex_lock(&sh->lock);
		for (j = 0; sh->used && j < SLOTS; j++) {
			if (!sh->slot[j].token_id[0])
				continue;
			lu.flight[n++] = sh->slot[j];
			sh->slot[j].token_id[0] = '\0';
			sh->used--;
		}
		pthread_mutex_unlock(&sh->lock);
	}
	qsort(lu.flight, n, sizeof(lu.flight[0]), touch_cmp);
	lu.nflight = n;
	pthread_mutex_unlock(&lu.flight_lock);
	return n;
}

/* The flusher's job; at stop too, so a SIGTERM loses nothing recorded. */
static void flush_once(void *arg)
{
	unsigned long dropped = atomic_exchange(&lu.dropped, 0);
	size_t i, n = drain();

	(void)arg;
	if (dropped)
		cat_log_warn("last-used: %lu updates dropped (table full)",
			     dropped);
	if (n == 0)
		return;
	if (!lu.store && cat_store_open(&lu.store, lu.db_url) < 0)
		lu.store = NULL;
	/* the flight is only read from here on, so no lock for the write */
	if (lu.store &&
	    cat_store_grant_touch_batch(lu.store, lu.flight, n) == 0)
		return;
	cat_log_warn("last-used: cannot write %zu times: %s", n,
		     cat_error_last());
	/* kept for the next pass rather than lost */
	for (i = 0; i < n; i++)
		cat_lastused_record(lu.flight[i].token_id, lu.flight[i].at,
				    lu.flight[i].addr);
}

int cat_lastused_start(const char *db_url, int interval_s)
{
	size_t i;

	if (atomic_load(&lu.running))
		return 0;
	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&lu.shard[i].lock, NULL);
	lu.db_url = db_url;
	if (cat_ticker_start(&lu.flusher,
			     (interval_s > 0 ? interval_s : 5) * 1000,
			     CAT_TICK_AT_STOP, flush_once, NULL) < 0)
		return -1;
	atomic_store(&lu.running, 1);
	return 0;
}

void cat_lastused_stop(void)
{
	if (!atomic_load(&lu.running))
		return;
	cat_ticker_stop(&lu.flusher);
	cat_store_close(lu.store);
	lu.store = NULL;
	atomic_store(&lu.running, 0);
}
