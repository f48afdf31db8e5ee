/*
 * `catalyst token:list`: the account's tokens as the server knows them
 * (GET /api/v1/tokens), joined with the local store to say which ones this
 * device can revoke. Token text is never printed, only a masked prefix of
 * the ones stored here.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "io.h"
#include "remote.h"
#include "table.h"
#include "token.h"
#include "banned.h"

enum { COLS = 11 };
static const char *const headers[COLS] = { "ID",          "NAME",   "CREATED",
					   "LAST USED",   "FROM",   "EXPIRES",
					   "SCOPE",       "DEVICE", "DC",
					   "REVOKE HERE", "TOKEN" };

/* "yes" (generated here), "logout" (this device's sign-in) or "no". */
static const char *where(struct cat_ctx *ctx, json_t *state, const char *id,
			 const char **local_token)
{
	json_t *t = cat_state_find_token(state, id, NULL);
	json_t *login;

	*local_token = NULL;
	if (t) {
		*local_token = json_string_value(json_object_get(t, "token"));
		return "yes";
	}
	login = cat_state_login(state, ctx->cred.dc);
	if (login && json_string_value(json_object_get(login, "token_id")) &&
	    strcmp(json_string_value(json_object_get(login, "token_id")), id) ==
		    0) {
		*local_token =
			json_string_value(json_object_get(login, "token"));
		return "logout";
	}
	return "no";
}

int cmd_token_list(struct cat_ctx *ctx)
{
	struct cat_config *cfg = NULL;
	json_t *list = NULL, *t, *rows = json_array(), *out = json_array();
	char masked[64], created[32], used[32], when[32], expires[48];
	char scope[64];
	const char *local, *here;
	size_t i;
	int err, code = CAT_EXIT_OK, tty = cat_io_stdout_tty();

	if ((err = cat_ctx_config(ctx, &cfg)) < 0 ||
	    (err = cat_remote_tokens(ctx, &list)) < 0) {
		code = cat_fail(err, "token:list");
		goto done;
	}
	json_array_foreach(list, i, t)
	{
		const char *id =
			json_string_value(json_object_get(t, "token_id"));
		const char *c =
			json_string_value(json_object_get(t, "created_at"));
		const char *u =
			json_string_value(json_object_get(t, "last_used_at"));
		const char *x = json_string_value(
			json_object_get(t, "token_expires_at"));
		const char *name =
			json_string_value(json_object_get(t, "token_name"));
		const char *from =
			json_string_value(json_object_get(t, "last_used_addr"));
		const char *cells[COLS];
		json_t *o;

		if (!id)
			continue;
		here = where(ctx, cfg->state, id, &local);
		masked[0] = '\0';
		if (local)
			cat_mask(masked, sizeof(masked), local);
		o = json_deep_copy(t);
		json_object_set_new(o, "revocable_here",
				    json_boolean(strcmp(here, "yes") == 0));
		json_object_set_new(o, "this_device_sign_in",
				    json_boolean(strcmp(here, "logout") == 0));
		json_object_set_new(o, "token",
				    local ? json_string(masked) : json_null());
		json_array_append_new(out, o);
		if (tty) {
			cat_fmt_time(created, sizeof(created), c);
			cat_fmt_time(used, sizeof(used), u);
			cat_fmt_time(when, sizeof(when), x);
		}
		/* an expired token stays listed until revoked: say so */
		snprintf(expires, sizeof(expires), "%s%.31s",
			 json_is_true(json_object_get(t, "expired"))
				 ? "expired "
				 : "",
			 tty ? when : (x ? x : ""));
		cat_token_scope_words(
			scope, sizeof(scope),
			json_string_value(json_object_get(t, "project_id")),
			json_is_true(json_object_get(t, "read_only")));
		cells[0] = id;
		cells[1] = name ? name : "unnamed";
		cells[2] = tty ? created : c;
		cells[3] = u ? (tty ? used : u) : "never";
		cells[4] = from;
		cells[5] = x ? expires : "never";
		cells[6] = scope;
		cells[7] = json_string_value(json_object_get(t, "device_name"));
		cells[8] = json_string_value(json_object_get(t, "dc"));
		cells[9] = here;
		cells[10] = local ? masked : NULL;
		cat_table_row(rows, COLS, cells);
	}
	if (ctx->opts.json) {
		json_t *doc = json_pack("{s:O}", "tokens", out);

		cat_print_json(stdout, doc);
		json_decref(doc);
	} else if (json_array_size(rows) == 0) {
		cat_note("No tokens yet; create one with 'catalyst "
			 "token:generate'.");
	} else {
		cat_table_print(stdout, headers, COLS, rows, tty);
	}
done:
	json_decref(list);
	json_decref(rows);
	json_decref(out);
	return code;
}
