/*
 * A pool of threads for the requests that write (routes marked
 * ROUTE_WRITE).
 *
 * libmicrohttpd serves from one thread per core. A write waits for its
 * commit; with the store's group commit (store_sql_tx.c) the more writes
 * wait at once, the more share a commit, but a connection thread that
 * waits serves nothing else meanwhile. So http.c suspends the connection
 * of a write, hands the request to this pool, and the connection thread
 * goes on with other connections; a pool thread runs the route, then
 * resumes the connection, whose thread sends the answer.
 */
#ifndef CAT_HTTP_OFFLOAD_H
#define CAT_HTTP_OFFLOAD_H

struct cat_offload;

/* Starts threads pool threads (1 to 256). 0, or -1 with errno set. */
int cat_offload_start(struct cat_offload **out, int threads);

/*
 * Runs fn(arg) on a pool thread, in submission order per thread. Once the
 * pool is stopping, runs it at once on the calling thread instead, so a
 * job is never lost.
 */
void cat_offload_submit(struct cat_offload *o, void (*fn)(void *), void *arg);

/* Runs every job already submitted, then joins the threads and frees o
 * (NULL is fine). */
void cat_offload_stop(struct cat_offload *o);

#endif
