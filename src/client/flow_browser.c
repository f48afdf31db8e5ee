/*
 * The browser flow: authorization code with PKCE S256 (RFC 7636) redirected
 * to a one-shot loopback listener (RFC 8252 §7.3) on 127.0.0.1 and an
 * ephemeral port. The verifier and state come from libsodium; the state is
 * compared in constant time; only the first request with a matching state
 * counts.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"
#include "auth.h"
#include "dynload.h"
#include "flow.h"
#include "io.h"
#include "banned.h"

#define BROWSER_WAIT_S 300
#define B64_32                                                                 \
	(sodium_base64_ENCODED_LEN(32,                                         \
				   sodium_base64_VARIANT_URLSAFE_NO_PADDING))

extern char **environ;

static const char page_ok[] =
	"<!doctype html><html><head><meta charset=\"utf-8\"><title>Catalyst "
	"CLI</title></head><body><h1>Signed in</h1><p>You can close this tab "
	"and return to the terminal.</p></body></html>";
static const char page_fail[] =
	"<!doctype html><html><head><meta charset=\"utf-8\"><title>Catalyst "
	"CLI</title></head><body><h1>Sign-in failed</h1><p>Return to the "
	"terminal for details.</p></body></html>";

struct listener {
	const struct cat_mhd_api *mhd;
	const char *state;
	int done; /* 1 once a request with the right state arrived */
	int bad_state;
	char code[512];
	char error[64];
};

static enum MHD_Result reply(const struct cat_mhd_api *m,
			     struct MHD_Connection *c, unsigned status,
			     const char *html)
{
	struct MHD_Response *r = m->create_response_from_buffer(
		strlen(html), (void *)html, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	m->add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	m->add_response_header(r, "Cache-Control", "no-store");
	ret = m->queue_response(c, status, r);
	m->destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *data_size, void **req_cls)
{
	struct listener *l = cls;
	const char *state, *code, *error;

	(void)version;
	(void)data;
	(void)data_size;
	(void)req_cls;
	if (strcmp(method, "GET") != 0 || strcmp(url, "/") != 0 || l->done)
		return reply(l->mhd, c, MHD_HTTP_NOT_FOUND, page_fail);
	state = l->mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						"state");
	code = l->mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
					       "code");
	error = l->mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						"error");
	if (!state || !cat_secret_eq(state, l->state)) {
		l->bad_state = 1;
		l->done = 1;
		return reply(l->mhd, c, MHD_HTTP_BAD_REQUEST, page_fail);
	}
	l->done = 1;
	if (error || !code) {
		snprintf(l->error, sizeof(l->error), "%s",
			 error ? error : "no code");
		return reply(l->mhd, c, MHD_HTTP_BAD_REQUEST, page_fail);
	}
	snprintf(l->code, sizeof(l->code), "%s", code);
	return reply(l->mhd, c, MHD_HTTP_OK, page_ok);
}

const char *cat_flow_headless(int in_tty, int out_tty, int ci)
{
	static const char *const ssh[] = { "SSH_CONNECTION", "SSH_CLIENT",
					   "SSH_TTY" };
	static char why[96];
	size_t i;

	if (ci)
		return "CI is set";
	if (!in_tty)
		return "standard input is not a terminal";
	if (!out_tty)
		return "standard output or error is not a terminal";
	for (i = 0; i < sizeof(ssh) / sizeof(ssh[0]); i++)
		if (cat_env(ssh[i])) {
			snprintf(why, sizeof(why),
				 "this is an SSH session (%s is set)", ssh[i]);
			return why;
		}
#ifndef __APPLE__
	if (!cat_env("DISPLAY") && !cat_env("WAYLAND_DISPLAY") &&
	    !cat_env("BROWSER"))
		return "there is no display (DISPLAY and WAYLAND_DISPLAY are "
		       "unset)";
#endif
	return NULL;
}

/* Opens url with $BROWSER or xdg-open, only where a display exists. */
static void open_browser(const char *url)
{
	posix_spawn_file_actions_t fa;
	const char *prog = cat_env("BROWSER");
	char *argv[3];
	pid_t pid;

	if (!prog && !cat_env("DISPLAY") && !cat_env("WAYLAND_DISPLAY"))
		return;
	if (!prog)
		prog = "xdg-open";
	argv[0] = (char *)prog;
	argv[1] = (char *)url;
	argv[2] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, prog, &fa, NULL, argv, environ) != 0)
		cat_note("(could not start %s; open the URL yourself)", prog);
	posix_spawn_file_actions_destroy(&fa);
}

static void b64url(char *out, size_t n, const unsigned char *bin, size_t len)
{
	sodium_bin2base64(out, n, bin, len,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Builds the /oauth/v2/auth URL; every value is URL-escaped by libcurl. */
static int auth_url(char *out, size_t n, const char *origin,
		    const char *const *params)
{
	size_t i, len;
	int w;

	w = snprintf(out, n, "%s/oauth/v2/auth", origin);
	if (w < 0 || (size_t)w >= n)
		return cat_error_set(CAT_EINVAL, "URL is too long");
	len = (size_t)w;
	for (i = 0; params[i]; i += 2) {
		char *v = cat_api_escape(params[i + 1]);

		if (!v)
			return cat_error_set(CAT_ERROR,
					     "cannot escape the URL");
		w = snprintf(out + len, n - len, "%c%s=%s", i ? '&' : '?',
			     params[i], v);
		cat_api_free(v);
		if (w < 0 || (size_t)w >= n - len)
			return cat_error_set(CAT_EINVAL, "URL is too long");
		len += (size_t)w;
	}
	return 0;
}

static int redeem(struct cat_ctx *ctx, const char *dc,
		  const struct cat_client *client, const char *code,
		  const char *redirect, const char *verifier,
		  struct cat_grant *out)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	const char *form[] = { "grant_type",
			       "authorization_code",
			       "code",
			       code,
			       "redirect_uri",
			       redirect,
			       "code_verifier",
			       verifier,
			       "client_id",
			       client->id,
			       "client_secret",
			       client->secret,
			       NULL };
	struct cat_req req = { "POST", url, NULL, NULL, form };
	int err;

	if (!client->secret)
		form[10] = NULL;
	if ((err = cat_api_url(url, sizeof(url), cat_ctx_auth_url(ctx, dc),
			       "/oauth/v2/token")) < 0 ||
	    (err = cat_api_send(&req, &resp)) < 0)
		goto done;
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	err = cat_grant_from_json(out, resp.json);
done:
	cat_resp_release(&resp);
	return err;
}

int cat_flow_browser(struct cat_ctx *ctx, const char *dc, struct cat_grant *out)
{
	unsigned char rnd[32], hash[crypto_hash_sha256_BYTES];
	char verifier[B64_32], challenge[B64_32], state[B64_32];
	char redirect[64], url[CAT_URL_MAX];
	struct listener l;
	struct sockaddr_in sa;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	struct cat_client client;
	struct cat_wait wait;
	time_t deadline;
	int err, waiting = 0;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if ((err = cat_auth_client(ctx, 'w', &client)) < 0)
		goto done;
	if (sodium_init() < 0) {
		err = cat_error_set(CAT_ERROR, "cannot initialise libsodium");
		goto done;
	}
	randombytes_buf(rnd, sizeof(rnd));
	b64url(verifier, sizeof(verifier), rnd, sizeof(rnd));
	crypto_hash_sha256(hash, (const unsigned char *)verifier,
			   strlen(verifier));
	b64url(challenge, sizeof(challenge), hash, sizeof(hash));
	randombytes_buf(rnd, 16);
	b64url(state, sizeof(state), rnd, 16);
	l.state = state;
	if (!(l.mhd = cat_mhd())) {
		err = CAT_EUNAVAIL;
		goto done;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	d = l.mhd->start_daemon(MHD_NO_FLAG, 0, NULL, NULL, on_request, &l,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)8,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_END);
	if (!d ||
	    !(info = l.mhd->get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)) ||
	    info->port == 0) {
		err = cat_error_set(CAT_EUNAVAIL, "cannot listen on 127.0.0.1");
		goto done;
	}
	snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u",
		 (unsigned)info->port);
	{
		const char *params[] = { "client_id",
					 client.id,
					 "scope",
					 cat_auth_scope(dc),
					 "response_type",
					 "code",
					 "access_type",
					 "offline",
					 "prompt",
					 "consent",
					 "redirect_uri",
					 redirect,
					 "state",
					 state,
					 "code_challenge",
					 challenge,
					 "code_challenge_method",
					 "S256",
					 NULL };

		if ((err = auth_url(url, sizeof(url), cat_ctx_auth_url(ctx, dc),
				    params)) < 0)
			goto done;
	}
	cat_note("To sign in, open this page in a browser on this device:");
	cat_note("%s", "");
	cat_note("    %s", url);
	cat_note("%s", "");
	open_browser(url);
	cat_wait_start(&wait, "waiting for the browser");
	waiting = 1;
	deadline = time(NULL) + BROWSER_WAIT_S;
	while (!l.done) {
		if (cat_interrupted) {
			err = cat_error_set(CAT_ECANCEL, "cancelled");
			goto done;
		}
		if (time(NULL) >= deadline) {
			cat_hint_set("run 'catalyst login' again, or use "
				     "'catalyst login --no-localhost'");
			err = cat_error_set(CAT_EEXPIRED,
					    "no answer from the "
					    "browser within %d minutes",
					    BROWSER_WAIT_S / 60);
			goto done;
		}
		cat_wait_tick(&wait, (long)(deadline - time(NULL)));
		l.mhd->run_wait(d, 100);
	}
	/* let the browser get its page before the listener goes away */
	l.mhd->run_wait(d, 50);
	cat_wait_end(&wait);
	waiting = 0;
	if (l.bad_state) {
		cat_hint_set("run 'catalyst login' again");
		err = cat_error_set(CAT_ERROR, "the browser came back with a "
					       "wrong state; sign-in aborted");
		goto done;
	}
	if (l.error[0]) {
		if (strcmp(l.error, "access_denied") == 0) {
			cat_hint_set("run 'catalyst login' again and choose "
				     "Allow");
			err = cat_error_set(CAT_EDENIED, "access was denied in "
							 "the browser");
		} else {
			err = cat_error_set(CAT_ERROR,
					    "the browser came back "
					    "with error '%s'",
					    l.error);
		}
		goto done;
	}
	err = redeem(ctx, dc, &client, l.code, redirect, verifier, out);
done:
	if (waiting)
		cat_wait_end(&wait);
	if (d)
		l.mhd->stop_daemon(d);
	sodium_memzero(verifier, sizeof(verifier));
	sodium_memzero(l.code, sizeof(l.code));
	return err;
}
