/*
 * dlopen(3) of libcurl and libmicrohttpd by SONAME, resolving each function
 * once. A missing library or symbol is an ordinary error (CAT_EUNAVAIL)
 * naming the library, not a crash.
 */
#include "dynload.h"

#include <dlfcn.h>
#include <string.h>

#include "err.h"
#include "banned.h"

static void *open_first(const char *const *names)
{
	void *h = NULL;

	for (; *names && !h; names++)
		h = dlopen(*names, RTLD_NOW | RTLD_LOCAL);
	return h;
}

/* POSIX allows the object-to-function pointer conversion dlsym needs. */
#define LOAD(api, field, sym)                                                  \
	do {                                                                   \
		void *p_ = dlsym(lib, sym);                                    \
		if (!p_) {                                                     \
			missing = sym;                                         \
			goto done;                                             \
		}                                                              \
		memcpy(&(api).field, &p_, sizeof(p_));                         \
	} while (0)

const struct cat_curl_api *cat_curl(void)
{
	static const char *const libs[] = { "libcurl.so.4",
					    "libcurl-gnutls.so.4", "libcurl.so",
					    NULL };
	static struct cat_curl_api api;
	static int state; /* 0 untried, 1 loaded, -1 failed */
	const char *missing = NULL;
	void *lib;

	if (state != 0)
		goto done;
	state = -1;
	if (!(lib = open_first(libs))) {
		cat_error_set(CAT_EUNAVAIL, "cannot load libcurl: %s",
			      dlerror());
		return NULL;
	}
	LOAD(api, global_init, "curl_global_init");
	LOAD(api, global_cleanup, "curl_global_cleanup");
	LOAD(api, easy_init, "curl_easy_init");
	LOAD(api, easy_reset, "curl_easy_reset");
	LOAD(api, easy_setopt, "curl_easy_setopt");
	LOAD(api, easy_perform, "curl_easy_perform");
	LOAD(api, easy_getinfo, "curl_easy_getinfo");
	LOAD(api, easy_strerror, "curl_easy_strerror");
	LOAD(api, easy_cleanup, "curl_easy_cleanup");
	LOAD(api, easy_escape, "curl_easy_escape");
	LOAD(api, free, "curl_free");
	LOAD(api, slist_append, "curl_slist_append");
	LOAD(api, slist_free_all, "curl_slist_free_all");
	state = 1;
done:
	if (missing)
		cat_error_set(CAT_EUNAVAIL, "libcurl lacks %s", missing);
	else if (state < 0)
		cat_error_set(CAT_EUNAVAIL, "libcurl is not available");
	return state > 0 ? &api : NULL;
}

const struct cat_mhd_api *cat_mhd(void)
{
	static const char *const libs[] = { "libmicrohttpd.so.12",
					    "libmicrohttpd.so", NULL };
	static struct cat_mhd_api api;
	static int state;
	const char *missing = NULL;
	void *lib;

	if (state != 0)
		goto done;
	state = -1;
	if (!(lib = open_first(libs))) {
		cat_error_set(CAT_EUNAVAIL, "cannot load libmicrohttpd: %s",
			      dlerror());
		return NULL;
	}
	LOAD(api, start_daemon, "MHD_start_daemon");
	LOAD(api, stop_daemon, "MHD_stop_daemon");
	LOAD(api, get_daemon_info, "MHD_get_daemon_info");
	LOAD(api, run_wait, "MHD_run_wait");
	LOAD(api, lookup_connection_value, "MHD_lookup_connection_value");
	LOAD(api, create_response_from_buffer,
	     "MHD_create_response_from_buffer");
	LOAD(api, add_response_header, "MHD_add_response_header");
	LOAD(api, queue_response, "MHD_queue_response");
	LOAD(api, destroy_response, "MHD_destroy_response");
	state = 1;
done:
	if (missing)
		cat_error_set(CAT_EUNAVAIL, "libmicrohttpd lacks %s", missing);
	else if (state < 0)
		cat_error_set(CAT_EUNAVAIL, "libmicrohttpd is not available");
	return state > 0 ? &api : NULL;
}
