/* options.c: podboot-agent's settings, from flags and an agent.conf file. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cmdopt.h"
#include "error.h"
#include "frame.h"
#include "fileio.h"
#include "log.h"
#include "num.h"
#include "options.h"

/* The agent's finer kinds of setting, in each row's tag. */
enum options_kind { OPT_FLAG, OPT_PATH, OPT_UINT, OPT_SERVER, OPT_TOKEN,
		    OPT_LISTEN };

/* A row's .off and .size: those of @field of struct options. */
#define OPTS_AT(field) CMDOPT_AT(struct options, field)

static int options_add_server(void *opts, const char *v);
static int options_set_listen_opt(void *opts, const char *v);

/*
 * Every setting: a long flag --NAME and, unless CMDOPT_CLI, a file key
 * NAME (lib/cmdopt.h).  --help prints these rows.
 */
static const struct cmdopt options_defs[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_BUF,
	  .where = CMDOPT_CLI, .tag = OPT_PATH, OPTS_AT(config), .arg = "FILE",
	  .help = "read key = value settings from FILE (flags override it)" },
	{ .name = "server", .letter = 's', .kind = CMDOPT_CALL,
	  .where = CMDOPT_BOTH, .tag = OPT_SERVER, OPTS_AT(servers),
	  .call = options_add_server, .arg = "URL",
	  .help = "upstream base URL, repeatable, most preferred first" },
	{ .name = "token", .kind = CMDOPT_BUF, .where = CMDOPT_FILE,
	  .tag = OPT_TOKEN, OPTS_AT(token), .arg = "TOKEN",
	  .help = "the node token (file only, which must then be mode 0600)" },
	{ .name = "token-file", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(token_file), .arg = "FILE",
	  .help = "read the node token from FILE (mode 0600)" },
	{ .name = "ca", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(ca), .arg = "FILE",
	  .help = "the podboot root certificate: the only one trusted" },
	{ .name = "interval", .letter = 'i', .kind = CMDOPT_UINT,
	  .where = CMDOPT_BOTH, .tag = OPT_UINT, OPTS_AT(interval), .min = 1,
	  .max = 3600, .arg = "S",
	  .help = "seconds between collections (15)" },
	{ .name = "spool", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(spool), .arg = "DIR",
	  .help = "spool directory (/var/spool/podboot-agent)" },
	{ .name = "spool-max-mb", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(spool_max_mb), .min = 1, .max = 1048576,
	  .arg = "N",
	  .help = "spool size limit in MiB (64)" },
	{ .name = "replay-rate-kbps", .kind = CMDOPT_UINT,
	  .where = CMDOPT_BOTH, .tag = OPT_UINT, OPTS_AT(replay_rate_kbps),
	  .min = 0, .max = 100000000, .arg = "N",
	  .help = "cap the spool's catch-up after an outage at N kbit/s, "
		  "an agent's or a relay's (0: no cap)" },
	{ .name = "timeout", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(timeout), .min = 1, .max = 300, .arg = "S",
	  .help = "connect and I/O timeout (10)" },
	{ .name = "failback", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(failback), .min = 0, .max = 86400,
	  .arg = "S",
	  .help = "seconds on a fallback upstream before trying the first "
		"(300)" },
	{ .name = "procfs", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(procfs), .arg = "DIR",
	  .help = "where /proc is mounted (/proc)" },
	{ .name = "once", .kind = CMDOPT_FLAG, .where = CMDOPT_CLI,
	  .tag = OPT_FLAG, OPTS_AT(once),
	  .help = "collect and push once; exit 0 delivered, 3 spooled, 1 "
		"refused" },
	{ .name = "print", .kind = CMDOPT_FLAG, .where = CMDOPT_CLI,
	  .tag = OPT_FLAG, OPTS_AT(print),
	  .help = "print one collection on stdout; no network, no spool" },
	{ .name = "check", .letter = 'n', .kind = CMDOPT_FLAG,
	  .where = CMDOPT_CLI, .tag = OPT_FLAG, OPTS_AT(check),
	  .help = "check the settings, token, certificates and key, "
		  "then exit" },
	{ .name = "spool-list", .kind = CMDOPT_FLAG, .where = CMDOPT_CLI,
	  .tag = OPT_FLAG, OPTS_AT(spool_list),
	  .help = "list the spooled batches and exit" },
	{ .name = "spool-show", .kind = CMDOPT_UINT, .where = CMDOPT_CLI,
	  .tag = OPT_UINT, OPTS_AT(spool_show), .min = 1, .max = UINT_MAX,
	  .arg = "SEQ",
	  .help = "print spooled batch SEQ as text and exit" },
	{ .name = "relay", .kind = CMDOPT_FLAG, .where = CMDOPT_BOTH,
	  .tag = OPT_FLAG, OPTS_AT(relay),
	  .help = "run as a pod relay" },
	{ .name = "listen", .letter = 'l', .kind = CMDOPT_CALL,
	  .where = CMDOPT_BOTH, .tag = OPT_LISTEN, OPTS_AT(listen),
	  .call = options_set_listen_opt, .arg = "ADDR:PORT",
	  .help = "relay: HTTPS listener (127.0.0.1:8443)" },
	{ .name = "cert", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(cert), .arg = "FILE",
	  .help = "relay: certificate chain (PEM), under the podboot root" },
	{ .name = "key", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(key), .arg = "FILE",
	  .help = "relay: private key (PEM, mode 0600)" },
	{ .name = "relay-token-file", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(relay_token_file), .arg = "FILE",
	  .help = "relay: token with scope relay (mode 0600)" },
	{ .name = "batch-interval", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(batch_interval), .min = 1, .max = 60,
	  .arg = "S",
	  .help = "relay: seconds pushes gather before going upstream (5)" },
	{ .name = "max-conns", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(max_conns), .min = 1, .max = 1024,
	  .arg = "N",
	  .help = "relay: simultaneous node connections (128)" },
	{ .name = "cache-dir", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(cache_dir), .arg = "DIR",
	  .help = "relay: cache the pod's artifacts in DIR (none)" },
	{ .name = "cache-max-mb", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(cache_max_mb), .min = 1, .max = 16777216,
	  .arg = "N",
	  .help = "relay: cache size bound in MiB (10240)" },
	{ .name = "cache-workers", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(cache_workers), .min = 1,
	  .max = OPTIONS_CACHE_WORKERS_MAX, .arg = "N",
	  .help = "relay: threads streaming the cache's answers (one a CPU, "
		  "at most 4)" },
	{ .name = "wan-rate-kbps", .kind = CMDOPT_UINT, .where = CMDOPT_BOTH,
	  .tag = OPT_UINT, OPTS_AT(wan_rate_kbps), .min = 0,
	  .max = 100000000, .arg = "N",
	  .help = "relay: cap the pod link, cache fetches and forwarding "
		  "together, at N kbit/s (0: no cap)" },
	{ .name = "cache-set-interval", .kind = CMDOPT_UINT,
	  .where = CMDOPT_BOTH, .tag = OPT_UINT, OPTS_AT(cache_set_interval),
	  .min = 1, .max = 86400, .arg = "S",
	  .help = "relay: seconds between asks for the pod's set (60)" },
	{ .name = "pod", .kind = CMDOPT_BUF, .where = CMDOPT_BOTH,
	  .tag = OPT_PATH, OPTS_AT(pod), .arg = "NAME",
	  .help = "relay: prefetch and keep pod NAME's artifact set" },
	{ .name = "verbose", .letter = 'v', .kind = CMDOPT_FLAG,
	  .where = CMDOPT_CLI, .tag = OPT_FLAG, OPTS_AT(verbose),
	  .help = "log debug lines too" },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_FLAG,
	  .where = CMDOPT_CLI, .tag = OPT_FLAG, OPTS_AT(help),
	  .help = "show this text" },
	{ .name = "version", .letter = 'V', .kind = CMDOPT_FLAG,
	  .where = CMDOPT_CLI, .tag = OPT_FLAG, OPTS_AT(version),
	  .help = "show the version" },
};

#define N_DEFS (sizeof(options_defs) / sizeof(options_defs[0]))

/* The default of --cache-workers: one a CPU online, 1 to 4. */
static unsigned options_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

void options_init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->interval = 15;
	strcpy(o->spool, "/var/spool/podboot-agent");
	o->spool_max_mb = 64;
	o->timeout = 10;
	o->failback = 300;
	strcpy(o->procfs, "/proc");
	strcpy(o->listen, "127.0.0.1:8443");
	o->batch_interval = 5;
	o->max_conns = 128;
	o->cache_max_mb = 10240;
	o->cache_workers = options_cpus();
	o->cache_set_interval = 60;
}

void options_free(struct options *o)
{
	mbedtls_platform_zeroize(o->token, sizeof(o->token));
}

void options_usage(FILE *f)
{
	fprintf(f, "usage: podboot-agent [options]\n"
		   "       podboot-agent --relay [options]\n");
	cmdopt_usage(f, options_defs, N_DEFS);
}

/* "ADDR:PORT" with an IPv4 or a bracketed IPv6 literal. */
static int options_set_listen(struct options *o, const char *v)
{
	const char *colon = strrchr(v, ':');
	unsigned char addr[16];
	size_t hlen;
	unsigned port;

	if (!colon || strlen(v) > URL_MAX)
		return -EINVAL;
	hlen = (size_t)(colon - v);
	if (hlen >= 2 && v[0] == '[' && colon[-1] == ']') {
		memcpy(o->listen_host, v + 1, hlen - 2);
		o->listen_host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, o->listen_host, addr) != 1)
			return -EINVAL;
	} else {
		memcpy(o->listen_host, v, hlen);
		o->listen_host[hlen] = '\0';
		if (inet_pton(AF_INET, o->listen_host, addr) != 1)
			return -EINVAL;
	}
	if (num_parse_uint(colon + 1, 1, 65535, &port) != 0)
		return -EINVAL;
	snprintf(o->listen_port, sizeof(o->listen_port), "%u", port);
	if (v != o->listen)
		strcpy(o->listen, v);
	return 0;
}

/* A file's boolean @v (1 yes true on, 0 no false off) into *@out. */
static int options_flag_value(const char *v, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*out = strcmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* A row's call: --listen or the file's listen. */
static int options_set_listen_opt(void *opts, const char *v)
{
	return options_set_listen(opts, v);
}

/* A row's call: one more upstream URL, within OPTIONS_SERVERS_MAX. */
static int options_add_server(void *opts, const char *v)
{
	struct options *o = opts;
	int rc;

	if (o->n_servers == OPTIONS_SERVERS_MAX)
		return -PB_ETOOBIG;
	rc = url_parse(&o->servers[o->n_servers], v);
	if (rc == 0)
		o->n_servers++;
	return rc;
}

/*
 * Apply one setting.  @v is NULL for a flag given on the command line.
 * @why receives what is wrong with the value.
 */
static int options_apply(struct options *o, const struct cmdopt *d,
			 const char *v, int from_cli, const char **why)
{
	switch (d->tag) {
	case OPT_FLAG:
		if (!v)
			break;
		*why = "is not a boolean (expected yes or no)";
		return options_flag_value(v, (int *)((char *)o + d->off));
	case OPT_UINT:
		*why = "is not a number in range";
		break;
	case OPT_PATH:
	case OPT_TOKEN:
		*why = *v ? "is too long" : "is empty";
		break;
	case OPT_LISTEN:
		*why = "is not ADDR:PORT with an IP address";
		break;
	case OPT_SERVER:
		if (from_cli && !o->servers_from_cli) {
			o->servers_from_cli = 1;
			o->n_servers = 0;
		}
		*why = o->n_servers == OPTIONS_SERVERS_MAX ?
			       "is one URL too many" :
			       "is not https://HOST[:PORT][/PATH]";
		break;
	}
	return cmdopt_store(d, o, v);
}

/* The row named @name (@len bytes) or, if not 0, lettered @letter. */
static const struct cmdopt *options_find(const char *name, size_t len,
					 char letter)
{
	return cmdopt_find(options_defs, N_DEFS, name, len, letter);
}

/* Trim spaces and tabs from both ends of @s in place. */
static char *options_trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The setting a file key names ('_' and '-' alike); NULL if none. */
static const struct cmdopt *options_file_key(char *key)
{
	const struct cmdopt *d;
	char *p;

	for (p = key; *p; p++)
		if (*p == '_')
			*p = '-';
	d = options_find(key, strlen(key), 0);
	return d && d->where != CMDOPT_CLI ? d : NULL;
}

/* 1 if @v holds a control character. */
static int options_has_control(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 1;
	return 0;
}

/* One "key = value" line of @file; @seen marks the keys given so far. */
static int options_file_line(struct options *o, const char *file, int n,
			     char *line, int private, unsigned char *seen)
{
	const struct cmdopt *d;
	const char *why = "";
	char *eq, *key, *val;

	line = options_trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq) {
		log_error("%s:%d: expected key = value", file, n);
		return -PB_ECONFIG;
	}
	*eq = '\0';
	key = options_trim(line);
	val = options_trim(eq + 1);
	d = options_file_key(key);
	if (!d)
		why = "is an unknown setting (see --help)";
	else if (seen[d - options_defs]++ && d->tag != OPT_SERVER)
		why = "is given twice";
	else if (options_has_control(val))
		why = "has a control character";
	else if (d->tag == OPT_TOKEN && !private)
		why = "is in a file others can read: chmod 600 it";
	if (*why) {
		log_error("%s:%d: %s %s", file, n, key, why);
		return -PB_ECONFIG;
	}
	if (options_apply(o, d, val, 0, &why) != 0) {
		log_error("%s:%d: %s %s", file, n, key, why);
		return -PB_ECONFIG;
	}
	return 0;
}

/* Read agent.conf: "key = value" lines, '#' comments. */
static int options_file(struct options *o, const char *path)
{
	unsigned char *buf = NULL, seen[N_DEFS] = { 0 };
	char *line, *next;
	struct stat st;
	size_t len;
	int n = 0, rc;

	rc = fileio_read(path, OPTIONS_FILE_MAX, &buf, &len);
	if (rc != 0 || stat(path, &st) != 0) {
		log_error("%s: %s", path, pb_strerror(rc ? rc : -errno));
		rc = -PB_ECONFIG;
		goto out;
	}
	if (memchr(buf, '\0', len)) {
		log_error("%s: has a NUL byte", path);
		rc = -PB_ECONFIG;
		goto out;
	}
	for (line = (char *)buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		rc = options_file_line(o, path, ++n, line,
				       !(st.st_mode & 077), seen);
		if (rc != 0)
			goto out;
	}
out:
	if (buf) {
		mbedtls_platform_zeroize(buf, len);
		free(buf);
	}
	return rc;
}

/* Walk argv, applying --config alone (@config_pass) or all the others. */
static int options_argv(struct options *o, int argc, char **argv,
			int config_pass)
{
	const struct cmdopt *d;
	const char *a, *v, *eq, *why = "";
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		v = NULL;
		d = NULL;
		if (a[0] == '-' && a[1] == '-') {
			eq = strchr(a + 2, '=');
			d = options_find(a + 2, eq ? (size_t)(eq - a - 2) :
						     strlen(a + 2), 0);
			v = eq ? eq + 1 : NULL;
		} else if (a[0] == '-' && a[1] && !a[2]) {
			d = options_find(NULL, 0, a[1]);
		}
		if (!d || d->where == CMDOPT_FILE) {
			log_error("%s: unknown option (see --help)", a);
			return -PB_EUSAGE;
		}
		if (d->tag == OPT_FLAG && v) {
			log_error("--%s takes no value", d->name);
			return -PB_EUSAGE;
		}
		if (d->tag != OPT_FLAG && !v) {
			if (i + 1 >= argc) {
				log_error("--%s needs %s", d->name, d->arg);
				return -PB_EUSAGE;
			}
			v = argv[++i];
		}
		if ((strcmp(d->name, "config") == 0) != config_pass)
			continue;
		if (options_apply(o, d, v, 1, &why) != 0) {
			log_error("--%s %s: %s", d->name, v ? v : "", why);
			return -PB_EUSAGE;
		}
	}
	return 0;
}

int options_parse(struct options *o, int argc, char **argv)
{
	int rc;

	rc = options_argv(o, argc, argv, 1);
	if (rc == 0 && *o->config)
		rc = options_file(o, o->config);
	if (rc == 0)
		rc = options_argv(o, argc, argv, 0);
	return rc;
}

int options_read_token(const char *path, char *out)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int rc;

	if (stat(path, &st) != 0) {
		rc = -errno;
		log_error("%s: %s", path, pb_strerror(rc));
		return rc;
	}
	if (st.st_mode & 077) {
		log_error("%s: a token file others can read: chmod 600 %s",
			  path, path);
		return -EACCES;
	}
	rc = fileio_read(path, OPTIONS_TOKEN_MAX + 64, &buf, &len);
	if (rc != 0) {
		log_error("%s: %s", path, pb_strerror(rc));
		goto out;
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
		len--;
	if (len == 0 || len > OPTIONS_TOKEN_MAX ||
	    !frame_token_valid((const char *)buf, len)) {
		log_error("%s: not a bearer token (1 to %d characters of "
			  "A-Z a-z 0-9 - . _ ~ + /, then = padding)", path,
			  OPTIONS_TOKEN_MAX);
		rc = -PB_EBAD_NAME;
		goto out;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
out:
	if (buf) {
		mbedtls_platform_zeroize(buf, len);
		free(buf);
	}
	return rc;
}

/* Say which setting a mode lacks. */
static int options_need(const char *what, const char *mode)
{
	log_error("%s needs --%s (or %s in the configuration file)", mode,
		  what, what);
	return -PB_ECONFIG;
}

/* What --relay needs: certificate, key, relay token, a valid listen. */
static int options_finish_relay(struct options *o)
{
	if (!*o->cert)
		return options_need("cert", "--relay");
	if (!*o->key)
		return options_need("key", "--relay");
	if (!*o->relay_token_file)
		return options_need("relay-token-file", "--relay");
	if (options_set_listen(o, o->listen) != 0) {
		log_error("listen %s: not ADDR:PORT with an IP address",
			  o->listen);
		return -PB_ECONFIG;
	}
	return 0;
}

/* The agent's token: from the file or the token file, never both. */
static int options_finish_agent(struct options *o)
{
	size_t len = strlen(o->token);

	if (*o->token && *o->token_file) {
		log_error("give the token or a token file, not both");
		return -PB_ECONFIG;
	}
	if (*o->token_file)
		return options_read_token(o->token_file, o->token) ?
			       -PB_ECONFIG : 0;
	if (!*o->token)
		return options_need("token-file", "the agent");
	if (!frame_token_valid(o->token, len)) {
		log_error("the token is not a bearer token");
		return -PB_ECONFIG;
	}
	return 0;
}

int options_finish(struct options *o)
{
	const char *mode = o->relay ? "--relay" : "the agent";

	if (o->help || o->version || o->print || o->spool_list ||
	    o->spool_show)
		return 0;
	if (o->n_servers == 0)
		return options_need("server", mode);
	if (!*o->ca)
		return options_need("ca", mode);
	return o->relay ? options_finish_relay(o) : options_finish_agent(o);
}
