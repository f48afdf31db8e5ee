/*
 * Option parsing for `catalystd serve`, and the config file every catalystd
 * command reads. The defaults give a working single-machine server:
 * 127.0.0.1:8080, DC us, SQLite file ./var/catalyst.db.
 *
 * A flag and its config file key share one table (serve_opts) and one
 * parser (serve_apply); the file is applied first, so the command line
 * wins.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "config_file.h"
#include "dc.h"
#include "directory.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "web.h"
#include "banned.h"

#define DEFAULT_DB     "./var/catalyst.db"
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define USAGE_ERR      129

static const char serve_usage[] =
	"usage: catalystd serve [options]\n"
	"\n"
	"  --config FILE          read options from FILE "
	"(default " CAT_CONFIG_DEFAULT "\n"
	"                         when it exists); flags win over it\n"
	"  --listen ADDR[:PORT]   address to listen on (default " DEFAULT_LISTEN
	");\n"
	"                         IPv6 in brackets: [::1]:8080, [::]:8080 "
	"(also\n"
	"                         takes IPv4); port 0 picks a free one; "
	"repeat it\n"
	"                         to listen on several\n"
	"  --dc CODE              data center served: us eu in au ca sa jp ae "
	"(default us)\n"
	"  --db URL               SQLite file (default " DEFAULT_DB
	") or postgres://...\n"
	"  --public-url URL       external base URL used in verification "
	"links\n"
	"                         (default http://ADDR:PORT of the first "
	"--listen;\n"
	"                         required when that is 0.0.0.0 or [::])\n"
	"  --directory FILE       the deployment's data centers (JSON), served "
	"at\n"
	"                         /.well-known/catalyst-directory (default: "
	"this\n"
	"                         server alone)\n"
	"  --log-level LEVEL      error, warn, info (default) or debug\n"
	"  --log-format FORMAT    text (default) or json: one JSON object a "
	"line\n"
	"  --threads N            worker threads (default: one per core)\n"
	"  --write-threads N      threads for requests that write, whose waits "
	"for a\n"
	"                         commit then share commits; 0: writes run on "
	"the\n"
	"                         worker threads (default 16 on SQLite, 0 on\n"
	"                         PostgreSQL)\n"
	"  --db-pool N            at most N store connections for requests: "
	"one per\n"
	"                         worker thread, so it sets the worker threads "
	"(and\n"
	"                         caps --threads); size it for PostgreSQL\n"
	"  --device-ttl SECONDS   lifetime of device codes (default 300)\n"
	"  --device-interval SECONDS  minimum polling interval (default 5)\n"
	"  --token-expiry-min SECONDS  the shortest life token:generate "
	"--expires-in\n"
	"                         may ask for (default 3600)\n"
	"  --access-ttl SECONDS   lifetime of access tokens (default 3600, "
	"at most 86400)\n"
	"  --secure-cookies       mark cookies Secure (behind a TLS proxy)\n"
	"  --trust-proxy          take client addresses from X-Forwarded-For\n"
	"  --port-file PATH       write the first listener's port to PATH once "
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
	"  --last-used-flush SECONDS  how often the tokens' last-used times "
	"are\n"
	"                         written to the store, in one transaction "
	"(default 5)\n"
	"  --audit-retention DAYS  how long audit events are kept; 0: "
	"forever\n"
	"                         (default 90)\n"
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
	"                         (default 1000)\n"
	"  --reauth-after SECONDS  how old a sign-in may be for the account "
	"page to\n"
	"                         revoke tokens without the password again\n"
	"                         (default 600)\n"
	"\n"
	"Config file: one 'key = value' per line, the keys being these flags "
	"without\n"
	"their dashes (listen = [::]:8080, trust-proxy = true); '#' starts a "
	"comment line.\n";

enum {
	O_LISTEN = 256,
	O_DC,
	O_DB,
	O_PUBLIC,
	O_LOG,
	O_LOG_FORMAT,
	O_THREADS,
	O_WRITE_THREADS,
	O_DTTL,
	O_DINT,
	O_ATTL,
	O_TOKEN_EXPIRY_MIN,
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
	O_LU_FLUSH,
	O_AUDIT_RETENTION,
	O_REAUTH_AFTER,
	O_DIRECTORY,
	O_CONFIG,
	O_HELP
};

static const struct option serve_opts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "dc", required_argument, NULL, O_DC },
	{ "db", required_argument, NULL, O_DB },
	{ "public-url", required_argument, NULL, O_PUBLIC },
	{ "log-level", required_argument, NULL, O_LOG },
	{ "log-format", required_argument, NULL, O_LOG_FORMAT },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "write-threads", required_argument, NULL, O_WRITE_THREADS },
	{ "device-ttl", required_argument, NULL, O_DTTL },
	{ "device-interval", required_argument, NULL, O_DINT },
	{ "access-ttl", required_argument, NULL, O_ATTL },
	{ "token-expiry-min", required_argument, NULL, O_TOKEN_EXPIRY_MIN },
	{ "secure-cookies", no_argument, NULL, O_SECURE },
	{ "trust-proxy", no_argument, NULL, O_PROXY },
	{ "port-file", required_argument, NULL, O_PORTFILE },
	{ "db-pool", required_argument, NULL, O_POOL },
	{ "login-hashes", required_argument, NULL, O_LOGIN_HASHES },
	{ "login-limit-addr", required_argument, NULL, O_LOGIN_ADDR },
	{ "login-limit-account", required_argument, NULL, O_LOGIN_ACCOUNT },
	{ "code-limit-account", required_argument, NULL, O_CODE_ACCOUNT },
	{ "code-limit-global", required_argument, NULL, O_CODE_GLOBAL },
	{ "request-timeout", required_argument, NULL, O_REQ_TIMEOUT },
	{ "max-conns-per-ip", required_argument, NULL, O_CONNS_PER_IP },
	{ "max-connections", required_argument, NULL, O_MAX_CONNS },
	{ "last-used-flush", required_argument, NULL, O_LU_FLUSH },
	{ "audit-retention", required_argument, NULL, O_AUDIT_RETENTION },
	{ "reauth-after", required_argument, NULL, O_REAUTH_AFTER },
	{ "directory", required_argument, NULL, O_DIRECTORY },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

enum source { SRC_DEFAULT, SRC_FILE, SRC_ARGS };

struct serve_parse {
	struct cat_server_config cfg;
	long pool;
	enum source src;        /* of the options being applied */
	enum source listen_src; /* of the addresses in cfg.listen */
};

static void serve_defaults(struct serve_parse *sp)
{
	static const struct cat_server_config dflt = {
		.dc = "us",
		.db_url = DEFAULT_DB,
		.device_ttl = 300,
		.device_interval = 5,
		.access_ttl = 3600,
		.token_expiry_min = 3600,
		.code_ttl = 120,
		.session_ttl = 3600,
		.request_timeout = 10,
		/* decided once --trust-proxy is known */
		.max_conns_per_ip = -1,
		.max_connections = 4096,
		.last_used_flush = 5,
		.audit_retention_days = 90,
		.reauth_after = WEB_REAUTH_AFTER,
		.write_threads = -1,
	};

	memset(sp, 0, sizeof(*sp));
	sp->cfg = dflt;
}

/* Makes sure the directory of a default SQLite path exists. */
static void ensure_var_dir(const char *db)
{
	if (strcmp(db, DEFAULT_DB) == 0)
		mkdir("./var", 0700);
}

static int num_opt(const char *label, const char *arg, long min, long max,
		   int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr,
			"catalystd: %s wants a number from %ld to %ld, got "
			"'%s'\n",
			label, min, max, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int str_opt(const char *label, const char *arg, char *dst, size_t n)
{
	size_t len = strlen(arg);

	if (len >= n) {
		fprintf(stderr,
			"catalystd: %s is too long (at most %zu bytes)\n",
			label, n - 1);
		return -1;
	}
	memcpy(dst, arg, len + 1);
	return 0;
}

/*
 * ADDR[:PORT] with an IPv4 address, or [IPv6][:PORT]: addresses only, so
 * that what is bound is what the operator wrote.
 */
static int parse_listen(struct cat_listen *l, const char *arg)
{
	const char *host = arg, *port = NULL, *close;
	char buf[INET6_ADDRSTRLEN];
	size_t n;
	int p = 8080;
	char *end;
	long v;

	memset(l, 0, sizeof(*l));
	if (*arg == '[') {
		if (!(close = strchr(arg, ']')))
			return -1;
		host = arg + 1;
		n = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -1;
	} else {
		const char *colon = strchr(arg, ':');

		/* an IPv6 address without brackets: its last group would
		 * pass for a port */
		if (colon && strchr(colon + 1, ':'))
			return -1;
		n = colon ? (size_t)(colon - arg) : strlen(arg);
		if (colon)
			port = colon + 1;
	}
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (port) {
		errno = 0;
		v = strtol(port, &end, 10);
		if (errno || end == port || *end || v < 0 || v > 65535)
			return -1;
		p = (int)v;
	}
	if (*arg == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l->addr;

		if (inet_pton(AF_INET6, buf, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		l->addr_len = sizeof(*a);
		snprintf(l->host, sizeof(l->host), "[%s]", buf);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&l->addr;

		if (inet_pton(AF_INET, buf, &a->sin_addr) != 1)
			return -1;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		l->addr_len = sizeof(*a);
		snprintf(l->host, sizeof(l->host), "%s", buf);
	}
	return 0;
}

static int add_listen(struct serve_parse *sp, const char *label,
		      const char *arg)
{
	struct cat_server_config *cfg = &sp->cfg;

	/* the command line's addresses replace the file's, not add to them */
	if (sp->listen_src != sp->src) {
		cfg->nlisten = 0;
		sp->listen_src = sp->src;
	}
	if (cfg->nlisten == CAT_MAX_LISTEN) {
		fprintf(stderr, "catalystd: %s: at most %d addresses\n", label,
			CAT_MAX_LISTEN);
		return -1;
	}
	if (parse_listen(&cfg->listen[cfg->nlisten], arg) < 0) {
		fprintf(stderr,
			"catalystd: %s wants ADDR[:PORT] with an IPv4 address "
			"or an IPv6 one in brackets ([::1]:8080), got '%s'\n",
			label, arg);
		return -1;
	}
	cfg->nlisten++;
	return 0;
}

/* One option, from the command line or the config file (label says
 * which): the only place that knows what each option accepts. */
static int serve_apply(void *ctx, int id, const char *label, const char *arg)
{
	struct serve_parse *sp = ctx;
	struct cat_server_config *cfg = &sp->cfg;
	const struct cat_dc *dc;
	size_t n;
	int v, lvl;

	switch (id) {
	case O_LISTEN:
		return add_listen(sp, label, arg);
	case O_DC:
		if (!(dc = cat_dc_find(arg))) {
			fprintf(stderr,
				"catalystd: %s wants a data center (one of us "
				"eu in au ca sa jp ae), got '%s'\n",
				label, arg);
			return -1;
		}
		memcpy(cfg->dc, dc->code, 3);
		return 0;
	case O_DB:
		return str_opt(label, arg, cfg->db_url, sizeof(cfg->db_url));
	case O_PUBLIC:
		if (str_opt(label, arg, cfg->public_url,
			    sizeof(cfg->public_url)) < 0)
			return -1;
		cfg->public_url[strcspn(cfg->public_url, "\n")] = '\0';
		n = strlen(cfg->public_url);
		while (n > 0 && cfg->public_url[n - 1] == '/')
			cfg->public_url[--n] = '\0';
		return 0;
	case O_LOG:
		if ((lvl = cat_log_parse_level(arg)) < 0) {
			fprintf(stderr,
				"catalystd: %s wants error, warn, info or "
				"debug, got '%s'\n",
				label, arg);
			return -1;
		}
		cat_log_set_level((enum cat_log_level)lvl);
		return 0;
	case O_LOG_FORMAT:
		if ((lvl = cat_log_parse_format(arg)) < 0) {
			fprintf(stderr,
				"catalystd: %s wants text or json, got '%s'\n",
				label, arg);
			return -1;
		}
		cat_log_set_format((enum cat_log_format)lvl);
		return 0;
	case O_THREADS:
		if (num_opt(label, arg, 1, 86400 * 365, &v) < 0)
			return -1;
		cfg->threads = v > 256 ? 256 : v;
		return 0;
	case O_WRITE_THREADS:
		return num_opt(label, arg, 0, 256, &cfg->write_threads);
	case O_DTTL:
		return num_opt(label, arg, 1, 86400 * 365, &cfg->device_ttl);
	case O_DINT:
		return num_opt(label, arg, 1, 86400 * 365,
			       &cfg->device_interval);
	case O_ATTL:
		/* at most a day: a token is checked with its day's key or the
		 * next day's, never later (access.c) */
		return num_opt(label, arg, 1, 86400, &cfg->access_ttl);
	case O_TOKEN_EXPIRY_MIN:
		/* seconds are for tests: a token of a minute is of no use */
		return num_opt(label, arg, 1, 86400 * 365,
			       &cfg->token_expiry_min);
	case O_REQ_TIMEOUT:
		return num_opt(label, arg, 1, 3600, &cfg->request_timeout);
	case O_CONNS_PER_IP:
		return num_opt(label, arg, 0, 100000, &cfg->max_conns_per_ip);
	case O_MAX_CONNS:
		return num_opt(label, arg, 1, 100000, &cfg->max_connections);
	case O_LU_FLUSH:
		return num_opt(label, arg, 1, 3600, &cfg->last_used_flush);
	case O_AUDIT_RETENTION:
		/* a century at most keeps DAYS * 86400 far from overflow */
		return num_opt(label, arg, 0, 36500,
			       &cfg->audit_retention_days);
	case O_REAUTH_AFTER:
		/* 0: every destructive action asks (tests) */
		return num_opt(label, arg, 0, 86400, &cfg->reauth_after);
	case O_POOL:
		/* each worker thread holds one store connection */
		if (num_opt(label, arg, 1, 256, &v) < 0)
			return -1;
		sp->pool = v;
		return 0;
	case O_LOGIN_HASHES:
		return num_opt(label, arg, 1, 1000000, &cfg->login_hashes);
	case O_LOGIN_ADDR:
		return num_opt(label, arg, 1, 1000000, &cfg->login_limit_addr);
	case O_LOGIN_ACCOUNT:
		return num_opt(label, arg, 1, 1000000,
			       &cfg->login_limit_account);
	case O_CODE_ACCOUNT:
		return num_opt(label, arg, 1, 1000000,
			       &cfg->code_limit_account);
	case O_CODE_GLOBAL:
		return num_opt(label, arg, 1, 1000000, &cfg->code_limit_global);
	case O_SECURE:
		cfg->secure_cookies = 1;
		return 0;
	case O_PROXY:
		cfg->trust_proxy = 1;
		return 0;
	case O_PORTFILE:
		return str_opt(label, arg, cfg->port_file,
			       sizeof(cfg->port_file));
	case O_DIRECTORY:
		/* read once every option is known: it must list --dc */
		return str_opt(label, arg, cfg->directory_file,
			       sizeof(cfg->directory_file));
	default:
		fprintf(stderr, "catalystd: %s is not a serve option\n", label);
		return -1;
	}
}

enum { SCAN_CHECK, SCAN_APPLY };

/*
 * Walks the command line: SCAN_CHECK finds --config, --help and unknown
 * options; SCAN_APPLY (after the config file) applies the rest. 0 to go
 * on, 1 when --help was printed, USAGE_ERR after printing why.
 */
static int scan_args(int argc, char **argv, const char *usage, int mode,
		     struct serve_parse *sp, const char **config)
{
	char label[64];
	int c, li = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", serve_opts, &li)) != -1) {
		if (c == ':') {
			fprintf(stderr, "catalystd: %s needs a value\n",
				argv[optind - 1]);
			return USAGE_ERR;
		}
		if (c == '?') {
			fprintf(stderr, "catalystd: unknown option '%s'\n%s",
				argv[optind - 1], usage);
			return USAGE_ERR;
		}
		if (c == O_HELP) {
			fputs(usage, stdout);
			return 1;
		}
		if (c == O_CONFIG) {
			*config = optarg;
			continue;
		}
		if (mode == SCAN_CHECK)
			continue;
		snprintf(label, sizeof(label), "--%s", serve_opts[li].name);
		if (serve_apply(sp, c, label, optarg) < 0)
			return USAGE_ERR;
	}
	if (optind < argc) {
		fprintf(stderr, "catalystd: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return USAGE_ERR;
	}
	return 0;
}

/* The config file (config, or the default one when it exists) into sp. */
static int read_config(struct serve_parse *sp, const char *config)
{
	const char *path = cat_config_path(config, CAT_CONFIG_DEFAULT);

	if (!path)
		return 0;
	sp->src = SRC_FILE;
	if (cat_config_read(path, config ? "--config" : NULL, serve_opts,
			    serve_apply, sp) < 0)
		return USAGE_ERR;
	return 0;
}

static int listen_port(const struct cat_listen *l)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;

	return ntohs(sa->sa_family == AF_INET
			     ? ((const struct sockaddr_in *)sa)->sin_port
			     : ((const struct sockaddr_in6 *)sa)->sin6_port);
}

static int is_wildcard(const struct cat_listen *l)
{
	const struct sockaddr *sa = (const struct sockaddr *)&l->addr;

	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
		&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* What depends on several options at once; USAGE_ERR after printing why. */
static int serve_finish(struct serve_parse *sp)
{
	struct cat_server_config *cfg = &sp->cfg;
	const struct cat_listen *first = &cfg->listen[0];

	if (cfg->nlisten == 0)
		(void)parse_listen(&cfg->listen[cfg->nlisten++],
				   DEFAULT_LISTEN);
	/* the verification links would send people to a non-address */
	if (!cfg->public_url[0] && is_wildcard(first)) {
		fprintf(stderr,
			"catalystd: warning: --listen %s:%d is a wildcard "
			"address: verification links built from it would "
			"lead nowhere\n"
			"catalystd: --listen %s:%d needs --public-url with the "
			"URL clients reach this server at (for example "
			"--public-url https://accounts.example.com), or "
			"--listen on a concrete address first\n",
			first->host, listen_port(first), first->host,
			listen_port(first));
		return USAGE_ERR;
	}
	if (sp->pool > 0 && (cfg->threads == 0 || cfg->threads > sp->pool))
		cfg->threads = (int)sp->pool;
	/* each write thread holds a store connection too: PostgreSQL's are
	 * counted by --db-pool, and only SQLite shares commits */
	if (cfg->write_threads < 0)
		cfg->write_threads =
			strncmp(cfg->db_url, "postgres", 8) == 0 ? 0 : 16;
	/* behind a proxy every connection comes from the proxy's address */
	if (cfg->max_conns_per_ip < 0)
		cfg->max_conns_per_ip = cfg->trust_proxy ? 0 : 128;
	if (strncmp(cfg->public_url, "https://", 8) == 0)
		cfg->secure_cookies = 1;
	/* a bad directory would send every CLI of the deployment astray:
	 * refuse to start, naming the key */
	if (cfg->directory_file[0] &&
	    cat_directory_load(cfg->directory_file, cfg->dc, &cfg->directory) <
		    0)
		return USAGE_ERR;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_parse sp;
	const char *config = NULL;
	int rc;

	serve_defaults(&sp);
	if ((rc = scan_args(argc, argv, serve_usage, SCAN_CHECK, &sp,
			    &config)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = read_config(&sp, config)) != 0)
		return rc;
	sp.src = SRC_ARGS;
	if ((rc = scan_args(argc, argv, serve_usage, SCAN_APPLY, &sp,
			    &config)) != 0)
		return rc;
	if ((rc = serve_finish(&sp)) != 0)
		return rc;
	ensure_var_dir(sp.cfg.db_url);
	rc = cat_serve(&sp.cfg);
	if (sp.cfg.directory) {
		cat_directory_release(sp.cfg.directory);
		free(sp.cfg.directory);
	}
	return rc;
}

const char *cat_admin_db_default(const char *config)
{
	static char db[sizeof(((struct cat_server_config *)0)->db_url)];
	struct serve_parse sp;

	serve_defaults(&sp);
	if (read_config(&sp, config) != 0)
		return NULL;
	memcpy(db, sp.cfg.db_url, sizeof(db));
	ensure_var_dir(db);
	return db;
}
