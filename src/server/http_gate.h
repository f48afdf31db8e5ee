/*
 * The gate: catalystd accepts connections itself and hands each one to
 * libmicrohttpd only once its first request head has arrived whole and
 * passed cat_head_scan.
 *
 * libmicrohttpd 0.9.75 reads a head leniently and answers some bad ones
 * itself: it cuts a line at a NUL byte, takes a header line starting with
 * ':' for the end of the head, and refuses a head larger than its memory
 * pool with its own HTML page or no answer at all. Looking at the raw bytes
 * first (MSG_PEEK, so libmicrohttpd still reads them all) lets every such
 * head get one JSON answer and a closed connection. The gate also holds the
 * per-address connection limit and the deadline for the first head.
 * Later requests on a kept-alive connection are checked by the dispatcher
 * (http.c) on the fields libmicrohttpd parsed.
 */
#ifndef CAT_HTTP_GATE_H
#define CAT_HTTP_GATE_H

#include <stddef.h>

#include <microhttpd.h>

struct cat_server;
struct cat_gate;

/* Starts the gate thread accepting on the n listening sockets of
 * listen_fds (taken over: closed by cat_gate_stop, or here on failure)
 * for daemon d. -1 with a message on stderr when it cannot start. */
int cat_gate_start(struct cat_gate **out, struct cat_server *srv,
		   struct MHD_Daemon *d, const int *listen_fds, size_t n);
/* Stops accepting, drops the connections still at the gate, frees it. */
void cat_gate_stop(struct cat_gate *g);

#endif
