/*
 * HTTP for the CLI: libcurl underneath, jansson for bodies. Every request has
 * a connect and a total timeout and a capped response buffer; Ctrl-C aborts
 * a transfer. Transport failures come back as <0 with a message and a hint;
 * any HTTP status comes back as 0 with the status for the caller to judge.
 */
#ifndef CAT_API_H
#define CAT_API_H

#include <stddef.h>

#include <jansson.h>

#define CAT_RESP_MAX        (1024 * 1024)
#define CAT_CONNECT_TIMEOUT 10L
#define CAT_TOTAL_TIMEOUT   30L
#define CAT_URL_MAX         4096

struct cat_req {
	const char *method;      /* "GET" or "POST" */
	const char *url;         /* the complete URL */
	const char *bearer;      /* Authorization: Bearer <bearer>, or NULL */
	const char *org;         /* CATALYST-ORG header, or NULL */
	const char *const *form; /* POST body: name, value, ..., NULL */
};

struct cat_resp {
	long status;
	json_t *json; /* the parsed body; NULL when empty or not JSON */
};

int cat_api_send(const struct cat_req *req, struct cat_resp *out);

/* What a cacheable answer (the directory) says about caching it. */
struct cat_cache_info {
	const char *if_none_match; /* in: an ETag to revalidate, or NULL */
	char etag[128]; /* out: its ETag; "" without one (or too long) */
	long max_age;   /* out: Cache-Control max-age; 0 for no-store or
			 * no-cache, -1 without the header */
};

/* cat_api_send with If-None-Match, reading ETag and Cache-Control. */
int cat_api_send_cond(const struct cat_req *req, struct cat_cache_info *ci,
		      struct cat_resp *out);
void cat_resp_release(struct cat_resp *r);

/* A string member of the JSON body, or NULL. Borrowed. */
const char *cat_resp_str(const struct cat_resp *r, const char *key);
/* The OAuth "error" code of the body, or NULL. */
const char *cat_resp_oauth_error(const struct cat_resp *r);

/*
 * Turns an unexpected answer into an error: sets "server answered <status>:
 * <message from the body>" and returns CAT_EAUTH (401), CAT_ENOTFOUND (404),
 * CAT_EUNAVAIL (5xx) or CAT_ERROR.
 */
int cat_api_error(const struct cat_resp *r);

/*
 * A duration in seconds from a server's answer (expires_in, interval):
 * dflt when it is missing, not a JSON integer, or below 1; max when above
 * it. A huge value would overflow the sums the CLI makes with it, and
 * would make the CLI wait for ever.
 */
long cat_json_seconds(const json_t *v, long dflt, long max);

/* The longest an access token is cached, whatever the server says. */
#define CAT_MAX_ACCESS_TTL 86400L

/* origin + path into out; path segments from users must be escaped first. */
int cat_api_url(char *out, size_t n, const char *origin, const char *path);
/* URL-escapes s (curl_easy_escape); caller frees with cat_api_free. */
char *cat_api_escape(const char *s);
void cat_api_free(void *p);

/*
 * The total timeout in seconds: CATALYST_HTTP_TIMEOUT, else http_timeout of
 * config.json (set here by cat_api_set_timeout when it is loaded), else the
 * default.
 */
long cat_api_timeout(void);
void cat_api_set_timeout(long seconds);

/* Frees the shared handle; call once at exit. */
void cat_api_cleanup(void);

#endif
