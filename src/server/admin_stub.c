/* Placeholder until the admin API and admin commands land. */
#include <stdio.h>
#include "routes.h"
#include "admin.h"

#define STUB(fn) int fn(struct cat_req *req, struct cat_resp *resp) { (void)req; return cat_resp_admin_error(resp, 501, "NOT_IMPLEMENTED", "not implemented yet"); }
STUB(route_orgs)
STUB(route_project_list)
STUB(route_project_create)
STUB(route_project_get)
STUB(route_project_envs)
STUB(route_cli_logs)
#define CSTUB(fn) int fn(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not implemented\n"); return 1; }
CSTUB(cmd_migrate)
CSTUB(cmd_user_add)
CSTUB(cmd_org_add)
CSTUB(cmd_project_add)
CSTUB(cmd_client_add)
