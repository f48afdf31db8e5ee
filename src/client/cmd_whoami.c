/*
 * `catalyst whoami`: the account a command would act as, asked from the
 * server with the credential itself (GET /oauth/user/info, refreshing the
 * access token as every command does). So it also proves the credential
 * still works: a sign-in or token revoked or expired on the server is an
 * error (exit 4), never the account the local state remembers.
 *
 * `whoami --all` does the same for the sign-in of every DC stored on this
 * device, each with its own server and client, and reports each one's
 * state instead of stopping at the first that fails.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "io.h"
#include "remote.h"
#include "table.h"
#include "banned.h"

static const char *email_of(const json_t *user)
{
	return json_string_value(json_object_get(user, "Email"));
}

static const char *name_of(const json_t *user)
{
	return json_string_value(json_object_get(user, "Display_Name"));
}

static int print_user(struct cat_ctx *ctx, const json_t *user)
{
	const char *email = email_of(user), *name = name_of(user);
	json_t *out;

	if (ctx->opts.json) {
		out = json_pack("{s:s?, s:s?, s:s, s:s}", "email", email,
				"name", name, "dc", ctx->cred.dc, "source",
				ctx->cred.source);
		if (out)
			cat_print_json(stdout, out);
		json_decref(out);
		return CAT_EXIT_OK;
	}
	cat_term_line(stdout, "%s (data center %s)",
		      email  ? email
		      : name ? name
			     : "unknown",
		      ctx->cred.dc);
	return CAT_EXIT_OK;
}

static int whoami_one(struct cat_ctx *ctx)
{
	json_t *user = NULL;
	int err, code;

	/* not CMD_NEEDS_AUTH in the table: --all needs no credential of the
	 * active DC, so the single form selects its own */
	if ((err = cat_auth_select(ctx, 0)) < 0 ||
	    (err = cat_remote_user(ctx, &user)) < 0) {
		code = cat_fail(err, "whoami");
		goto done;
	}
	code = print_user(ctx, user);
done:
	json_decref(user);
	return code;
}

/* What --all reports for one DC: state, and the reason when not valid. */
struct signin_state {
	const char *state; /* "valid", "refused", "error" */
	char why[512];
};

/*
 * Checks the sign-in of dc with its server. A refused credential (revoked,
 * expired) is "refused", anything else that fails (no server, no answer) is
 * "error"; the account comes from the server when it answers, else from
 * the local record, marked as such by the state.
 */
static void check_dc(struct cat_ctx *ctx, const char *dc, json_t **user,
		     struct signin_state *st)
{
	int err;

	st->state = "valid";
	st->why[0] = '\0';
	if ((err = cat_auth_select_login(ctx, dc)) == 0 &&
	    (err = cat_remote_user(ctx, user)) == 0)
		return;
	st->state = err == CAT_EAUTH ? "refused" : "error";
	snprintf(st->why, sizeof(st->why), "%s", cat_error_last());
	cat_hint_clear();
}

/*
 * The DCs signed in here, each with the account its login recorded. Taken
 * first: a refresh rewrites credentials.json and replaces cfg->state.
 */
static json_t *signed_in(struct cat_config *cfg)
{
	json_t *out = json_object(), *d, *login, *user;
	const char *dc;

	if (!out)
		return NULL;
	json_object_foreach(json_object_get(cfg->state, "dcs"), dc, d)
	{
		if (!(login = json_object_get(d, "login")))
			continue;
		user = json_object_get(login, "user");
		if (json_object_set(out, dc,
				    json_is_object(user) ? user : json_null()) <
		    0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int whoami_all(struct cat_ctx *ctx)
{
	struct cat_config *cfg = NULL;
	static const char *const headers[] = { "DC", "ACCOUNT", "STATE",
					       "DETAIL" };
	json_t *dcs = NULL, *stored, *list = NULL, *rows = NULL, *user = NULL,
	       *row;
	const char *dc, *email, *name, *cells[4];
	struct signin_state st;
	int err, code = CAT_EXIT_OK;

	if ((err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "whoami");
	if (!(dcs = signed_in(cfg)) || !(list = json_array()) ||
	    !(rows = json_array())) {
		code = cat_err(CAT_EXIT_ERROR, "whoami: out of memory");
		goto done;
	}
	if (json_object_size(dcs) == 0) {
		cat_hint_set("run 'catalyst login' (or 'catalyst login --dc "
			     "<dc>')");
		code = cat_err(CAT_EXIT_AUTH, "whoami: not signed in to any "
					      "data center on this device");
		goto done;
	}
	json_object_foreach(dcs, dc, stored)
	{
		check_dc(ctx, dc, &user, &st);
		email = email_of(user ? user : stored);
		name = name_of(user ? user : stored);
		if (strcmp(st.state, "refused") == 0)
			code = CAT_EXIT_AUTH;
		else if (strcmp(st.state, "error") == 0 && code == CAT_EXIT_OK)
			code = CAT_EXIT_ERROR;
		row = json_pack("{s:s, s:s?, s:s?, s:s, s:s?}", "dc", dc,
				"email", email, "name", name, "state", st.state,
				"error", st.why[0] ? st.why : NULL);
		if (!row || json_array_append_new(list, row) < 0) {
			code = cat_err(CAT_EXIT_ERROR, "whoami: out of memory");
			goto done;
		}
		cells[0] = dc;
		cells[1] = email ? email : name;
		cells[2] = st.state;
		cells[3] = st.why[0] ? st.why : NULL;
		cat_table_row(rows, 4, cells);
		json_decref(user);
		user = NULL;
	}
	if (ctx->opts.json) {
		json_t *doc = json_pack("{s:O}", "signins", list);

		if (doc)
			cat_print_json(stdout, doc);
		json_decref(doc);
	} else {
		cat_table_print(stdout, headers, 4, rows, cat_io_stdout_tty());
	}
done:
	json_decref(user);
	json_decref(rows);
	json_decref(list);
	json_decref(dcs);
	return code;
}

int cmd_whoami(struct cat_ctx *ctx)
{
	if (!(ctx->opts.given & CO_ALL))
		return whoami_one(ctx);
	if (ctx->opts.token || ctx->opts.token_file)
		return cat_err(CAT_EXIT_USAGE, "whoami: --all checks this "
					       "device's sign-ins; it takes no "
					       "--token");
	return whoami_all(ctx);
}
