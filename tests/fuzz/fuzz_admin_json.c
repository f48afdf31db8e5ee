/*
 * JSON bodies of the admin API: POST /baas/v1/project (route_project_create,
 * src/server/route_admin.c), the one admin route that reads its body,
 * driven as the dispatcher drives it. The input is the body, or
 * "<CATALYST-ORG header>\0<body>" (a NUL is never valid in a JSON body).
 *
 * The store is a real in-memory SQLite store with one account in one org;
 * only project_add is replaced, by a check of what the parser handed over
 * (a name of 1..127 printable bytes, type Live or Demo, a timezone without
 * spaces, quotes or markup), which then pretends the insert worked so the
 * answer is built too. Every body gets an answer (never an internal error)
 * that is JSON of the admin shape: 200 echoing the name exactly, or 400
 * INVALID_INPUT, or 400/403/404 for a CATALYST-ORG header naming no org of
 * the account. Without that header the account's default org is used.
 */
#include "fuzz.h"

#include <strings.h>

#include "err.h"
#include "http.h"
#include "routes.h"
#include "store.h"

static struct cat_store *store;
static struct cat_store_ops ops;
static char org_id[CAT_ID_MAX + 1];
static int64_t account_id;
static int added;
static char added_name[CAT_NAME_MAX + 1], added_type[16];
static const char *org_header;

/* route_admin.c reads headers through libmicrohttpd, which needs a real
 * connection; linked with --wrap=cat_req_header, it asks here instead. */
const char *__wrap_cat_req_header(const struct cat_req *req, const char *name);
const char *__wrap_cat_req_header(const struct cat_req *req, const char *name)
{
	(void)req;
	return strcasecmp(name, "CATALYST-ORG") == 0 ? org_header : NULL;
}

static int bounded(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int check_project_add(struct cat_store *s, struct cat_project *p)
{
	size_t i, n;

	(void)s;
	FUZZ_CHECK(bounded(p->name, sizeof(p->name)));
	n = strlen(p->name);
	FUZZ_CHECK(n >= 1 && n <= CAT_NAME_MAX);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)p->name[i] >= 0x20 &&
			   p->name[i] != 0x7f);
	FUZZ_CHECK(bounded(p->type, sizeof(p->type)));
	FUZZ_CHECK(strcmp(p->type, "Live") == 0 ||
		   strcmp(p->type, "Demo") == 0);
	FUZZ_CHECK(bounded(p->timezone, sizeof(p->timezone)));
	FUZZ_CHECK(p->timezone[0] != '\0');
	FUZZ_CHECK(strcspn(p->timezone, " \t\r\n\"'<>\\") ==
		   strlen(p->timezone));
	FUZZ_CHECK(strcmp(p->org_id, org_id) == 0);
	added = 1;
	memcpy(added_name, p->name, n + 1);
	memcpy(added_type, p->type, strlen(p->type) + 1);
	/* what the store would have assigned */
	snprintf(p->id, sizeof(p->id), "4000000000001");
	snprintf(p->domain_id, sizeof(p->domain_id), "1");
	snprintf(p->domain_name, sizeof(p->domain_name), "fuzz-%s", org_id);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cat_account a;
	struct cat_org o;

	(void)argc;
	(void)argv;
	FUZZ_CHECK(cat_store_open(&store, "sqlite::memory:") == 0);
	FUZZ_CHECK(cat_store_migrate(store) == 0);
	memset(&a, 0, sizeof(a));
	snprintf(a.email, sizeof(a.email), "fuzz@example.com");
	snprintf(a.first_name, sizeof(a.first_name), "Fuzz");
	FUZZ_CHECK(cat_store_account_add(store, &a) == 0);
	account_id = a.id;
	memset(&o, 0, sizeof(o));
	snprintf(o.name, sizeof(o.name), "fuzz org");
	FUZZ_CHECK(cat_store_org_add(store, &o) == 0);
	FUZZ_CHECK(cat_store_member_add(store, account_id, o.id, 1) == 0);
	memcpy(org_id, o.id, sizeof(org_id));
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "org id %s\n", org_id);
	/* every other operation stays the real one */
	ops = *store->ops;
	ops.project_add = check_project_add;
	store->ops = &ops;
	return 0;
}

static void check_answer(const struct cat_resp *resp)
{
	json_t *root, *data;
	json_error_t jerr;
	const char *status;

	root = json_loadb(resp->body.ptr, resp->body.len, 0, &jerr);
	FUZZ_CHECK(json_is_object(root));
	status = json_string_value(json_object_get(root, "status"));
	data = json_object_get(root, "data");
	FUZZ_CHECK(status && json_is_object(data));
	if (added) {
		FUZZ_CHECK(resp->status == 200);
		FUZZ_CHECK(strcmp(status, "success") == 0);
		FUZZ_CHECK(
			json_is_string(json_object_get(data, "project_name")));
		FUZZ_CHECK(strcmp(json_string_value(json_object_get(
					  data, "project_name")),
				  added_name) == 0);
		FUZZ_CHECK(strcmp(json_string_value(json_object_get(
					  data, "project_type")),
				  added_type) == 0);
	} else {
		FUZZ_CHECK(resp->status == 400 ||
			   (org_header &&
			    (resp->status == 403 || resp->status == 404)));
		FUZZ_CHECK(strcmp(status, "failure") == 0);
		FUZZ_CHECK(json_is_string(json_object_get(data, "message")));
		FUZZ_CHECK(json_is_string(json_object_get(data, "error_code")));
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *header = NULL;
	struct cat_req req;
	struct cat_resp resp;
	size_t i;
	int err;

	if (nul) {
		header = fuzz_cstr(data, (size_t)(nul - data));
		size -= (size_t)(nul - data) + 1;
		data = nul + 1;
	}
	org_header = header;
	if (size > CAT_MAX_BODY) { /* the dispatcher answers 413 first */
		free(header);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "POST";
	req.path = "/baas/v1/project";
	req.store = store;
	req.now = 1800000000;
	req.principal.account_id = account_id;
	/* what the bearer check reads along with the grant */
	memcpy(req.principal.org_id, org_id, sizeof(req.principal.org_id));
	cat_buf_init(&req.body, CAT_MAX_BODY);
	FUZZ_CHECK(cat_buf_add(&req.body, data, size) == 0);
	cat_buf_init(&resp.body, CAT_MAX_RESPONSE);
	added = 0;

	err = route_project_create(&req, &resp);
	FUZZ_CHECK(err == 0);
	check_answer(&resp);

	cat_buf_release(&req.body);
	cat_buf_release(&resp.body);
	for (i = 0; i < resp.header_count; i++)
		free(resp.headers[i].value);
	org_header = NULL;
	free(header);
	cat_error_clear();
	return 0;
}
