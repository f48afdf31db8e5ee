/*
 * The two ways to get a grant: the device flow (RFC 8628, used by
 * `login --no-localhost` and `token:generate`) and the browser flow
 * (authorization code + PKCE S256 to a loopback listener, `login`).
 */
#ifndef CAT_FLOW_H
#define CAT_FLOW_H

#include "cli.h"

/* What a successful flow hands back; every string is owned. */
struct cat_grant {
	char *refresh_token;
	char *access_token;
	char *token_id; /* NULL when the server sent none */
	long long expires_in;
};

void cat_grant_release(struct cat_grant *g);

/*
 * Runs the device flow at the server of dc. bind: send the signed-in
 * account's bearer token so only that account may approve (token:generate).
 * purpose completes "To <purpose>, open ..." on stderr. terms: more
 * key/value pairs for the code request (token:generate's token_name,
 * token_expires_in, project_id, read_only), NULL-terminated, or NULL.
 * Returns 0, CAT_EDENIED, CAT_EEXPIRED, CAT_ECANCEL or another error.
 */
int cat_flow_device(struct cat_ctx *ctx, const char *dc, int bind,
		    const char *purpose, const char *const *terms,
		    struct cat_grant *out);

/*
 * Runs the browser flow: listens on 127.0.0.1, opens (or prints) the
 * authorization URL, waits for the redirect, checks state, redeems the code
 * with the PKCE verifier. CAT_EUNAVAIL when no listener can be started (the
 * caller may fall back to the device flow).
 */
int cat_flow_browser(struct cat_ctx *ctx, const char *dc,
		     struct cat_grant *out);

/*
 * Why the browser flow cannot work here, or NULL when it can: CI, a
 * standard stream that is not a terminal (in_tty, out_tty: stdin, and
 * stdout and stderr), an SSH session (a browser on the user's machine
 * cannot reach our 127.0.0.1 listener, even with X forwarding), no display
 * (DISPLAY, WAYLAND_DISPLAY and BROWSER unset; not on macOS). Static text.
 */
const char *cat_flow_headless(int in_tty, int out_tty, int ci);

/* Fills out from a token answer (access_token, refresh_token, token_id). */
int cat_grant_from_json(struct cat_grant *out, json_t *body);

/* This host's name for device_name (at most 127 characters). */
void cat_host_name(char *out, size_t n);

#endif
