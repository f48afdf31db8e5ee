/*
 * Response builders, so that every error in the server has one of two
 * shapes: RFC 6749 for OAuth endpoints, Catalyst's for the admin API.
 */
#include "http.h"

#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "banned.h"

int cat_resp_json(struct cat_resp *resp, int status, json_t *obj)
{
	char *text;
	int err;

	if (!obj)
		return cat_error_set(CAT_ERROR, "out of memory");
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!text)
		return cat_error_set(CAT_ERROR, "cannot encode JSON");
	cat_buf_reset(&resp->body);
	err = cat_buf_puts(&resp->body, text);
	free(text);
	resp->status = status;
	resp->content_type = "application/json;charset=UTF-8";
	return err;
}

/*
 * A copy of s with every byte that is not part of valid UTF-8 as '?'.
 * Error messages quote what the client sent (a header, jansson's view of a
 * bad body, cut at a byte count), and json_pack refuses invalid UTF-8: the
 * client would get a 500 instead of its 4xx. NULL when out of memory.
 */
static char *utf8_or_qmark(const char *s)
{
	size_t n = strlen(s), i = 0, len;
	char *out = malloc(n + 1);
	unsigned char c;

	if (!out)
		return NULL;
	while (i < n) {
		c = (unsigned char)s[i];
		len = c < 0x80             ? 1
		      : (c & 0xE0) == 0xC0 ? 2
		      : (c & 0xF0) == 0xE0 ? 3
		      : (c & 0xF8) == 0xF0 ? 4
					   : 0;
		if (len && len <= n - i && cat_utf8_valid(s + i, len)) {
			memcpy(out + i, s + i, len);
			i += len;
		} else {
			out[i++] = '?';
		}
	}
	out[n] = '\0';
	return out;
}

int cat_resp_oauth_error(struct cat_resp *resp, int status, const char *error,
			 const char *description)
{
	char *d = utf8_or_qmark(description ? description : error);
	int err;

	if (!d)
		return cat_error_set(CAT_ERROR, "out of memory");
	err = cat_resp_json(resp, status,
			    json_pack("{s:s, s:s}", "error", error,
				      "error_description", d));
	free(d);
	return err;
}

int cat_resp_admin_error(struct cat_resp *resp, int status,
			 const char *error_code, const char *message)
{
	char *m = utf8_or_qmark(message);
	int err;

	if (!m)
		return cat_error_set(CAT_ERROR, "out of memory");
	err = cat_resp_json(resp, status,
			    json_pack("{s:s, s:{s:s, s:s}}", "status",
				      "failure", "data", "message", m,
				      "error_code", error_code));
	free(m);
	return err;
}

int cat_resp_admin_data(struct cat_resp *resp, json_t *data)
{
	if (!data)
		return cat_error_set(CAT_ERROR, "out of memory");
	return cat_resp_json(
		resp, 200,
		json_pack("{s:s, s:o}", "status", "success", "data", data));
}

int cat_resp_html(struct cat_resp *resp, int status, struct cat_buf *html)
{
	cat_buf_release(&resp->body);
	resp->body = *html;
	cat_buf_init(html, html->max);
	resp->status = status;
	resp->content_type = "text/html;charset=UTF-8";
	/* pages carry no scripts and must never be framed (clickjacking the
	 * Verify button would hand out a token) */
	return cat_resp_header(resp, "Content-Security-Policy",
			       "default-src 'none'; style-src 'unsafe-inline'; "
			       "form-action 'self'; frame-ancestors 'none'");
}

int cat_resp_text(struct cat_resp *resp, int status, const char *ctype,
		  const char *text)
{
	cat_buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = ctype;
	return cat_buf_puts(&resp->body, text);
}

int cat_resp_redirect(struct cat_resp *resp, int status, const char *location)
{
	cat_buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "text/plain;charset=UTF-8";
	return cat_resp_header(resp, "Location", location);
}

int cat_resp_header(struct cat_resp *resp, const char *name, const char *value)
{
	struct cat_header *h;
	size_t n = strlen(name);

	if (resp->header_count == CAT_MAX_HEADERS || n >= sizeof(h->name))
		return cat_error_set(CAT_ETOOBIG, "too many response headers");
	h = &resp->headers[resp->header_count];
	if (!(h->value = strdup(value)))
		return cat_error_set(CAT_ERROR, "out of memory");
	memcpy(h->name, name, n + 1);
	resp->header_count++;
	return 0;
}
