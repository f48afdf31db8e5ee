#include "ticker.h"

#include <time.h>

#include "banned.h"

static void *ticker_main(void *arg)
{
	struct cat_ticker *t = arg;
	int stop = 0;

	if (t->flags & CAT_TICK_AT_START)
		t->job(t->arg);
	while (!stop) {
		struct timespec ts;

		pthread_mutex_lock(&t->lock);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += t->period_ms / 1000;
		ts.tv_nsec += (long)(t->period_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!t->stop && !t->kicked &&
		       pthread_cond_timedwait(&t->wake, &t->lock, &ts) == 0)
			;
		stop = t->stop;
		t->kicked = 0;
		pthread_mutex_unlock(&t->lock);
		if (!stop || (t->flags & CAT_TICK_AT_STOP))
			t->job(t->arg);
	}
	return NULL;
}

int cat_ticker_start(struct cat_ticker *t, int period_ms, unsigned flags,
		     void (*job)(void *arg), void *arg)
{
	pthread_condattr_t ca;

	if (t->running)
		return 0;
	t->job = job;
	t->arg = arg;
	t->period_ms = period_ms > 0 ? period_ms : 1000;
	t->flags = flags;
	t->stop = t->kicked = 0;
	pthread_mutex_init(&t->lock, NULL);
	/* a monotonic clock: setting the wall clock neither stalls nor
	 * hurries the job */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->lock);
		return -1;
	}
	t->running = 1;
	return 0;
}

void cat_ticker_kick(struct cat_ticker *t)
{
	pthread_mutex_lock(&t->lock);
	t->kicked = 1;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
}

void cat_ticker_stop(struct cat_ticker *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = 1;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	t->running = 0;
}
