/* Placeholder until the web pages land (replaced by web_*.c). */
#include "routes.h"

#define STUB(fn) int fn(struct cat_req *req, struct cat_resp *resp) { (void)req; return cat_resp_oauth_error(resp, 501, "not_implemented", "not implemented yet"); }
STUB(route_web_root)
STUB(route_web_login_form)
STUB(route_web_login)
STUB(route_web_logout)
STUB(route_web_device_form)
STUB(route_web_device_confirm)
STUB(route_web_device_decide)
STUB(route_web_auth_form)
STUB(route_web_auth_decide)
