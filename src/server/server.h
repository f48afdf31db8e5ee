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

struct cat_directory;

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
	int token_expiry_min; /* shortest token:generate --expires-in (3600) */
	int code_ttl;         /* authorization code lifetime (120) */
	int session_ttl;      /* web session lifetime (3600) */
	int threads;          /* 0: one per core */
	int write_threads;    /* the write pool (http_offload.h); 0: none */
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
	int last_used_flush;     /* seconds between last-used writes (5) */
	int audit_retention_days; /* audit events kept (90); 0: forever */
	int reauth_after; /* seconds a sign-in may revoke tokens without the
			   * password again (web.h WEB_REAUTH_AFTER) */
	char directory_file[512]; /* --directory; "" describes this server */
	/* that file, checked and encoded at start (directory.h); NULL
	 * without one */
	struct cat_directory *directory;
};

enum cat_metric {
	CAT_M_DEVICE_CODES,
	CAT_M_TOKENS_ISSUED,
	CAT_M_REFRESHES,
	CAT_M_REVOCATIONS,
	CAT_M_BEARER_OK,
	CAT_M_BEARER_FAIL,
	CAT_M_STORE_ERRORS,
	CAT_M__COUNT
};

/*
 * Per-route request metrics: one slot per row of the (static) route table
 * plus two for requests no route took, so that the hot path is a few
 * relaxed atomic adds at fixed indexes, without a lock or a lookup.
 */
#define CAT_ROUTE_SLOTS     48
#define CAT_SLOT_UNMATCHED  (CAT_ROUTE_SLOTS - 2) /* 404 and 405 */
#define CAT_SLOT_REFUSED    (CAT_ROUTE_SLOTS - 1) /* heads refused unread */
#define CAT_STATUS_CLASSES  5                     /* 1xx .. 5xx */
#define CAT_LATENCY_BUCKETS 11 /* finite buckets; one more for +Inf */

/* Upper bounds of the latency buckets in microseconds (http.c). */
extern const uint64_t cat_latency_bounds_us[CAT_LATENCY_BUCKETS];
/* The route and method labels of a slot; NULL route for an unused slot. */
const char *cat_slot_route(unsigned slot);
const char *cat_slot_method(unsigned slot);

struct cat_http_metrics {
	atomic_ullong requests[CAT_ROUTE_SLOTS][CAT_STATUS_CLASSES];
	/* per bucket, not cumulative: /metrics adds them up */
	atomic_ullong latency[CAT_ROUTE_SLOTS][CAT_LATENCY_BUCKETS + 1];
	atomic_ullong latency_sum_us[CAT_ROUTE_SLOTS];
	/* time each request spent in store calls */
	atomic_ullong store[CAT_LATENCY_BUCKETS + 1];
	atomic_ullong store_sum_us;
};

struct cat_offload;

struct cat_server {
	struct cat_server_config cfg;
	/* the write pool (http_offload.h); NULL: writes run in place */
	struct cat_offload *writes;
	atomic_ullong metrics[CAT_M__COUNT];
	struct cat_http_metrics http;
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
