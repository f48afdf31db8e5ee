/* Placeholder until the OAuth routes land. */
#include "routes.h"

#define STUB(fn) int fn(struct cat_req *req, struct cat_resp *resp) { (void)req; return cat_resp_oauth_error(resp, 501, "not_implemented", "not implemented yet"); }
STUB(route_device_code_v3)
STUB(route_device_token_v3)
STUB(route_device_authorization)
STUB(route_token)
STUB(route_revoke)
STUB(route_introspect)
STUB(route_user_info)
STUB(route_token_list)
