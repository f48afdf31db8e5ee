/*
 * GET /.well-known/catalyst-directory: the deployment directory
 * (directory.h), which a CLI fetches to find the server of a token's DC.
 * It changes only when the deployment does, so it is cacheable by anyone
 * (public, max-age) and revalidated by its strong ETag: a CLI whose copy
 * is current gets a 304 with no body.
 */
#include <stdio.h>
#include <string.h>

#include "directory.h"
#include "routes.h"
#include "server.h"
#include "banned.h"

/*
 * RFC 9110 §13.1.2: If-None-Match matches "*" or any listed tag, compared
 * weakly (a W/ prefix is ignored).
 */
static int none_match(const char *header, const char *etag)
{
	size_t elen = strlen(etag), n;
	const char *p = header;

	while (*p) {
		p += strspn(p, " \t,");
		if (!*p)
			break;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, " \t,");
		if (n == elen && strncmp(p, etag, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

static int answer(struct cat_req *req, struct cat_resp *resp,
		  const struct cat_directory *d)
{
	const char *inm = cat_req_header(req, "If-None-Match");
	char cc[64];
	int err;

	snprintf(cc, sizeof(cc), "public, max-age=%d", CAT_DIRECTORY_MAX_AGE);
	if ((err = cat_resp_header(resp, "Cache-Control", cc)) < 0 ||
	    (err = cat_resp_header(resp, "ETag", d->etag)) < 0)
		return err;
	if (inm && none_match(inm, d->etag)) {
		cat_buf_reset(&resp->body);
		resp->status = 304;
		resp->content_type = "application/json;charset=UTF-8";
		return 0;
	}
	cat_buf_reset(&resp->body);
	resp->status = 200;
	resp->content_type = "application/json;charset=UTF-8";
	return cat_buf_add(&resp->body, d->body, d->len);
}

int route_directory(struct cat_req *req, struct cat_resp *resp)
{
	const struct cat_server_config *cfg = &req->srv->cfg;
	struct cat_directory self;
	int err;

	if (cfg->directory)
		return answer(req, resp, cfg->directory);
	/* without a file the server describes itself: read each time, so a
	 * client registered while it runs is in the next answer */
	if ((err = cat_directory_self(req->store, cfg->dc, cfg->public_url,
				      &self)) < 0)
		return err;
	err = answer(req, resp, &self);
	cat_directory_release(&self);
	return err;
}
