/*
 * Device authorization (RFC 8628) in two dialects: the reference CLI's
 * /oauth/v3/device/{code,token}, whose pending poll must answer 2xx, and the
 * standard /oauth/device_authorization + device_code grant, whose pending
 * poll answers 400 authorization_pending. Both share start and poll logic.
 */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "device.h"
#include "log.h"
#include "oauth.h"
#include "server.h"
#include "terms.h"
#include "textclean.h"
#include "banned.h"

#define USER_CODE_TRIES 5

/* Visible, printable text without control characters. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int copy_param(char *dst, size_t n, const char *v, const char *name,
		      struct cat_resp *resp, int *handled)
{
	size_t len = v ? strlen(v) : 0;
	char msg[96];

	if (len >= n || (v && !printable(v))) {
		snprintf(msg, sizeof(msg),
			 "'%s' is too long or contains control characters",
			 name);
		*handled = 1;
		return cat_resp_oauth_error(resp, 400, "invalid_request", msg);
	}
	if (v)
		memcpy(dst, v, len + 1);
	else
		dst[0] = '\0';
	return 0;
}

/* Starts a device authorization and answers with the codes. */
static int device_start(struct cat_req *req, struct cat_resp *resp, int v3)
{
	struct cat_device_auth d = { 0 };
	struct cat_client client;
	const char *grant_type = cat_req_param(req, "grant_type");
	const char *authz = cat_req_header(req, "Authorization");
	const char *name = cat_req_param(req, "device_name");
	const char *err_code = NULL;
	char device_code[CAT_TOKEN_MAX], display[CAT_USER_CODE_LEN + 2];
	char verify[600], complete[700];
	int err = 0, handled = 0, i;

	if (v3 && grant_type && strcmp(grant_type, "device_request") != 0)
		return cat_resp_oauth_error(
			resp, 400, "unsupported_grant_type",
			"grant_type must be device_request");
	if ((err = cat_auth_client_req(req, &client, CAT_CLIENT_IDENTIFY)) < 0)
		return cat_auth_client_error(resp, err);
	if (client.kind != CAT_CLIENT_DEVICE)
		return cat_resp_oauth_error(
			resp, 400, "unauthorized_client",
			"this client is not registered for the device flow");
	if ((err = copy_param(d.scope, sizeof(d.scope),
			      cat_req_param(req, "scope"), "scope", resp,
			      &handled)) < 0 ||
	    handled)
		return err;
	/* the person approving reads the name: it must show what it is */
	if (cat_text_clean(d.device_name, sizeof(d.device_name),
			   name ? name : "") < 0)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    "'device_name' is too long");
	/* Basic is the client authenticating itself (RFC 8628 3.1); any
	 * other scheme is a bearer token binding the approval to its
	 * account (token:generate) */
	if (authz && !cat_auth_is_basic(authz)) {
		err = cat_auth_bearer(req, &err_code);
		if (err == CAT_EAUTH)
			return cat_resp_oauth_error(resp, 401, "invalid_token",
						    cat_error_last());
		if (err < 0)
			return err;
		d.bound_account_id = req->principal.account_id;
	}
	d.created_at = req->now;
	if ((err = cat_terms_parse(req, &d)) == CAT_EINVAL)
		return cat_resp_oauth_error(resp, 400, "invalid_request",
					    cat_error_last());
	if (err < 0)
		return err;
	/* bound: the one account that may approve is known, so a project
	 * it cannot have is refused now rather than at the page */
	if (d.bound_account_id) {
		err = cat_terms_project_ok(req->store, d.bound_account_id,
					   d.project_id);
		if (err == CAT_ENOTFOUND)
			return cat_resp_oauth_error(
				resp, 400, "invalid_request", cat_error_last());
		if (err < 0)
			return err;
	}
	memcpy(d.client_id, client.id, sizeof(d.client_id));
	d.status = CAT_DEV_PENDING;
	d.interval = req->srv->cfg.device_interval;
	d.expires_at = req->now + req->srv->cfg.device_ttl;
	snprintf(d.client_addr, sizeof(d.client_addr), "%s", req->client_ip);
	if ((err = cat_token_new(device_code, CAT_TOK_DEVICE,
				 req->srv->cfg.dc)) < 0)
		return err;
	cat_token_hash(d.device_hash, device_code);
	for (i = 0; i < USER_CODE_TRIES; i++) {
		cat_user_code_new(d.user_code);
		err = cat_store_device_insert(req->store, &d);
		if (err != CAT_EEXISTS)
			break;
	}
	if (err < 0)
		goto done;
	cat_metric_inc(req->srv, CAT_M_DEVICE_CODES);
	{
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)d.id);
		cat_log_event("device_code_issued", "device_auth", id,
			      "client_id", d.client_id, "client",
			      req->client_ip, NULL);
	}
	cat_user_code_display(display, d.user_code);
	snprintf(verify, sizeof(verify), "%s/device", req->srv->cfg.public_url);
	snprintf(complete, sizeof(complete), "%s?user_code=%s", verify,
		 display);
	/* verification_url (the reference CLI prints it) carries the code so
	 * the page opens pre-filled */
	err = cat_resp_json(
		resp, 200,
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "device_code",
			  device_code, "user_code", display, "verification_url",
			  complete, "verification_uri", verify,
			  "verification_uri_complete", complete, "expires_in",
			  req->srv->cfg.device_ttl, "interval", d.interval));
done:
	sodium_memzero(device_code, sizeof(device_code));
	return err;
}

int route_device_code_v3(struct cat_req *req, struct cat_resp *resp)
{
	return device_start(req, resp, 1);
}

int route_device_authorization(struct cat_req *req, struct cat_resp *resp)
{
	return device_start(req, resp, 0);
}

int cat_device_poll(struct cat_req *req, struct cat_issued *out,
		    const char *device_code, const struct cat_client *client,
		    int enforce_interval)
{
	struct cat_device_auth d;
	char hash[CAT_HASH_HEX];
	int err;

	if (!device_code || !*device_code)
		return cat_error_set(CAT_EINVAL, "the device code is required");
	err = cat_oauth_check_token(req, device_code, CAT_TOK_DEVICE);
	if (err == CAT_EINVAL)
		return cat_error_set(CAT_ENOTFOUND, "unknown device code");
	if (err < 0)
		return CAT_EINVAL;
	cat_token_hash(hash, device_code);
	err = cat_store_device_by_hash(req->store, &d, hash);
	if (err == CAT_ENOTFOUND)
		return cat_error_set(CAT_ENOTFOUND, "unknown device code");
	if (err < 0)
		return err;
	if (strcmp(d.client_id, client->id) != 0)
		return cat_error_set(
			CAT_ENOTFOUND,
			"the device code was issued to another client");
	if (d.status == CAT_DEV_REDEEMED)
		return cat_error_set(CAT_ENOTFOUND,
				     "the device code was already used");
	if (req->now >= d.expires_at)
		return cat_error_set(CAT_EEXPIRED,
				     "the device code expired; start again");
	if (d.status == CAT_DEV_DENIED)
		return cat_error_set(CAT_EDENIED,
				     "the user denied the authorization");
	if (d.status == CAT_DEV_PENDING) {
		if (!enforce_interval)
			return cat_error_set(CAT_EPENDING,
					     "authorization pending");
		/* one second of slack: clients count time finer than we do */
		err = d.last_poll_at &&
				      req->now - d.last_poll_at < d.interval - 1
			      ? CAT_ESLOWDOWN
			      : CAT_EPENDING;
		if (cat_store_device_touch(req->store, d.id, req->now) < 0)
			return CAT_EUNAVAIL;
		return cat_error_set(err, err == CAT_ESLOWDOWN
						  ? "polling too fast; add 5 "
						    "seconds to the interval"
						  : "authorization pending");
	}
	if ((err = cat_oauth_prepare(req, out, d.account_id, client, d.scope,
				     d.device_name, &d)) < 0)
		return err;
	/* the access token is signed, not stored: only the grant goes in */
	err = cat_store_device_redeem(req->store, d.id, &out->grant, req->now);
	if (err == CAT_ECONFLICT)
		return cat_error_set(CAT_ENOTFOUND,
				     "the device code was already used");
	if (err == 0) {
		cat_metric_inc(req->srv, CAT_M_TOKENS_ISSUED);
		cat_oauth_audit(req, "token_issued", &out->grant);
	}
	return err;
}

/* The reference CLI's poll: pending must be 2xx, anything else aborts it. */
int route_device_token_v3(struct cat_req *req, struct cat_resp *resp)
{
	struct cat_client client;
	struct cat_issued issued;
	const char *gt = cat_req_param(req, "grant_type");
	int err;

	memset(&issued, 0, sizeof(issued));
	if (gt && strcmp(gt, "device_token") != 0)
		return cat_resp_oauth_error(resp, 400, "unsupported_grant_type",
					    "grant_type must be device_token");
	if ((err = cat_auth_client_req(req, &client, 0)) < 0)
		return cat_auth_client_error(resp, err);
	err = cat_device_poll(req, &issued, cat_req_param(req, "code"), &client,
			      0);
	switch (err) {
	case 0:
		err = cat_resp_json(resp, 200,
				    cat_oauth_token_json(req, &issued));
		break;
	case CAT_EPENDING:
		err = cat_resp_json(
			resp, 200,
			json_pack("{s:s}", "error", "authorization_pending"));
		break;
	default:
		err = cat_device_poll_error(resp, err);
	}
	cat_oauth_issued_clear(&issued);
	return err;
}

int cat_device_poll_error(struct cat_resp *resp, int err)
{
	const char *code;

	switch (err) {
	case CAT_EPENDING:
		code = "authorization_pending";
		break;
	case CAT_ESLOWDOWN:
		code = "slow_down";
		break;
	case CAT_EEXPIRED:
		code = "expired_token";
		break;
	case CAT_EDENIED:
		code = "access_denied";
		break;
	case CAT_ENOTFOUND:
		code = "invalid_grant";
		break;
	case CAT_EINVAL:
		code = "invalid_request";
		break;
	default:
		return err;
	}
	return cat_resp_oauth_error(resp, 400, code, cat_error_last());
}
