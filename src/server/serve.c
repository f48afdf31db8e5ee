/*
 * catalystd serve: starts libmicrohttpd with a thread pool sized to the
 * cores, one store handle per worker thread (prepared statements are reused
 * per handle), a background purge of expired rows, a background flush of
 * last-used times, and a graceful stop on SIGTERM/SIGINT: in-flight
 * requests finish, the last-used times are written, then every store is
 * closed.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "access.h"
#include "http_conn.h"
#include "http_gate.h"
#include "http_offload.h"
#include "httpd.h"
#include "ticker.h"
#include "lastused.h"
#include "log.h"
#include "banned.h"

#define MAX_STORES 256

static struct server_state {
	pthread_mutex_t lock;
	struct cat_store *stores[MAX_STORES];
	size_t nstores;
	struct cat_server *srv;
} state = { PTHREAD_MUTEX_INITIALIZER, { 0 }, 0, NULL };

static _Thread_local struct cat_store *tls_store;

int64_t cat_now(void)
{
	return (int64_t)time(NULL);
}

void cat_sockaddr_str(char *out, size_t n, const struct sockaddr *sa)
{
	const struct in6_addr *a6;

	out[0] = '\0';
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)n);
	} else if (sa->sa_family == AF_INET6) {
		a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* an IPv4 client of a dual-stack socket is the same client
		 * as on an IPv4 one, for the logs and the rate limits */
		if (IN6_IS_ADDR_V4MAPPED(a6))
			inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)n);
		else
			inet_ntop(AF_INET6, a6, out, (socklen_t)n);
	}
}

struct cat_store *cat_server_store(struct cat_server *srv)
{
	struct cat_store *s = NULL;

	if (tls_store)
		return tls_store;
	pthread_mutex_lock(&state.lock);
	if (state.nstores == MAX_STORES) {
		pthread_mutex_unlock(&state.lock);
		cat_error_set(CAT_ERROR, "too many store handles");
		return NULL;
	}
	pthread_mutex_unlock(&state.lock);
	if (cat_store_open(&s, srv->cfg.db_url) < 0) {
		cat_log_error("cannot open the store: %s", cat_error_last());
		return NULL;
	}
	pthread_mutex_lock(&state.lock);
	state.stores[state.nstores++] = s;
	pthread_mutex_unlock(&state.lock);
	tls_store = s;
	return s;
}

void cat_server_store_release(void)
{
	size_t i;

	pthread_mutex_lock(&state.lock);
	for (i = 0; i < state.nstores; i++)
		cat_store_close(state.stores[i]);
	state.nstores = 0;
	pthread_mutex_unlock(&state.lock);
	tls_store = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	cat_log_debug("http: %s", line);
}

/* The purge thread's store handle, opened on its first run. */
struct purger {
	struct cat_ticker tick;
	struct cat_server *srv;
	struct cat_store *store;
};

/* Deletes expired device codes, codes, sessions and rate-limit windows,
 * and audit events past their retention (once a minute). */
static void purge(void *arg)
{
	struct purger *p = arg;

	if (!p->store && cat_store_open(&p->store, p->srv->cfg.db_url) < 0)
		p->store = NULL;
	if (p->store &&
	    cat_store_purge(p->store, cat_now(),
			    (int64_t)p->srv->cfg.audit_retention_days * 86400) <
		    0)
		cat_log_warn("purge failed: %s", cat_error_last());
}

static int write_port_file(const char *path, int port)
{
	char tmp[600];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!(f = fopen(tmp, "w")))
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

/* A listening, non-blocking socket on l, its bound port in *port; -1 with
 * errno set. */
static int listen_on(const struct cat_listen *l, int *port)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	int fd = socket(sa->sa_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0, saved;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	/* [::] takes IPv4 too, whatever net.ipv6.bindv6only says */
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		goto fail;
	if (bind(fd, sa, l->addr_len) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &len) < 0)
		goto fail;
	*port = ntohs(bound.ss_family == AF_INET6
			      ? ((struct sockaddr_in6 *)&bound)->sin6_port
			      : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* The port a listener asked for (0: any). */
static int wanted_port(const struct cat_listen *l)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;

	return ntohs(sa->sa_family == AF_INET6
			     ? ((const struct sockaddr_in6 *)sa)->sin6_port
			     : ((const struct sockaddr_in *)sa)->sin_port);
}

int cat_serve(struct cat_server_config *cfg)
{
	static struct cat_server srv;
	struct purger purger = { 0 };
	struct MHD_Daemon *d = NULL;
	struct cat_gate *gate = NULL;
	struct cat_store *s = NULL;
	int lfds[CAT_MAX_LISTEN], ports[CAT_MAX_LISTEN];
	char where[CAT_MAX_LISTEN * 72] = "";
	size_t i, nlfd = 0;
	sigset_t sigs;
	int sig = 0, threads, rc = 1, tries;

	memset(&srv, 0, sizeof(srv));
	srv.cfg = *cfg;
	srv.started_at = cat_now();
	state.srv = &srv;

	/* migrate before serving, so no request ever sees an old schema */
	if (cat_store_open(&s, cfg->db_url) < 0 || cat_store_migrate(s) < 0 ||
	    cat_web_key_init(s) < 0) {
		fprintf(stderr, "catalystd: --db: cannot open the store: %s\n",
			cat_error_last());
		cat_store_close(s);
		return 1;
	}
	cat_store_close(s);

	threads = cfg->threads > 0 ? cfg->threads
				   : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;

	/* every thread inherits this mask; only sigwait below sees them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < (size_t)cfg->nlisten; i++) {
		const struct cat_listen *l = &cfg->listen[i];
		size_t used = strlen(where);

		if ((lfds[nlfd] = listen_on(l, &ports[i])) < 0) {
			fprintf(stderr,
				"catalystd: --listen %s:%d: cannot listen: "
				"%s\n",
				l->host, wanted_port(l), strerror(errno));
			goto done;
		}
		nlfd++;
		snprintf(where + used, sizeof(where) - used, "%s%s:%d",
			 i ? ", " : "", l->host, ports[i]);
	}
	/* the gate (http_gate.c) accepts and hands connections over */
	d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_TURBO |
			MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME,
		0, NULL, NULL, cat_http_handler, &srv,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)15,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
		/* MHD zeroes the whole pool on every request, so it is no
		 * bigger than a head the gate lets through needs: 8 KiB of
		 * head, a record for each of up to 100 fields, 50 cookies and
		 * 64 query parameters, a copy of the cookies, the answer's
		 * headers (tests/http/test_hostile.py sends such heads) */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
		MHD_OPTION_URI_LOG_CALLBACK, cat_http_uri_log, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, cat_http_completed, &srv,
		MHD_OPTION_NOTIFY_CONNECTION, cat_http_notify_connection, &srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "catalystd: cannot start the HTTP server: %s\n",
			strerror(errno));
		goto done;
	}
	srv.cfg.port = ports[0];
	/* serve_cmd.c refuses a wildcard first address without it */
	if (!srv.cfg.public_url[0])
		snprintf(srv.cfg.public_url, sizeof(srv.cfg.public_url),
			 "http://%s:%d", cfg->listen[0].host, ports[0]);
	if (cfg->port_file[0] &&
	    write_port_file(cfg->port_file, ports[0]) < 0) {
		fprintf(stderr, "catalystd: --port-file %s: cannot write: %s\n",
			cfg->port_file, strerror(errno));
		goto done;
	}
	if ((cfg->write_threads > 0 &&
	     cat_offload_start(&srv.writes, cfg->write_threads) < 0) ||
	    cat_conn_reaper_start() < 0 ||
	    cat_lastused_start(srv.cfg.db_url, cfg->last_used_flush) < 0) {
		fprintf(stderr, "catalystd: cannot start a thread\n");
		goto done;
	}
	if (cat_gate_start(&gate, &srv, d, lfds, nlfd) < 0) {
		nlfd = 0; /* closed by the gate */
		goto done;
	}
	nlfd = 0;
	purger.srv = &srv;
	/* without it expired rows only pile up: serving goes on */
	if (cat_ticker_start(&purger.tick, 60 * 1000, CAT_TICK_AT_START, purge,
			     &purger) < 0)
		cat_log_warn("cannot start the purge thread");
	cat_log_info("catalystd listening on %s (dc %s, %d threads, store %s)",
		     where, cfg->dc, threads,
		     cat_store_backend_for(cfg->db_url)->name);
	cat_log_info("verification page: %s/device", srv.cfg.public_url);

	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
	} while (sig == SIGHUP);
	cat_log_info("signal %d: finishing in-flight requests", sig);
	rc = 0;
done:
	/* stop accepting, then let the workers finish what they hold */
	cat_gate_stop(gate);
	while (nlfd > 0)
		close(lfds[--nlfd]);
	/* libmicrohttpd closing many connections itself at stop has been
	 * seen to crash one of its worker threads (0.9.75): let them end the
	 * ordinary way first, each once its request is answered */
	for (tries = 0; d && tries < 100 && cat_conn_drain() > 0; tries++)
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000000L }, NULL);
	/* every write it holds is answered and its connection resumed:
	 * libmicrohttpd must not be stopped with a connection suspended */
	cat_offload_stop(srv.writes);
	srv.writes = NULL;
	if (d)
		MHD_stop_daemon(d);
	cat_conn_reaper_stop();
	/* after the last request, so none of its uses is left behind */
	cat_lastused_stop();
	cat_access_keys_wipe();
	cat_ticker_stop(&purger.tick);
	cat_store_close(purger.store);
	cat_server_store_release();
	cat_log_info("catalystd stopped");
	return rc;
}
