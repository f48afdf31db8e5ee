/*
 * Option parsing for `catalystd serve` and `catalystd migrate`. The
 * defaults give a working single-machine server: 127.0.0.1:8080, DC us,
 * SQLite file ./var/catalyst.db.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "dc.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "banned.h"

#define DEFAULT_DB "./var/catalyst.db"

static const char serve_usage[] =
	"usage: catalystd serve [options]\n"
	"\n"
	"  --listen ADDR[:PORT]   address to listen on (default "
	"127.0.0.1:8080;\n"
	"                         port 0 picks a free port)\n"
	"  --dc CODE              data center served: us eu in au ca sa jp ae "
	"(default us)\n"
	"  --db URL               SQLite file (default " DEFAULT_DB
	") or postgres://...\n"
	"  --public-url URL       external base URL used in verification "
	"links\n"
	"                         (default http://ADDR:PORT)\n"
	"  --log-level LEVEL      error, warn, info (default) or debug\n"
	"  --threads N            worker threads (default: one per core)\n"
	"  --db-pool N            at most N store connections for requests: "
	"one per\n"
	"                         worker thread, so it sets the worker threads "
	"(and\n"
	"                         caps --threads); size it for PostgreSQL\n"
	"  --device-ttl SECONDS   lifetime of device codes (default 300)\n"
	"  --device-interval SECONDS  minimum polling interval (default 5)\n"
	"  --access-ttl SECONDS   lifetime of access tokens (default 3600)\n"
	"  --secure-cookies       mark cookies Secure (behind a TLS proxy)\n"
	"  --trust-proxy          take client addresses from X-Forwarded-For\n"
	"  --port-file PATH       write the bound port to PATH once "
	"listening\n"
	"  --request-timeout SECONDS  a connection must deliver each whole "
	"request\n"
	"                         within this time of opening or of the last "
	"answer\n"
	"                         (default 10)\n"
	"  --max-conns-per-ip N   open connections per client address; 0: no "
	"limit\n"
	"                         (default 128, or 0 with --trust-proxy)\n"
	"  --max-connections N    open connections in all (default 4096)\n"
	"  --login-hashes N       password hashes run at once; more sign-ins "
	"wait\n"
	"                         for a 503 (default: half the cores, fewer "
	"than\n"
	"                         the worker threads)\n"
	"  --login-limit-addr N   wrong passwords per client address in 5 "
	"minutes\n"
	"                         (default 30)\n"
	"  --login-limit-account N  wrong passwords per account in 5 minutes "
	"(20)\n"
	"  --code-limit-account N   wrong device codes per account in 5 "
	"minutes (20)\n"
	"  --code-limit-global N  wrong device codes of everyone in 5 minutes\n"
	"                         (default 1000)\n";

/* Parses a positive integer option; -1 when not a number in [min, max]. */
static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

/* Makes sure the directory of a default SQLite path exists. */
static void ensure_var_dir(const char *db)
{
	if (strcmp(db, DEFAULT_DB) == 0)
		mkdir("./var", 0700);
}

static int parse_listen(struct cat_server_config *cfg, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	long port;

	if (n == 0 || n >= sizeof(cfg->listen_addr))
		return -1;
	memcpy(cfg->listen_addr, arg, n);
	cfg->listen_addr[n] = '\0';
	if (colon) {
		if ((port = parse_num(colon + 1, 0, 65535)) < 0)
			return -1;
		cfg->port = (int)port;
	}
	return 0;
}

static int set_str(char *dst, size_t n, const char *src, const char *what)
{
	if (strlen(src) >= n) {
		fprintf(stderr, "catalystd: %s is too long\n", what);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	enum {
		O_LISTEN = 256,
		O_DC,
		O_DB,
		O_PUBLIC,
		O_LOG,
		O_THREADS,
		O_DTTL,
		O_DINT,
		O_ATTL,
		O_SECURE,
		O_PROXY,
		O_PORTFILE,
		O_POOL,
		O_LOGIN_HASHES,
		O_LOGIN_ADDR,
		O_LOGIN_ACCOUNT,
		O_CODE_ACCOUNT,
		O_CODE_GLOBAL,
		O_REQ_TIMEOUT,
		O_CONNS_PER_IP,
		O_MAX_CONNS,
		O_HELP
	};
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "dc", required_argument, NULL, O_DC },
		{ "db", required_argument, NULL, O_DB },
		{ "public-url", required_argument, NULL, O_PUBLIC },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "device-ttl", required_argument, NULL, O_DTTL },
		{ "device-interval", required_argument, NULL, O_DINT },
		{ "access-ttl", required_argument, NULL, O_ATTL },
		{ "secure-cookies", no_argument, NULL, O_SECURE },
		{ "trust-proxy", no_argument, NULL, O_PROXY },
		{ "port-file", required_argument, NULL, O_PORTFILE },
		{ "db-pool", required_argument, NULL, O_POOL },
		{ "login-hashes", required_argument, NULL, O_LOGIN_HASHES },
		{ "login-limit-addr", required_argument, NULL, O_LOGIN_ADDR },
		{ "login-limit-account", required_argument, NULL,
		  O_LOGIN_ACCOUNT },
		{ "code-limit-account", required_argument, NULL,
		  O_CODE_ACCOUNT },
		{ "code-limit-global", required_argument, NULL, O_CODE_GLOBAL },
		{ "request-timeout", required_argument, NULL, O_REQ_TIMEOUT },
		{ "max-conns-per-ip", required_argument, NULL, O_CONNS_PER_IP },
		{ "max-connections", required_argument, NULL, O_MAX_CONNS },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct cat_server_config cfg = {
		.listen_addr = "127.0.0.1",
		.port = 8080,
		.dc = "us",
		.db_url = DEFAULT_DB,
		.device_ttl = 300,
		.device_interval = 5,
		.access_ttl = 3600,
		.code_ttl = 120,
		.session_ttl = 3600,
		.request_timeout = 10,
		.max_conns_per_ip =
			-1, /* decided once --trust-proxy is known */
		.max_connections = 4096,
	};
	const struct cat_dc *dc;
	long v, pool = 0;
	int c, lvl;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			if (parse_listen(&cfg, optarg) < 0) {
				fprintf(stderr,
					"catalystd: --listen wants "
					"ADDR[:PORT], got '%s'\n",
					optarg);
				return 129;
			}
			break;
		case O_DC:
			dc = cat_dc_find(optarg);
			if (!dc) {
				fprintf(stderr,
					"catalystd: unknown data center '%s' "
					"(one of us eu in au ca sa jp ae)\n",
					optarg);
				return 129;
			}
			memcpy(cfg.dc, dc->code, 3);
			break;
		case O_DB:
			if (set_str(cfg.db_url, sizeof(cfg.db_url), optarg,
				    "--db") < 0)
				return 129;
			break;
		case O_PUBLIC:
			if (set_str(cfg.public_url, sizeof(cfg.public_url),
				    optarg, "--public-url") < 0)
				return 129;
			cfg.public_url[strcspn(cfg.public_url, "\n")] = '\0';
			while (strlen(cfg.public_url) > 0 &&
			       cfg.public_url[strlen(cfg.public_url) - 1] ==
				       '/')
				cfg.public_url[strlen(cfg.public_url) - 1] =
					'\0';
			break;
		case O_LOG:
			if ((lvl = cat_log_parse_level(optarg)) < 0) {
				fprintf(stderr, "catalystd: --log-level is "
						"error, warn, info or debug\n");
				return 129;
			}
			cat_log_set_level((enum cat_log_level)lvl);
			break;
		case O_THREADS:
		case O_DTTL:
		case O_DINT:
		case O_ATTL:
			if ((v = parse_num(optarg, 1, 86400 * 365)) < 0) {
				fprintf(stderr,
					"catalystd: %s wants a positive "
					"number\n",
					argv[optind - 1]);
				return 129;
			}
			if (c == O_THREADS)
				cfg.threads = (int)(v > 256 ? 256 : v);
			else if (c == O_DTTL)
				cfg.device_ttl = (int)v;
			else if (c == O_DINT)
				cfg.device_interval = (int)v;
			else
				cfg.access_ttl = (int)v;
			break;
		case O_REQ_TIMEOUT:
			if ((v = parse_num(optarg, 1, 3600)) < 0) {
				fprintf(stderr, "catalystd: --request-timeout "
						"wants seconds from 1 to "
						"3600\n");
				return 129;
			}
			cfg.request_timeout = (int)v;
			break;
		case O_CONNS_PER_IP:
		case O_MAX_CONNS:
			if ((v = parse_num(optarg, c == O_MAX_CONNS, 100000)) <
			    0) {
				fprintf(stderr,
					"catalystd: %s wants a number from %d "
					"to 100000\n",
					c == O_MAX_CONNS ? "--max-connections"
							 : "--max-conns-per-ip",
					c == O_MAX_CONNS);
				return 129;
			}
			if (c == O_MAX_CONNS)
				cfg.max_connections = (int)v;
			else
				cfg.max_conns_per_ip = (int)v;
			break;
		case O_POOL:
			/* each worker thread holds one store connection */
			if ((pool = parse_num(optarg, 1, 256)) < 0) {
				fprintf(stderr, "catalystd: --db-pool wants a "
						"number from 1 to 256\n");
				return 129;
			}
			break;
		case O_LOGIN_HASHES:
		case O_LOGIN_ADDR:
		case O_LOGIN_ACCOUNT:
		case O_CODE_ACCOUNT:
		case O_CODE_GLOBAL:
			if ((v = parse_num(optarg, 1, 1000000)) < 0) {
				fprintf(stderr,
					"catalystd: %s wants a number from 1 "
					"to 1000000\n",
					argv[optind - 1]);
				return 129;
			}
			if (c == O_LOGIN_HASHES)
				cfg.login_hashes = (int)v;
			else if (c == O_LOGIN_ADDR)
				cfg.login_limit_addr = (int)v;
			else if (c == O_LOGIN_ACCOUNT)
				cfg.login_limit_account = (int)v;
			else if (c == O_CODE_ACCOUNT)
				cfg.code_limit_account = (int)v;
			else
				cfg.code_limit_global = (int)v;
			break;
		case O_SECURE:
			cfg.secure_cookies = 1;
			break;
		case O_PROXY:
			cfg.trust_proxy = 1;
			break;
		case O_PORTFILE:
			if (set_str(cfg.port_file, sizeof(cfg.port_file),
				    optarg, "--port-file") < 0)
				return 129;
			break;
		case O_HELP:
			fputs(serve_usage, stdout);
			return 0;
		default:
			fprintf(stderr, "catalystd: unknown option '%s'\n%s",
				argv[optind - 1], serve_usage);
			return 129;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "catalystd: unexpected argument '%s'\n",
			argv[optind]);
		return 129;
	}
	if (pool > 0 && (cfg.threads == 0 || cfg.threads > pool))
		cfg.threads = (int)pool;
	/* behind a proxy every connection comes from the proxy's address */
	if (cfg.max_conns_per_ip < 0)
		cfg.max_conns_per_ip = cfg.trust_proxy ? 0 : 128;
	if (strncmp(cfg.public_url, "https://", 8) == 0)
		cfg.secure_cookies = 1;
	ensure_var_dir(cfg.db_url);
	return cat_serve(&cfg);
}

/* Shared by every admin command: the --db option with its default. */
const char *cat_admin_db_default(void)
{
	ensure_var_dir(DEFAULT_DB);
	return DEFAULT_DB;
}
