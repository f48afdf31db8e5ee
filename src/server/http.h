/*
 * The HTTP layer of catalystd: one request and one response struct that
 * every route handler works on, so handlers never touch libmicrohttpd.
 * The dispatcher (http.c) reads the whole (bounded) body, parses query and
 * form parameters, authenticates a bearer token when the route asks for it,
 * calls the handler and sends what it put in the response.
 */
#ifndef CAT_HTTP_H
#define CAT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "store.h"

#define CAT_MAX_BODY    (64 * 1024)
#define CAT_MAX_PARAMS  64
#define CAT_MAX_HEADERS 8
#define CAT_MAX_PAGE    (256 * 1024) /* one rendered HTML page */
#define CAT_MAX_RESPONSE                                                       \
	(16 * 1024 * 1024) /* any answer, e.g. a long project list */

struct cat_server;

struct cat_param {
	char *key;
	char *value;
	int repeated; /* the key appeared more than once */
};

struct cat_params {
	struct cat_param items[CAT_MAX_PARAMS];
	size_t count;
};

struct cat_req {
	struct cat_server *srv;
	struct cat_store *store; /* this worker thread's handle */
	void *conn;              /* struct MHD_Connection, for http.c only */
	const char *method;
	const char *path;
	char client_ip[64];
	int64_t now;
	struct cat_buf body;
	/* Query string and (for form bodies) body parameters, in one list. */
	struct cat_params params;
	/* Set by the dispatcher for ROUTE_AUTH routes. */
	struct cat_principal principal;
	/* The bearer credential exactly as presented, for handlers needing it
	 * (NULL when none); never log it. */
	const char *bearer;
	/* Capture groups of a route pattern ("/baas/v1/project/{id}"). */
	char path_arg[2][CAT_ID_MAX + 1];
};

struct cat_header {
	char name[64];
	char *value;
};

struct cat_resp {
	int status;
	const char *content_type;
	struct cat_buf body;
	struct cat_header headers[CAT_MAX_HEADERS];
	size_t header_count;
};

/* Route flags. */
enum {
	ROUTE_AUTH = 1 << 0,         /* requires a valid bearer access token */
	ROUTE_ADMIN_ERRORS = 1 << 1, /* errors in the Catalyst admin shape */
	ROUTE_PREFIX = 1 << 2,       /* path is a prefix, not an exact match */
	/* usually writes: runs on the write pool (http_offload.h), where
	 * many writes wait on one group commit without holding up reads */
	ROUTE_WRITE = 1 << 3,
	/* a POST that changes nothing (telemetry dropped unread), which a
	 * read-only token may therefore send */
	ROUTE_NO_EFFECT = 1 << 4,
};

typedef int (*cat_route_fn)(struct cat_req *req, struct cat_resp *resp);

struct cat_route {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* exact, or with "{id}" segments */
	cat_route_fn handler;
	unsigned flags;
};

/* The route table (routes.c). */
extern const struct cat_route cat_routes[];
extern const size_t cat_route_count;

/* Finds the route for method/path, filling path_arg; sets *path_known when
 * the path exists for some other method (so the caller answers 405). */
const struct cat_route *cat_route_match(const char *method, const char *path,
					char args[2][CAT_ID_MAX + 1],
					int *path_known);

/* Parameters. */
/* The value of key, or NULL when absent. Borrowed from req. */
const char *cat_req_param(const struct cat_req *req, const char *key);
/* 1 when key was given more than once. */
int cat_req_param_repeated(const struct cat_req *req, const char *key);
/* A request header value, or NULL. Borrowed. */
const char *cat_req_header(const struct cat_req *req, const char *name);
/* A cookie value, or NULL. Borrowed. */
const char *cat_req_cookie(const struct cat_req *req, const char *name);

/* Responses. Each returns 0 or CAT_ETOOBIG / CAT_ERROR. */
/* Sends obj (reference stolen, even on failure) as application/json. */
int cat_resp_json(struct cat_resp *resp, int status, json_t *obj);
/* RFC 6749 error body {"error","error_description"}. */
int cat_resp_oauth_error(struct cat_resp *resp, int status, const char *error,
			 const char *description);
/* Catalyst admin error {"status":"failure","data":{"message","error_code"}}. */
int cat_resp_admin_error(struct cat_resp *resp, int status,
			 const char *error_code, const char *message);
/* Catalyst admin success {"status":"success","data":data} (stolen). */
int cat_resp_admin_data(struct cat_resp *resp, json_t *data);
/* The page in html (taken over: the buffer is moved into resp). */
int cat_resp_html(struct cat_resp *resp, int status, struct cat_buf *html);
int cat_resp_text(struct cat_resp *resp, int status, const char *ctype,
		  const char *text);
/* 302/303 to location (copied). */
int cat_resp_redirect(struct cat_resp *resp, int status, const char *location);
/* Adds a header (value copied); CAT_ETOOBIG past CAT_MAX_HEADERS. */
int cat_resp_header(struct cat_resp *resp, const char *name, const char *value);

/* Counts and logs a request the gate (http_gate.c) refused before
 * libmicrohttpd saw it: status and body bytes of the answer, client sa. */
struct sockaddr;
void cat_http_refused(struct cat_server *srv, const struct sockaddr *sa,
		      int status, size_t bytes);

/* Parses application/x-www-form-urlencoded text into params (used for query
 * strings and bodies). CAT_EINVAL on bad %-escapes, NUL bytes or invalid
 * UTF-8; CAT_ETOOBIG past CAT_MAX_PARAMS. */
int cat_params_parse(struct cat_params *p, const char *text, size_t len);
/* Form-urldecodes s[0..n) in place ('+' is a space) and NUL-terminates it
 * (s must have room for n + 1 bytes); CAT_EINVAL with the error set on a
 * bad or truncated %-escape, a NUL byte or invalid UTF-8. */
int cat_form_decode(char *s, size_t n);
void cat_params_release(struct cat_params *p);

#endif
