/*
 * The write pool (http_offload.h): a queue of jobs under one mutex and
 * threads that take them in order.
 */
#include "http_offload.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "banned.h"

struct job {
	struct job *next;
	void (*fn)(void *);
	void *arg;
};

struct cat_offload {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, **tail;
	int stopping;
	int nthreads;
	pthread_t threads[];
};

static void *worker(void *arg)
{
	struct cat_offload *o = arg;
	struct job *j;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->head && !o->stopping)
			pthread_cond_wait(&o->cv, &o->mu);
		if (!o->head)
			break; /* stopping, and nothing left */
		j = o->head;
		o->head = j->next;
		if (!o->head)
			o->tail = &o->head;
		pthread_mutex_unlock(&o->mu);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&o->mu);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

int cat_offload_start(struct cat_offload **out, int threads)
{
	struct cat_offload *o;
	int i, rc = 0;

	*out = NULL;
	if (threads < 1 || threads > 256) {
		errno = EINVAL;
		return -1;
	}
	if (!(o = calloc(1, sizeof(*o) + (size_t)threads * sizeof(pthread_t))))
		return -1;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->tail = &o->head;
	for (i = 0; i < threads; i++) {
		if ((rc = pthread_create(&o->threads[i], NULL, worker, o)) != 0)
			break;
		o->nthreads++;
	}
	if (o->nthreads < threads) {
		cat_offload_stop(o);
		errno = rc;
		return -1;
	}
	*out = o;
	return 0;
}

void cat_offload_submit(struct cat_offload *o, void (*fn)(void *), void *arg)
{
	struct job *j = malloc(sizeof(*j));

	pthread_mutex_lock(&o->mu);
	if (o->stopping || !j) {
		pthread_mutex_unlock(&o->mu);
		free(j);
		fn(arg);
		return;
	}
	j->next = NULL;
	j->fn = fn;
	j->arg = arg;
	*o->tail = j;
	o->tail = &j->next;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

void cat_offload_stop(struct cat_offload *o)
{
	int i;

	if (!o)
		return;
	pthread_mutex_lock(&o->mu);
	o->stopping = 1;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	for (i = 0; i < o->nthreads; i++)
		pthread_join(o->threads[i], NULL);
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o);
}
