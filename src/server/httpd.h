/* Internal plumbing between serve.c and http.c (not for route handlers). */
#ifndef CAT_HTTPD_H
#define CAT_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

void cat_http_notify_connection(void *cls, struct MHD_Connection *c,
				void **socket_context,
				enum MHD_ConnectionNotificationCode code);
void *cat_http_uri_log(void *cls, const char *uri, struct MHD_Connection *c);
void cat_http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			enum MHD_RequestTerminationCode toe);
enum MHD_Result cat_http_handler(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls);

/* Wall-clock Unix seconds. */
int64_t cat_now(void);
void cat_sockaddr_str(char *out, size_t n, const struct sockaddr *sa);

#endif
