/*
 * Discovery (RFC 8414 metadata) and operations: /healthz answers only when
 * the store does, /metrics exposes the server counters in Prometheus text.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "directory.h"
#include "http_conn.h"
#include "routes.h"
#include "server.h"
#include "banned.h"

#ifndef CATALYST_VERSION
/* set once, from project(VERSION) in CMakeLists.txt, on catcommon */
#error "CATALYST_VERSION is not defined"
#endif

int route_metadata(struct cat_req *req, struct cat_resp *resp)
{
	const char *u = req->srv->cfg.public_url;
	char iss[600], authz[600], tok[600], dev[600], rev[600], intro[600],
		verif[600], dir[600];

	snprintf(iss, sizeof(iss), "%s", u);
	snprintf(authz, sizeof(authz), "%s/oauth/v2/auth", u);
	snprintf(tok, sizeof(tok), "%s/oauth/v2/token", u);
	snprintf(dev, sizeof(dev), "%s/oauth/device_authorization", u);
	snprintf(rev, sizeof(rev), "%s/oauth/revoke", u);
	snprintf(intro, sizeof(intro), "%s/oauth/introspect", u);
	snprintf(verif, sizeof(verif), "%s/device", u);
	snprintf(dir, sizeof(dir), "%s%s", u, CAT_DIRECTORY_PATH);
	return cat_resp_json(
		resp, 200,
		json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s,s], s:[s], "
			"s:[s], s:[s,s,s], s:[s,s,s], s:[s,s], s:s, s:s}",
			"issuer", iss, "authorization_endpoint", authz,
			"token_endpoint", tok, "device_authorization_endpoint",
			dev, "revocation_endpoint", rev,
			"introspection_endpoint", intro, "verification_uri",
			verif, "grant_types_supported", "authorization_code",
			"refresh_token",
			"urn:ietf:params:oauth:grant-type:device_code",
			"response_types_supported", "code",
			"code_challenge_methods_supported", "S256",
			/* what auth.c accepts: "none" is a public client;
			 * introspection needs one that can authenticate */
			"token_endpoint_auth_methods_supported",
			"client_secret_basic", "client_secret_post", "none",
			"revocation_endpoint_auth_methods_supported",
			"client_secret_basic", "client_secret_post", "none",
			"introspection_endpoint_auth_methods_supported",
			"client_secret_basic", "client_secret_post",
			/* which entry of the directory this server is, and
			 * where the directory is */
			"catalyst_data_center", req->srv->cfg.dc,
			"catalyst_directory", dir));
}

int route_healthz(struct cat_req *req, struct cat_resp *resp)
{
	if (cat_store_ping(req->store) < 0)
		return cat_resp_json(
			resp, 503,
			json_pack("{s:s, s:s}", "status", "unavailable",
				  "error_description",
				  "the token store does not answer"));
	return cat_resp_json(resp, 200,
			     json_pack("{s:s, s:s, s:s}", "status", "ok", "dc",
				       req->srv->cfg.dc, "store",
				       req->store->ops->name));
}

/* A counter or gauge without labels, with its HELP and TYPE. */
static int metric1(struct cat_buf *b, const char *name, const char *type,
		   const char *help, double v)
{
	return cat_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name,
			      help, name, type, name, v);
}

/* Non-cumulative bucket counts as a Prometheus histogram's samples. */
static int histogram(struct cat_buf *b, const char *name, const char *labels,
		     atomic_ullong *buckets, unsigned long long sum_us)
{
	unsigned long long acc = 0;
	int i, err = 0;

	for (i = 0; i <= CAT_LATENCY_BUCKETS && err == 0; i++) {
		acc += atomic_load_explicit(&buckets[i], memory_order_relaxed);
		if (i < CAT_LATENCY_BUCKETS)
			err = cat_buf_printf(
				b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
				labels, *labels ? "," : "",
				(double)cat_latency_bounds_us[i] / 1e6, acc);
		else
			err = cat_buf_printf(
				b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name,
				labels, *labels ? "," : "", acc);
	}
	if (err == 0)
		err = cat_buf_printf(
			b, "%s_sum%s%s%s %.6f\n%s_count%s%s%s %llu\n", name,
			*labels ? "{" : "", labels, *labels ? "}" : "",
			(double)sum_us / 1e6, name, *labels ? "{" : "", labels,
			*labels ? "}" : "", acc);
	return err;
}

static int http_metrics(struct cat_buf *b, struct cat_http_metrics *m)
{
	static const char *const cls[CAT_STATUS_CLASSES] = { "1xx", "2xx",
							     "3xx", "4xx",
							     "5xx" };
	char labels[160];
	unsigned s, c;
	int err;

	err = cat_buf_printf(
		b,
		"# HELP catalystd_http_requests_total HTTP requests answered, "
		"by route pattern, method and status class\n"
		"# TYPE catalystd_http_requests_total counter\n");
	/* only the series seen so far: most routes never answer 1xx or 3xx */
	for (s = 0; s < CAT_ROUTE_SLOTS && err == 0; s++)
		for (c = 0; c < CAT_STATUS_CLASSES && err == 0; c++) {
			unsigned long long n = atomic_load_explicit(
				&m->requests[s][c], memory_order_relaxed);

			if (n && cat_slot_route(s))
				err = cat_buf_printf(
					b,
					"catalystd_http_requests_total{route="
					"\"%s\",method=\"%s\",code=\"%s\"} "
					"%llu\n",
					cat_slot_route(s), cat_slot_method(s),
					cls[c], n);
		}
	if (err == 0)
		err = cat_buf_printf(
			b,
			"# HELP catalystd_http_request_duration_seconds time "
			"from the request line to the queued answer, by "
			"route pattern\n"
			"# TYPE catalystd_http_request_duration_seconds "
			"histogram\n");
	for (s = 0; s < CAT_ROUTE_SLOTS && err == 0; s++) {
		unsigned long long sum = atomic_load_explicit(
			&m->latency_sum_us[s], memory_order_relaxed);
		unsigned long long any = 0;

		for (c = 0; c <= CAT_LATENCY_BUCKETS; c++)
			any += atomic_load_explicit(&m->latency[s][c],
						    memory_order_relaxed);
		if (!any || !cat_slot_route(s))
			continue;
		snprintf(labels, sizeof(labels), "route=\"%s\"",
			 cat_slot_route(s));
		err = histogram(b, "catalystd_http_request_duration_seconds",
				labels, m->latency[s], sum);
	}
	if (err == 0)
		err = cat_buf_printf(
			b,
			"# HELP catalystd_store_duration_seconds time each "
			"request spent in store (database) calls\n"
			"# TYPE catalystd_store_duration_seconds histogram\n");
	if (err == 0)
		err = histogram(b, "catalystd_store_duration_seconds", "",
				m->store,
				atomic_load_explicit(&m->store_sum_us,
						     memory_order_relaxed));
	return err;
}

/* Linux process metrics from /proc/self, as the Prometheus client
 * libraries name them; left out where /proc is not readable. */
static int process_metrics(struct cat_buf *b, int64_t started_at)
{
	char stat[1024], *p;
	unsigned long long utime = 0, stime = 0;
	long long rss = 0;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	size_t n = 0;
	FILE *f;
	DIR *d;
	struct dirent *e;
	int err = 0, fds = -1;

	if ((f = fopen("/proc/self/stat", "r"))) {
		n = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
	}
	stat[n] = '\0';
	/* after the command name, which may hold spaces and parentheses:
	 * state is field 3, utime 14, stime 15, rss 24 */
	if ((p = strrchr(stat, ')')) && tck > 0 && page > 0 &&
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
		   "%*d %*d %*d %*d %*d %*d %*u %*u %lld",
		   &utime, &stime, &rss) == 3) {
		err = metric1(b, "process_cpu_seconds_total", "counter",
			      "user and system CPU time spent in seconds",
			      (double)(utime + stime) / (double)tck);
		if (err == 0)
			err = metric1(b, "process_resident_memory_bytes",
				      "gauge", "resident memory size in bytes",
				      (double)rss * (double)page);
	}
	if ((d = opendir("/proc/self/fd"))) {
		fds = 0;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		/* the directory stream's own descriptor */
		fds--;
	}
	if (err == 0 && fds >= 0)
		err = metric1(b, "process_open_fds", "gauge",
			      "number of open file descriptors", fds);
	if (err == 0)
		err = metric1(b, "process_start_time_seconds", "gauge",
			      "start time of the process since the Unix epoch "
			      "in seconds",
			      (double)started_at);
	return err;
}

/* Group commit at work: more writes than commits is batching. */
static int store_metrics(struct cat_buf *b)
{
	uint64_t commits, writes;
	int err;

	cat_store_commit_stats(&commits, &writes);
	if ((err = metric1(b, "catalystd_store_commits_total", "counter",
			   "write transactions committed by this process",
			   (double)commits)) < 0)
		return err;
	return metric1(b, "catalystd_store_writes_total", "counter",
		       "writes committed (several share a commit under load)",
		       (double)writes);
}

int route_metrics(struct cat_req *req, struct cat_resp *resp)
{
	static const struct {
		const char *name, *help;
	} m[CAT_M__COUNT] = {
		[CAT_M_DEVICE_CODES] = { "catalystd_device_codes_issued_total",
					 "device authorizations started" },
		[CAT_M_TOKENS_ISSUED] = { "catalystd_tokens_issued_total",
					  "refresh tokens (CLI tokens) "
					  "issued" },
		[CAT_M_REFRESHES] = { "catalystd_refreshes_total",
				      "access tokens issued by refresh" },
		[CAT_M_REVOCATIONS] = { "catalystd_revocations_total",
					"tokens revoked" },
		[CAT_M_BEARER_OK] = { "catalystd_bearer_valid_total",
				      "bearer tokens accepted" },
		[CAT_M_BEARER_FAIL] = { "catalystd_bearer_rejected_total",
					"bearer tokens rejected" },
		[CAT_M_STORE_ERRORS] = { "catalystd_store_errors_total",
					 "requests failed by the store" },
	};
	struct cat_buf *b = &resp->body;
	int64_t pending = 0;
	int i, err = 0;

	cat_buf_reset(b);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	err = cat_buf_printf(b,
			     "# HELP catalystd_build_info version of this "
			     "catalystd\n"
			     "# TYPE catalystd_build_info gauge\n"
			     "catalystd_build_info{version=\"%s\"} 1\n",
			     CATALYST_VERSION);
	for (i = 0; i < CAT_M__COUNT && err == 0; i++)
		err = cat_buf_printf(
			b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
			m[i].name, m[i].help, m[i].name, m[i].name,
			(unsigned long long)atomic_load(&req->srv->metrics[i]));
	if (err == 0)
		err = http_metrics(b, &req->srv->http);
	if (err == 0)
		err = metric1(b, "catalystd_http_connections_open", "gauge",
			      "HTTP connections open (past the gate)",
			      (double)cat_conn_open_count());
	/* a scrape is rare: one indexed count is cheaper than keeping a
	 * gauge right across expiry, purge and other instances */
	if (err == 0 &&
	    cat_store_device_pending(req->store, req->now, &pending) == 0)
		err = metric1(b, "catalystd_device_codes_pending", "gauge",
			      "device authorizations waiting for a decision "
			      "(all instances of the store)",
			      (double)pending);
	if (err == 0)
		err = store_metrics(b);
	if (err == 0)
		err = process_metrics(b, req->srv->started_at);
	return err;
}
