/*
 * A CLI token's own terms, beyond what the reference CLI's tokens have
 * (issue 10): a name, an expiry, one project, reading only. token:generate
 * asks for them in its device authorization; the verification page shows
 * them before Verify; the redeem copies them to the grant; the bearer
 * check, the refresh grant and the admin API enforce them; the token
 * answer, the listing and introspection report them. A token without any
 * (every reference-CLI token) is unnamed, never expires and may do
 * anything its account may.
 */
#ifndef CAT_TERMS_H
#define CAT_TERMS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http.h"
#include "store.h"

/* The longest finite life a token may ask for: ten years. */
#define CAT_TERMS_MAX_TTL (10LL * 366 * 86400)

/*
 * Reads the device authorization request's token_name, token_expires_in
 * (seconds; absent or 0: never), project_id and read_only ("true",
 * "false", "1", "0") into d, with d->created_at already set. A name is
 * cleaned like a device name. Returns 0 or CAT_EINVAL with a message for
 * the client (an expiry shorter than cfg.token_expiry_min included).
 */
int cat_terms_parse(struct cat_req *req, struct cat_device_auth *d);

/*
 * 0 when account_id may hold a token limited to project_id ("" always
 * may): the project exists and the account is a member of its org.
 * CAT_ENOTFOUND with a message otherwise (the same whether the project
 * does not exist or is another org's), or a store error.
 */
int cat_terms_project_ok(struct cat_store *st, int64_t account_id,
			 const char *project_id);

/*
 * The terms in plain words for the page that approves them, e.g.
 * "ci-deploy · project alpha only · read-only · expires 30 Dec 2026
 * 10:00 UTC"; an unnamed, unlimited, eternal token is "unnamed · every
 * project · read and write · never expires". Plain text (the page
 * escapes it).
 */
void cat_terms_describe(struct cat_store *st, const struct cat_device_auth *d,
			char *out, size_t n);

/*
 * Adds the grant's terms to a JSON answer: token_name and
 * token_expires_at (ISO 8601) and project_id, each null when the token
 * has none, and read_only. 0 or CAT_ERROR (out of memory).
 */
int cat_terms_json(json_t *o, const struct cat_grant *g);

/*
 * The grant's scope as RFC 7662 reports it: its OAuth scope, then
 * "project:<id>" and "read-only" when it is limited so.
 */
void cat_terms_scope(char *out, size_t n, const struct cat_grant *g);

/* 1 when the grant's expiry (0: never) has come at now. */
static inline int cat_terms_expired(int64_t expires_at, int64_t now)
{
	return expires_at > 0 && now >= expires_at;
}

/* "30 Dec 2026 10:00 UTC" (out[0] = 0 when t cannot be shown). */
void cat_terms_date(char *out, size_t n, int64_t t);

#endif
