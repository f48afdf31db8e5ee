/*
 * The route table: one row per endpoint. Shared work (bearer checks, error
 * shape) is declared here with flags and done once by the dispatcher.
 */
#include "routes.h"

#include <string.h>

#include "server.h"
#include "banned.h"

#define AUTH  ROUTE_AUTH
#define ADMIN (ROUTE_AUTH | ROUTE_ADMIN_ERRORS)
#define WRITE ROUTE_WRITE

const struct cat_route cat_routes[] = {
	/* Accounts/OAuth, as the reference CLI calls them */
	{ "POST", "/oauth/v3/device/code", route_device_code_v3, WRITE },
	{ "POST", "/oauth/v3/device/token", route_device_token_v3, 0 },
	{ "POST", "/oauth/v2/token", route_token, 0 },
	{ "POST", "/oauth/v2/token/revoke", route_revoke, 0 },
	/* ours: a new secret for a CLI token (docs/http-api.md) */
	{ "POST", "/oauth/v2/token/rotate", route_token_rotate, WRITE },
	{ "GET", "/oauth/v2/auth", route_web_auth_form, 0 },
	{ "POST", "/oauth/v2/auth", route_web_auth_decide, WRITE },
	{ "GET", "/oauth/user/info", route_user_info, AUTH },
	/* Standards */
	{ "POST", "/oauth/device_authorization", route_device_authorization,
	  WRITE },
	{ "POST", "/oauth/revoke", route_revoke, 0 },
	{ "POST", "/oauth/introspect", route_introspect, 0 },
	{ "GET", "/.well-known/oauth-authorization-server", route_metadata, 0 },
	{ "GET", "/.well-known/catalyst-directory", route_directory, 0 },
	/* Token management for our CLI */
	{ "GET", "/api/v1/tokens", route_token_list, AUTH },
	/* Catalyst admin API */
	{ "GET", "/baas/v1/orgs", route_orgs, ADMIN },
	{ "GET", "/baas/v1/project", route_project_list, ADMIN },
	{ "POST", "/baas/v1/project", route_project_create, ADMIN | WRITE },
	{ "GET", "/baas/v1/project/{id}", route_project_get, ADMIN },
	{ "GET", "/baas/v1/project/{id}/environment", route_project_envs,
	  ADMIN },
	{ "POST", "/baas/v1/cli/logs", route_cli_logs,
	  ADMIN | ROUTE_NO_EFFECT },
	/* Browser pages */
	{ "GET", "/", route_web_root, 0 },
	{ "GET", "/login", route_web_login_form, 0 },
	{ "POST", "/login", route_web_login, WRITE },
	{ "POST", "/logout", route_web_logout, WRITE },
	{ "GET", "/device", route_web_device_form, 0 },
	{ "POST", "/device", route_web_device_confirm, 0 },
	{ "POST", "/device/decide", route_web_device_decide, WRITE },
	{ "GET", "/account", route_web_account, 0 },
	{ "POST", "/account/revoke", route_web_account_revoke, WRITE },
	{ "POST", "/account/revoke-all", route_web_account_revoke_all, WRITE },
	{ "POST", "/account/reauth", route_web_account_reauth, WRITE },
	/* Operations */
	{ "GET", "/healthz", route_healthz, 0 },
	{ "GET", "/metrics", route_metrics, 0 },
};
const size_t cat_route_count = sizeof(cat_routes) / sizeof(cat_routes[0]);
/* per-route metrics keep a fixed slot per row (server.h) */
_Static_assert(sizeof(cat_routes) / sizeof(cat_routes[0]) <= CAT_SLOT_UNMATCHED,
	       "more routes than metric slots: raise CAT_ROUTE_SLOTS");

/* Matches one pattern; "{id}" takes one non-empty segment of [A-Za-z0-9._-]. */
static int match(const char *pat, const char *path,
		 char args[2][CAT_ID_MAX + 1])
{
	int nargs = 0;

	while (*pat && *path) {
		if (strncmp(pat, "{id}", 4) == 0) {
			size_t n = strcspn(path, "/");
			size_t i;

			if (n == 0 || n > CAT_ID_MAX || nargs == 2)
				return 0;
			for (i = 0; i < n; i++) {
				char c = path[i];

				if (!((c >= '0' && c <= '9') ||
				      (c >= 'a' && c <= 'z') ||
				      (c >= 'A' && c <= 'Z') || c == '-' ||
				      c == '_' || c == '.'))
					return 0;
			}
			memcpy(args[nargs], path, n);
			args[nargs][n] = '\0';
			nargs++;
			pat += 4;
			path += n;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return *pat == '\0' && *path == '\0';
}

const struct cat_route *cat_route_match(const char *method, const char *path,
					char args[2][CAT_ID_MAX + 1],
					int *path_known)
{
	size_t i;

	*path_known = 0;
	for (i = 0; i < cat_route_count; i++) {
		if (!match(cat_routes[i].path, path, args))
			continue;
		if (strcmp(cat_routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		     strcmp(cat_routes[i].method, "GET") == 0))
			return &cat_routes[i];
		*path_known = 1;
	}
	return NULL;
}
