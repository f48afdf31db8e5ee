/*
 * libcurl and libmicrohttpd, loaded with dlopen(3) on first use. Linking
 * them directly costs ~10 ms of dynamic loading on every start (libcurl
 * pulls in TLS, HTTP/2, LDAP, Kerberos...), which alone breaks the 5 ms
 * budget of `catalyst --version`; commands that never touch the network
 * now never load them. The tables mirror the library functions one to one.
 */
#ifndef CAT_DYNLOAD_H
#define CAT_DYNLOAD_H

#include <curl/curl.h>
#include <microhttpd.h>

struct cat_curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode rc);
	void (*easy_cleanup)(CURL *h);
	char *(*easy_escape)(CURL *h, const char *s, int n);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

struct cat_mhd_api {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc,
					   void *apc_cls,
					   MHD_AccessHandlerCallback dh,
					   void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	const union MHD_DaemonInfo *(*get_daemon_info)(
		struct MHD_Daemon *d, enum MHD_DaemonInfoType type, ...);
	enum MHD_Result (*run_wait)(struct MHD_Daemon *d, int32_t millisec);
	const char *(*lookup_connection_value)(struct MHD_Connection *c,
					       enum MHD_ValueKind kind,
					       const char *key);
	struct MHD_Response *(*create_response_from_buffer)(
		size_t size, void *buffer, enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r,
					       const char *header,
					       const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c,
					  unsigned int status,
					  struct MHD_Response *r);
	void (*destroy_response)(struct MHD_Response *r);
};

/* The loaded libcurl, or NULL with the error set (CAT_EUNAVAIL). */
const struct cat_curl_api *cat_curl(void);
/* The loaded libmicrohttpd, or NULL with the error set (CAT_EUNAVAIL). */
const struct cat_mhd_api *cat_mhd(void);

#endif
