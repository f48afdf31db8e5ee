/* The device-code grant, shared by the v3 poll and the token endpoint. */
#ifndef CAT_DEVICE_H
#define CAT_DEVICE_H

#include "oauth.h"

/*
 * Redeems device_code for client. 0 with *out filled (tokens stored);
 * CAT_EPENDING, CAT_ESLOWDOWN (only when enforce_interval), CAT_EEXPIRED,
 * CAT_EDENIED, CAT_ENOTFOUND (unknown, other client, already redeemed),
 * CAT_EINVAL (malformed or other DC), or a store error.
 */
int cat_device_poll(struct cat_req *req, struct cat_issued *out,
		    const char *device_code, const struct cat_client *client,
		    int enforce_interval);

/* Answers a cat_device_poll failure as RFC 8628 §3.5 says (400 + error). */
int cat_device_poll_error(struct cat_resp *resp, int err);

#endif
