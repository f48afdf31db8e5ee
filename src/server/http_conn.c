#include "http_conn.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ticker.h"
#include "banned.h"

static struct {
	pthread_mutex_t lock; /* the list; held while a socket is shut */
	struct cat_conn *head;
	struct cat_ticker reaper;
	atomic_ullong reaped;
	atomic_long open; /* for /metrics, not to be read under the lock */
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define ADDR_BUCKETS 1024

/* One client address and its connections. */
struct addr_count {
	struct addr_count *next;
	unsigned char addr[16];
	unsigned len;
	unsigned pending, open;
};

static struct {
	pthread_mutex_t lock;
	struct addr_count *bucket[ADDR_BUCKETS];
} addrs = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The address bytes of sa; 0 for families that are not counted. */
static unsigned addr_key(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa && sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
			&((const struct sockaddr_in6 *)sa)->sin6_addr;

		/* an IPv4 client of a dual-stack socket counts as itself */
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(out, &a6->s6_addr[12], 4);
			return 4;
		}
		memcpy(out, a6, 16);
		return 16;
	}
	return 0;
}

/* The entry of key, created when create is set; addrs.lock held. */
static struct addr_count *addr_find(const unsigned char *key, unsigned len,
				    int create)
{
	unsigned h = 2166136261u, i;
	struct addr_count *a;

	for (i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	h %= ADDR_BUCKETS;
	for (a = addrs.bucket[h]; a; a = a->next)
		if (a->len == len && memcmp(a->addr, key, len) == 0)
			return a;
	if (!create || !(a = calloc(1, sizeof(*a))))
		return NULL;
	memcpy(a->addr, key, len);
	a->len = len;
	a->next = addrs.bucket[h];
	addrs.bucket[h] = a;
	return a;
}

/* Drops the entry of key once nothing is counted on it; lock held. */
static void addr_gc(const unsigned char *key, unsigned len)
{
	unsigned h = 2166136261u, i;
	struct addr_count **p, *a;

	for (i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	for (p = &addrs.bucket[h % ADDR_BUCKETS]; (a = *p); p = &a->next)
		if (a->len == len && memcmp(a->addr, key, len) == 0) {
			if (!a->pending && !a->open) {
				*p = a->next;
				free(a);
			}
			return;
		}
}

int cat_conn_admit(const struct sockaddr *sa, int limit)
{
	unsigned char key[16];
	unsigned len = addr_key(sa, key);
	struct addr_count *a;
	int rc = 0;

	if (!len || limit <= 0)
		return 0;
	pthread_mutex_lock(&addrs.lock);
	if (!(a = addr_find(key, len, 1)) ||
	    a->pending + a->open >= (unsigned)limit)
		rc = -1;
	else
		a->pending++;
	if (a && rc < 0)
		addr_gc(key, len);
	pthread_mutex_unlock(&addrs.lock);
	return rc;
}

void cat_conn_admitted(const struct sockaddr *sa)
{
	unsigned char key[16];
	unsigned len = addr_key(sa, key);
	struct addr_count *a;

	if (!len)
		return;
	pthread_mutex_lock(&addrs.lock);
	if ((a = addr_find(key, len, 0)) && a->pending) {
		a->pending--;
		addr_gc(key, len);
	}
	pthread_mutex_unlock(&addrs.lock);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct cat_conn *cat_conn_open(int fd, const struct sockaddr *sa, int timeout_s)
{
	struct cat_conn *conn = calloc(1, sizeof(*conn));
	struct addr_count *a;

	if (!conn)
		return NULL;
	conn->fd = fd;
	if ((conn->addr_len = addr_key(sa, conn->addr))) {
		pthread_mutex_lock(&addrs.lock);
		if ((a = addr_find(conn->addr, conn->addr_len, 1)))
			a->open++;
		else
			conn->addr_len = 0;
		pthread_mutex_unlock(&addrs.lock);
	}
	cat_conn_arm(conn, timeout_s);
	pthread_mutex_lock(&reg.lock);
	conn->next = reg.head;
	if (reg.head)
		reg.head->prev = conn;
	reg.head = conn;
	pthread_mutex_unlock(&reg.lock);
	atomic_fetch_add_explicit(&reg.open, 1, memory_order_relaxed);
	return conn;
}

void cat_conn_close(struct cat_conn *conn)
{
	if (!conn)
		return;
	/* libmicrohttpd closes the socket only after this returns, so the
	 * reaper never shuts down a descriptor that was reused */
	pthread_mutex_lock(&reg.lock);
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		reg.head = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	pthread_mutex_unlock(&reg.lock);
	atomic_fetch_sub_explicit(&reg.open, 1, memory_order_relaxed);
	if (conn->addr_len) {
		struct addr_count *a;

		pthread_mutex_lock(&addrs.lock);
		if ((a = addr_find(conn->addr, conn->addr_len, 0)) && a->open) {
			a->open--;
			addr_gc(conn->addr, conn->addr_len);
		}
		pthread_mutex_unlock(&addrs.lock);
	}
	free(conn);
}

void cat_conn_arm(struct cat_conn *conn, int timeout_s)
{
	if (timeout_s > 0)
		atomic_store_explicit(&conn->deadline_ms,
				      mono_ms() + (int64_t)timeout_s * 1000,
				      memory_order_relaxed);
}

void cat_conn_disarm(struct cat_conn *conn)
{
	atomic_store_explicit(&conn->deadline_ms, 0, memory_order_relaxed);
}

static void reap(void *arg)
{
	int64_t now = mono_ms();
	struct cat_conn *c;

	(void)arg;
	pthread_mutex_lock(&reg.lock);
	for (c = reg.head; c; c = c->next) {
		int64_t d = atomic_load_explicit(&c->deadline_ms,
						 memory_order_relaxed);

		if (d && d <= now) {
			atomic_store_explicit(&c->deadline_ms, 0,
					      memory_order_relaxed);
			shutdown(c->fd, SHUT_RDWR);
			atomic_fetch_add(&reg.reaped, 1);
		}
	}
	pthread_mutex_unlock(&reg.lock);
}

size_t cat_conn_drain(void)
{
	struct cat_conn *c;
	size_t open = 0;

	pthread_mutex_lock(&reg.lock);
	for (c = reg.head; c; c = c->next) {
		open++;
		if (atomic_exchange(&c->deadline_ms, 0))
			shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&reg.lock);
	return open;
}

int cat_conn_reaper_start(void)
{
	return cat_ticker_start(&reg.reaper, 250, 0, reap, NULL);
}

void cat_conn_reaper_stop(void)
{
	cat_ticker_stop(&reg.reaper);
}

unsigned long long cat_conn_reaped(void)
{
	return atomic_load(&reg.reaped);
}

long cat_conn_open_count(void)
{
	return atomic_load_explicit(&reg.open, memory_order_relaxed);
}
