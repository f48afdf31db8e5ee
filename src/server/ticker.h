/*
 * A background thread that runs one job periodically: the purge of expired
 * rows, the connection reaper and the last-used flush are each one. It
 * sleeps on a condition variable, so stopping or kicking it takes effect at
 * once rather than at the end of the period.
 */
#ifndef CAT_TICKER_H
#define CAT_TICKER_H

#include <pthread.h>

enum {
	CAT_TICK_AT_START = 1 << 0, /* run the job as soon as it starts */
	CAT_TICK_AT_STOP = 1 << 1,  /* run it once more when stopped */
};

struct cat_ticker {
	void (*job)(void *arg);
	void *arg;
	int period_ms;
	unsigned flags;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int running, stop, kicked;
};

/* Starts t's thread; -1 when it cannot be created. */
int cat_ticker_start(struct cat_ticker *t, int period_ms, unsigned flags,
		     void (*job)(void *arg), void *arg);
/* Runs the job now rather than at the end of the period. */
void cat_ticker_kick(struct cat_ticker *t);
/* Stops the thread and waits for it; nothing when it never started. */
void cat_ticker_stop(struct cat_ticker *t);

#endif
