/*
 * One libcurl easy handle per process, reused so the refresh and the request
 * after it share a connection. Request bodies are form-encoded with
 * curl_easy_escape; answers are capped at CAT_RESP_MAX and parsed with
 * jansson. Secrets travel only in bodies and headers, never in URLs or logs.
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cli.h"
#include "dynload.h"
#include "io.h"
#include "banned.h"

static CURL *handle;
static const struct cat_curl_api *C; /* loaded on first use */

/* http_timeout of config.json (cat_config_open sets it); 0 when unset */
static long setting_timeout;

void cat_api_set_timeout(long seconds)
{
	setting_timeout = seconds > 0 && seconds <= 3600 ? seconds : 0;
}

long cat_api_timeout(void)
{
	const char *v = cat_env("CATALYST_HTTP_TIMEOUT");
	long dflt = setting_timeout ? setting_timeout : CAT_TOTAL_TIMEOUT;
	char *end;
	long t;

	if (!v)
		return dflt;
	errno = 0;
	t = strtol(v, &end, 10);
	if (errno || *end || t <= 0 || t > 3600)
		return dflt;
	return t;
}

static int get_handle(CURL **out)
{
	static int inited;

	if (!C && !(C = cat_curl()))
		return CAT_EUNAVAIL;
	if (!inited) {
		if (C->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return cat_error_set(CAT_ERROR,
					     "cannot initialise libcurl");
		inited = 1;
	}
	if (!handle && !(handle = C->easy_init()))
		return cat_error_set(CAT_ERROR, "cannot initialise libcurl");
	C->easy_reset(handle);
	*out = handle;
	return 0;
}

void cat_api_cleanup(void)
{
	if (handle) {
		C->easy_cleanup(handle);
		handle = NULL;
		C->global_cleanup();
	}
}

struct sink {
	struct cat_buf buf;
	int overflow;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (cat_buf_add(&s->buf, p, size * n) < 0) {
		s->overflow = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* ETag and Cache-Control max-age, for what the CLI caches (the
 * directory); other headers are not needed. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct cat_cache_info *r = arg;
	size_t len = size * n, v;
	const char *m;
	char line[256];

	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "ETag:", 5) == 0) {
		m = line + 5 + strspn(line + 5, " \t");
		v = strlen(m);
		if (v > 0 && v < sizeof(r->etag) && !strpbrk(m, " \t"))
			memcpy(r->etag, m, v + 1);
	} else if (strncasecmp(line, "Cache-Control:", 14) == 0) {
		if ((m = strstr(line, "max-age=")))
			r->max_age = strtol(m + 8, NULL, 10);
		if (strstr(line, "no-store") || strstr(line, "no-cache") ||
		    r->max_age < 0)
			r->max_age = 0;
	}
	return len;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return cat_interrupted ? 1 : 0;
}

char *cat_api_escape(const char *s)
{
	CURL *h = NULL;

	if (get_handle(&h) < 0)
		return NULL;
	return C->easy_escape(h, s, 0);
}

void cat_api_free(void *p)
{
	if (C)
		C->free(p);
}

int cat_api_url(char *out, size_t n, const char *origin, const char *path)
{
	int len;

	/* no server for the DC: the lookup said why */
	if (!origin)
		return CAT_ERROR;
	len = snprintf(out, n, "%s%s", origin, path);

	if (len < 0 || (size_t)len >= n)
		return cat_error_set(CAT_EINVAL, "URL is too long");
	return 0;
}

static int encode_form(CURL *h, struct cat_buf *b, const char *const *form)
{
	size_t i;

	for (i = 0; form[i] && form[i + 1]; i += 2) {
		char *k = C->easy_escape(h, form[i], 0);
		char *v = C->easy_escape(h, form[i + 1], 0);
		int err = (!k || !v) ? CAT_ERROR : 0;

		if (!err)
			err = cat_buf_printf(b, "%s%s=%s", i ? "&" : "", k, v);
		C->free(k);
		C->free(v);
		if (err < 0)
			return cat_error_set(CAT_ERROR,
					     "cannot encode the request");
	}
	return 0;
}

/* Names the server (scheme://host:port) in messages, never a query. */
static void origin_of(char *out, size_t n, const char *url)
{
	const char *p = strstr(url, "://");
	size_t len =
		p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);

	snprintf(out, n, "%.*s", (int)len, url);
}

static int transport_error(CURLcode rc, const char *url, const char *detail,
			   int overflow)
{
	char org[256];
	long t = cat_api_timeout();

	origin_of(org, sizeof(org), url);
	switch (rc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return cat_error_set(CAT_ECANCEL, "cancelled");
	case CURLE_OPERATION_TIMEDOUT:
		cat_hint_set("check that the server at %s is up; "
			     "CATALYST_HTTP_TIMEOUT or http_timeout in "
			     "config.json sets the limit in seconds",
			     org);
		return cat_error_set(CAT_ETIMEOUT,
				     "no answer from %s within %ld s", org, t);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		cat_hint_set("is catalystd running at %s? choose the server "
			     "with --dc, config.json or CATALYST_AUTH_URL",
			     org);
		return cat_error_set(CAT_EUNAVAIL, "cannot connect to %s: %s",
				     org, detail);
	case CURLE_WRITE_ERROR:
		if (overflow)
			return cat_error_set(CAT_ETOOBIG,
					     "the answer from %s is larger "
					     "than %d bytes",
					     org, CAT_RESP_MAX);
		/* fall through */
	default:
		return cat_error_set(CAT_EUNAVAIL, "request to %s failed: %s",
				     org, detail);
	}
}

/* A CR or LF in a header value would start a header (or a request) of its
 * own; the bearer comes from a server, the org from the command line. */
static int header_safe(const char *v)
{
	for (; v && *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

int cat_api_send(const struct cat_req *req, struct cat_resp *out)
{
	return cat_api_send_cond(req, NULL, out);
}

int cat_api_send_cond(const struct cat_req *req, struct cat_cache_info *ci,
		      struct cat_resp *out)
{
	struct sink sink = { CAT_BUF_INIT(CAT_RESP_MAX), 0 };
	struct cat_buf body = CAT_BUF_INIT(64 * 1024);
	struct cat_buf hdr = CAT_BUF_INIT(8192);
	struct curl_slist *headers = NULL, *tmp;
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout = cat_api_timeout();
	CURLcode rc;
	CURL *h = NULL;
	int err = 0, post = strcmp(req->method, "POST") == 0;
	const char *inm = ci ? ci->if_none_match : NULL;

	out->status = 0;
	out->json = NULL;
	if (ci) {
		ci->etag[0] = '\0';
		ci->max_age = -1;
	}
	if (!header_safe(req->bearer) || !header_safe(req->org) ||
	    !header_safe(inm)) {
		err = cat_error_set(CAT_EINVAL,
				    "refusing to send a control character in "
				    "the %s header",
				    header_safe(req->bearer) ? "CATALYST-ORG"
							     : "Authorization");
		goto done;
	}
	if ((err = get_handle(&h)) < 0)
		goto done;
	tmp = C->slist_append(headers, "Accept: application/json");
	if (tmp)
		headers = tmp;
	if (req->bearer) {
		cat_buf_printf(&hdr, "Authorization: Bearer %s", req->bearer);
		if ((tmp = C->slist_append(headers, cat_buf_cstr(&hdr))))
			headers = tmp;
		cat_buf_reset(&hdr);
	}
	if (req->org) {
		cat_buf_printf(&hdr, "CATALYST-ORG: %s", req->org);
		if ((tmp = C->slist_append(headers, cat_buf_cstr(&hdr))))
			headers = tmp;
		cat_buf_reset(&hdr);
	}
	if (inm) {
		cat_buf_printf(&hdr, "If-None-Match: %s", inm);
		if ((tmp = C->slist_append(headers, cat_buf_cstr(&hdr))))
			headers = tmp;
	}
	if (post) {
		if (req->form && (err = encode_form(h, &body, req->form)) < 0)
			goto done;
		C->easy_setopt(h, CURLOPT_POST, 1L);
		C->easy_setopt(h, CURLOPT_POSTFIELDS, cat_buf_cstr(&body));
		C->easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body.len);
	} else {
		C->easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	C->easy_setopt(h, CURLOPT_URL, req->url);
	C->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	C->easy_setopt(h, CURLOPT_USERAGENT, "catalyst/" CATALYST_VERSION);
	C->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	C->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	C->easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
		       timeout < CAT_CONNECT_TIMEOUT ? timeout
						     : CAT_CONNECT_TIMEOUT);
	C->easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	C->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	C->easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	if (ci) {
		C->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		C->easy_setopt(h, CURLOPT_HEADERDATA, ci);
	}
	C->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	C->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	C->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cat_debug("> %s %s", req->method, req->url);
	rc = C->easy_perform(h);
	if (rc != CURLE_OK) {
		err = transport_error(rc, req->url,
				      errbuf[0] ? errbuf : C->easy_strerror(rc),
				      sink.overflow);
		goto done;
	}
	C->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	cat_debug("< %ld (%zu bytes)", out->status, sink.buf.len);
	if (sink.buf.len > 0)
		out->json = json_loadb(sink.buf.ptr, sink.buf.len, 0, NULL);
	if (out->status >= 200 && out->status < 300 &&
	    !json_is_object(out->json)) {
		char org[256];

		origin_of(org, sizeof(org), req->url);
		cat_hint_set("is %s a catalystd server?", org);
		err = cat_error_set(
			CAT_ERROR,
			"the server answered %ld without a JSON object",
			out->status);
		goto done;
	}
done:
	if (err < 0)
		cat_resp_release(out);
	if (headers)
		C->slist_free_all(headers);
	cat_buf_release(&sink.buf);
	if (body.ptr)
		memset(body.ptr, 0, body.len); /* it may hold a secret */
	cat_buf_release(&body);
	cat_buf_release(&hdr);
	return err;
}

void cat_resp_release(struct cat_resp *r)
{
	json_decref(r->json);
	r->json = NULL;
}

const char *cat_resp_str(const struct cat_resp *r, const char *key)
{
	return json_string_value(json_object_get(r->json, key));
}

const char *cat_resp_oauth_error(const struct cat_resp *r)
{
	return cat_resp_str(r, "error");
}

int cat_api_error(const struct cat_resp *r)
{
	const char *msg = cat_resp_str(r, "error_description");
	const char *code = cat_resp_oauth_error(r);
	int err = CAT_ERROR;

	if (!msg)
		msg = json_string_value(json_object_get(
			json_object_get(r->json, "data"), "message"));
	if (!msg)
		msg = code;
	if (r->status == 401)
		err = CAT_EAUTH;
	else if (r->status == 404)
		err = CAT_ENOTFOUND;
	else if (r->status >= 500)
		err = CAT_EUNAVAIL;
	if (msg)
		return cat_error_set(err, "server answered %ld: %s", r->status,
				     msg);
	return cat_error_set(err, "server answered %ld", r->status);
}

long cat_json_seconds(const json_t *v, long dflt, long max)
{
	json_int_t n;

	if (!json_is_integer(v))
		return dflt;
	n = json_integer_value(v);
	if (n < 1)
		return dflt;
	return n > (json_int_t)max ? max : (long)n;
}
