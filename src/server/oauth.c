/*
 * Token minting for every flow. Secrets are generated here, hashed before
 * they reach the store, and wiped from memory once the answer is built.
 * Access tokens are signed (access.c) and never stored.
 */
#include "oauth.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "access.h"
#include "log.h"
#include "server.h"
#include "textclean.h"
#include "audit.h"
#include "terms.h"
#include "banned.h"

#define TOKEN_ID_TRIES 4

static int copy_field(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		return cat_error_set(CAT_EINVAL, "value too long");
	memcpy(dst, src, len + 1);
	return 0;
}

static int mint_access(struct cat_req *req, struct cat_issued *out,
		       const char *token_id)
{
	int64_t expires_at;
	int err;

	if ((err = cat_access_issue(req, token_id, out->grant.expires_at,
				    out->access, &expires_at)) < 0)
		return err;
	out->expires_in = (int)(expires_at - req->now);
	return 0;
}

int cat_oauth_prepare(struct cat_req *req, struct cat_issued *out,
		      int64_t account_id, const struct cat_client *client,
		      const char *scope, const char *device_name,
		      const struct cat_device_auth *terms)
{
	struct cat_grant *g = &out->grant;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = cat_token_new(out->refresh, CAT_TOK_REFRESH,
				 req->srv->cfg.dc)) < 0)
		return err;
	cat_token_id_new(g->token_id);
	cat_token_hash(g->token_hash, out->refresh);
	g->account_id = account_id;
	g->kind = client->kind;
	memcpy(g->dc, req->srv->cfg.dc, 3);
	g->created_at = req->now;
	if ((err = copy_field(g->client_id, sizeof(g->client_id), client->id)) <
		    0 ||
	    (err = copy_field(g->scope, sizeof(g->scope), scope ? scope : "")) <
		    0 ||
	    /* every grant passes here, whichever flow named the device */
	    (err = cat_text_clean(g->device_name, sizeof(g->device_name),
				  device_name ? device_name : "")) < 0)
		return err;
	if (terms) {
		/* both sides are bounded by the same constants */
		memcpy(g->name, terms->token_name, sizeof(g->name));
		memcpy(g->project_id, terms->project_id, sizeof(g->project_id));
		g->expires_at = terms->token_expires_at;
		g->read_only = terms->read_only;
	}
	return mint_access(req, out, g->token_id);
}

void cat_oauth_log(const char *event, const struct cat_grant *g,
		   const char *client_addr)
{
	char account[24], flow[2] = { (char)g->kind, '\0' };

	snprintf(account, sizeof(account), "%lld", (long long)g->account_id);
	cat_log_event(event, "token_id", g->token_id, "client_id", g->client_id,
		      "flow", flow, "account", account, "client", client_addr,
		      NULL);
}

void cat_oauth_audit(struct cat_req *req, const char *event,
		     const struct cat_grant *g)
{
	char flow[2] = { (char)g->kind, '\0' };

	cat_audit(req->store, event, CAT_ACTOR_DEVICE, g->account_id,
		  g->token_id, g->client_id, req->client_ip, "flow", flow);
}

int cat_oauth_revoke(struct cat_req *req, const struct cat_grant *g,
		     const char *actor)
{
	struct cat_audit ev;
	char flow[2] = { (char)g->kind, '\0' };
	int err;

	cat_audit_fill(&ev, "token_revoked", actor, g->account_id, g->token_id,
		       g->client_id, req->client_ip);
	err = cat_store_grant_revoke(req->store, g->token_id, req->now, &ev);
	if (err == 1) {
		cat_metric_inc(req->srv, CAT_M_REVOCATIONS);
		cat_audit_log(&ev, "flow", flow);
	}
	return err;
}

int cat_oauth_store(struct cat_req *req, struct cat_issued *issued)
{
	int err = 0, i;

	for (i = 0; i < TOKEN_ID_TRIES; i++) {
		err = cat_store_grant_insert(req->store, &issued->grant);
		if (err != CAT_EEXISTS)
			break;
		/* a 48-bit ID clash: draw another one, and sign the access
		 * token for it (the day's key is cached by now) */
		cat_token_id_new(issued->grant.token_id);
		if ((err = mint_access(req, issued, issued->grant.token_id)) <
		    0)
			return err;
	}
	if (err < 0)
		return err;
	cat_metric_inc(req->srv, CAT_M_TOKENS_ISSUED);
	cat_oauth_audit(req, "token_issued", &issued->grant);
	return 0;
}

int cat_oauth_refresh(struct cat_req *req, struct cat_issued *out,
		      const struct cat_grant *grant)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->grant = *grant;
	/* signed, not stored: a refresh writes nothing */
	if ((err = mint_access(req, out, grant->token_id)) < 0)
		return err;
	cat_metric_inc(req->srv, CAT_M_REFRESHES);
	cat_oauth_log("token_refreshed", grant, req->client_ip);
	return 0;
}

int cat_oauth_rotate(struct cat_req *req, struct cat_issued *out,
		     const struct cat_grant *grant, const char *old_hash,
		     int64_t grace)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->grant = *grant;
	if ((err = cat_token_new(out->refresh, CAT_TOK_REFRESH,
				 req->srv->cfg.dc)) < 0)
		return err;
	cat_token_hash(out->grant.token_hash, out->refresh);
	if ((err = cat_store_grant_rotate(req->store, grant->token_id, old_hash,
					  out->grant.token_hash,
					  req->now + grace)) < 0 ||
	    (err = mint_access(req, out, grant->token_id)) < 0)
		return err;
	cat_oauth_audit(req, "token_rotated", &out->grant);
	return 0;
}

json_t *cat_oauth_token_json(struct cat_req *req,
			     const struct cat_issued *issued)
{
	json_t *o =
		json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "access_token",
			  issued->access, "token_type", "Bearer", "expires_in",
			  issued->expires_in, "api_domain",
			  req->srv->cfg.public_url, "token_id",
			  issued->grant.token_id, "scope", issued->grant.scope);

	if (o && issued->refresh[0])
		json_object_set_new(o, "refresh_token",
				    json_string(issued->refresh));
	if (o && cat_terms_json(o, &issued->grant) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void cat_oauth_issued_clear(struct cat_issued *issued)
{
	sodium_memzero(issued->refresh, sizeof(issued->refresh));
	sodium_memzero(issued->access, sizeof(issued->access));
}

int cat_oauth_check_token(struct cat_req *req, const char *s,
			  enum cat_token_kind want)
{
	enum cat_token_kind kind;
	char dc[3];

	if (cat_token_parse(s, &kind, dc) < 0)
		return CAT_EINVAL;
	if (kind != want)
		return cat_error_set(CAT_EINVAL, "wrong kind of token");
	if (strcmp(dc, req->srv->cfg.dc) != 0)
		return cat_error_set(
			CAT_ECONFLICT,
			"this token belongs to data center '%s' but "
			"this server is data center '%s'; use the '%s' server",
			dc, req->srv->cfg.dc, dc);
	return 0;
}
