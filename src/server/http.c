/*
 * libmicrohttpd glue: turns an MHD connection into a cat_req, runs the
 * matching route and sends the cat_resp. Everything every handler would
 * otherwise repeat lives here: body size limits, parameter parsing, bearer
 * authentication, error bodies, security headers and metrics.
 */
#include "http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "auth.h"
#include "http_conn.h"
#include "http_guard.h"
#include "http_offload.h"
#include "httpd.h"
#include "log.h"
#include "server.h"
#include "banned.h"

#define REQUEST_ID_LEN 16

struct req_ctx {
	struct cat_req req;
	struct cat_conn *conn;
	char *raw_uri;
	uint64_t start_us; /* when the request line arrived */
	int too_big;
	/* the head failed cat_head_check: answer and close at once */
	int reject_status;
	const char *reject_why;
	/* the answer being made, and what sending it needs */
	struct cat_resp resp;
	const struct cat_route *route;
	char id[REQUEST_ID_LEN + 1];
	uint64_t store_us;
	int used_store;
	/* on the write pool: the connection is suspended until answered */
	_Atomic int answered;
};

static void resp_release(struct cat_resp *resp)
{
	size_t i;

	cat_buf_release(&resp->body);
	for (i = 0; i < resp->header_count; i++)
		free(resp->headers[i].value);
	resp->header_count = 0;
}

/* Forgets one request, wiping what may hold secrets: the query string
 * (device codes) and the body (client secrets, passwords). */
static void req_reset(struct req_ctx *ctx)
{
	struct cat_conn *conn = ctx->conn;

	/* an answer never sent: its connection closed (or the server
	 * stopped) between a write's resumption and its sending */
	resp_release(&ctx->resp);
	if (ctx->req.body.ptr)
		sodium_memzero(ctx->req.body.ptr, ctx->req.body.len);
	cat_buf_release(&ctx->req.body);
	cat_params_release(&ctx->req.params);
	if (ctx->raw_uri)
		sodium_memzero(ctx->raw_uri, strlen(ctx->raw_uri));
	free(ctx->raw_uri);
	memset(ctx, 0, sizeof(*ctx));
	ctx->conn = conn;
	cat_buf_init(&ctx->req.body, CAT_MAX_BODY);
}

const uint64_t cat_latency_bounds_us[CAT_LATENCY_BUCKETS] = {
	1000,   2500,   5000,   10000,   25000,   50000,
	100000, 250000, 500000, 1000000, 2500000,
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static unsigned latency_bucket(uint64_t us)
{
	unsigned i = 0;

	while (i < CAT_LATENCY_BUCKETS && us > cat_latency_bounds_us[i])
		i++;
	return i;
}

const char *cat_slot_route(unsigned slot)
{
	if (slot == CAT_SLOT_UNMATCHED)
		return "unmatched";
	if (slot == CAT_SLOT_REFUSED)
		return "refused";
	return slot < cat_route_count ? cat_routes[slot].path : NULL;
}

const char *cat_slot_method(unsigned slot)
{
	return slot < cat_route_count ? cat_routes[slot].method : "other";
}

/* Request ids: a random prefix per process (instances behind one proxy
 * do not collide) and a counter. */
static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static uint32_t id_salt;
static atomic_uint id_seq;

static void id_salt_init(void)
{
	id_salt = randombytes_random();
}

static void request_id(char out[REQUEST_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint32_t n =
		atomic_fetch_add_explicit(&id_seq, 1, memory_order_relaxed);
	int i;

	pthread_once(&id_once, id_salt_init);
	for (i = 0; i < 8; i++) {
		out[i] = hex[(id_salt >> (28 - 4 * i)) & 15];
		out[8 + i] = hex[(n >> (28 - 4 * i)) & 15];
	}
	out[REQUEST_ID_LEN] = '\0';
}

/* Counts one answered request and writes its access line. */
static void observe(struct cat_server *srv, unsigned slot, const char *id,
		    const char *method, const char *client, int status,
		    uint64_t start_us, size_t bytes)
{
	struct cat_http_metrics *m = &srv->http;
	uint64_t us = mono_us() - start_us;
	unsigned cls = status >= 100 && status < 600 ? status / 100 - 1 : 4;

	atomic_fetch_add_explicit(&m->requests[slot][cls], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency[slot][latency_bucket(us)], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us[slot], us,
				  memory_order_relaxed);
	if (cat_log_enabled(CAT_LOG_INFO)) {
		struct cat_access_rec a = {
			.id = id,
			.method = method,
			.route = cat_slot_route(slot),
			.client = client,
			.status = status,
			.duration_us = us,
			.bytes = bytes,
		};

		cat_log_access(&a);
	}
}

void cat_http_refused(struct cat_server *srv, const struct sockaddr *sa,
		      int status, size_t bytes)
{
	char id[REQUEST_ID_LEN + 1], client[64] = "";

	request_id(id);
	if (sa)
		cat_sockaddr_str(client, sizeof(client), sa);
	observe(srv, CAT_SLOT_REFUSED, id, "-", client, status, mono_us(),
		bytes);
}

void cat_http_notify_connection(void *cls, struct MHD_Connection *c,
				void **socket_context,
				enum MHD_ConnectionNotificationCode code)
{
	struct cat_server *srv = cls;
	struct cat_conn *conn = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *sa = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		*socket_context =
			fd ? cat_conn_open(fd->connect_fd,
					   sa ? sa->client_addr : NULL,
					   srv->cfg.request_timeout)
			   : NULL;
		return;
	}
	if (!conn)
		return;
	if (conn->req) {
		req_reset(conn->req);
		cat_buf_release(&((struct req_ctx *)conn->req)->req.body);
		free(conn->req);
	}
	cat_conn_close(conn);
	*socket_context = NULL;
}

/*
 * Called once the request line is in, before the headers. The request
 * state belongs to the connection, not to the request: libmicrohttpd does
 * not report the end of a request it refused while reading the head (a
 * 431, say), and state tied to the request would leak then.
 */
void *cat_http_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct cat_conn *conn = ci ? ci->socket_context : NULL;
	struct req_ctx *ctx;

	(void)cls;
	if (!conn)
		return NULL;
	if (!conn->req) {
		if (!(conn->req = calloc(1, sizeof(struct req_ctx))))
			return NULL;
		((struct req_ctx *)conn->req)->conn = conn;
	}
	ctx = conn->req;
	/* whatever an aborted previous request left behind */
	req_reset(ctx);
	ctx->start_us = mono_us();
	ctx->raw_uri = strdup(uri ? uri : "");
	return ctx->raw_uri ? ctx : NULL;
}

void cat_http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			enum MHD_RequestTerminationCode toe)
{
	struct cat_server *srv = cls;
	struct req_ctx *ctx = *con_cls;

	(void)c;
	(void)toe;
	if (!ctx)
		return;
	req_reset(ctx);
	if (ctx->conn && srv)
		cat_conn_arm(ctx->conn, srv->cfg.request_timeout);
	*con_cls = NULL;
}

const char *cat_req_header(const struct cat_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *cat_req_cookie(const struct cat_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

static int send_resp(struct MHD_Connection *c, struct cat_resp *resp,
		     const char *request_id)
{
	struct MHD_Response *r;
	size_t i, len = resp->body.len;
	char *body = cat_buf_detach(&resp->body);
	int ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				resp->content_type
					? resp->content_type
					: "application/json;charset=UTF-8");
	/* answers hold tokens and account data: never cached, unless the
	 * route says otherwise (the directory is public) */
	for (i = 0; i < resp->header_count; i++)
		if (strcasecmp(resp->headers[i].name, "Cache-Control") == 0)
			break;
	if (i == resp->header_count)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Request-Id", request_id);
	for (i = 0; i < resp->header_count; i++)
		MHD_add_response_header(r, resp->headers[i].name,
					resp->headers[i].value);
	ret = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* An error in the shape the route's clients understand. */
/* What a read-only token may call: a route that changes nothing. */
static int reads_only(const struct cat_route *route)
{
	if (route->flags & ROUTE_WRITE)
		return 0;
	return strcmp(route->method, "GET") == 0 ||
	       strcmp(route->method, "HEAD") == 0 ||
	       (route->flags & ROUTE_NO_EFFECT);
}

static int error_resp(struct cat_resp *resp, unsigned flags, int status,
		      const char *code, const char *msg)
{
	if (flags & ROUTE_ADMIN_ERRORS)
		return cat_resp_admin_error(resp, status, code, msg);
	return cat_resp_oauth_error(resp, status, code, msg);
}

static void client_ip(struct cat_req *req, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	const char *fwd;

	req->client_ip[0] = '\0';
	if (req->srv->cfg.trust_proxy &&
	    (fwd = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					       "X-Forwarded-For"))) {
		size_t n = strcspn(fwd, ", ");

		if (n >= sizeof(req->client_ip))
			n = sizeof(req->client_ip) - 1;
		memcpy(req->client_ip, fwd, n);
		req->client_ip[n] = '\0';
		return;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		cat_sockaddr_str(req->client_ip, sizeof(req->client_ip),
				 ci->client_addr);
}

static int parse_params(struct req_ctx *ctx)
{
	struct cat_req *req = &ctx->req;
	const char *q = strchr(ctx->raw_uri, '?');
	const char *ctype;
	int err;

	if (q &&
	    (err = cat_params_parse(&req->params, q + 1, strlen(q + 1))) < 0)
		return err;
	ctype = cat_req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (req->body.len && ctype &&
	    strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
		return cat_params_parse(&req->params, req->body.ptr,
					req->body.len);
	return 0;
}

/*
 * A failure of the server rather than of the request: the cause goes to the
 * log, the client gets a generic 503 (store unreachable) or 500 without
 * internals such as database names.
 */
static void server_failure(struct cat_req *req, struct cat_resp *resp,
			   unsigned flags, int err)
{
	int st = err == CAT_EUNAVAIL ? 503 : 500;

	if (err == CAT_EUNAVAIL)
		cat_metric_inc(req->srv, CAT_M_STORE_ERRORS);
	cat_log_error("%s %s failed: %s", req->method, req->path,
		      cat_error_last());
	resp_release(resp);
	cat_buf_init(&resp->body, CAT_MAX_RESPONSE);
	error_resp(resp, flags, st,
		   st == 503 ? "temporarily_unavailable" : "server_error",
		   st == 503 ? "the token store is unavailable; retry shortly"
			     : "internal error; see the server log");
}

/* RFC 6749 §3.1: parameters must not be sent twice; -1 when none is. */
static int first_repeated(const struct cat_params *p)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (p->items[i].repeated)
			return (int)i;
	return -1;
}

/*
 * The route itself, past every check of the request's form: the bearer
 * check and the handler, with the store time they took. Runs on the
 * connection's thread or, for a write, on a pool thread.
 */
static void run_route(struct req_ctx *ctx)
{
	struct cat_req *req = &ctx->req;
	const struct cat_route *route = ctx->route;
	struct cat_resp *resp = &ctx->resp;
	uint64_t store0 = cat_store_thread_us();
	int err, snapshot = 0;

	req->store = cat_server_store(req->srv);
	if (!req->store) {
		server_failure(req, resp, route->flags, CAT_EUNAVAIL);
		return;
	}
	ctx->used_store = 1;
	/* a read-only request's reads (the bearer check's, the handler's)
	 * share one snapshot: one round of the store's read locks */
	if (reads_only(route) && !(route->flags & ROUTE_NO_EFFECT)) {
		if ((err = cat_store_read_snapshot(req->store, 1)) < 0) {
			server_failure(req, resp, route->flags, err);
			goto done;
		}
		snapshot = 1;
	}
	if (route->flags & ROUTE_AUTH) {
		const char *status_code = NULL;

		err = cat_auth_bearer(req, &status_code);
		if (err == CAT_EAUTH) {
			cat_metric_inc(req->srv, CAT_M_BEARER_FAIL);
			error_resp(resp, route->flags, 401,
				   status_code ? status_code : "invalid_token",
				   cat_error_last());
			cat_resp_header(resp, "WWW-Authenticate",
					"Bearer error=\"invalid_token\"");
			goto done;
		}
		if (err < 0) {
			server_failure(req, resp, route->flags, err);
			goto done;
		}
		cat_metric_inc(req->srv, CAT_M_BEARER_OK);
		if (req->principal.read_only && !reads_only(route)) {
			error_resp(resp, route->flags, 403,
				   route->flags & ROUTE_ADMIN_ERRORS
					   ? "READ_ONLY_TOKEN"
					   : "insufficient_scope",
				   "this CLI token is read-only: it may only "
				   "read; use a token generated without "
				   "--read-only");
			goto done;
		}
	}
	cat_error_clear();
	if ((err = route->handler(req, resp)) < 0)
		server_failure(req, resp, route->flags, err);
done:
	if (snapshot)
		cat_store_read_snapshot(req->store, 0);
	ctx->store_us = cat_store_thread_us() - store0;
}

/* Sends the answer made for ctx, on the connection's thread. */
static int finish(struct req_ctx *ctx, struct MHD_Connection *c)
{
	struct cat_req *req = &ctx->req;
	struct cat_resp *resp = &ctx->resp;
	size_t bytes;
	int ret;

	cat_log_set_request(ctx->id);
	if (ctx->used_store) {
		struct cat_http_metrics *m = &req->srv->http;

		atomic_fetch_add_explicit(
			&m->store[latency_bucket(ctx->store_us)], 1,
			memory_order_relaxed);
		atomic_fetch_add_explicit(&m->store_sum_us, ctx->store_us,
					  memory_order_relaxed);
	}
	bytes = resp->body.len;
	ret = send_resp(c, resp, ctx->id);
	resp_release(resp);
	observe(req->srv,
		ctx->route ? (unsigned)(ctx->route - cat_routes)
			   : CAT_SLOT_UNMATCHED,
		ctx->id, req->method, req->client_ip, resp->status,
		ctx->start_us, bytes);
	cat_log_set_request(NULL);
	return ret;
}

/* A pool thread's part of a write: the route, then the connection back. */
static void run_offloaded(void *arg)
{
	static _Thread_local int tuned;
	struct req_ctx *ctx = arg;
	struct MHD_Connection *c = ctx->req.conn;
	struct cat_store *st;

	/* this thread's handle serves writes: no memory map to redo after
	 * every commit (a failure here only costs speed) */
	if (!tuned && (st = cat_server_store(ctx->req.srv))) {
		(void)cat_store_prefer_writes(st);
		tuned = 1;
	}
	cat_log_set_request(ctx->id);
	run_route(ctx);
	cat_log_set_request(NULL);
	atomic_store(&ctx->answered, 1);
	/* the last touch of ctx: its thread may free it from here on */
	MHD_resume_connection(c);
}

static int dispatch(struct req_ctx *ctx, struct MHD_Connection *c,
		    const char *url, const char *method)
{
	struct cat_req *req = &ctx->req;
	struct cat_resp *resp = &ctx->resp;
	const struct cat_route *route;
	int path_known = 0, err;

	request_id(ctx->id);
	cat_log_set_request(ctx->id);
	cat_buf_init(&resp->body, CAT_MAX_RESPONSE);
	resp->status = 200;
	req->now = cat_now();
	req->method = method;
	req->path = url;
	req->conn = c;
	client_ip(req, c);

	route = ctx->route =
		cat_route_match(method, url, req->path_arg, &path_known);
	if (!route) {
		error_resp(
			resp,
			strncmp(url, "/baas/", 6) == 0 ? ROUTE_ADMIN_ERRORS : 0,
			path_known ? 405 : 404,
			path_known ? "method_not_allowed" : "not_found",
			path_known ? "this method is not allowed on this path"
				   : "no such endpoint");
		goto send;
	}
	if (ctx->too_big) {
		error_resp(resp, route->flags, 413, "invalid_request",
			   "request body is too large");
		/* the rest of the body is never read: nothing after it on
		 * this connection could be framed */
		cat_resp_header(resp, "Connection", "close");
		goto send;
	}
	if ((err = parse_params(ctx)) < 0) {
		error_resp(resp, route->flags, err == CAT_ETOOBIG ? 413 : 400,
			   "invalid_request", cat_error_last());
		goto send;
	}
	if ((err = first_repeated(&req->params)) >= 0) {
		char msg[96];

		snprintf(msg, sizeof(msg), "parameter '%.40s' is repeated",
			 req->params.items[err].key);
		error_resp(resp, route->flags, 400, "invalid_request", msg);
		goto send;
	}
	if ((route->flags & ROUTE_WRITE) && req->srv->writes) {
		/* answered by finish() once the pool resumes the connection */
		cat_log_set_request(NULL);
		MHD_suspend_connection(c);
		cat_offload_submit(req->srv->writes, run_offloaded, ctx);
		return MHD_YES;
	}
	run_route(ctx);
send:
	return finish(ctx, c);
}

static enum MHD_Result head_field(void *cls, enum MHD_ValueKind kind,
				  const char *key, size_t key_size,
				  const char *value, size_t value_size)
{
	(void)kind;
	cat_head_field(cls, key, key_size, value, value_size);
	return MHD_YES;
}

/* RFC 9112 checks of the whole head; 0 or the status to answer. */
static int check_head(struct req_ctx *ctx, struct MHD_Connection *c,
		      const char *method, const char *version)
{
	const union MHD_ConnectionInfo *ci;
	struct cat_head_check h;

	cat_head_begin(&h, method, ctx->raw_uri, strlen(ctx->raw_uri), version);
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, head_field, &h);
	/* the size of the head as received, whitespace and all */
	if ((ci = MHD_get_connection_info(
		     c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)) &&
	    ci->header_size >= 2)
		h.size = ci->header_size - 2;
	ctx->reject_status = cat_head_end(&h);
	ctx->reject_why = h.why;
	return ctx->reject_status;
}

/*
 * A head we refuse: answered before any body is read, and the connection
 * closed after the answer, since whatever follows on it cannot be framed
 * safely (the body of a request smuggled in behind it, for instance).
 */
static int reject_head(struct req_ctx *ctx, struct MHD_Connection *c,
		       const char *url, const char *method)
{
	struct cat_resp resp = { 0 };
	char id[REQUEST_ID_LEN + 1];
	size_t bytes;
	int ret;

	request_id(id);
	client_ip(&ctx->req, c);
	cat_buf_init(&resp.body, CAT_MAX_RESPONSE);
	error_resp(&resp,
		   strncmp(url, "/baas/", 6) == 0 ? ROUTE_ADMIN_ERRORS : 0,
		   ctx->reject_status,
		   ctx->reject_status == 431 ? "request_header_too_large"
					     : "invalid_request",
		   ctx->reject_why);
	cat_resp_header(&resp, "Connection", "close");
	cat_log_debug("refused request head: %s", ctx->reject_why);
	bytes = resp.body.len;
	ret = send_resp(c, &resp, id);
	resp_release(&resp);
	observe(ctx->req.srv, CAT_SLOT_REFUSED, id, method, ctx->req.client_ip,
		ctx->reject_status, ctx->start_us, bytes);
	return ret;
}

enum MHD_Result cat_http_handler(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct req_ctx *ctx = *con_cls;

	if (!ctx)
		return MHD_NO;
	if (atomic_load(&ctx->answered)) {
		atomic_store(&ctx->answered, 0);
		return (enum MHD_Result)finish(ctx, c);
	}
	if (!ctx->req.srv) {
		const char *cl;

		ctx->req.srv = cls;
		if (check_head(ctx, c, method, version))
			return (enum MHD_Result)reject_head(ctx, c, url,
							    method);
		cl = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* refuse a declared oversized body before reading any of it */
		if (cl && strtoull(cl, NULL, 10) > CAT_MAX_BODY) {
			ctx->too_big = 1;
			return (enum MHD_Result)dispatch(ctx, c, url, method);
		}
		return MHD_YES;
	}
	if (ctx->reject_status || (ctx->too_big && ctx->req.method)) {
		/* the answer is queued; drop whatever the client still sends */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!ctx->too_big && cat_buf_add(&ctx->req.body, upload_data,
						 *upload_data_size) < 0)
			ctx->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx->conn)
		cat_conn_disarm(ctx->conn);
	return (enum MHD_Result)dispatch(ctx, c, url, method);
}
