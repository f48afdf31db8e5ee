/*
 * The route matcher (cat_route_match, src/server/routes.c) on a method and
 * a path as libmicrohttpd hands them over. The input is "<method> <path>".
 *
 * Checked against a matcher written here segment by segment: the same
 * route (or none), the same "path known for another method" answer, and
 * captured ids that are NUL-terminated, in bounds, of the allowed
 * characters, and put back into the pattern give the path again.
 */
#include "fuzz.h"

#include "http.h"

static int id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
}

/* pattern and path as '/'-separated segments; "{id}" takes one segment
 * of 1..CAT_ID_MAX id characters. */
static int ref_match(const char *pat, const char *path)
{
	for (;;) {
		size_t pn = strcspn(pat, "/"), n = strcspn(path, "/"), i;

		if (pn == 4 && strncmp(pat, "{id}", 4) == 0) {
			if (n == 0 || n > CAT_ID_MAX)
				return 0;
			for (i = 0; i < n; i++)
				if (!id_char(path[i]))
					return 0;
		} else if (pn != n || strncmp(pat, path, n) != 0) {
			return 0;
		}
		if (!pat[pn] || !path[n])
			return !pat[pn] && !path[n];
		pat += pn + 1;
		path += n + 1;
	}
}

static int method_ok(const struct cat_route *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

/* Puts args back into r's pattern and compares with path. */
static void check_args(const struct cat_route *r, const char *path,
		       char args[2][CAT_ID_MAX + 1])
{
	char rebuilt[4096];
	const char *pat = r->path;
	size_t o = 0;
	int k = 0;

	while (*pat) {
		if (strncmp(pat, "{id}", 4) == 0) {
			const char *a;
			size_t n;

			FUZZ_CHECK(k < 2);
			a = args[k++];
			/* terminated inside its own slot */
			FUZZ_CHECK(memchr(a, '\0', CAT_ID_MAX + 1) != NULL);
			n = strlen(a);
			FUZZ_CHECK(n >= 1 && n <= CAT_ID_MAX);
			FUZZ_CHECK(strspn(a, "0123456789abcdefghijklmnopqrstuv"
					     "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
					     ".") == n);
			FUZZ_CHECK(o + n < sizeof(rebuilt));
			memcpy(rebuilt + o, a, n);
			o += n;
			pat += 4;
			continue;
		}
		FUZZ_CHECK(o + 1 < sizeof(rebuilt));
		rebuilt[o++] = *pat++;
	}
	rebuilt[o] = '\0';
	FUZZ_CHECK(strcmp(rebuilt, path) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sp = memchr(data, ' ', size);
	size_t mlen = sp ? (size_t)(sp - data) : size;
	char *method = fuzz_cstr(data, mlen);
	char *path =
		fuzz_cstr(sp ? sp + 1 : data + size, sp ? size - mlen - 1 : 0);
	char args[2][CAT_ID_MAX + 1];
	const struct cat_route *got, *want = NULL;
	int known = -1, want_known = 0;
	size_t i;

	/* a pattern no capture writes, to spot an unterminated slot */
	memset(args, 0x5A, sizeof(args));
	got = cat_route_match(method, path, args, &known);
	for (i = 0; i < cat_route_count && !want; i++) {
		if (!ref_match(cat_routes[i].path, path))
			continue;
		if (method_ok(&cat_routes[i], method))
			want = &cat_routes[i];
		else
			want_known = 1;
	}
	FUZZ_CHECK(got == want);
	FUZZ_CHECK(known == want_known);
	if (got) {
		FUZZ_CHECK(got >= cat_routes &&
			   got < cat_routes + cat_route_count);
		FUZZ_CHECK(method_ok(got, method));
		check_args(got, path, args);
	}
	free(method);
	free(path);
	return 0;
}
