/*
 * The device flow (RFC 8628): ask for a code, show the URL and the code on
 * stderr, poll the token endpoint at the server's interval (slower after
 * slow_down) until approval, denial, expiry or Ctrl-C. The poll loop sleeps
 * in 100 ms steps so the wait indicator stays live and Ctrl-C is immediate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "flow.h"
#include "io.h"
#include "banned.h"

#define GRANT_DEVICE       "urn:ietf:params:oauth:grant-type:device_code"
#define DEFAULT_INTERVAL   5
#define MAX_INTERVAL       60
#define DEFAULT_EXPIRES_IN 300
#define MAX_EXPIRES_IN     3600

void cat_grant_release(struct cat_grant *g)
{
	free(g->refresh_token);
	free(g->access_token);
	free(g->token_id);
	memset(g, 0, sizeof(*g));
}

int cat_grant_from_json(struct cat_grant *out, json_t *body)
{
	const char *rt =
		json_string_value(json_object_get(body, "refresh_token"));
	const char *at =
		json_string_value(json_object_get(body, "access_token"));
	const char *id = json_string_value(json_object_get(body, "token_id"));

	memset(out, 0, sizeof(*out));
	if (!rt || !at)
		return cat_error_set(CAT_ERROR,
				     "the token answer lacks "
				     "access_token or refresh_token");
	out->refresh_token = strdup(rt);
	out->access_token = strdup(at);
	out->token_id = id ? strdup(id) : NULL;
	out->expires_in = cat_json_seconds(json_object_get(body, "expires_in"),
					   0, CAT_MAX_ACCESS_TTL);
	if (!out->refresh_token || !out->access_token ||
	    (id && !out->token_id)) {
		cat_grant_release(out);
		return cat_error_set(CAT_ERROR, "out of memory");
	}
	return 0;
}

void cat_host_name(char *out, size_t n)
{
	const char *env = cat_env("CATALYST_DEVICE_NAME");
	char host[256];

	if (env) { /* containers and CI runners often have random host names */
		snprintf(out, n, "%.127s", env);
		return;
	}
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, n, "%.127s", host);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct device_code {
	char *device_code;
	char *user_code;
	char *url;
	long expires_in;
	long interval;
};

static void code_release(struct device_code *c)
{
	free(c->device_code);
	free(c->user_code);
	free(c->url);
}

/* the request's own pairs, and the terms' (four pairs at most) */
#define CODE_FORM_MAX (6 + 8 + 1)

static int request_code(struct cat_ctx *ctx, const char *dc, int bind,
			const struct cat_client *client,
			const char *const *terms, struct device_code *out)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX], host[128];
	const char *form[CODE_FORM_MAX] = { "client_id",   client->id,
					    "scope",       cat_auth_scope(dc),
					    "device_name", host };
	struct cat_req req = { "POST", url, NULL, NULL, form };
	const char *dcode, *ucode, *vurl;
	size_t n = 6;
	int err;

	for (; terms && terms[0] && terms[1] && n + 2 < CODE_FORM_MAX;
	     terms += 2) {
		form[n++] = terms[0];
		form[n++] = terms[1];
	}
	cat_host_name(host, sizeof(host));
	if ((err = cat_api_url(url, sizeof(url), cat_ctx_auth_url(ctx, dc),
			       "/oauth/device_authorization")) < 0)
		goto done;
	err = bind ? cat_auth_send(ctx, &req, &resp)
		   : cat_api_send(&req, &resp);
	if (err < 0)
		goto done;
	if (resp.status == 401 && cat_resp_oauth_error(&resp) &&
	    strcmp(cat_resp_oauth_error(&resp), "invalid_client") == 0) {
		cat_hint_set(
			"set M_CATALYST_CLIENT_ID/_SECRET (or clients.device "
			"in config.json) to a client registered with "
			"'catalystd client add'");
		err = cat_error_set(CAT_ERROR,
				    "the server does not know OAuth "
				    "client '%s'",
				    client->id);
		goto done;
	}
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	dcode = cat_resp_str(&resp, "device_code");
	ucode = cat_resp_str(&resp, "user_code");
	vurl = cat_resp_str(&resp, "verification_uri_complete");
	if (!vurl)
		vurl = cat_resp_str(&resp, "verification_uri");
	if (!vurl)
		vurl = cat_resp_str(&resp, "verification_url");
	if (!dcode || !ucode || !vurl) {
		err = cat_error_set(CAT_ERROR,
				    "the device authorization answer "
				    "lacks device_code, user_code or a URL");
		goto done;
	}
	out->device_code = strdup(dcode);
	out->user_code = strdup(ucode);
	out->url = strdup(vurl);
	/* a hostile or broken server must not make the CLI wait for ever */
	out->expires_in =
		cat_json_seconds(json_object_get(resp.json, "expires_in"),
				 DEFAULT_EXPIRES_IN, MAX_EXPIRES_IN);
	out->interval = cat_json_seconds(json_object_get(resp.json, "interval"),
					 DEFAULT_INTERVAL, MAX_INTERVAL);
	if (!out->device_code || !out->user_code || !out->url)
		err = cat_error_set(CAT_ERROR, "out of memory");
done:
	cat_resp_release(&resp);
	return err;
}

/* One poll: 0 with *g filled, CAT_EPENDING, CAT_ESLOWDOWN, or a final error. */
static int poll_once(struct cat_ctx *ctx, const char *dc,
		     const struct cat_client *client, const char *device_code,
		     struct cat_grant *g)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	const char *form[] = { "grant_type",    GRANT_DEVICE,   "device_code",
			       device_code,     "client_id",    client->id,
			       "client_secret", client->secret, NULL };
	struct cat_req req = { "POST", url, NULL, NULL, form };
	const char *code;
	int err;

	if (!client->secret)
		form[6] = NULL;
	if ((err = cat_api_url(url, sizeof(url), cat_ctx_auth_url(ctx, dc),
			       "/oauth/v2/token")) < 0 ||
	    (err = cat_api_send(&req, &resp)) < 0)
		goto done;
	if (resp.status == 200) {
		err = cat_grant_from_json(g, resp.json);
		goto done;
	}
	code = cat_resp_oauth_error(&resp);
	if (!code)
		code = "";
	if (strcmp(code, "authorization_pending") == 0) {
		err = CAT_EPENDING;
	} else if (strcmp(code, "slow_down") == 0) {
		err = CAT_ESLOWDOWN;
	} else if (strcmp(code, "access_denied") == 0) {
		cat_hint_set("run the command again and choose Verify in the "
			     "browser");
		err = cat_error_set(CAT_EDENIED, "the request was denied in "
						 "the browser");
	} else if (strcmp(code, "expired_token") == 0) {
		err = cat_error_set(CAT_EEXPIRED, "the code expired before it "
						  "was approved");
	} else {
		err = cat_api_error(&resp);
	}
done:
	cat_resp_release(&resp);
	return err;
}

int cat_flow_device(struct cat_ctx *ctx, const char *dc, int bind,
		    const char *purpose, const char *const *terms,
		    struct cat_grant *out)
{
	struct device_code code = { NULL, NULL, NULL, 0, 0 };
	struct cat_client client;
	struct cat_wait wait;
	double start, deadline, next;
	int err, waiting = 0;

	memset(out, 0, sizeof(*out));
	if ((err = cat_auth_client(ctx, 'm', &client)) < 0 ||
	    (err = request_code(ctx, dc, bind, &client, terms, &code)) < 0)
		goto done;
	/* one note per line: a message's newlines are escaped like a server's
	 */
	cat_note("To %s, open this page on any device:", purpose);
	cat_note("%s", "");
	cat_note("    %s", code.url);
	cat_note("%s", "");
	cat_note("and enter the code  %s  (it expires in %ld %s).",
		 code.user_code,
		 code.expires_in >= 120 ? code.expires_in / 60
					: code.expires_in,
		 code.expires_in >= 120 ? "minutes" : "seconds");
	start = now_s();
	deadline = start + (double)code.expires_in;
	next = start + (double)code.interval;
	cat_wait_start(&wait, "waiting for approval");
	waiting = 1;
	for (;;) {
		while (now_s() < next) {
			cat_wait_tick(&wait, (long)(deadline - now_s()));
			if ((err = cat_sleep_ms(100)) < 0)
				goto done;
		}
		if (now_s() >= deadline) {
			err = cat_error_set(CAT_EEXPIRED,
					    "the code expired "
					    "before it was approved");
			goto done;
		}
		err = poll_once(ctx, dc, &client, code.device_code, out);
		if (err == CAT_ESLOWDOWN && code.interval < MAX_INTERVAL)
			code.interval += 5; /* RFC 8628 §3.5 */
		if (err != CAT_EPENDING && err != CAT_ESLOWDOWN)
			break;
		next = now_s() + (double)code.interval;
	}
done:
	if (waiting)
		cat_wait_end(&wait);
	if (err == CAT_EEXPIRED)
		cat_hint_set("run the command again and approve the code "
			     "within %ld minutes",
			     (code.expires_in + 59) / 60);
	code_release(&code);
	return err;
}
