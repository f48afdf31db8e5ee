#include "http_gate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_conn.h"
#include "http_guard.h"
#include "log.h"
#include "server.h"
#include "banned.h"

/* How long a refused client gets to read our answer before we close. */
#define LINGER_MS 1000

enum pend_state { READING, LINGERING };

/* A connection whose first head has not arrived yet. */
struct pend {
	struct pend *prev, *next;
	int fd;
	enum pend_state state;
	int64_t deadline_ms;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

struct cat_gate {
	struct cat_server *srv;
	struct MHD_Daemon *daemon;
	int *listen_fd; /* epoll tells them apart by the address of each */
	size_t nlisten;
	int ep, wake[2];
	pthread_t thread;
	struct pend *head;
	unsigned count;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pend_unlink(struct cat_gate *g, struct pend *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		g->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	g->count--;
}

/* Closes a connection the gate still holds. */
static void pend_drop(struct cat_gate *g, struct pend *p)
{
	pend_unlink(g, p);
	epoll_ctl(g->ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	cat_conn_admitted((struct sockaddr *)&p->addr);
	free(p);
}

/* Gives the connection to libmicrohttpd, which reads the head again. */
static void pend_pass(struct cat_gate *g, struct pend *p)
{
	pend_unlink(g, p);
	epoll_ctl(g->ep, EPOLL_CTL_DEL, p->fd, NULL);
	/* libmicrohttpd closes the socket itself when it cannot take it */
	if (MHD_add_connection(g->daemon, p->fd, (struct sockaddr *)&p->addr,
			       p->addr_len) != MHD_YES)
		cat_log_warn("http: a connection could not be served: %s",
			     strerror(errno));
	cat_conn_admitted((struct sockaddr *)&p->addr);
	free(p);
}

/*
 * Answers status with the JSON error body of the path's API (the admin
 * shape under /baas/, RFC 6749's elsewhere), then half-closes and lingers
 * so that the client reads the answer rather than a reset.
 */
static void pend_refuse(struct cat_gate *g, struct pend *p, int status,
			const char *code, const char *why, const char *head,
			size_t head_len)
{
	struct cat_resp resp = { 0 };
	const char *sp = memchr(head, ' ', head_len);
	int admin = sp && (size_t)(head + head_len - sp) > 7 &&
		    memcmp(sp + 1, "/baas/", 6) == 0;
	char top[512];
	int n;

	cat_buf_init(&resp.body, 4096);
	if (admin)
		cat_resp_admin_error(&resp, status, code, why);
	else
		cat_resp_oauth_error(&resp, status, code, why);
	n = snprintf(top, sizeof(top),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: application/json;charset=UTF-8\r\n"
		     "Cache-Control: no-store\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "Connection: close\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     status, MHD_get_reason_phrase_for((unsigned)status),
		     resp.body.len);
	/* a few hundred bytes: the socket's send buffer always has room */
	if (n > 0 && (size_t)n < sizeof(top) &&
	    send(p->fd, top, (size_t)n, MSG_NOSIGNAL) == n && resp.body.len)
		(void)send(p->fd, resp.body.ptr, resp.body.len, MSG_NOSIGNAL);
	cat_http_refused(g->srv, (struct sockaddr *)&p->addr, status,
			 resp.body.len);
	cat_buf_release(&resp.body);
	cat_log_debug("http: refused a request head: %s", why);
	shutdown(p->fd, SHUT_WR);
	p->state = LINGERING;
	p->deadline_ms = mono_ms() + LINGER_MS;
}

/* Reads and discards until the client closes; 1 once it has. Edge-
 * triggered: always drains to EAGAIN. */
static int pend_drain(struct pend *p)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(p->fd, buf, sizeof(buf), 0)) > 0)
		;
	return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

/* The client has sent more: is its first head complete and acceptable? */
static void pend_read(struct cat_gate *g, struct pend *p)
{
	char buf[CAT_MAX_HEAD + 1];
	struct cat_head_check h;
	ssize_t n;
	size_t len;
	int st;

	if (p->state == LINGERING) {
		if (pend_drain(p))
			pend_drop(g, p);
		return;
	}
	n = recv(p->fd, buf, sizeof(buf), MSG_PEEK);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		pend_drop(g, p);
		return;
	}
	len = cat_head_length(buf, (size_t)n);
	if (!len) {
		if ((size_t)n > CAT_MAX_HEAD) {
			pend_refuse(g, p, 431, "request_header_too_large",
				    "the request head is larger than 8 KiB",
				    buf, (size_t)n);
			if (pend_drain(p))
				pend_drop(g, p);
		}
		return;
	}
	if ((st = cat_head_scan(&h, buf, len)))
		pend_refuse(g, p, st,
			    st == 431 ? "request_header_too_large"
				      : "invalid_request",
			    h.why, buf, len);
	else
		pend_pass(g, p);
	/* the client may have closed already: no new edge would tell */
	if (st && pend_drain(p))
		pend_drop(g, p);
}

static void gate_accept(struct cat_gate *g, int listen_fd)
{
	for (;;) {
		struct pend *p;
		struct epoll_event ev = { 0 };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(listen_fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or EMFILE until one closes */
		}
		if (g->count >= (unsigned)g->srv->cfg.max_connections ||
		    cat_conn_admit((struct sockaddr *)&ss,
				   g->srv->cfg.max_conns_per_ip) < 0) {
			cat_log_debug("http: too many connections (%u held), "
				      "one refused",
				      g->count);
			close(fd);
			continue;
		}
		if (!(p = calloc(1, sizeof(*p)))) {
			cat_conn_admitted((struct sockaddr *)&ss);
			close(fd);
			continue;
		}
		p->fd = fd;
		p->addr = ss;
		p->addr_len = sl;
		p->deadline_ms =
			mono_ms() + (int64_t)g->srv->cfg.request_timeout * 1000;
		/* edge-triggered: the head is only peeked at, so the data stays
		 * readable; a new edge comes with each new segment */
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = p;
		if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			cat_conn_admitted((struct sockaddr *)&ss);
			close(fd);
			free(p);
			continue;
		}
		p->next = g->head;
		if (g->head)
			g->head->prev = p;
		g->head = p;
		g->count++;
		/* a client that sent its request with the handshake */
		pend_read(g, p);
	}
}

/* Connections past their deadline: 408 for a head still incomplete. */
static void gate_expire(struct cat_gate *g)
{
	int64_t now = mono_ms();
	struct pend *p = g->head, *next;

	for (; p; p = next) {
		next = p->next;
		if (p->deadline_ms > now)
			continue;
		if (p->state == LINGERING)
			pend_drop(g, p);
		else
			pend_refuse(g, p, 408, "request_timeout",
				    "the request head did not arrive in time",
				    "", 0);
	}
}

/* The listening socket an event is about, or NULL for a connection's. */
static int *gate_listener(struct cat_gate *g, void *ptr)
{
	size_t i;

	for (i = 0; i < g->nlisten; i++)
		if (ptr == &g->listen_fd[i])
			return &g->listen_fd[i];
	return NULL;
}

static void *gate_main(void *arg)
{
	struct cat_gate *g = arg;
	struct epoll_event evs[64];
	int *lfd;

	for (;;) {
		int i, n = epoll_wait(g->ep, evs, 64, 250);

		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &g->wake)
				return NULL;
			if ((lfd = gate_listener(g, evs[i].data.ptr)))
				gate_accept(g, *lfd);
			else
				pend_read(g, evs[i].data.ptr);
		}
		gate_expire(g);
	}
}

static void close_all(const int *fds, size_t n)
{
	while (n > 0)
		close(fds[--n]);
}

int cat_gate_start(struct cat_gate **out, struct cat_server *srv,
		   struct MHD_Daemon *d, const int *listen_fds, size_t n)
{
	struct cat_gate *g = calloc(1, sizeof(*g));
	struct epoll_event ev = { .events = EPOLLIN };
	size_t i;

	*out = NULL;
	if (!g)
		goto fail;
	g->ep = g->wake[0] = g->wake[1] = -1;
	if (!(g->listen_fd = calloc(n, sizeof(*g->listen_fd))))
		goto fail;
	g->srv = srv;
	g->daemon = d;
	memcpy(g->listen_fd, listen_fds, n * sizeof(*listen_fds));
	g->nlisten = n;
	if ((g->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    pipe2(g->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		ev.data.ptr = &g->listen_fd[i];
		if (epoll_ctl(g->ep, EPOLL_CTL_ADD, g->listen_fd[i], &ev) < 0)
			goto fail;
	}
	ev.data.ptr = &g->wake;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, g->wake[0], &ev) < 0 ||
	    pthread_create(&g->thread, NULL, gate_main, g) != 0)
		goto fail;
	*out = g;
	return 0;
fail:
	fprintf(stderr, "catalystd: cannot start accepting: %s\n",
		strerror(errno));
	if (g) {
		if (g->ep >= 0)
			close(g->ep);
		if (g->wake[0] >= 0) {
			close(g->wake[0]);
			close(g->wake[1]);
		}
		free(g->listen_fd);
		free(g);
	}
	close_all(listen_fds, n);
	return -1;
}

void cat_gate_stop(struct cat_gate *g)
{
	if (!g)
		return;
	(void)!write(g->wake[1], "x", 1);
	pthread_join(g->thread, NULL);
	while (g->head)
		pend_drop(g, g->head);
	close_all(g->listen_fd, g->nlisten);
	free(g->listen_fd);
	close(g->ep);
	close(g->wake[0]);
	close(g->wake[1]);
	free(g);
}
