/*
 * Per-connection state of catalystd and the deadline that bounds how long
 * a connection may take to deliver a request.
 *
 * libmicrohttpd's idle timeout is reset by every byte, so a client sending
 * one header line every few seconds holds a connection for ever. Each
 * connection here carries an absolute deadline, armed when it opens and
 * after every response, and cleared when a whole request (head and body)
 * has arrived; a reaper thread shuts down the socket of any connection
 * past its deadline, and libmicrohttpd then closes it as it would any
 * connection the peer dropped.
 *
 * The state lives from libmicrohttpd's "connection started" notification to
 * its "closed" one, which it always sends, so nothing allocated for a
 * request can outlive its connection even when libmicrohttpd refuses the
 * request before any handler runs.
 */
#ifndef CAT_HTTP_CONN_H
#define CAT_HTTP_CONN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

struct cat_conn {
	struct cat_conn *prev, *next;
	int fd;
	/* CLOCK_MONOTONIC milliseconds; 0 while no request is awaited */
	_Atomic int64_t deadline_ms;
	void *req; /* http.c's request state, reused request after request */
	unsigned char addr[16]; /* client address, for the per-address count */
	unsigned addr_len;
};

/* A new connection on socket fd from sa (may be NULL), registered with the
 * reaper and counted against its address; NULL when out of memory. */
struct cat_conn *cat_conn_open(int fd, const struct sockaddr *sa,
			       int timeout_s);
/* Unregisters and frees conn (its req must already be released). */
void cat_conn_close(struct cat_conn *conn);
/* The next request must be complete within timeout_s seconds. */
void cat_conn_arm(struct cat_conn *conn, int timeout_s);
/* A whole request arrived: no deadline while it is answered. */
void cat_conn_disarm(struct cat_conn *conn);

/*
 * Connections per client address: those the gate (http_gate.c) still
 * holds and those libmicrohttpd serves. cat_conn_admit counts one more
 * pending connection from sa unless that makes more than limit (0: no
 * limit) from the address, then -1; cat_conn_admitted forgets a pending
 * one (handed over or dropped).
 */
int cat_conn_admit(const struct sockaddr *sa, int limit);
void cat_conn_admitted(const struct sockaddr *sa);

/*
 * For a graceful stop: shuts down every connection waiting for its next
 * request (those in the middle of one finish first, and are shut on a
 * later call once answered). Returns the connections still open.
 */
size_t cat_conn_drain(void);

/* Starts and stops the reaper thread (one per process). */
int cat_conn_reaper_start(void);
void cat_conn_reaper_stop(void);
/* Connections the reaper has cut so far. */
unsigned long long cat_conn_reaped(void);
/* Connections libmicrohttpd serves now (the gate's are not counted). */
long cat_conn_open_count(void);

#endif
