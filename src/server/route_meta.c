/*
 * Discovery (RFC 8414 metadata) and operations: /healthz answers only when
 * the store does, /metrics exposes the server counters in Prometheus text.
 */
#include <stdio.h>

#include "routes.h"
#include "server.h"
#include "banned.h"

int route_metadata(struct cat_req *req, struct cat_resp *resp)
{
	const char *u = req->srv->cfg.public_url;
	char iss[600], authz[600], tok[600], dev[600], rev[600], intro[600],
		verif[600];

	snprintf(iss, sizeof(iss), "%s", u);
	snprintf(authz, sizeof(authz), "%s/oauth/v2/auth", u);
	snprintf(tok, sizeof(tok), "%s/oauth/v2/token", u);
	snprintf(dev, sizeof(dev), "%s/oauth/device_authorization", u);
	snprintf(rev, sizeof(rev), "%s/oauth/revoke", u);
	snprintf(intro, sizeof(intro), "%s/oauth/introspect", u);
	snprintf(verif, sizeof(verif), "%s/device", u);
	return cat_resp_json(
		resp, 200,
		json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s,s], s:[s], "
			"s:[s], s:[s,s,s], s:[s,s,s], s:[s,s], s:s}",
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
			"catalyst_data_center", req->srv->cfg.dc));
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

int route_metrics(struct cat_req *req, struct cat_resp *resp)
{
	static const struct {
		const char *name, *help;
	} m[CAT_M__COUNT] = {
		[CAT_M_REQUESTS] = { "catalystd_http_requests_total",
				     "HTTP requests received" },
		[CAT_M_ERRORS_4XX] = { "catalystd_http_client_errors_total",
				       "responses with a 4xx status" },
		[CAT_M_ERRORS_5XX] = { "catalystd_http_server_errors_total",
				       "responses with a 5xx status" },
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
	int i, err = 0;

	cat_buf_reset(&resp->body);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	for (i = 0; i < CAT_M__COUNT && err == 0; i++)
		err = cat_buf_printf(
			&resp->body,
			"# HELP %s %s\n# TYPE %s counter\n%s %llu\n", m[i].name,
			m[i].help, m[i].name, m[i].name,
			(unsigned long long)atomic_load(&req->srv->metrics[i]));
	if (err == 0)
		err = cat_buf_printf(
			&resp->body,
			"# HELP catalystd_start_time_seconds start time\n"
			"# TYPE catalystd_start_time_seconds gauge\n"
			"catalystd_start_time_seconds %lld\n",
			(long long)req->srv->started_at);
	return err;
}
