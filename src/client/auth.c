/*
 * Credential selection, refresh and revocation. A CLI token's own DC picks
 * the server, so `--token m_catr_eu_...` goes to the eu server with no --dc.
 * Access tokens are cached by the hash of their refresh token; a cached one
 * the server refuses is refreshed once and the request retried once.
 */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "directory.h"
#include "flow.h"
#include "io.h"
#include "banned.h"

/*
 * The CLI's public client of the credential's DC (or the active one, to
 * sign in) from the deployment directory: 1 found, 0 none listed or no
 * directory configured, <0 when the directory was needed and failed.
 */
static int directory_client(struct cat_ctx *ctx, char salt,
			    struct cat_client *out)
{
	const struct cat_dc *dc = NULL;
	char url[CAT_URL_MAX];
	const char *from, *code = ctx->cred.dc;
	json_t *e = NULL;
	int err;

	if ((err = cat_dir_url(ctx, url, sizeof(url), &from)) <= 0)
		return err;
	if (!code[0]) {
		if ((err = cat_ctx_dc(ctx, &dc)) < 0)
			return err;
		code = dc->code;
	}
	if ((err = cat_dir_entry(ctx, code, &e)) < 0)
		return err;
	out->id = json_string_value(json_object_get(
		e, salt == 'w' ? "browser_client_id" : "device_client_id"));
	out->secret = NULL; /* public: a token needs no second secret */
	return out->id ? 1 : 0;
}

int cat_auth_client(struct cat_ctx *ctx, char salt, struct cat_client *out)
{
	const char *flow = salt == 'w' ? "browser" : "device";
	const char *pfx = salt == 'w' ? "W" : "M";
	struct cat_config *cfg = NULL;
	char id_var[32], sec_var[32];
	int err;

	snprintf(id_var, sizeof(id_var), "%s_CATALYST_CLIENT_ID", pfx);
	snprintf(sec_var, sizeof(sec_var), "%s_CATALYST_CLIENT_SECRET", pfx);
	out->id = cat_env(id_var);
	out->secret = cat_env(sec_var);
	if (out->id)
		return 0;
	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return err;
	out->id = cat_settings_client(cfg->settings, flow, "id");
	out->secret = cat_settings_client(cfg->settings, flow, "secret");
	if (out->id)
		return 0;
	if ((err = directory_client(ctx, salt, out)) != 0)
		return err < 0 ? err : 0;
	cat_hint_set("set %s and %s to a client registered with 'catalystd "
		     "client add', or add clients.%s to '%s'",
		     id_var, sec_var, flow, cfg->settings_path);
	return cat_error_set(CAT_ERROR,
			     "no OAuth client configured for the "
			     "%s flow",
			     flow);
}

const char *cat_trim_space(const char *s, size_t *len)
{
	static const char space[] = " \t\r\n\v\f";
	size_t n;

	s += strspn(s, space);
	n = strlen(s);
	while (n > 0 && strchr(space, s[n - 1]))
		n--;
	*len = n;
	return s;
}

int cat_cred_parse(struct cat_cred *cred, const char *raw, const char *source)
{
	enum cat_token_kind kind;
	char text[sizeof(cred->token)];
	size_t len;
	int err;

	memset(cred, 0, sizeof(*cred));
	cred->source = source;
	cat_hint_set("copy the whole token: it looks like m_catr_us_... and "
		     "'catalyst token:generate' prints it");
	/* $(cat file), a heredoc or a copy from a terminal add a newline */
	raw = cat_trim_space(raw, &len);
	if (len >= sizeof(cred->token))
		return cat_error_set(CAT_EINVAL,
				     "the token from %s is malformed "
				     "(too long)",
				     source);
	memcpy(text, raw, len);
	text[len] = '\0';
	if (cat_token_parse(text, &kind, cred->dc) == 0 &&
	    kind == CAT_TOK_ACCESS) {
		cred->kind = CAT_CRED_ACCESS;
		memcpy(cred->token, text, len + 1);
		cat_hint_clear();
		return 0;
	}
	if (len < 3 || text[1] != '_' || (text[0] != 'm' && text[0] != 'w'))
		return cat_error_set(CAT_EINVAL,
				     "the token from %s is malformed "
				     "(a CLI token starts with m_ or w_)",
				     source);
	if ((err = cat_token_parse(text + 2, &kind, cred->dc)) < 0) {
		char why[256];

		/* copy: the message buffer is also the format's target */
		snprintf(why, sizeof(why), "%s", cat_error_last());
		return cat_error_set(CAT_EINVAL,
				     "the token from %s is "
				     "malformed: %s",
				     source, why);
	}
	if (kind != CAT_TOK_REFRESH)
		return cat_error_set(CAT_EINVAL,
				     "the token from %s is not a "
				     "CLI token",
				     source);
	cred->kind = CAT_CRED_TOKEN;
	cred->salt = text[0];
	memcpy(cred->token, text, len + 1);
	cat_hint_clear();
	return 0;
}

static int load_login(struct cat_ctx *ctx, const char *dc, int login_only)
{
	struct cat_config *cfg = NULL;
	const char *tok, *id, *client;
	json_t *login;
	int err;

	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return err;
	login = cat_state_login(cfg->state, dc);
	if (!login) {
		if (login_only)
			cat_hint_set("run 'catalyst login%s%s' first",
				     ctx->opts.dc ? " --dc " : "",
				     ctx->opts.dc ? dc : "");
		else
			cat_hint_set("run 'catalyst login', or pass --token "
				     "(or set CATALYST_TOKEN)");
		return cat_error_set(CAT_EAUTH,
				     "not signed in (data center "
				     "%s)",
				     dc);
	}
	tok = json_string_value(json_object_get(login, "token"));
	if ((err = cat_cred_parse(&ctx->cred, tok, "sign-in")) < 0) {
		cat_hint_set("run 'catalyst login --force' to sign in again");
		return cat_error_set(err,
				     "the sign-in stored in '%s' is "
				     "damaged",
				     cfg->state_path);
	}
	ctx->cred.kind = CAT_CRED_LOGIN;
	id = json_string_value(json_object_get(login, "token_id"));
	if (id)
		snprintf(ctx->cred.token_id, sizeof(ctx->cred.token_id), "%s",
			 id);
	client = json_string_value(json_object_get(login, "client_id"));
	if (client && strlen(client) < sizeof(ctx->cred.client_id))
		snprintf(ctx->cred.client_id, sizeof(ctx->cred.client_id), "%s",
			 client);
	return 0;
}

int cat_auth_select_login(struct cat_ctx *ctx, const char *dc)
{
	memset(&ctx->cred, 0, sizeof(ctx->cred));
	return load_login(ctx, dc, 1);
}

static int select_login(struct cat_ctx *ctx, int login_only)
{
	const struct cat_dc *dc = NULL;
	int err;

	if ((err = cat_ctx_dc(ctx, &dc)) < 0)
		return err;
	return load_login(ctx, dc->code, login_only);
}

/*
 * --token - typed or pasted on a terminal: asked for, and not echoed, so it
 * does not stay on the screen or in the terminal's scrollback.
 */
static int read_stdin_token(char *buf, size_t n)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	int err;

	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fputs("Paste the token and press Enter: ", stderr);
		fflush(stderr);
	}
	err = cat_read_value(STDIN_FILENO, "the token on standard input", buf,
			     n);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return err;
}

/*
 * --token - and --token-file: the token comes from stdin or a file, so it
 * never shows in the process list (argv is readable by every local user).
 */
static int read_token(const struct cat_opts *o, char *buf, size_t n,
		      const char **source)
{
	int fd, err;

	if (!o->token_file) {
		*source = "--token -";
		return read_stdin_token(buf, n);
	}
	*source = "--token-file";
	if ((fd = open(o->token_file, O_RDONLY | O_CLOEXEC)) < 0)
		return cat_error_set(CAT_ERROR,
				     "cannot open token file '%s': %s",
				     o->token_file, strerror(errno));
	err = cat_read_value(fd, "the token file", buf, n);
	close(fd);
	return err;
}

int cat_auth_select(struct cat_ctx *ctx, int login_only)
{
	const char *text = NULL, *source = NULL;
	/* room for whitespace: cat_cred_parse says "too long" past a token */
	char buf[CAT_CLI_TOKEN_MAX + 64];
	int err = 0;

	if (ctx->cred.kind != CAT_CRED_NONE)
		return 0;
	if (login_only && (ctx->opts.token || ctx->opts.token_file))
		cat_warn("--token%s is ignored: %s acts for the account signed "
			 "in on this device",
			 ctx->opts.token ? "" : "-file", ctx->opts.cmd);
	if (!login_only) {
		if (ctx->opts.token_file ||
		    (ctx->opts.token && strcmp(ctx->opts.token, "-") == 0)) {
			if ((err = read_token(&ctx->opts, buf, sizeof(buf),
					      &source)) < 0) {
				cat_hint_set("put the token alone on one line, "
					     "e.g. printf '%%s\\n' \"$T\"");
				goto done;
			}
			text = buf;
		} else if ((text = ctx->opts.token)) {
			source = "--token";
		} else if ((text = cat_env("CATALYST_TOKEN"))) {
			source = "CATALYST_TOKEN";
		} else if ((text = cat_env("ZC_TOKEN"))) {
			source = "ZC_TOKEN";
		}
	}
	if (!text) {
		err = select_login(ctx, login_only);
		goto done;
	}
	if ((err = cat_cred_parse(&ctx->cred, text, source)) < 0)
		goto done;
	if (ctx->opts.dc && cat_dc_find(ctx->opts.dc) &&
	    strcmp(cat_dc_find(ctx->opts.dc)->code, ctx->cred.dc) != 0)
		cat_warn("ignoring --dc %s: the token from %s belongs to data "
			 "center %s",
			 ctx->opts.dc, source, ctx->cred.dc);
done:
	sodium_memzero(buf, sizeof(buf));
	return err;
}

int cat_auth_url(struct cat_ctx *ctx, int admin, const char *path, char *out,
		 size_t n)
{
	const char *dc = ctx->cred.dc[0] ? ctx->cred.dc : "us";
	const char *origin =
		admin ? cat_ctx_admin_url(ctx, dc) : cat_ctx_auth_url(ctx, dc);

	return cat_api_url(out, n, origin, path);
}

struct cache_arg {
	const char *rt;
	const char *access;
	long long expires_in;
};

static int cache_edit(json_t *state, void *arg)
{
	struct cache_arg *a = arg;

	cat_state_cache_put(state, a->rt, a->access, a->expires_in);
	return 0;
}

void cat_auth_cache(struct cat_ctx *ctx, const char *rt, const char *access,
		    long long expires_in)
{
	struct cache_arg a = { rt, access, expires_in };
	struct cat_config *cfg = NULL;

	if (cat_ctx_config(ctx, &cfg) < 0 ||
	    cat_config_update(cfg, cache_edit, &a) < 0) {
		/* the command can go on; it only costs a refresh next time */
		cat_warn("cannot cache the access token: %s", cat_error_last());
		cat_hint_clear();
	}
}

/* What to say when the server refuses the credential itself. */
static int refused(struct cat_ctx *ctx, const char *why)
{
	if (ctx->cred.kind == CAT_CRED_LOGIN && !strstr(why, "data center")) {
		cat_hint_set("run 'catalyst login --dc %s --force' to sign in "
			     "again",
			     ctx->cred.dc);
		return cat_error_set(CAT_EAUTH,
				     "the sign-in of this device (data center "
				     "%s) was revoked or has expired: the "
				     "server refused it (%s)",
				     ctx->cred.dc, why);
	}
	if (ctx->cred.kind == CAT_CRED_LOGIN) {
		cat_hint_set("check servers.%s in config.json, "
			     "CATALYST_AUTH_URL and CATALYST_ADMIN_URL",
			     ctx->cred.dc);
		return cat_error_set(CAT_EAUTH,
				     "the sign-in of this device was refused: "
				     "%s",
				     why);
	}
	if (strstr(why, "data center"))
		cat_hint_set("the token belongs to data center %s; check "
			     "servers.%s in config.json, CATALYST_AUTH_URL and "
			     "CATALYST_ADMIN_URL",
			     ctx->cred.dc, ctx->cred.dc);
	else
		cat_hint_set(
			"the token was revoked or is not for this server; "
			"generate a new one with 'catalyst token:generate'");
	return cat_error_set(CAT_EAUTH, "the token from %s was refused: %s",
			     ctx->cred.source, why);
}

/*
 * The client a refresh goes with: the one the credential was issued to.
 * The salt says which flow (m_ device, w_ browser); a sign-in also records
 * the client id, which wins over today's configuration when the two differ
 * (the configured client then belongs to another DC or was changed since),
 * as a public client: the server refuses any other client for the grant.
 */
static int refresh_client(struct cat_ctx *ctx, struct cat_client *out)
{
	const char *recorded = ctx->cred.client_id;
	int err = cat_auth_client(ctx, ctx->cred.salt, out);

	if (!recorded[0] || (err == 0 && strcmp(out->id, recorded) == 0))
		return err;
	cat_hint_clear();
	out->id = recorded;
	out->secret = NULL;
	return 0;
}

static int refresh(struct cat_ctx *ctx, char **out)
{
	struct cat_resp resp = { 0, NULL };
	struct cat_client client;
	const char *rt = ctx->cred.token + 2, *at, *err_code;
	char url[CAT_URL_MAX];
	const char *form[] = { "grant_type",
			       "refresh_token",
			       "refresh_token",
			       rt,
			       "client_id",
			       NULL,
			       "client_secret",
			       NULL,
			       NULL };
	struct cat_req req = { "POST", url, NULL, NULL, form };
	long expires;
	int err;

	if ((err = refresh_client(ctx, &client)) < 0 ||
	    (err = cat_auth_url(ctx, 0, "/oauth/v2/token", url, sizeof(url))) <
		    0)
		goto done;
	form[5] = client.id;
	form[7] = client.secret;
	if (!client.secret)
		form[6] = NULL;
	if ((err = cat_api_send(&req, &resp)) < 0)
		goto done;
	err_code = cat_resp_oauth_error(&resp);
	if (resp.status == 400 && err_code &&
	    strcmp(err_code, "invalid_grant") == 0) {
		const char *d = cat_resp_str(&resp, "error_description");

		err = refused(ctx, d ? d : "revoked or unknown");
		goto done;
	}
	if (resp.status == 401 && err_code &&
	    strcmp(err_code, "invalid_client") == 0) {
		cat_hint_set("set %s_CATALYST_CLIENT_ID/_SECRET to the client "
			     "the token was made with",
			     ctx->cred.salt == 'w' ? "W" : "M");
		err = cat_error_set(CAT_ERROR,
				    "the server refused OAuth client "
				    "'%s'",
				    client.id);
		goto done;
	}
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	at = cat_resp_str(&resp, "access_token");
	expires = cat_json_seconds(json_object_get(resp.json, "expires_in"), 0,
				   CAT_MAX_ACCESS_TTL);
	if (!at) {
		err = cat_error_set(CAT_ERROR, "the refresh answer has no "
					       "access_token");
		goto done;
	}
	if (!(*out = strdup(at))) {
		err = cat_error_set(CAT_ERROR, "out of memory");
		goto done;
	}
	cat_auth_cache(ctx, rt, at, expires);
done:
	cat_resp_release(&resp);
	return err;
}

int cat_auth_access(struct cat_ctx *ctx, int force, char **out, int *cached)
{
	struct cat_config *cfg = NULL;
	const char *at;
	int err;

	*out = NULL;
	*cached = 0;
	if (ctx->cred.kind == CAT_CRED_NONE &&
	    (err = cat_auth_select(ctx, 0)) < 0)
		return err;
	if (ctx->cred.kind == CAT_CRED_ACCESS) {
		if (!(*out = strdup(ctx->cred.token)))
			return cat_error_set(CAT_ERROR, "out of memory");
		return 0;
	}
	if (!force && cat_ctx_config(ctx, &cfg) == 0 &&
	    (at = cat_state_cached_access(cfg->state, ctx->cred.token + 2))) {
		if (!(*out = strdup(at)))
			return cat_error_set(CAT_ERROR, "out of memory");
		*cached = 1;
		return 0;
	}
	return refresh(ctx, out);
}

int cat_auth_send(struct cat_ctx *ctx, struct cat_req *req,
		  struct cat_resp *out)
{
	char *at = NULL;
	int err, cached, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((err = cat_auth_access(ctx, attempt > 0, &at, &cached)) < 0)
			goto done;
		req->bearer = at;
		err = cat_api_send(req, out);
		req->bearer = NULL;
		free(at);
		at = NULL;
		if (err < 0)
			goto done;
		if (out->status != 401)
			goto done;
		if (!cached || ctx->cred.kind == CAT_CRED_ACCESS)
			break;
		cat_debug("cached access token refused; refreshing once");
		cat_resp_release(out);
	}
	{
		const char *d = cat_resp_str(out, "error_description");

		err = refused(ctx, d ? d : "access token not accepted");
	}
	cat_resp_release(out);
done:
	free(at);
	return err;
}

int cat_auth_rotate(struct cat_ctx *ctx, const char *cli_token, long long grace,
		    struct cat_grant *out)
{
	struct cat_resp resp = { 0, NULL };
	struct cat_client client;
	struct cat_cred cred;
	char url[CAT_URL_MAX], grace_s[24];
	const char *form[] = { "refresh_token", cli_token + 2, "grace",
			       grace_s,         "client_id",   NULL,
			       "client_secret", NULL,          NULL };
	struct cat_req req = { "POST", url, NULL, NULL, form };
	const char *code, *why;
	int err;

	snprintf(grace_s, sizeof(grace_s), "%lld", grace);
	if ((err = cat_cred_parse(&cred, cli_token, "the local store")) < 0 ||
	    (err = cat_auth_client(ctx, cred.salt, &client)) < 0 ||
	    (err = cat_api_url(url, sizeof(url), cat_ctx_auth_url(ctx, cred.dc),
			       "/oauth/v2/token/rotate")) < 0)
		goto done;
	form[5] = client.id;
	form[7] = client.secret;
	if (!client.secret)
		form[6] = NULL;
	if ((err = cat_api_send(&req, &resp)) < 0)
		goto done;
	code = cat_resp_oauth_error(&resp);
	if (resp.status == 400 && code && strcmp(code, "invalid_grant") == 0) {
		why = cat_resp_str(&resp, "error_description");
		err = cat_error_set(CAT_EAUTH,
				    "the server refused the token: %s",
				    why ? why : "revoked or unknown");
		goto done;
	}
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	if ((err = cat_grant_from_json(out, resp.json)) < 0)
		goto done;
	/* the old secret's cached access token is still good, but the new
	 * one is what this device uses from now on */
	cat_auth_cache(ctx, cli_token + 2, NULL, 0);
	cat_auth_cache(ctx, out->refresh_token, out->access_token,
		       out->expires_in);
done:
	cat_resp_release(&resp);
	return err;
}

int cat_auth_revoke(struct cat_ctx *ctx, const char *cli_token, const char *dc)
{
	struct cat_resp resp = { 0, NULL };
	char url[CAT_URL_MAX];
	const char *rt = cli_token + 2;
	const char *form[] = { "token", rt, "token_type_hint", "refresh_token",
			       NULL };
	struct cat_req req = { "POST", url, NULL, NULL, form };
	int err;

	if ((err = cat_api_url(url, sizeof(url), cat_ctx_auth_url(ctx, dc),
			       "/oauth/v2/token/revoke")) < 0 ||
	    (err = cat_api_send(&req, &resp)) < 0)
		goto done;
	if (resp.status != 200) {
		err = cat_api_error(&resp);
		goto done;
	}
	cat_auth_cache(ctx, rt, NULL, 0);
done:
	cat_resp_release(&resp);
	return err;
}
