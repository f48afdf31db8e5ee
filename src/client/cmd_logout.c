/*
 * `catalyst logout`: revokes this device's sign-in on the server first and
 * forgets it only once the server has confirmed, so a failed logout never
 * leaves a live grant that nothing local remembers. Tokens generated here
 * stay (they are independent of the sign-in and revocable from here).
 */
#include <string.h>

#include "auth.h"
#include "cmd.h"
#include "config.h"
#include "io.h"
#include "banned.h"

static int forget_login(json_t *state, void *arg)
{
	json_t *d = cat_state_dc(state, arg, 0);

	if (!d || !json_object_get(d, "login"))
		return 1;
	json_object_del(d, "login");
	return 0;
}

int cmd_logout(struct cat_ctx *ctx)
{
	const struct cat_dc *dc = NULL;
	struct cat_config *cfg = NULL;
	struct cat_cred cred;
	const char *token, *email;
	json_t *login;
	char who[256];
	int err;

	if ((err = cat_ctx_dc(ctx, &dc)) < 0 ||
	    (err = cat_ctx_config(ctx, &cfg)) < 0)
		return cat_fail(err, "logout");
	if (!(login = cat_state_login(cfg->state, dc->code))) {
		cat_note("Not signed in (data center %s); nothing to do.",
			 dc->code);
		return CAT_EXIT_OK;
	}
	token = json_string_value(json_object_get(login, "token"));
	email = json_string_value(
		json_object_get(json_object_get(login, "user"), "Email"));
	snprintf(who, sizeof(who), "%s", email ? email : "the account");
	if ((err = cat_cred_parse(&cred, token, "sign-in")) == 0)
		err = cat_auth_revoke(ctx, token, cred.dc);
	if (err < 0) {
		cat_hint_set("nothing was forgotten; retry when the server is "
			     "reachable");
		return cat_fail(err, "logout: cannot revoke the sign-in");
	}
	if ((err = cat_config_update(cfg, forget_login, (void *)dc->code)) < 0)
		return cat_fail(err,
				"logout: revoked on the server, but cannot "
				"update the local state");
	cat_note("Signed out of %s (data center %s).", who, dc->code);
	return CAT_EXIT_OK;
}
