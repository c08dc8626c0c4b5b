/* options.c: podboot-agent's settings, from flags and an agent.conf file. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/platform_util.h>

#include "error.h"
#include "frame.h"
#include "fileio.h"
#include "log.h"
#include "num.h"
#include "options.h"

enum options_kind { OPT_FLAG, OPT_PATH, OPT_UINT, OPT_SERVER, OPT_TOKEN,
		    OPT_LISTEN };
enum options_where { OPT_BOTH, OPT_CLI, OPT_FILE };

/* One setting: a long flag --NAME and, unless OPT_CLI, a file key NAME. */
struct options_def {
	const char *name;
	char letter;
	enum options_kind kind;
	enum options_where where;
	size_t off;
	size_t size;
	unsigned min, max;
	const char *arg;
	const char *help;
};

#define OPT_AT(field) offsetof(struct options, field), \
	sizeof(((struct options *)0)->field)

static const struct options_def options_defs[] = {
	{ "config", 'c', OPT_PATH, OPT_CLI, OPT_AT(config), 0, 0, "FILE",
	  "read key = value settings from FILE (flags override it)" },
	{ "server", 's', OPT_SERVER, OPT_BOTH, OPT_AT(servers), 0, 0, "URL",
	  "upstream base URL, repeatable, most preferred first" },
	{ "token", 0, OPT_TOKEN, OPT_FILE, OPT_AT(token), 0, 0, "TOKEN",
	  "the node token (file only, which must then be mode 0600)" },
	{ "token-file", 0, OPT_PATH, OPT_BOTH, OPT_AT(token_file), 0, 0,
	  "FILE", "read the node token from FILE (mode 0600)" },
	{ "ca", 0, OPT_PATH, OPT_BOTH, OPT_AT(ca), 0, 0, "FILE",
	  "the podboot root certificate: the only one trusted" },
	{ "interval", 'i', OPT_UINT, OPT_BOTH, OPT_AT(interval), 1, 3600, "S",
	  "seconds between collections (15)" },
	{ "spool", 0, OPT_PATH, OPT_BOTH, OPT_AT(spool), 0, 0, "DIR",
	  "spool directory (/var/spool/podboot-agent)" },
	{ "spool-max-mb", 0, OPT_UINT, OPT_BOTH, OPT_AT(spool_max_mb), 1,
	  1048576, "N", "spool size limit in MiB (64)" },
	{ "timeout", 0, OPT_UINT, OPT_BOTH, OPT_AT(timeout), 1, 300, "S",
	  "connect and I/O timeout (10)" },
	{ "failback", 0, OPT_UINT, OPT_BOTH, OPT_AT(failback), 0, 86400, "S",
	  "seconds on a fallback upstream before trying the first (300)" },
	{ "procfs", 0, OPT_PATH, OPT_BOTH, OPT_AT(procfs), 0, 0, "DIR",
	  "where /proc is mounted (/proc)" },
	{ "once", 0, OPT_FLAG, OPT_CLI, OPT_AT(once), 0, 0, NULL,
	  "collect and push once; exit 0 delivered, 3 spooled, 1 refused" },
	{ "print", 0, OPT_FLAG, OPT_CLI, OPT_AT(print), 0, 0, NULL,
	  "print one collection on stdout; no network, no spool" },
	{ "check", 'n', OPT_FLAG, OPT_CLI, OPT_AT(check), 0, 0, NULL,
	  "check the settings, token, certificates and key, then exit" },
	{ "spool-list", 0, OPT_FLAG, OPT_CLI, OPT_AT(spool_list), 0, 0, NULL,
	  "list the spooled batches and exit" },
	{ "spool-show", 0, OPT_UINT, OPT_CLI, OPT_AT(spool_show), 1, UINT_MAX,
	  "SEQ", "print spooled batch SEQ as text and exit" },
	{ "relay", 0, OPT_FLAG, OPT_BOTH, OPT_AT(relay), 0, 0, NULL,
	  "run as a pod relay" },
	{ "listen", 'l', OPT_LISTEN, OPT_BOTH, OPT_AT(listen), 0, 0,
	  "ADDR:PORT", "relay: HTTPS listener (127.0.0.1:8443)" },
	{ "cert", 0, OPT_PATH, OPT_BOTH, OPT_AT(cert), 0, 0, "FILE",
	  "relay: certificate chain (PEM), under the podboot root" },
	{ "key", 0, OPT_PATH, OPT_BOTH, OPT_AT(key), 0, 0, "FILE",
	  "relay: private key (PEM, mode 0600)" },
	{ "relay-token-file", 0, OPT_PATH, OPT_BOTH, OPT_AT(relay_token_file),
	  0, 0, "FILE", "relay: token with scope relay (mode 0600)" },
	{ "batch-interval", 0, OPT_UINT, OPT_BOTH, OPT_AT(batch_interval), 1,
	  60, "S", "relay: seconds pushes gather before going upstream (5)" },
	{ "max-conns", 0, OPT_UINT, OPT_BOTH, OPT_AT(max_conns), 1, 1024, "N",
	  "relay: simultaneous node connections (128)" },
	{ "verbose", 'v', OPT_FLAG, OPT_CLI, OPT_AT(verbose), 0, 0, NULL,
	  "log debug lines too" },
	{ "help", 'h', OPT_FLAG, OPT_CLI, OPT_AT(help), 0, 0, NULL,
	  "show this text" },
	{ "version", 'V', OPT_FLAG, OPT_CLI, OPT_AT(version), 0, 0, NULL,
	  "show the version" },
};

#define N_DEFS (sizeof(options_defs) / sizeof(options_defs[0]))

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
}

void options_free(struct options *o)
{
	mbedtls_platform_zeroize(o->token, sizeof(o->token));
}

void options_usage(FILE *f)
{
	char left[64];
	size_t i;

	fprintf(f, "usage: podboot-agent [options]\n"
		   "       podboot-agent --relay [options]\n");
	for (i = 0; i < N_DEFS; i++) {
		const struct options_def *d = &options_defs[i];

		if (d->where == OPT_FILE)
			continue;
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s",
			 d->letter ? "-" : "", d->letter ? d->letter : ' ',
			 d->letter ? ", " : "  ", d->name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		fprintf(f, "  %-30s %s\n", d->letter ? left : left + 1,
			d->help);
	}
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

/*
 * Apply one setting.  @v is NULL for a flag given on the command line.
 * @why receives what is wrong with the value.
 */
static int options_apply(struct options *o, const struct options_def *d,
			 const char *v, int from_cli, const char **why)
{
	char *field = (char *)o + d->off;
	int rc;

	switch (d->kind) {
	case OPT_FLAG:
		if (!v) {
			*(int *)field = 1;
			return 0;
		}
		*why = "is not a boolean (expected yes or no)";
		return options_flag_value(v, (int *)field);
	case OPT_UINT:
		*why = "is not a number in range";
		return num_parse_uint(v, d->min, d->max, (unsigned *)field);
	case OPT_PATH:
	case OPT_TOKEN:
		*why = "is too long";
		if (!*v) {
			*why = "is empty";
			return -EINVAL;
		}
		if (strlen(v) >= d->size)
			return -PB_ETOOBIG;
		strcpy(field, v);
		return 0;
	case OPT_LISTEN:
		*why = "is not ADDR:PORT with an IP address";
		return options_set_listen(o, v);
	case OPT_SERVER:
		if (from_cli && !o->servers_from_cli) {
			o->servers_from_cli = 1;
			o->n_servers = 0;
		}
		*why = "is one URL too many";
		if (o->n_servers == OPTIONS_SERVERS_MAX)
			return -PB_ETOOBIG;
		*why = "is not https://HOST[:PORT][/PATH]";
		rc = url_parse(&o->servers[o->n_servers], v);
		if (rc == 0)
			o->n_servers++;
		return rc;
	}
	return -EINVAL;
}

static const struct options_def *options_find(const char *name, size_t len,
					      char letter)
{
	size_t i;

	for (i = 0; i < N_DEFS; i++) {
		const struct options_def *d = &options_defs[i];

		if (letter ? d->letter == letter :
			     strlen(d->name) == len &&
				     strncmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
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
static const struct options_def *options_file_key(char *key)
{
	const struct options_def *d;
	char *p;

	for (p = key; *p; p++)
		if (*p == '_')
			*p = '-';
	d = options_find(key, strlen(key), 0);
	return d && d->where != OPT_CLI ? d : NULL;
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
	const struct options_def *d;
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
	else if (seen[d - options_defs]++ && d->kind != OPT_SERVER)
		why = "is given twice";
	else if (options_has_control(val))
		why = "has a control character";
	else if (d->kind == OPT_TOKEN && !private)
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
	const struct options_def *d;
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
		if (!d || d->where == OPT_FILE) {
			log_error("%s: unknown option (see --help)", a);
			return -PB_EUSAGE;
		}
		if (d->kind == OPT_FLAG && v) {
			log_error("--%s takes no value", d->name);
			return -PB_EUSAGE;
		}
		if (d->kind != OPT_FLAG && !v) {
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
