/* Every route handler of catalystd, grouped by the file that implements it. */
#ifndef CAT_ROUTES_H
#define CAT_ROUTES_H

#include "http.h"

/* route_device.c: device authorization (reference v3 and RFC 8628) */
int route_device_code_v3(struct cat_req *req, struct cat_resp *resp);
int route_device_token_v3(struct cat_req *req, struct cat_resp *resp);
int route_device_authorization(struct cat_req *req, struct cat_resp *resp);

/* route_token.c: token endpoint, revocation, introspection, user info */
int route_token(struct cat_req *req, struct cat_resp *resp);
int route_revoke(struct cat_req *req, struct cat_resp *resp);
int route_token_rotate(struct cat_req *req, struct cat_resp *resp);
int route_introspect(struct cat_req *req, struct cat_resp *resp);
int route_user_info(struct cat_req *req, struct cat_resp *resp);
int route_token_list(struct cat_req *req, struct cat_resp *resp);

/* route_meta.c: discovery and operations */
int route_metadata(struct cat_req *req, struct cat_resp *resp);
int route_healthz(struct cat_req *req, struct cat_resp *resp);
int route_metrics(struct cat_req *req, struct cat_resp *resp);

/* route_directory.c: the deployment directory */
int route_directory(struct cat_req *req, struct cat_resp *resp);

/* route_admin.c: the Catalyst admin API (/baas/v1) */
int route_orgs(struct cat_req *req, struct cat_resp *resp);
int route_project_list(struct cat_req *req, struct cat_resp *resp);
int route_project_create(struct cat_req *req, struct cat_resp *resp);
int route_project_get(struct cat_req *req, struct cat_resp *resp);
int route_project_envs(struct cat_req *req, struct cat_resp *resp);
int route_cli_logs(struct cat_req *req, struct cat_resp *resp);

/* web_*.c: browser pages */
int route_web_root(struct cat_req *req, struct cat_resp *resp);
int route_web_login_form(struct cat_req *req, struct cat_resp *resp);
int route_web_login(struct cat_req *req, struct cat_resp *resp);
int route_web_logout(struct cat_req *req, struct cat_resp *resp);
int route_web_device_form(struct cat_req *req, struct cat_resp *resp);
int route_web_device_confirm(struct cat_req *req, struct cat_resp *resp);
int route_web_device_decide(struct cat_req *req, struct cat_resp *resp);
int route_web_auth_form(struct cat_req *req, struct cat_resp *resp);
int route_web_auth_decide(struct cat_req *req, struct cat_resp *resp);
/* web_account.c, web_account_revoke.c: the account page and its forms */
int route_web_account(struct cat_req *req, struct cat_resp *resp);
int route_web_account_revoke(struct cat_req *req, struct cat_resp *resp);
int route_web_account_revoke_all(struct cat_req *req, struct cat_resp *resp);
int route_web_account_reauth(struct cat_req *req, struct cat_resp *resp);

#endif
