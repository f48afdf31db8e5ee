/*
 * The running catalystd: its configuration, the per-thread store handles and
 * the counters /metrics reports.
 */
#ifndef CAT_SERVER_H
#define CAT_SERVER_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "store.h"

/* --listen may be given this many times. */
#define CAT_MAX_LISTEN 8

/* One address to listen on. */
struct cat_listen {
	char host[64];                /* as in a URL: "127.0.0.1", "[::1]" */
	struct sockaddr_storage addr; /* port 0: pick a free one */
	socklen_t addr_len;
};

struct cat_server_config {
	struct cat_listen listen[CAT_MAX_LISTEN];
	int nlisten; /* the first one is advertised */
	int port;    /* the first listener's bound port */
	char dc[3];  /* "us" */
	char db_url[1024];
	char public_url[512]; /* no trailing slash */
	int device_ttl;       /* seconds a device code lives (300) */
	int device_interval;  /* seconds between polls (5) */
	int access_ttl;       /* seconds an access token lives (3600) */
	int code_ttl;         /* authorization code lifetime (120) */
	int session_ttl;      /* web session lifetime (3600) */
	int threads;          /* 0: one per core */
	int secure_cookies;   /* Secure attribute on cookies */
	int trust_proxy;      /* take the client address from X-Forwarded-For */
	char port_file[512];  /* write the bound port here, for tests */
	/* web sign-in and code entry limits (web.h has the defaults) */
	int login_hashes;        /* concurrent password hashes, 0: auto */
	int login_limit_addr;    /* wrong passwords per address */
	int login_limit_account; /* wrong passwords per account */
	int code_limit_account;  /* wrong codes per account */
	int code_limit_global;   /* wrong codes, everyone together */
	int request_timeout;     /* seconds to deliver a whole request (10) */
	int max_conns_per_ip;    /* open connections per address; 0: no limit */
	int max_connections;     /* open connections in all (4096) */
};

enum cat_metric {
	CAT_M_REQUESTS,
	CAT_M_ERRORS_4XX,
	CAT_M_ERRORS_5XX,
	CAT_M_DEVICE_CODES,
	CAT_M_TOKENS_ISSUED,
	CAT_M_REFRESHES,
	CAT_M_REVOCATIONS,
	CAT_M_BEARER_OK,
	CAT_M_BEARER_FAIL,
	CAT_M_STORE_ERRORS,
	CAT_M__COUNT
};

struct cat_server {
	struct cat_server_config cfg;
	atomic_ullong metrics[CAT_M__COUNT];
	int64_t started_at;
};

/* The calling thread's store handle, opened on first use; NULL with the
 * error set when the database cannot be opened. */
struct cat_store *cat_server_store(struct cat_server *srv);
/* Closes the calling thread's handle (thread exit / shutdown). */
void cat_server_store_release(void);

static inline void cat_metric_inc(struct cat_server *srv, enum cat_metric m)
{
	atomic_fetch_add_explicit(&srv->metrics[m], 1, memory_order_relaxed);
}

/*
 * Loads the key the web pages sign anonymous cookies with, storing a new
 * one on the first start against a store (web_session.c): done before
 * serving, so no request writes it.
 */
int cat_web_key_init(struct cat_store *s);

/* Runs the server until SIGTERM/SIGINT; returns the process exit code. */
int cat_serve(struct cat_server_config *cfg);

#endif
