/*
 * The deployment directory (directory.h): checked once at start so that a
 * mistake in the file stops the server with the file and key named, rather
 * than sending every CLI of the deployment to a wrong URL; encoded once,
 * with its ETag, so that serving it costs a copy.
 */
#include "directory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dc.h"
#include "err.h"
#include "banned.h"

/* The longest URL kept (the server's own public URL fits 511 bytes). */
#define URL_MAX 511

static const char *const client_keys[] = { "device_client_id",
					   "browser_client_id" };

/* NULL when url is an http(s) base URL a CLI can append paths to, else
 * what it must be. */
static const char *bad_url(const char *url)
{
	size_t n = strlen(url), i;
	const char *host;

	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return "an http:// or https:// URL";
	if (n > URL_MAX)
		return "a URL of at most 511 bytes";
	if (!*host || *host == '/')
		return "a URL with a host";
	/* the CLI appends paths: a query or fragment would swallow them */
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f ||
		    url[i] == '?' || url[i] == '#')
			return "a URL without spaces, control characters, "
			       "query or fragment";
	return NULL;
}

/* Client ids as catalystd client add takes them. */
static int good_client_id(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > CAT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'z') ||
		      (id[i] >= 'A' && id[i] <= 'Z') || id[i] == '.' ||
		      id[i] == '_' || id[i] == '-'))
			return 0;
	return 1;
}

static int bad_key(const char *path, const char *key, const char *what)
{
	fprintf(stderr, "catalystd: --directory %s: key '%s' %s\n", path, key,
		what);
	return -1;
}

/* One DC's entry, normalised in place (no trailing slash on url). */
static int check_dc(const char *path, const char *code, json_t *e)
{
	char key[96], url[URL_MAX + 2];
	const char *k, *why;
	json_t *v;
	size_t i, n;
	int known;

	snprintf(key, sizeof(key), "data_centers.%s", code);
	if (!json_is_object(e))
		return bad_key(path, key, "must be an object");
	json_object_foreach(e, k, v)
	{
		known = strcmp(k, "url") == 0;
		for (i = 0; i < 2; i++)
			known |= strcmp(k, client_keys[i]) == 0;
		if (!known) {
			snprintf(key, sizeof(key), "data_centers.%s.%.40s",
				 code, k);
			return bad_key(path, key,
				       "is unknown (a data center takes url, "
				       "device_client_id and "
				       "browser_client_id)");
		}
	}
	snprintf(key, sizeof(key), "data_centers.%s.url", code);
	v = json_object_get(e, "url");
	if (!json_is_string(v))
		return bad_key(path, key, "is missing or not a string");
	if ((why = bad_url(json_string_value(v)))) {
		char what[160];

		snprintf(what, sizeof(what), "must be %s", why);
		return bad_key(path, key, what);
	}
	snprintf(url, sizeof(url), "%s", json_string_value(v));
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	if (json_object_set_new(e, "url", json_string(url)) < 0)
		return bad_key(path, key, "cannot be stored (out of memory)");
	for (i = 0; i < 2; i++) {
		v = json_object_get(e, client_keys[i]);
		snprintf(key, sizeof(key), "data_centers.%s.%s", code,
			 client_keys[i]);
		if (v && !(json_is_string(v) &&
			   good_client_id(json_string_value(v))))
			return bad_key(path, key,
				       "must be a client id (letters, digits, "
				       "'.', '_', '-'; at most 64)");
	}
	return 0;
}

/* The whole document; 0 or -1 after printing the bad key. */
static int check_doc(const char *path, json_t *doc, const char *own_dc)
{
	const struct cat_dc *dc;
	json_t *dcs, *e;
	const char *k;

	if (!json_is_object(doc))
		return bad_key(path, "(top level)", "must be a JSON object");
	json_object_foreach(doc, k, e)
	{
		if (strcmp(k, "data_centers") != 0) {
			char key[64];

			snprintf(key, sizeof(key), "%.40s", k);
			return bad_key(path, key,
				       "is unknown (the file holds one "
				       "object, data_centers)");
		}
	}
	dcs = json_object_get(doc, "data_centers");
	if (!json_is_object(dcs) || json_object_size(dcs) == 0)
		return bad_key(path, "data_centers",
			       "must be an object with one entry per data "
			       "center");
	json_object_foreach(dcs, k, e)
	{
		char key[64];

		/* the code as tokens carry it: "us", not "com" */
		if (!(dc = cat_dc_find(k)) || strcmp(dc->code, k) != 0) {
			snprintf(key, sizeof(key), "data_centers.%.40s", k);
			return bad_key(path, key,
				       "is not a data center code (us eu in "
				       "au ca sa jp ae)");
		}
		if (check_dc(path, k, e) < 0)
			return -1;
	}
	if (!json_object_get(dcs, own_dc)) {
		char key[64];

		snprintf(key, sizeof(key), "data_centers.%s", own_dc);
		return bad_key(path, key,
			       "is missing: the directory must list this "
			       "server's own data center (--dc)");
	}
	return 0;
}

/* Encodes doc (reference kept by the caller) with its ETag. */
static int encode(const json_t *doc, struct cat_directory *out)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1];

	memset(out, 0, sizeof(*out));
	/* sorted keys: the same directory always has the same bytes, and so
	 * the same ETag on every server of the deployment */
	out->body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!out->body)
		return cat_error_set(CAT_ERROR, "cannot encode the directory");
	out->len = strlen(out->body);
	crypto_hash_sha256(h, (const unsigned char *)out->body, out->len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out->etag, sizeof(out->etag), "\"%.32s\"", hex);
	return 0;
}

int cat_directory_load(const char *path, const char *own_dc,
		       struct cat_directory **out)
{
	struct cat_directory *d = NULL;
	json_error_t jerr;
	json_t *doc = NULL;
	char *text = NULL;
	size_t n = 0;
	FILE *f = NULL;
	int rc = -1;

	*out = NULL;
	if (!(f = fopen(path, "rb"))) {
		fprintf(stderr, "catalystd: --directory %s: cannot open: %s\n",
			path, strerror(errno));
		goto done;
	}
	if (!(text = malloc(CAT_DIRECTORY_FILE_MAX + 1))) {
		fprintf(stderr, "catalystd: --directory %s: out of memory\n",
			path);
		goto done;
	}
	n = fread(text, 1, CAT_DIRECTORY_FILE_MAX + 1, f);
	if (ferror(f) || n > CAT_DIRECTORY_FILE_MAX) {
		fprintf(stderr, "catalystd: --directory %s: %s\n", path,
			ferror(f) ? "cannot read it"
				  : "larger than 64 KiB: not a directory");
		goto done;
	}
	if (!(doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr))) {
		fprintf(stderr,
			"catalystd: --directory %s:%d:%d: not valid JSON: %s\n",
			path, jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (check_doc(path, doc, own_dc) < 0)
		goto done;
	if (!(d = calloc(1, sizeof(*d))) || encode(doc, d) < 0) {
		fprintf(stderr, "catalystd: --directory %s: out of memory\n",
			path);
		goto done;
	}
	*out = d;
	d = NULL;
	rc = 0;
done:
	if (d) {
		cat_directory_release(d);
		free(d);
	}
	json_decref(doc);
	free(text);
	if (f)
		fclose(f);
	return rc;
}

struct self_pick {
	const char *ids[2]; /* device, browser: the oldest public ones */
	char buf[2][CAT_ID_MAX + 1];
};

static int pick_client(const struct cat_client *c, void *arg)
{
	struct self_pick *p = arg;
	int slot = c->kind == CAT_CLIENT_DEVICE    ? 0
		   : c->kind == CAT_CLIENT_BROWSER ? 1
						   : -1;

	/* confidential clients need a secret the CLI does not have */
	if (!c->is_public || slot < 0 || p->ids[slot])
		return 0;
	snprintf(p->buf[slot], sizeof(p->buf[slot]), "%s", c->id);
	p->ids[slot] = p->buf[slot];
	return 0;
}

int cat_directory_self(struct cat_store *s, const char *dc,
		       const char *public_url, struct cat_directory *out)
{
	struct self_pick p;
	json_t *doc = NULL, *e;
	size_t i;
	int err;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	if ((err = cat_store_client_list(s, pick_client, &p)) < 0)
		return err;
	e = json_pack("{s:s}", "url", public_url);
	for (i = 0; e && i < 2; i++)
		if (p.ids[i] &&
		    json_object_set_new(e, client_keys[i],
					json_string(p.ids[i])) < 0) {
			json_decref(e);
			e = NULL;
		}
	if (!e || !(doc = json_pack("{s:{s:o}}", "data_centers", dc, e)))
		return cat_error_set(CAT_ERROR, "out of memory");
	err = encode(doc, out);
	json_decref(doc);
	return err;
}

void cat_directory_release(struct cat_directory *d)
{
	free(d->body);
	memset(d, 0, sizeof(*d));
}
