/* config.c: podboot.conf (libconfig) parsed into a validated, read-only model. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <libconfig.h>
#include <mbedtls/platform_util.h>

#include "config.h"
#include "error.h"
#include "fileio.h"
#include "token.h"

/* Largest configuration file: a node takes some 150 bytes. */
#define CONFIG_FILE_MAX (64u << 20)
/* Longest string we quote back in a message or hold before a grammar
 * check rejects it. */
#define CONFIG_TEXT_MAX 256
#define CONFIG_ARTIFACT_MAX 128
#define CONFIG_SERIAL_MAX 64
#define CONFIG_UPLOAD "upload:"
/*
 * TLS 1.3, and TLS 1.2 with forward-secret key exchange only (ECDHE),
 * AEAD or CBC with SHA-256/384: what iPXE speaks (ECDHE-RSA and
 * ECDHE-ECDSA with AES-128/256 in GCM or CBC-SHA256/384).  No static RSA
 * key exchange, no SHA-1 CBC suites.
 */
#define CONFIG_TLS_PRIORITIES \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:" \
	"+AES-256-CBC:+AES-128-CBC:" \
	"-MAC-ALL:+AEAD:+SHA256:+SHA384:%SERVER_PRECEDENCE"
#define CONFIG_UPLOAD_LEN (sizeof(CONFIG_UPLOAD) - 1)
/* SHA-256 of the empty string: a token that an empty secret would match. */
#define CONFIG_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One key of a sorted index over a list: which item, which setting. */
struct config_entry {
	const char *key;
	const config_setting_t *s;	/* the setting holding @key */
	size_t pos;			/* index of the item in its list */
};

/* Items of a list sorted by a string key, for duplicates and lookups. */
struct config_index {
	struct config_entry *e;
	size_t n;
};

/* State of one config_load(). */
struct config_ctx {
	struct config *cfg;
	const char *file;		/* as the caller named it: messages */
	char dir[PATH_MAX];		/* absolute directory of the file */
	char *err;
	size_t err_size;
	struct config_index pods;	/* by name, for nodes' references */
	struct config_index profiles;	/* by name, for pods and nodes */
};

/* The settings a group may hold, and a check across them. */
struct config_group {
	const char *what;		/* "a pod", for messages */
	const struct config_key *keys;
	size_t n_keys;
	int (*check)(struct config_ctx *ctx, const config_setting_t *g,
		     void *base);
};

/* A top-level list of groups (pods, profiles, nodes, tokens). */
struct config_list {
	const struct config_group *elem;
	size_t elem_size;
	size_t max;			/* entries */
	void (*attach)(struct config *cfg, void *items, size_t n);
	int (*check)(struct config_ctx *ctx, const config_setting_t *list);
};

/* One setting of a group: how to parse it and where it goes. */
struct config_key {
	const char *name;
	/* Parse setting @s (NULL when absent: store the default) into
	 * @field; 0, or a negative error with the message written. */
	int (*parse)(struct config_ctx *ctx, const config_setting_t *s,
		     const struct config_key *key, void *field);
	size_t off;			/* of the field in the group's struct */
	size_t size;			/* of a string field */
	long long min, max, def;	/* of a number */
	const char *def_str;		/* default of a string, if not "" */
	const char *expect;		/* what a valid value looks like */
	int required;
	const struct config_group *group;	/* of a nested group */
	const struct config_list *list;		/* of a list */
};

/* ---- Character classes: explicit, so no locale widens them. ---- */

static int config_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int config_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int config_is_lower_alnum(int c)
{
	return config_is_digit(c) || (c >= 'a' && c <= 'z');
}

static int config_is_alnum(int c)
{
	return config_is_digit(c) || config_is_alpha(c);
}

/* Value of hex digit @c, or -1. */
static int config_hex_value(int c)
{
	if (config_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char config_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ---- Grammars for hostile input ---- */

/*
 * All-zero and all-one MACs and UUIDs are what firmware reports when it
 * has none.  The grammars accept them (such a machine may still boot by
 * its MAC), but no node may claim one: it would be every such machine.
 */
static int config_is_placeholder(const char *hex, size_t len)
{
	size_t zeros = 0, ones = 0, digits = 0, i;

	for (i = 0; i < len; i++) {
		if (config_hex_value(hex[i]) < 0)
			continue;
		digits++;
		zeros += hex[i] == '0';
		ones += hex[i] == 'f';
	}
	return zeros == digits || ones == digits;
}

/**
 * Normalise a MAC address.
 *
 * @v in		aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff,
 *			any case, one kind of separator
 * @v out		receives lower-case aa:bb:cc:dd:ee:ff, or "" on failure
 * @ret rc		0 or -PB_EBAD_NAME
 */
int config_mac_normalise(const char *in, char out[18])
{
	char buf[18];
	size_t len, i, o = 0, step;
	char sep;

	out[0] = '\0';
	if (!in)
		return -PB_EBAD_NAME;
	len = strnlen(in, 18);
	if (len == 17) {
		sep = in[2];
		if (sep != ':' && sep != '-')
			return -PB_EBAD_NAME;
		step = 3;
	} else if (len == 12) {
		sep = '\0';
		step = 2;
	} else {
		return -PB_EBAD_NAME;
	}
	for (i = 0; i < len; i += step) {
		if (config_hex_value(in[i]) < 0 ||
		    config_hex_value(in[i + 1]) < 0 ||
		    (sep && i + 2 < len && in[i + 2] != sep))
			return -PB_EBAD_NAME;
		if (o)
			buf[o++] = ':';
		buf[o++] = config_lower(in[i]);
		buf[o++] = config_lower(in[i + 1]);
	}
	buf[o] = '\0';
	memcpy(out, buf, sizeof(buf));
	return 0;
}

/**
 * Normalise a UUID.
 *
 * @v in		8-4-4-4-12 hex digits, any case
 * @v out		receives the lower-case form, or "" on failure
 * @ret rc		0 or -PB_EBAD_NAME
 */
int config_uuid_normalise(const char *in, char out[37])
{
	size_t i;

	out[0] = '\0';
	if (!in || strnlen(in, 37) != 36)
		return -PB_EBAD_NAME;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (in[i] != '-')
				return -PB_EBAD_NAME;
		} else if (config_hex_value(in[i]) < 0) {
			return -PB_EBAD_NAME;
		}
	}
	for (i = 0; i < 36; i++)
		out[i] = config_lower(in[i]);
	out[36] = '\0';
	return 0;
}

/**
 * Check a serial number: 1 to 64 of [A-Za-z0-9._-].
 *
 * @ret rc		0 or -PB_EBAD_NAME
 */
int config_serial_valid(const char *serial)
{
	size_t len, i;

	if (!serial)
		return -PB_EBAD_NAME;
	len = strnlen(serial, CONFIG_SERIAL_MAX + 1);
	if (len == 0 || len > CONFIG_SERIAL_MAX)
		return -PB_EBAD_NAME;
	for (i = 0; i < len; i++)
		if (!config_is_alnum(serial[i]) && !strchr("._-", serial[i]))
			return -PB_EBAD_NAME;
	return 0;
}

/**
 * Check a pod, profile, node or token name: [a-z0-9][a-z0-9._-]*, at
 * most CONFIG_NAME_MAX - 1 bytes.
 *
 * @ret rc		0 or -PB_EBAD_NAME
 */
int config_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return -PB_EBAD_NAME;
	len = strnlen(name, CONFIG_NAME_MAX);
	if (len == 0 || len >= CONFIG_NAME_MAX ||
	    !config_is_lower_alnum(name[0]))
		return -PB_EBAD_NAME;
	for (i = 1; i < len; i++)
		if (!config_is_lower_alnum(name[i]) && !strchr("._-", name[i]))
			return -PB_EBAD_NAME;
	return 0;
}

/**
 * Check an artifact name: segments of [A-Za-z0-9][A-Za-z0-9._+-]* joined
 * by "/", at most 128 bytes.  Since a segment starts with a letter or
 * digit, "", ".", "..", "//", a leading or trailing "/" and "@" are all
 * refused by the same rule.
 *
 * @ret rc		0 or -PB_EBAD_NAME
 */
int config_artifact_name_valid(const char *name)
{
	size_t len, i;
	int start = 1;

	if (!name)
		return -PB_EBAD_NAME;
	len = strnlen(name, CONFIG_ARTIFACT_MAX + 1);
	if (len == 0 || len > CONFIG_ARTIFACT_MAX)
		return -PB_EBAD_NAME;
	/* NAME.sig is the signature of NAME: no artifact may be called so. */
	if (len >= 4 && strcmp(name + len - 4, ".sig") == 0)
		return -PB_EBAD_NAME;
	for (i = 0; i < len; i++) {
		if (start) {
			if (!config_is_alnum(name[i]))
				return -PB_EBAD_NAME;
			start = 0;
		} else if (name[i] == '/') {
			start = 1;
		} else if (!config_is_alnum(name[i]) &&
			   !strchr("._+-", name[i])) {
			return -PB_EBAD_NAME;
		}
	}
	return start ? -PB_EBAD_NAME : 0;
}

/* Address family of IP literal @s (AF_INET, AF_INET6), or 0. */
static int config_ip_family(const char *s)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, s, bin) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, bin) == 1)
		return AF_INET6;
	return 0;
}

/*
 * Parse "ADDRESS/PREFIX" into @addr (16 bytes), @family and @prefix.
 * The prefix is decimal without sign or leading zeros, within the
 * family's width.  Returns 0 or -PB_EBAD_NAME.
 */
static int config_cidr_parse(const char *s, unsigned char *addr, int *family,
			     int *prefix)
{
	const char *slash = strchr(s, '/'), *d;
	char buf[64];
	size_t alen;
	int max, p = 0;

	if (!slash || (alen = (size_t)(slash - s)) == 0 || alen >= sizeof(buf))
		return -PB_EBAD_NAME;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return -PB_EBAD_NAME;
	}
	d = slash + 1;
	if (!config_is_digit(d[0]) || (d[0] == '0' && d[1]))
		return -PB_EBAD_NAME;
	for (; *d; d++) {
		if (!config_is_digit(*d))
			return -PB_EBAD_NAME;
		p = p * 10 + (*d - '0');
		if (p > max)
			return -PB_EBAD_NAME;
	}
	*prefix = p;
	return 0;
}

/* Clear the host bits of @addr; 1 if any were set. */
static int config_cidr_mask(unsigned char *addr, int family, int prefix)
{
	int n = family == AF_INET ? 4 : 16, i, bits, set = 0;
	unsigned char mask;

	for (i = 0; i < n; i++) {
		bits = prefix - 8 * i;
		mask = bits >= 8 ? 0xff :
		       bits <= 0 ? 0 : (unsigned char)(0xff << (8 - bits));
		set |= (addr[i] & ~mask) != 0;
		addr[i] &= mask;
	}
	return set;
}

/* A network in boot_from: ADDRESS/PREFIX without host bits. */
static int config_cidr_valid(const char *s)
{
	unsigned char addr[16];
	int family, prefix;

	return config_cidr_parse(s, addr, &family, &prefix) == 0 &&
	       !config_cidr_mask(addr, family, prefix);
}

/* @client (an address as text) into @have (16 bytes); its family or 0. */
static int config_client_addr(const char *client, unsigned char *have)
{
	memset(have, 0, 16);
	if (inet_pton(AF_INET, client, have) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, client, have) != 1)
		return 0;
	/* ::ffff:a.b.c.d from a dual-stack socket is IPv4. */
	if (memcmp(have, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(have, have + 12, 4);
		memset(have + 4, 0, 12);
		return AF_INET;
	}
	return AF_INET6;
}

/* Whether address @have of @family lies in network @net/@prefix. */
static int config_cidr_has(const unsigned char *net, int net_family,
			   int prefix, const unsigned char *have, int family)
{
	unsigned char masked[16];

	if (net_family != family)
		return 0;
	memcpy(masked, have, sizeof(masked));
	config_cidr_mask(masked, family, prefix);
	return memcmp(masked, net, family == AF_INET ? 4 : 16) == 0;
}

int config_pod_boot_allowed(const struct config_pod *p, const char *client)
{
	const struct config_cidr *net;
	unsigned char have[16];
	int family;
	size_t i;

	if (!p->n_boot_from)
		return 1;
	family = config_client_addr(client, have);
	for (i = 0; family && i < p->n_boot_from; i++) {
		net = &p->boot_nets[i];
		if (config_cidr_has(net->addr, net->family, net->prefix, have,
				    family))
			return 1;
	}
	return 0;
}

int config_pod_push_allowed(const struct config_pod *p, const char *client)
{
	unsigned char have[16], net[16];
	int family, net_family, prefix;

	if (config_pod_boot_allowed(p, client))
		return 1;
	/* The installed OS speaks from the management network. */
	family = config_client_addr(client, have);
	if (!family || config_cidr_parse(p->mgmt.cidr, net, &net_family,
					 &prefix) != 0)
		return 0;
	config_cidr_mask(net, net_family, prefix);
	return config_cidr_has(net, net_family, prefix, have, family);
}

/*
 * Length of @url without its trailing slashes if it is
 * http(s)://HOST[:PORT][/PATH] with HOST a DNS name, IPv4 or [IPv6]
 * literal and PATH of [A-Za-z0-9/._~-]; else 0.  No user, query or
 * fragment: the URL is pasted into boot scripts.
 */
static size_t config_url_len(const char *url)
{
	unsigned char bin[16];
	const char *p, *host;
	char buf[64];
	size_t len;
	long port = 0;

	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return 0;
	host = p;
	if (*p == '[') {
		while (*p && *p != ']')
			p++;
		len = (size_t)(p - host - 1);
		if (*p != ']' || len == 0 || len >= sizeof(buf))
			return 0;
		memcpy(buf, host + 1, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, bin) != 1)
			return 0;
		p++;
	} else {
		while (config_is_alnum(*p) || *p == '.' || *p == '-')
			p++;
		if (p == host || !config_is_alnum(*host))
			return 0;
	}
	if (*p == ':') {
		host = ++p;
		while (config_is_digit(*p) && p - host < 5)
			port = port * 10 + (*p++ - '0');
		if (p == host || *host == '0' || port > 65535)
			return 0;
	}
	if (*p && *p != '/')
		return 0;
	for (; *p; p++)
		if (!config_is_alnum(*p) && !strchr("/._~-", *p))
			return 0;
	len = strlen(url);
	while (url[len - 1] == '/')
		len--;
	return len;
}

/*
 * A granted scope: "rearm", "status", "upload:NAME", "upload:*" or
 * "upload:PREFIX*", where PREFIX is the start of some valid artifact name
 * ("el9/" and "el9-" both are): PREFIX followed by a letter is valid.
 */
static int config_scope_valid(const char *scope)
{
	char buf[CONFIG_ARTIFACT_MAX + 2];
	const char *rest;
	size_t len;

	if (strcmp(scope, "rearm") == 0 || strcmp(scope, "status") == 0 ||
	    strcmp(scope, "push") == 0 || strcmp(scope, "relay") == 0)
		return 1;
	if (strncmp(scope, CONFIG_UPLOAD, CONFIG_UPLOAD_LEN) != 0)
		return 0;
	rest = scope + CONFIG_UPLOAD_LEN;
	len = strlen(rest);
	if (len == 0 || rest[len - 1] != '*')
		return config_artifact_name_valid(rest) == 0;
	if (len == 1)
		return 1;
	if (len > CONFIG_ARTIFACT_MAX)
		return 0;
	memcpy(buf, rest, len - 1);
	buf[len - 1] = 'x';
	buf[len] = '\0';
	return config_artifact_name_valid(buf) == 0;
}

/* A scope a request asks for: "rearm", "status" or "upload:NAME". */
static int config_scope_request_valid(const char *scope)
{
	return strcmp(scope, "rearm") == 0 || strcmp(scope, "status") == 0 ||
	       strcmp(scope, "push") == 0 || strcmp(scope, "relay") == 0 ||
	       (strncmp(scope, CONFIG_UPLOAD, CONFIG_UPLOAD_LEN) == 0 &&
		config_artifact_name_valid(scope + CONFIG_UPLOAD_LEN) == 0);
}

/* ---- Paths ---- */

/*
 * Copy absolute path @in to @out, dropping "." segments and repeated and
 * trailing slashes.  ".." stays: with symbolic links, removing it by text
 * could name a different file.
 */
static int config_path_clean(char *out, size_t size, const char *in)
{
	const char *p = in, *seg;
	size_t o = 0, len;

	while (*p) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len >= size || o + 1 >= size - len)
			return -PB_ETOOBIG;
		out[o++] = '/';
		memcpy(out + o, seg, len);
		o += len;
	}
	if (o == 0) {
		if (size < 2)
			return -PB_ETOOBIG;
		out[o++] = '/';
	}
	out[o] = '\0';
	return 0;
}

/* @rel resolved against absolute directory @dir (unless absolute). */
static int config_path_resolve(char *out, size_t size, const char *dir,
			       const char *rel)
{
	char tmp[2 * PATH_MAX];
	int n;

	if (rel[0] == '/')
		n = snprintf(tmp, sizeof(tmp), "%s", rel);
	else
		n = snprintf(tmp, sizeof(tmp), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -PB_ETOOBIG;
	return config_path_clean(out, size, tmp);
}

/* The absolute path of the configuration file and its directory. */
static int config_locate(struct config_ctx *ctx, const char *path)
{
	char cwd[PATH_MAX];
	char *slash;
	int rc;

	if (path[0] == '/') {
		cwd[0] = '\0';
	} else if (!getcwd(cwd, sizeof(cwd))) {
		rc = -errno;
		goto out;
	}
	if ((rc = config_path_resolve(ctx->cfg->path, sizeof(ctx->cfg->path),
				      cwd, path)) != 0)
		goto out;
	memcpy(ctx->dir, ctx->cfg->path, sizeof(ctx->dir));
	slash = strrchr(ctx->dir, '/');
	slash[slash == ctx->dir ? 1 : 0] = '\0';
out:
	return rc;
}

/* ---- Messages ---- */

/* "nodes[3].mac" for @s (and its @member, if not NULL) into @buf. */
static void config_path_of(const config_setting_t *s, const char *member,
			   char *buf, size_t size)
{
	const config_setting_t *parent;
	size_t len;

	buf[0] = '\0';
	if (s && (parent = config_setting_parent(s)) != NULL) {
		config_path_of(parent, NULL, buf, size);
		len = strlen(buf);
		if (config_setting_name(s) && config_setting_is_group(parent))
			snprintf(buf + len, size - len, "%s%s",
				 len ? "." : "", config_setting_name(s));
		else
			snprintf(buf + len, size - len, "[%d]",
				 config_setting_index(s));
	}
	if (member) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", len ? "." : "",
			 member);
	}
}

/*
 * Write "FILE:LINE: PATH MESSAGE" for setting @s (or its missing
 * @member) to the caller's error buffer.
 *
 * @ret rc		-PB_ECONFIG, for "return config_fail(...)"
 */
static int __attribute__((format(printf, 4, 5)))
config_fail(struct config_ctx *ctx, const config_setting_t *s,
	    const char *member, const char *fmt, ...)
{
	char path[256];
	unsigned int line;
	va_list ap;
	int n;

	if (!ctx->err || ctx->err_size == 0)
		return -PB_ECONFIG;
	line = s ? config_setting_source_line(s) : 0;
	config_path_of(s, member, path, sizeof(path));
	/* Settings of the root have no line; name the top of the file. */
	n = snprintf(ctx->err, ctx->err_size, "%s:%u: %s%s", ctx->file,
		     line ? line : 1, path, path[0] ? " " : "");
	if (n >= 0 && (size_t)n < ctx->err_size) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, ctx->err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -PB_ECONFIG;
}

/* "FILE:LINE: MESSAGE" about the text itself, not a setting. */
static int __attribute__((format(printf, 3, 4)))
config_fail_line(struct config_ctx *ctx, unsigned int line,
		 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ctx->err || ctx->err_size == 0)
		return -PB_ECONFIG;
	n = snprintf(ctx->err, ctx->err_size, "%s:%u: ", ctx->file, line);
	if (n >= 0 && (size_t)n < ctx->err_size) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, ctx->err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -PB_ECONFIG;
}

/* ---- The text, before libconfig's reading of it is trusted ---- */

/*
 * Skip the number at *@pp.  1 if libconfig 1.5 will have wrapped it: it
 * reads integer literals without an L suffix into 32 bits and silently
 * drops the rest (3000000000 becomes -1294967296).
 */
static int config_scan_number(const char **pp)
{
	const char *p = *pp;
	unsigned long long v = 0;
	int big = 0, d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; (d = config_hex_value(*p)) >= 0; p++) {
			v = v * 16 + (unsigned long long)d;
			if (v > INT_MAX) {
				big = 1;
				v = INT_MAX;
			}
		}
	} else {
		for (; config_is_digit(*p); p++) {
			v = v * 10 + (unsigned long long)(*p - '0');
			if (v > INT_MAX) {
				big = 1;
				v = INT_MAX;
			}
		}
		if (*p == '.' || *p == 'e' || *p == 'E') {
			/* A float: no setting takes one, the type check says so. */
			for (; config_is_digit(*p) || *p == '.' || *p == 'e' ||
			       *p == 'E' ||
			       ((*p == '+' || *p == '-') &&
				(p[-1] == 'e' || p[-1] == 'E'));
			     p++)
				;
			big = 0;
		}
	}
	if (*p == 'L') {
		big = 0;
		p += p[1] == 'L' ? 2 : 1;
	}
	*pp = p;
	return big;
}

/*
 * Check the text for what libconfig 1.5 accepts wrongly: integers beyond
 * 32 bits (wrapped), "\x00" in strings (truncated), and @include (the
 * configuration is one file, its paths relative to it).  Comments and
 * strings are skipped as libconfig's scanner skips them.
 */
static int config_scan(struct config_ctx *ctx, const char *p)
{
	unsigned int line = 1;

	while (*p) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (p[0] == '\\' && p[1] == 'x' &&
				    p[2] == '0' && p[3] == '0')
					return config_fail_line(ctx, line,
						"string holds \\x00 (a NUL "
						"would cut it short)");
				if (p[0] == '\\' && p[1])
					p++;
				line += *p == '\n';
			}
			p += *p ? 1 : 0;
		} else if (*p == '@') {
			return config_fail_line(ctx, line,
				"@include is not supported (the "
				"configuration is one file)");
		} else if (config_is_alpha(*p) || *p == '*') {
			/* A name may hold digits that are not a number. */
			while (config_is_alnum(*p) || *p == '*' || *p == '_' ||
			       *p == '-')
				p++;
		} else if (config_is_digit(*p) ||
			   (*p == '.' && config_is_digit(p[1]))) {
			if (config_scan_number(&p))
				return config_fail_line(ctx, line,
					"number is too large (no setting takes "
					"more than %d)", INT_MAX);
		} else {
			p++;
		}
	}
	return 0;
}

/* ---- Values of settings ---- */

/*
 * The string of @s, checked to fit @size bytes with its NUL and to hold
 * no control character (a newline in a cmdline would be a second boot
 * script command).
 */
static int config_string(struct config_ctx *ctx, const config_setting_t *s,
			 const struct config_key *key, size_t size,
			 const char **out)
{
	const char *v;
	size_t len, i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return config_fail(ctx, s, NULL, "is not a string (expected %s)",
				   key->expect);
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len >= size)
		return config_fail(ctx, s, NULL,
				   "is %zu bytes long (at most %zu)", len,
				   size - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return config_fail(ctx, s, NULL,
					   "holds a control character "
					   "(expected %s)", key->expect);
	*out = v;
	return 0;
}

/* The integer of @s, within the key's range. */
static int config_integer(struct config_ctx *ctx, const config_setting_t *s,
			  const struct config_key *key, long long *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return config_fail(ctx, s, NULL,
				   "is not an integer (expected %lld to %lld)",
				   key->min, key->max);
	v = config_setting_get_int64(s);
	if (v < key->min || v > key->max)
		return config_fail(ctx, s, NULL,
				   "%lld is out of range (expected %lld to "
				   "%lld)", v, key->min, key->max);
	*out = v;
	return 0;
}

/* Any string that fits. */
static int config_key_string(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	const char *v = key->def_str ? key->def_str : "";
	int rc;

	if (s && (rc = config_string(ctx, s, key, key->size, &v)) != 0)
		return rc;
	snprintf(field, key->size, "%s", v);
	return 0;
}

/*
 * A GnuTLS priority string, checked by GnuTLS itself so that a typo is
 * named at load, not at the first handshake.
 */
static int config_key_priorities(struct config_ctx *ctx,
				 const config_setting_t *s,
				 const struct config_key *key, void *field)
{
	gnutls_priority_t prio;
	const char *v = key->def_str, *at = NULL;
	int rc;

	if (s && (rc = config_string(ctx, s, key, key->size, &v)) != 0)
		return rc;
	rc = gnutls_priority_init(&prio, v, &at);
	if (rc != GNUTLS_E_SUCCESS)
		return config_fail(ctx, s, NULL, "is not accepted by GnuTLS "
				   "(%s at \"%.40s\"; expected %s)",
				   gnutls_strerror(rc), at ? at : v,
				   key->expect);
	gnutls_priority_deinit(prio);
	snprintf(field, key->size, "%s", v);
	return 0;
}

/*
 * A string that must satisfy grammar @valid, copied as it is; @what says
 * what it is not ("a valid name (expected ...)").
 */
static int config_key_grammar(struct config_ctx *ctx,
			      const config_setting_t *s,
			      const struct config_key *key, void *field,
			      int (*valid)(const char *), const char *what)
{
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, CONFIG_TEXT_MAX, &v)) != 0)
		return rc;
	if (valid(v) != 0)
		return config_fail(ctx, s, NULL, "\"%s\" is not %s", v, what);
	snprintf(field, key->size, "%s", v);
	return 0;
}

_Static_assert(CONFIG_NAME_MAX == 64 && CONFIG_ARTIFACT_MAX == 128 &&
	       CONFIG_SERIAL_MAX == 64, "messages below quote these limits");

static int config_key_name(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_name_valid,
				  "a valid name (expected [a-z0-9][a-z0-9._-]*, "
				  "at most 63 characters)");
}

/* Hostnames may not take the form of a discovered machine's id. */
static int config_hostname_valid(const char *name)
{
	if (strlen(name) == 16 && strncmp(name, "mac-", 4) == 0 &&
	    strspn(name + 4, "0123456789abcdef") == 12)
		return -PB_EBAD_NAME;
	return config_name_valid(name);
}

static int config_key_hostname(struct config_ctx *ctx,
			       const config_setting_t *s,
			       const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_hostname_valid,
				  "a valid hostname (expected "
				  "[a-z0-9][a-z0-9._-]*, at most 63 "
				  "characters, not of the form mac-HEX that "
				  "discovered machines use)");
}

static int config_key_artifact(struct config_ctx *ctx,
			       const config_setting_t *s,
			       const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field,
				  config_artifact_name_valid,
				  "an artifact name (expected segments of "
				  "[A-Za-z0-9][A-Za-z0-9._+-]* joined by /, at "
				  "most 128 bytes, not ending in .sig)");
}

static int config_key_serial(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_serial_valid,
				  "a serial number (expected 1 to 64 of A-Z "
				  "a-z 0-9 . _ -)");
}

/* A file path, stored absolute: relative ones are relative to the
 * configuration file.  The file need not exist yet. */
static int config_key_path(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, key->size, &v)) != 0)
		return rc;
	if (!v[0])
		return config_fail(ctx, s, NULL, "is empty (expected %s)",
				   key->expect);
	if (config_path_resolve(field, key->size, ctx->dir, v) != 0)
		return config_fail(ctx, s, NULL,
				   "\"%s\" is too long once made absolute "
				   "(at most %zu bytes)", v, key->size - 1);
	return 0;
}

static int config_key_ip(struct config_ctx *ctx, const config_setting_t *s,
			 const struct config_key *key, void *field)
{
	const char *v = key->def_str ? key->def_str : "";
	int rc;

	if (s) {
		if ((rc = config_string(ctx, s, key, CONFIG_TEXT_MAX, &v)) != 0)
			return rc;
		if (!config_ip_family(v) || strlen(v) >= key->size)
			return config_fail(ctx, s, NULL,
					   "\"%s\" is not an IP address "
					   "(expected e.g. 192.0.2.1 or "
					   "2001:db8::1)", v);
	}
	snprintf(field, key->size, "%s", v);
	return 0;
}

static int config_key_url(struct config_ctx *ctx, const config_setting_t *s,
			  const struct config_key *key, void *field)
{
	const char *v;
	size_t len;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, key->size, &v)) != 0)
		return rc;
	if ((len = config_url_len(v)) == 0)
		return config_fail(ctx, s, NULL,
				   "\"%s\" is not a base URL (expected "
				   "https://HOST[:PORT][/PATH], no query or "
				   "user)", v);
	memcpy(field, v, len);
	((char *)field)[len] = '\0';
	return 0;
}

/*
 * A machine's MAC or UUID, normalised into @field by @normalise; @what
 * names it.  Placeholders are refused: see config_is_placeholder().
 */
static int config_key_machine_id(struct config_ctx *ctx,
				 const config_setting_t *s,
				 const struct config_key *key, void *field,
				 int (*normalise)(const char *, char *),
				 const char *what)
{
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, CONFIG_TEXT_MAX, &v)) != 0)
		return rc;
	if (normalise(v, field) != 0)
		return config_fail(ctx, s, NULL, "\"%s\" is not %s", v, what);
	if (config_is_placeholder(field, strlen(field)))
		return config_fail(ctx, s, NULL,
				   "\"%s\" is a placeholder firmware reports, "
				   "not a machine's own", v);
	return 0;
}

static int config_key_mac(struct config_ctx *ctx, const config_setting_t *s,
			  const struct config_key *key, void *field)
{
	return config_key_machine_id(ctx, s, key, field, config_mac_normalise,
				     "a MAC address (expected "
				     "aa:bb:cc:dd:ee:ff)");
}

static int config_key_uuid(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	return config_key_machine_id(ctx, s, key, field, config_uuid_normalise,
				     "a UUID (expected 8-4-4-4-12 hex digits)");
}

/* The hash of a secret.  The value is never quoted back: an operator who
 * pasted the secret itself must not find it in a log. */
static int config_key_sha256(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	char *out = field;
	const char *v;
	size_t i;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, CONFIG_TEXT_MAX, &v)) != 0)
		return rc;
	if (strncmp(v, "pbt_", 4) == 0)
		return config_fail(ctx, s, NULL,
				   "holds a token secret, not its hash "
				   "(expected the SHA-256 of the secret in "
				   "hex)");
	for (i = 0; i < 64 && config_hex_value(v[i]) >= 0; i++)
		out[i] = config_lower(v[i]);
	out[i] = '\0';
	if (i != 64 || v[64] != '\0')
		return config_fail(ctx, s, NULL,
				   "is not a SHA-256 hash (expected exactly 64 "
				   "hex digits)");
	if (strcmp(out, CONFIG_EMPTY_SHA256) == 0)
		return config_fail(ctx, s, NULL,
				   "is the hash of an empty secret (expected "
				   "the hash of a real one)");
	return 0;
}

/*
 * An array [ "a", "b" ] (or list) of at most @max strings, each satisfying
 * @valid (nonzero if so; @what says what one is not), copied to the rows
 * of @rows, @row bytes apart.  The count goes to @n.
 */
static int config_string_array(struct config_ctx *ctx,
			       const config_setting_t *s,
			       const struct config_key *key, char *rows,
			       size_t row, size_t max, int (*valid)(const char *),
			       const char *what, size_t *n)
{
	const config_setting_t *e;
	const char *v;
	size_t i;
	int rc;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return config_fail(ctx, s, NULL, "is not an array (expected %s)",
				   key->expect);
	*n = (size_t)config_setting_length(s);
	if (*n > max)
		return config_fail(ctx, s, NULL,
				   "has %zu entries (at most %zu)", *n, max);
	for (i = 0; i < *n; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		if ((rc = config_string(ctx, e, key, row, &v)) != 0)
			return rc;
		if (!valid(v))
			return config_fail(ctx, e, NULL, "\"%s\" is not %s", v,
					   what);
		snprintf(rows + i * row, row, "%s", v);
	}
	return 0;
}

static int config_key_boot_from(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	struct config_pod *pod = field;
	struct config_cidr *net;
	size_t i;
	int rc;

	if (!s)
		return 0;
	rc = config_string_array(ctx, s, key, (char *)pod->boot_from,
				 sizeof(pod->boot_from[0]), CONFIG_BOOT_FROM_MAX,
				 config_cidr_valid,
				 "a network without host bits (expected "
				 "ADDRESS/PREFIX such as 192.0.2.0/24)",
				 &pod->n_boot_from);
	for (i = 0; rc == 0 && i < pod->n_boot_from; i++) {
		net = &pod->boot_nets[i];	/* valid: checked above */
		config_cidr_parse(pod->boot_from[i], net->addr, &net->family,
				  &net->prefix);
	}
	return rc;
}

static int config_key_scopes(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	struct config_token *tok = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)tok->scopes,
				   sizeof(tok->scopes[0]), CONFIG_SCOPES_MAX,
				   config_scope_valid,
				   "a scope (expected rearm, status, push, relay, "
				   "upload:*, upload:PREFIX* or upload:NAME)",
				   &tok->n_scopes);
}

static int config_key_uint(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	long long v = key->def;
	int rc;

	if (s && (rc = config_integer(ctx, s, key, &v)) != 0)
		return rc;
	*(unsigned int *)field = (unsigned int)v;
	return 0;
}

/* Megabytes in the file, bytes in the model. */
static int config_key_megabytes(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	long long v = key->def;
	int rc;

	if (s && (rc = config_integer(ctx, s, key, &v)) != 0)
		return rc;
	*(unsigned long long *)field = (unsigned long long)v << 20;
	return 0;
}

static int config_key_bool(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	int *out = field;

	*out = (int)key->def;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return config_fail(ctx, s, NULL,
				   "is not a boolean (expected true or false)");
	*out = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

static const struct {
	const char *name;
	enum config_unknown value;
} config_policies[] = {
	{ "ignore", CONFIG_UNKNOWN_IGNORE },
	{ "discover", CONFIG_UNKNOWN_DISCOVER },
};

static int config_key_policy(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	enum config_unknown *out = field;
	const char *v;
	size_t i;
	int rc;

	*out = config_policies[0].value;
	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, CONFIG_TEXT_MAX, &v)) != 0)
		return rc;
	for (i = 0; i < sizeof(config_policies) / sizeof(config_policies[0]);
	     i++)
		if (strcmp(v, config_policies[i].name) == 0) {
			*out = config_policies[i].value;
			return 0;
		}
	return config_fail(ctx, s, NULL, "\"%s\" is not a policy (expected %s)",
			   v, key->expect);
}

/* The network's address and prefix; its gateway is checked against it in
 * config_net_check(). */
static int config_key_cidr(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	struct config_net *net = field;
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	int family, prefix, rc;
	const char *v;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, sizeof(net->cidr), &v)) != 0)
		return rc;
	if (config_cidr_parse(v, addr, &family, &prefix) != 0)
		return config_fail(ctx, s, NULL,
				   "\"%s\" is not a network (expected "
				   "ADDRESS/PREFIX such as 192.0.2.0/24 or "
				   "2001:db8::/64)", v);
	if (config_cidr_mask(addr, family, prefix)) {
		inet_ntop(family, addr, text, sizeof(text));
		return config_fail(ctx, s, NULL,
				   "\"%s\" has host bits set (expected %s/%d)",
				   v, text, prefix);
	}
	snprintf(net->cidr, sizeof(net->cidr), "%s", v);
	net->prefix = prefix;
	return 0;
}

static int config_key_dns(struct config_ctx *ctx, const config_setting_t *s,
			  const struct config_key *key, void *field)
{
	struct config_net *net = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)net->dns,
				   sizeof(net->dns[0]), CONFIG_DNS_MAX,
				   config_ip_family,
				   "an IP address (expected e.g. 192.0.2.53)",
				   &net->n_dns);
}

/* ---- Indexes: duplicates and references ---- */

static int config_entry_cmp(const void *a, const void *b)
{
	const struct config_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int config_entry_key_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct config_entry *)entry)->key);
}

static void config_index_free(struct config_index *idx)
{
	free(idx->e);
	idx->e = NULL;
	idx->n = 0;
}

/*
 * Index the @n items of @list (each @size bytes from @items) by the string
 * at @key_off, which setting @member holds, refusing duplicates.  Empty
 * keys (optional settings left out) are not indexed.  On success the
 * caller frees @idx with config_index_free().
 */
static int config_index_build(struct config_ctx *ctx, struct config_index *idx,
			      const config_setting_t *list, const void *items,
			      size_t size, size_t n, size_t key_off,
			      const char *member)
{
	const config_setting_t *elem;
	struct config_entry *e;
	size_t i, dup = 0;
	const char *key;
	int rc = 0;

	idx->e = NULL;
	idx->n = 0;
	if (n == 0)
		goto out;
	if (!(idx->e = calloc(n, sizeof(*idx->e)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		key = (const char *)items + i * size + key_off;
		if (!key[0])
			continue;
		elem = config_setting_get_elem(list, (unsigned int)i);
		e = &idx->e[idx->n++];
		e->key = key;
		e->pos = i;
		e->s = config_setting_get_member(elem, member);
	}
	qsort(idx->e, idx->n, sizeof(*idx->e), config_entry_cmp);
	/* Report the repeat that comes first in the file. */
	for (i = 1; i < idx->n; i++)
		if (strcmp(idx->e[i - 1].key, idx->e[i].key) == 0 &&
		    (!dup || idx->e[i].pos < idx->e[dup].pos))
			dup = i;
	if (dup) {
		rc = config_fail(ctx, idx->e[dup].s, NULL,
				 "\"%s\" is a duplicate (first used at line "
				 "%u)", idx->e[dup].key,
				 config_setting_source_line(idx->e[dup - 1].s));
		config_index_free(idx);
	}
out:
	return rc;
}

/* Position of @key in @idx, or SIZE_MAX. */
static size_t config_index_find(const struct config_index *idx,
				const char *key)
{
	const struct config_entry *e;

	if (idx->n == 0)
		return SIZE_MAX;
	e = bsearch(key, idx->e, idx->n, sizeof(*idx->e), config_entry_key_cmp);
	return e ? e->pos : SIZE_MAX;
}

/*
 * A reference by name to an item of @idx (a pod or profile, @what):
 * its position goes to @pos.
 */
static int config_ref(struct config_ctx *ctx, const config_setting_t *s,
		      const struct config_key *key,
		      const struct config_index *idx, const char *what,
		      const char **name, size_t *pos)
{
	int rc;

	if ((rc = config_string(ctx, s, key, CONFIG_TEXT_MAX, name)) != 0)
		return rc;
	if ((*pos = config_index_find(idx, *name)) == SIZE_MAX)
		return config_fail(ctx, s, NULL,
				   "\"%s\" is not a %s (expected the name of "
				   "one in %ss)", *name, what, what);
	return 0;
}

/* A node's pod: resolved to a pointer. */
static int config_key_pod_ref(struct config_ctx *ctx,
			      const config_setting_t *s,
			      const struct config_key *key, void *field)
{
	const char *name;
	size_t pos;
	int rc = 0;

	if (s && (rc = config_ref(ctx, s, key, &ctx->pods, "pod", &name,
				  &pos)) == 0)
		*(const struct config_pod **)field = &ctx->cfg->pods[pos];
	return rc;
}

/* A node's own profile: resolved to a pointer. */
static int config_key_profile_ref(struct config_ctx *ctx,
				  const config_setting_t *s,
				  const struct config_key *key, void *field)
{
	const char *name;
	size_t pos;
	int rc = 0;

	if (s && (rc = config_ref(ctx, s, key, &ctx->profiles, "profile",
				  &name, &pos)) == 0)
		*(const struct config_profile **)field =
			&ctx->cfg->profiles[pos];
	return rc;
}

/* A pod's default profile: kept by name, checked to exist. */
static int config_key_profile_name(struct config_ctx *ctx,
				   const config_setting_t *s,
				   const struct config_key *key, void *field)
{
	const char *name;
	size_t pos;
	int rc = 0;

	if (s && (rc = config_ref(ctx, s, key, &ctx->profiles, "profile",
				  &name, &pos)) == 0)
		snprintf(field, key->size, "%s", name);
	return rc;
}

/* ---- Groups and lists ---- */

static int config_parse_group(struct config_ctx *ctx,
			      const config_setting_t *g,
			      const struct config_group *grp, void *base);

static int config_key_group(struct config_ctx *ctx, const config_setting_t *s,
			    const struct config_key *key, void *field)
{
	if (s && !config_setting_is_group(s))
		return config_fail(ctx, s, NULL, "is not a group (expected %s)",
				   key->expect);
	return config_parse_group(ctx, s, key->group, field);
}

static int config_key_list(struct config_ctx *ctx, const config_setting_t *s,
			   const struct config_key *key, void *field)
{
	const struct config_list *list = key->list;
	const config_setting_t *elem;
	unsigned char *items;
	size_t n, i;
	int rc;

	(void)field;
	if (!s)
		return 0;
	/* "[]" is how libconfig reads an empty list too. */
	if (!config_setting_is_list(s) &&
	    !(config_setting_is_array(s) && config_setting_length(s) == 0))
		return config_fail(ctx, s, NULL, "is not a list (expected %s)",
				   key->expect);
	n = (size_t)config_setting_length(s);
	if (n > list->max)
		return config_fail(ctx, s, NULL, "has %zu entries (at most %zu)",
				   n, list->max);
	if (n == 0)
		return 0;
	if (!(items = calloc(n, list->elem_size)))
		return -ENOMEM;
	list->attach(ctx->cfg, items, n);
	for (i = 0; i < n; i++) {
		elem = config_setting_get_elem(s, (unsigned int)i);
		if (!config_setting_is_group(elem))
			return config_fail(ctx, elem, NULL,
					   "is not a group (expected { ... } "
					   "for %s)", list->elem->what);
		if ((rc = config_parse_group(ctx, elem, list->elem,
					     items + i * list->elem_size)) != 0)
			return rc;
	}
	return list->check ? list->check(ctx, s) : 0;
}

static const struct config_key *config_key_find(const struct config_group *grp,
						const char *name)
{
	size_t i;

	for (i = 0; i < grp->n_keys; i++)
		if (name && strcmp(grp->keys[i].name, name) == 0)
			return &grp->keys[i];
	return NULL;
}

/* An operator's typo must not be ignored: name what the group takes. */
static int config_fail_unknown(struct config_ctx *ctx,
			       const config_setting_t *s,
			       const struct config_group *grp)
{
	char names[320];
	size_t len = 0, i;
	int n;

	names[0] = '\0';
	for (i = 0; i < grp->n_keys; i++) {
		n = snprintf(names + len, sizeof(names) - len, "%s%s",
			     i ? ", " : "", grp->keys[i].name);
		if (n < 0 || (size_t)n >= sizeof(names) - len)
			break;
		len += (size_t)n;
	}
	return config_fail(ctx, s, NULL,
			   "is an unknown setting of %s (expected one of: %s)",
			   grp->what, names);
}

/*
 * Parse group @g (NULL if absent: defaults) by table @grp into @base:
 * refuse unknown settings, parse each key in table order, then run the
 * group's check across keys.
 */
static int config_parse_group(struct config_ctx *ctx,
			      const config_setting_t *g,
			      const struct config_group *grp, void *base)
{
	const config_setting_t *m;
	const struct config_key *key;
	int i, n, rc;
	size_t k;

	n = g ? config_setting_length(g) : 0;
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(g, (unsigned int)i);
		if (!config_key_find(grp, config_setting_name(m)))
			return config_fail_unknown(ctx, m, grp);
	}
	for (k = 0; k < grp->n_keys; k++) {
		key = &grp->keys[k];
		m = g ? config_setting_get_member(g, key->name) : NULL;
		if (!m && key->required)
			return config_fail(ctx, g, key->name,
					   "is missing (expected %s)",
					   key->expect);
		if ((rc = key->parse(ctx, m, key,
				     (unsigned char *)base + key->off)) != 0)
			return rc;
	}
	return grp->check ? grp->check(ctx, g, base) : 0;
}

/* ---- Checks across settings ---- */

static int config_server_check(struct config_ctx *ctx,
			       const config_setting_t *g, void *base)
{
	const struct config *cfg = base;

	if (cfg->plain_port && cfg->plain_port == cfg->port)
		return config_fail(ctx, config_setting_get_member(g,
								  "plain_port"),
				   NULL, "%u is also server.port (expected "
				   "another port, or 0 for none)",
				   cfg->plain_port);
	/* Plain boot scripts name the plain listener: by configuration,
	 * never by what a request's Host header says. */
	if (cfg->plain_port && !cfg->plain_base_url[0])
		return config_fail(ctx, config_setting_get_member(
					   g, "plain_port"), NULL,
				   "%u needs server.plain_base_url (the plain "
				   "listener's URL, such as "
				   "\"http://boot.example.net:8080\")",
				   cfg->plain_port);
	if (cfg->plain_base_url[0] &&
	    strncmp(cfg->plain_base_url, "http://", 7) != 0)
		return config_fail(ctx, config_setting_get_member(
					   g, "plain_base_url"), NULL,
				   "\"%s\" is not an http:// URL",
				   cfg->plain_base_url);
	return 0;
}

static int config_net_check(struct config_ctx *ctx, const config_setting_t *g,
			    void *base)
{
	const struct config_net *net = base;
	unsigned char addr[16];
	int family, prefix;

	if (config_cidr_parse(net->cidr, addr, &family, &prefix) != 0)
		return config_fail(ctx, g, "cidr", "is not valid");
	if (net->gateway[0] && config_ip_family(net->gateway) != family)
		return config_fail(ctx, config_setting_get_member(g, "gateway"),
				   NULL, "\"%s\" is not an %s address like "
				   "the network %s", net->gateway,
				   family == AF_INET ? "IPv4" : "IPv6",
				   net->cidr);
	return 0;
}

/* A node without a profile of its own boots its pod's. */
static int config_node_check(struct config_ctx *ctx,
			     const config_setting_t *g, void *base)
{
	struct config_node *node = base;
	size_t pos;

	if (node->profile)
		return 0;
	pos = config_index_find(&ctx->profiles, node->pod->profile);
	if (pos == SIZE_MAX)
		return config_fail(ctx, g, "pod", "has no profile");
	node->profile = &ctx->cfg->profiles[pos];
	return 0;
}

static int config_profiles_check(struct config_ctx *ctx,
				 const config_setting_t *list)
{
	return config_index_build(ctx, &ctx->profiles, list,
				  ctx->cfg->profiles,
				  sizeof(struct config_profile),
				  ctx->cfg->n_profiles,
				  offsetof(struct config_profile, name), "name");
}

static int config_pods_check(struct config_ctx *ctx,
			     const config_setting_t *list)
{
	return config_index_build(ctx, &ctx->pods, list, ctx->cfg->pods,
				  sizeof(struct config_pod), ctx->cfg->n_pods,
				  offsetof(struct config_pod, name), "name");
}

static int config_node_mac_cmp(const void *a, const void *b)
{
	return strcmp(((const struct config_node *)a)->mac,
		      ((const struct config_node *)b)->mac);
}

/* Keys of a node that no other node may share. */
static const struct {
	const char *member;
	size_t off;
} config_node_unique[] = {
	{ "hostname", offsetof(struct config_node, hostname) },
	{ "mac", offsetof(struct config_node, mac) },
	{ "uuid", offsetof(struct config_node, uuid) },
	{ "serial", offsetof(struct config_node, serial) },
};

static int config_node_ptr_id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct config_node *const *)a)->hostname,
		      (*(const struct config_node *const *)b)->hostname);
}

/* Pointers to the nodes sorted by hostname: id lookups on every push. */
static int config_index_ids(struct config *cfg)
{
	size_t i;

	cfg->nodes_by_id = calloc(cfg->n_nodes + 1,
				  sizeof(*cfg->nodes_by_id));
	if (!cfg->nodes_by_id)
		return -ENOMEM;
	for (i = 0; i < cfg->n_nodes; i++)
		cfg->nodes_by_id[i] = &cfg->nodes[i];
	qsort(cfg->nodes_by_id, cfg->n_nodes, sizeof(*cfg->nodes_by_id),
	      config_node_ptr_id_cmp);
	return 0;
}

/* Refuse shared identities, then sort by MAC for config_node_by_mac(). */
static int config_nodes_check(struct config_ctx *ctx,
			      const config_setting_t *list)
{
	struct config *cfg = ctx->cfg;
	struct config_index idx;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(config_node_unique) /
					sizeof(config_node_unique[0]); i++) {
		rc = config_index_build(ctx, &idx, list, cfg->nodes,
					sizeof(*cfg->nodes), cfg->n_nodes,
					config_node_unique[i].off,
					config_node_unique[i].member);
		config_index_free(&idx);
	}
	if (rc == 0)
		qsort(cfg->nodes, cfg->n_nodes, sizeof(*cfg->nodes),
		      config_node_mac_cmp);
	if (rc == 0)
		rc = config_index_ids(cfg);
	return rc;
}

/* Two tokens with one secret would make the audit trail ambiguous. */
static int config_tokens_check(struct config_ctx *ctx,
			       const config_setting_t *list)
{
	struct config *cfg = ctx->cfg;
	struct config_index idx;
	int rc;

	rc = config_index_build(ctx, &idx, list, cfg->tokens,
				sizeof(*cfg->tokens), cfg->n_tokens,
				offsetof(struct config_token, name), "name");
	config_index_free(&idx);
	if (rc == 0)
		rc = config_index_build(ctx, &idx, list, cfg->tokens,
					sizeof(*cfg->tokens), cfg->n_tokens,
					offsetof(struct config_token, sha256),
					"sha256");
	config_index_free(&idx);
	return rc;
}

static void config_attach_pods(struct config *cfg, void *items, size_t n)
{
	cfg->pods = items;
	cfg->n_pods = n;
}

static void config_attach_profiles(struct config *cfg, void *items, size_t n)
{
	cfg->profiles = items;
	cfg->n_profiles = n;
}

static void config_attach_nodes(struct config *cfg, void *items, size_t n)
{
	cfg->nodes = items;
	cfg->n_nodes = n;
}

static void config_attach_tokens(struct config *cfg, void *items, size_t n)
{
	cfg->tokens = items;
	cfg->n_tokens = n;
}

/* ---- The schema ---- */

#define CONFIG_FIELD(type, field) \
	.off = offsetof(type, field), .size = sizeof(((type *)0)->field)
#define CONFIG_N(keys) (sizeof(keys) / sizeof(keys[0]))

#define X_PATH "a file path, absolute or relative to this file"
#define X_NAME "a name of [a-z0-9][a-z0-9._-]*"
#define X_IP "an IP address such as \"192.0.2.1\""
#define X_CIDR "a network such as \"192.0.2.0/24\""
#define X_ARTIFACT "an artifact name such as \"el9/vmlinuz\""

static const struct config_key config_limits_keys[] = {
	{ .name = "max_upload_mb", .parse = config_key_megabytes,
	  .off = offsetof(struct config, max_upload),
	  .min = 1, .max = 1048576, .def = 4096 },
	{ .name = "max_connections", .parse = config_key_uint,
	  .off = offsetof(struct config, max_connections),
	  .min = 1, .max = 100000, .def = 1024 },
	{ .name = "timeout_s", .parse = config_key_uint,
	  .off = offsetof(struct config, timeout_s),
	  .min = 1, .max = 3600, .def = 30 },
	{ .name = "keep_versions", .parse = config_key_uint,
	  .off = offsetof(struct config, keep_versions),
	  .min = 1, .max = 1000, .def = 5 },
	{ .name = "threads", .parse = config_key_uint,
	  .off = offsetof(struct config, threads),
	  .min = 0, .max = 64, .def = 0 },
	{ .name = "max_per_client", .parse = config_key_uint,
	  .off = offsetof(struct config, max_per_client),
	  .min = 1, .max = 100000, .def = 256 },
	{ .name = "max_transfers", .parse = config_key_uint,
	  .off = offsetof(struct config, max_transfers),
	  .min = 0, .max = 99999, .def = 0 },
	{ .name = "min_rate", .parse = config_key_uint,
	  .off = offsetof(struct config, min_rate),
	  .min = 0, .max = 1073741824, .def = 16384 },
	{ .name = "min_rate_grace_s", .parse = config_key_uint,
	  .off = offsetof(struct config, min_rate_grace_s),
	  .min = 1, .max = 3600, .def = 30 },
};

/*
 * Body transfers may take max_transfers connections, never all: the rest
 * of max_connections is the reserve that keeps /healthz, stage2 and the
 * status API reachable.  0 (the default) means three quarters.
 */
static int config_limits_check(struct config_ctx *ctx,
			       const config_setting_t *g, void *base)
{
	struct config *cfg = base;

	if (cfg->max_transfers == 0) {
		cfg->max_transfers = cfg->max_connections -
				     cfg->max_connections / 4;
		return 0;
	}
	if (cfg->max_transfers >= cfg->max_connections)
		return config_fail(ctx, config_setting_get_member(
					   g, "max_transfers"), NULL,
				   "%u leaves no reserve (expected fewer than "
				   "max_connections, %u)",
				   cfg->max_transfers, cfg->max_connections);
	return 0;
}

static const struct config_group config_limits = {
	"the server's limits", config_limits_keys,
	CONFIG_N(config_limits_keys), config_limits_check
};

static const struct config_key config_server_keys[] = {
	{ .name = "listen", .parse = config_key_ip,
	  CONFIG_FIELD(struct config, listen), .def_str = "127.0.0.1",
	  .expect = X_IP },
	{ .name = "port", .parse = config_key_uint,
	  .off = offsetof(struct config, port),
	  .min = 1, .max = 65535, .def = 8443 },
	{ .name = "base_url", .parse = config_key_url,
	  CONFIG_FIELD(struct config, base_url), .required = 1,
	  .expect = "a URL such as \"https://boot.example.net:8443\"" },
	{ .name = "tls_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, tls_cert), .required = 1,
	  .expect = X_PATH },
	{ .name = "tls_key", .parse = config_key_path,
	  CONFIG_FIELD(struct config, tls_key), .required = 1,
	  .expect = X_PATH },
	{ .name = "tls_priorities", .parse = config_key_priorities,
	  CONFIG_FIELD(struct config, tls_priorities),
	  .def_str = CONFIG_TLS_PRIORITIES,
	  .expect = "a GnuTLS priority string" },
	{ .name = "codesign_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, codesign_cert), .required = 1,
	  .expect = X_PATH },
	{ .name = "codesign_key", .parse = config_key_path,
	  CONFIG_FIELD(struct config, codesign_key), .required = 1,
	  .expect = X_PATH },
	{ .name = "root_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, root_cert), .required = 1,
	  .expect = X_PATH },
	{ .name = "data_dir", .parse = config_key_path,
	  CONFIG_FIELD(struct config, data_dir), .required = 1,
	  .expect = "a directory path, absolute or relative to this file" },
	{ .name = "plain_port", .parse = config_key_uint,
	  .off = offsetof(struct config, plain_port),
	  .min = 0, .max = 65535, .def = 0 },
	{ .name = "plain_base_url", .parse = config_key_url,
	  CONFIG_FIELD(struct config, plain_base_url),
	  .expect = "a URL such as \"http://boot.example.net:8080\"" },
	{ .name = "plain_allow_nonlocal", .parse = config_key_bool,
	  .off = offsetof(struct config, plain_allow_nonlocal), .def = 0 },
	{ .name = "limits", .parse = config_key_group, .off = 0,
	  .group = &config_limits, .expect = "a group { max_upload_mb = ...; }" },
};

static const struct config_group config_server = {
	"the server", config_server_keys, CONFIG_N(config_server_keys),
	config_server_check
};

static const struct config_key config_policy_keys[] = {
	{ .name = "unknown", .parse = config_key_policy,
	  .off = offsetof(struct config, unknown),
	  .expect = "\"ignore\" or \"discover\"" },
	{ .name = "max_discovered", .parse = config_key_uint,
	  .off = offsetof(struct config, max_discovered),
	  .min = 1, .max = 1000000, .def = 10000 },
};

static const struct config_group config_policy = {
	"the policy", config_policy_keys, CONFIG_N(config_policy_keys), NULL
};

static const struct config_key config_net_keys[] = {
	{ .name = "cidr", .parse = config_key_cidr, .off = 0, .required = 1,
	  .expect = X_CIDR },
	{ .name = "gateway", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_net, gateway), .expect = X_IP },
	{ .name = "vlan", .parse = config_key_uint,
	  .off = offsetof(struct config_net, vlan),
	  .min = 0, .max = 4094, .def = 0 },
	{ .name = "dns", .parse = config_key_dns, .off = 0,
	  .expect = "an array of IP addresses such as [ \"192.0.2.53\" ]" },
};

static const struct config_group config_net = {
	"a network", config_net_keys, CONFIG_N(config_net_keys),
	config_net_check
};

static const struct config_key config_pod_keys[] = {
	{ .name = "name", .parse = config_key_name,
	  CONFIG_FIELD(struct config_pod, name), .required = 1,
	  .expect = X_NAME },
	{ .name = "site", .parse = config_key_string,
	  CONFIG_FIELD(struct config_pod, site), .expect = "a string" },
	{ .name = "profile", .parse = config_key_profile_name,
	  CONFIG_FIELD(struct config_pod, profile), .required = 1,
	  .expect = "the name of a profile" },
	{ .name = "provisioning", .parse = config_key_group,
	  .off = offsetof(struct config_pod, prov), .group = &config_net,
	  .required = 1, .expect = "a group { cidr = ...; }" },
	{ .name = "management", .parse = config_key_group,
	  .off = offsetof(struct config_pod, mgmt), .group = &config_net,
	  .required = 1, .expect = "a group { cidr = ...; }" },
	{ .name = "allow_unverified", .parse = config_key_bool,
	  .off = offsetof(struct config_pod, allow_unverified), .def = 0 },
	{ .name = "boot_from", .parse = config_key_boot_from, .off = 0,
	  .expect = "an array of networks such as [ \"192.0.2.0/24\" ]" },
};

static const struct config_group config_pod = {
	"a pod", config_pod_keys, CONFIG_N(config_pod_keys), NULL
};

static const struct config_key config_profile_keys[] = {
	{ .name = "name", .parse = config_key_name,
	  CONFIG_FIELD(struct config_profile, name), .required = 1,
	  .expect = X_NAME },
	{ .name = "kernel", .parse = config_key_artifact,
	  CONFIG_FIELD(struct config_profile, kernel), .required = 1,
	  .expect = X_ARTIFACT },
	{ .name = "initrd", .parse = config_key_artifact,
	  CONFIG_FIELD(struct config_profile, initrd), .required = 1,
	  .expect = X_ARTIFACT },
	{ .name = "cmdline", .parse = config_key_string,
	  CONFIG_FIELD(struct config_profile, cmdline),
	  .expect = "a kernel command line template" },
	{ .name = "kickstart", .parse = config_key_path,
	  CONFIG_FIELD(struct config_profile, kickstart), .required = 1,
	  .expect = X_PATH },
};

static const struct config_group config_profile = {
	"a profile", config_profile_keys, CONFIG_N(config_profile_keys), NULL
};

static const struct config_key config_node_keys[] = {
	{ .name = "hostname", .parse = config_key_hostname,
	  CONFIG_FIELD(struct config_node, hostname), .required = 1,
	  .expect = X_NAME },
	{ .name = "mac", .parse = config_key_mac,
	  CONFIG_FIELD(struct config_node, mac), .required = 1,
	  .expect = "a MAC address such as \"52:54:00:12:34:56\"" },
	{ .name = "uuid", .parse = config_key_uuid,
	  CONFIG_FIELD(struct config_node, uuid),
	  .expect = "a UUID (8-4-4-4-12 hex digits)" },
	{ .name = "serial", .parse = config_key_serial,
	  CONFIG_FIELD(struct config_node, serial),
	  .expect = "a serial number" },
	{ .name = "pod", .parse = config_key_pod_ref,
	  .off = offsetof(struct config_node, pod), .required = 1,
	  .expect = "the name of a pod" },
	{ .name = "profile", .parse = config_key_profile_ref,
	  .off = offsetof(struct config_node, profile),
	  .expect = "the name of a profile" },
	{ .name = "address", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_node, address), .expect = X_IP },
};

static const struct config_group config_node = {
	"a node", config_node_keys, CONFIG_N(config_node_keys),
	config_node_check
};

static const struct config_key config_token_keys[] = {
	{ .name = "name", .parse = config_key_name,
	  CONFIG_FIELD(struct config_token, name), .required = 1,
	  .expect = X_NAME },
	{ .name = "sha256", .parse = config_key_sha256,
	  CONFIG_FIELD(struct config_token, sha256), .required = 1,
	  .expect = "the SHA-256 of the secret in hex" },
	{ .name = "scopes", .parse = config_key_scopes, .off = 0,
	  .required = 1,
	  .expect = "an array such as [ \"upload:el9/*\", \"status\" ]" },
};

static const struct config_group config_token = {
	"a token", config_token_keys, CONFIG_N(config_token_keys), NULL
};

static const struct config_list config_pods = {
	&config_pod, sizeof(struct config_pod), 1000, config_attach_pods,
	config_pods_check
};

static const struct config_list config_profiles = {
	&config_profile, sizeof(struct config_profile), 1000,
	config_attach_profiles, config_profiles_check
};

static const struct config_list config_nodes = {
	&config_node, sizeof(struct config_node), 100000, config_attach_nodes,
	config_nodes_check
};

static const struct config_list config_tokens = {
	&config_token, sizeof(struct config_token), 1000, config_attach_tokens,
	config_tokens_check
};

/* ---- Monitoring and alert rules ---- */

/* Alertmanager base URLs: http:// or https://, no query: 1 if valid. */
static int config_am_valid_bool(const char *url)
{
	size_t i;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8))
		return 0;
	for (i = 0; url[i]; i++)
		if (!config_is_alnum(url[i]) && !strchr(":/.-_[]", url[i]))
			return 0;
	return i > 8 && i < 256;
}

/* Kilobytes in the file, bytes in the model. */
static int config_key_kilobytes(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	long long v = key->def;
	int rc;

	if (s && (rc = config_integer(ctx, s, key, &v)) != 0)
		return rc;
	*(unsigned long long *)field = (unsigned long long)v << 10;
	return 0;
}

/* Prometheus-style names: [A-Za-z_][A-Za-z0-9_]* (':' too if @colon). */
static int config_prom_name(const char *p, size_t len, int colon)
{
	size_t i;

	if (len == 0 || config_is_digit(p[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!config_is_alnum(p[i]) && p[i] != '_' &&
		    !(colon && p[i] == ':'))
			return 0;
	return 1;
}

static int config_alertname_valid(const char *name)
{
	/* NodeDown is built in; a rule of that name would share its state. */
	if (strcmp(name, "NodeDown") == 0)
		return -PB_EBAD_NAME;
	return config_prom_name(name, strlen(name), 0) ? 0 : -PB_EBAD_NAME;
}

static int config_key_alertname(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_alertname_valid,
				  "an alert name (expected "
				  "[A-Za-z_][A-Za-z0-9_]*, not the built-in "
				  "NodeDown)");
}

static const struct {
	const char *text;
	enum config_op op;
} config_ops[] = {
	{ ">=", CONFIG_GE }, { "<=", CONFIG_LE }, { "==", CONFIG_EQ },
	{ "!=", CONFIG_NE }, { ">", CONFIG_GT },  { "<", CONFIG_LT },
};

static const char *config_skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* {name="value",...} after a metric name: fills @a's matchers. */
static const char *config_parse_matchers(const char *p, struct config_alert *a)
{
	const char *name, *val;
	size_t nlen, vlen;

	p = config_skip_space(p + 1);
	while (*p && *p != '}') {
		name = p;
		while (config_is_alnum(*p) || *p == '_')
			p++;
		nlen = (size_t)(p - name);
		p = config_skip_space(p);
		if (!config_prom_name(name, nlen, 0) || *p != '=' ||
		    p[1] != '"' || a->n_match >= CONFIG_ALERT_MATCH ||
		    nlen >= sizeof(a->match[0].name))
			return NULL;
		val = p + 2;
		p = strchr(val, '"');
		vlen = p ? (size_t)(p - val) : 0;
		if (!p || vlen >= sizeof(a->match[0].value))
			return NULL;
		memcpy(a->match[a->n_match].name, name, nlen);
		memcpy(a->match[a->n_match].value, val, vlen);
		a->n_match++;
		p = config_skip_space(p + 1);
		if (*p == ',')
			p = config_skip_space(p + 1);
	}
	return *p == '}' ? p + 1 : NULL;
}

/* "METRIC{l="v",...} OP NUMBER" into @a; 0 or -PB_EBAD_NAME. */
static int config_alert_expr_parse(const char *expr, struct config_alert *a)
{
	const char *p = config_skip_space(expr), *name = p;
	char *end;
	size_t i, len;

	while (config_is_alnum(*p) || *p == '_' || *p == ':')
		p++;
	len = (size_t)(p - name);
	if (!config_prom_name(name, len, 1) || len >= sizeof(a->metric))
		return -PB_EBAD_NAME;
	memcpy(a->metric, name, len);
	a->metric[len] = '\0';
	p = config_skip_space(p);
	if (*p == '{' && !(p = config_parse_matchers(p, a)))
		return -PB_EBAD_NAME;
	p = config_skip_space(p);
	for (i = 0; i < CONFIG_N(config_ops); i++)
		if (strncmp(p, config_ops[i].text,
			    strlen(config_ops[i].text)) == 0)
			break;
	if (i == CONFIG_N(config_ops))
		return -PB_EBAD_NAME;
	a->op = config_ops[i].op;
	p = config_skip_space(p + strlen(config_ops[i].text));
	a->threshold = strtod(p, &end);
	if (end == p || *config_skip_space(end) != '\0' ||
	    a->threshold != a->threshold)
		return -PB_EBAD_NAME;
	return 0;
}

static int config_key_alert_expr(struct config_ctx *ctx,
				 const config_setting_t *s,
				 const struct config_key *key, void *field)
{
	struct config_alert *a = field;
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, sizeof(a->expr), &v)) != 0)
		return rc;
	snprintf(a->expr, sizeof(a->expr), "%s", v);
	if (config_alert_expr_parse(v, a) != 0)
		return config_fail(ctx, s, NULL, "\"%s\" is not an alert "
				   "expression (expected %s)", v, key->expect);
	return 0;
}

/* A group of name = "value" settings into @pairs (at most
 * CONFIG_ALERT_PAIRS), counted in *@n. */
static int config_pairs(struct config_ctx *ctx, const config_setting_t *s,
			const struct config_key *key, struct config_pair *pairs,
			size_t *n)
{
	const config_setting_t *e;
	const char *name, *v;
	int rc;

	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return config_fail(ctx, s, NULL, "is not a group (expected %s)",
				   key->expect);
	for (*n = 0; *n < (size_t)config_setting_length(s); (*n)++) {
		e = config_setting_get_elem(s, (unsigned int)*n);
		name = config_setting_name(e);
		if (*n >= CONFIG_ALERT_PAIRS)
			return config_fail(ctx, e, NULL, "is one too many "
					   "(at most %d)", CONFIG_ALERT_PAIRS);
		if (!config_prom_name(name, strlen(name), 0) ||
		    strlen(name) >= sizeof(pairs[0].name))
			return config_fail(ctx, e, NULL, "is not a valid label "
					   "name");
		if ((rc = config_string(ctx, e, key, sizeof(pairs[0].value),
					&v)) != 0)
			return rc;
		snprintf(pairs[*n].name, sizeof(pairs[0].name), "%s", name);
		snprintf(pairs[*n].value, sizeof(pairs[0].value), "%s", v);
	}
	return 0;
}

static int config_key_alert_labels(struct config_ctx *ctx,
				   const config_setting_t *s,
				   const struct config_key *key, void *field)
{
	struct config_alert *a = field;

	return config_pairs(ctx, s, key, a->labels, &a->n_labels);
}

static int config_key_alert_annotations(struct config_ctx *ctx,
					const config_setting_t *s,
					const struct config_key *key,
					void *field)
{
	struct config_alert *a = field;

	return config_pairs(ctx, s, key, a->annotations, &a->n_annotations);
}

/* Alert names are unique: Alertmanager groups by them. */
static int config_alerts_check(struct config_ctx *ctx,
			       const config_setting_t *list)
{
	size_t i, j;

	for (i = 0; i < ctx->cfg->n_alerts; i++)
		for (j = 0; j < i; j++)
			if (strcmp(ctx->cfg->alerts[i].name,
				   ctx->cfg->alerts[j].name) == 0)
				return config_fail(
					ctx,
					config_setting_get_elem(
						list, (unsigned int)i),
					"name", "\"%s\" is a duplicate",
					ctx->cfg->alerts[i].name);
	return 0;
}

static int config_key_alertmanagers(struct config_ctx *ctx,
				    const config_setting_t *s,
				    const struct config_key *key, void *field)
{
	struct config *cfg = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)cfg->alertmanagers,
				   sizeof(cfg->alertmanagers[0]),
				   CONFIG_AM_MAX, config_am_valid_bool,
				   "an Alertmanager URL such as "
				   "\"http://127.0.0.1:9093\"",
				   &cfg->n_alertmanagers);
}

static const struct config_key config_monitoring_keys[] = {
	{ .name = "down_after", .parse = config_key_uint,
	  .off = offsetof(struct config, down_after),
	  .min = 2, .max = 100, .def = 3 },
	{ .name = "max_series_per_node", .parse = config_key_uint,
	  .off = offsetof(struct config, max_series_node),
	  .min = 10, .max = 1000000, .def = 10000 },
	{ .name = "max_series_total", .parse = config_key_uint,
	  .off = offsetof(struct config, max_series_total),
	  .min = 100, .max = 50000000, .def = 5000000 },
	{ .name = "max_push_kb", .parse = config_key_kilobytes,
	  .off = offsetof(struct config, max_push),
	  .min = 16, .max = 1048576, .def = 8192 },
	{ .name = "eval_interval_s", .parse = config_key_uint,
	  .off = offsetof(struct config, eval_s),
	  .min = 1, .max = 3600, .def = 15 },
	{ .name = "resend_s", .parse = config_key_uint,
	  .off = offsetof(struct config, resend_s),
	  .min = 1, .max = 86400, .def = 60 },
	{ .name = "alertmanagers", .parse = config_key_alertmanagers,
	  .off = 0, .expect = "an array of URLs" },
};

static const struct config_group config_monitoring = {
	"monitoring", config_monitoring_keys,
	CONFIG_N(config_monitoring_keys), NULL
};

static const struct config_key config_alert_keys[] = {
	{ .name = "name", .parse = config_key_alertname,
	  CONFIG_FIELD(struct config_alert, name), .required = 1,
	  .expect = "an alert name of [A-Za-z_][A-Za-z0-9_]*" },
	{ .name = "expr", .parse = config_key_alert_expr, .off = 0,
	  .required = 1,
	  .expect = "METRIC{label=\"value\",...} OP NUMBER, OP one of "
		    "> >= < <= == !=" },
	{ .name = "for", .parse = config_key_uint,
	  .off = offsetof(struct config_alert, for_s),
	  .min = 0, .max = 604800, .def = 0 },
	{ .name = "labels", .parse = config_key_alert_labels, .off = 0,
	  .expect = "a group of name = \"value\" settings" },
	{ .name = "annotations", .parse = config_key_alert_annotations,
	  .off = 0, .expect = "a group of name = \"value\" settings" },
};

static const struct config_group config_alert = {
	"an alert rule", config_alert_keys, CONFIG_N(config_alert_keys), NULL
};

static void config_attach_alerts(struct config *cfg, void *items, size_t n)
{
	cfg->alerts = items;
	cfg->n_alerts = n;
}

static const struct config_list config_alerts = {
	&config_alert, sizeof(struct config_alert), 1000, config_attach_alerts,
	config_alerts_check
};

/* In parse order: a reference is resolved when read, so what it names
 * comes first (profiles before pods, pods before nodes). */
static const struct config_key config_root_keys[] = {
	{ .name = "server", .parse = config_key_group, .off = 0,
	  .group = &config_server, .required = 1,
	  .expect = "a group server = { base_url = ...; }" },
	{ .name = "policy", .parse = config_key_group, .off = 0,
	  .group = &config_policy, .expect = "a group { unknown = ...; }" },
	{ .name = "profiles", .parse = config_key_list,
	  .list = &config_profiles,
	  .expect = "a list of groups ( { name = ...; }, ... )" },
	{ .name = "pods", .parse = config_key_list, .list = &config_pods,
	  .expect = "a list of groups ( { name = ...; }, ... )" },
	{ .name = "nodes", .parse = config_key_list, .list = &config_nodes,
	  .expect = "a list of groups ( { hostname = ...; }, ... )" },
	{ .name = "tokens", .parse = config_key_list, .list = &config_tokens,
	  .expect = "a list of groups ( { name = ...; }, ... )" },
	{ .name = "monitoring", .parse = config_key_group, .off = 0,
	  .group = &config_monitoring,
	  .expect = "a group { down_after = ...; }" },
	{ .name = "alerts", .parse = config_key_list, .list = &config_alerts,
	  .expect = "a list of groups ( { name = ...; expr = ...; }, ... )" },
};

static const struct config_group config_root = {
	"the configuration", config_root_keys, CONFIG_N(config_root_keys), NULL
};

/* ---- Loading ---- */

/* Read the file into libconfig, after refusing what libconfig 1.5 would
 * misread (and, for @include, read at all). */
static int config_read_text(struct config_ctx *ctx, const char *path,
			    config_t *lc)
{
	unsigned char *buf = NULL;
	const char *nul, *p;
	unsigned int line = 1;
	size_t len;
	int rc;

	if ((rc = fileio_read(path, CONFIG_FILE_MAX, &buf, &len)) != 0) {
		if (rc == -PB_ETOOBIG)
			rc = config_fail_line(ctx, 1, "larger than %u MiB",
					      CONFIG_FILE_MAX >> 20);
		else if (ctx->err && ctx->err_size)
			snprintf(ctx->err, ctx->err_size, "%s: %s", path,
				 pb_strerror(rc));
		goto out;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		for (p = (const char *)buf; p < nul; p++)
			line += *p == '\n';
		rc = config_fail_line(ctx, line, "holds a NUL byte (expected "
				      "text)");
		goto out;
	}
	if ((rc = config_scan(ctx, (const char *)buf)) != 0)
		goto out;
	if (!config_read_string(lc, (const char *)buf)) {
		rc = -PB_ECONFIG;
		if (ctx->err && ctx->err_size)
			snprintf(ctx->err, ctx->err_size, "%s:%d: %s",
				 config_error_file(lc) ? config_error_file(lc)
						       : ctx->file,
				 config_error_line(lc), config_error_text(lc));
	}
out:
	free(buf);
	return rc;
}

int config_load(const char *path, struct config **out, char *err,
		size_t err_size)
{
	struct config_ctx ctx = { .file = path, .err = err,
				  .err_size = err_size };
	config_t lc;
	int rc;

	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	config_init(&lc);
	if (!(ctx.cfg = calloc(1, sizeof(*ctx.cfg)))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = config_locate(&ctx, path)) != 0) {
		if (err && err_size)
			snprintf(err, err_size, "%s: %s", path,
				 pb_strerror(rc));
		goto out;
	}
	if ((rc = config_read_text(&ctx, path, &lc)) != 0)
		goto out;
	if ((rc = config_parse_group(&ctx, config_root_setting(&lc),
				     &config_root, ctx.cfg)) != 0)
		goto out;
	*out = ctx.cfg;
	ctx.cfg = NULL;
out:
	if (rc != 0 && err && err_size && !err[0])
		snprintf(err, err_size, "%s: %s", path, pb_strerror(rc));
	config_index_free(&ctx.pods);
	config_index_free(&ctx.profiles);
	config_free(ctx.cfg);
	config_destroy(&lc);
	return rc;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->pods);
	free(cfg->profiles);
	free(cfg->nodes);
	free(cfg->nodes_by_id);
	free(cfg->tokens);
	free(cfg->alerts);
	free(cfg);
}

/* ---- Lookups ---- */

static int config_mac_key_cmp(const void *key, const void *node)
{
	return strcmp(key, ((const struct config_node *)node)->mac);
}

/** The node with MAC @mac (any accepted form): a binary search. */
const struct config_node *config_node_by_mac(const struct config *cfg,
					     const char *mac)
{
	char norm[18];

	if (!cfg || cfg->n_nodes == 0 || config_mac_normalise(mac, norm) != 0)
		return NULL;
	return bsearch(norm, cfg->nodes, cfg->n_nodes, sizeof(*cfg->nodes),
		       config_mac_key_cmp);
}

/*
 * The lookups below are linear: MAC is how machines are found, these are
 * fallbacks and API calls, and 10,000 short compares take microseconds.
 * Linear search also works on a struct config not made by config_load().
 */

/* The node whose string at offset @off is @key, by linear search. */
static const struct config_node *config_node_find(const struct config *cfg,
						  size_t off, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->n_nodes; i++)
		if (strcmp((const char *)&cfg->nodes[i] + off, key) == 0)
			return &cfg->nodes[i];
	return NULL;
}

/** The node with UUID @uuid (any case), or NULL. */
const struct config_node *config_node_by_uuid(const struct config *cfg,
					      const char *uuid)
{
	char norm[37];

	if (!cfg || config_uuid_normalise(uuid, norm) != 0)
		return NULL;
	return config_node_find(cfg, offsetof(struct config_node, uuid), norm);
}

/** The node with serial number @serial (exact), or NULL. */
const struct config_node *config_node_by_serial(const struct config *cfg,
						const char *serial)
{
	if (!cfg || config_serial_valid(serial) != 0)
		return NULL;
	return config_node_find(cfg, offsetof(struct config_node, serial),
				serial);
}

/** The node whose id (hostname) is @id, or NULL. */
const struct config_node *config_node_by_id(const struct config *cfg,
					    const char *id)
{
	struct config_node key_node;
	const struct config_node *key = &key_node, **hit;

	if (!cfg || config_name_valid(id) != 0)
		return NULL;
	if (!cfg->nodes_by_id)	/* a struct config not from config_load */
		return config_node_find(cfg,
					offsetof(struct config_node, hostname),
					id);
	snprintf(key_node.hostname, sizeof(key_node.hostname), "%s", id);
	hit = bsearch(&key, cfg->nodes_by_id, cfg->n_nodes,
		      sizeof(*cfg->nodes_by_id), config_node_ptr_id_cmp);
	return hit ? *hit : NULL;
}

/** The pod named @name, or NULL. */
const struct config_pod *config_pod_by_name(const struct config *cfg,
					    const char *name)
{
	size_t i;

	if (!cfg || config_name_valid(name) != 0)
		return NULL;
	for (i = 0; i < cfg->n_pods; i++)
		if (strcmp(cfg->pods[i].name, name) == 0)
			return &cfg->pods[i];
	return NULL;
}

/* ---- Tokens ---- */

/**
 * The token whose hash matches @secret, or NULL.  The secret is hashed
 * once and compared with every token in constant time, never stopping at
 * a match, so timing says nothing of which token matched.
 */
const struct config_token *config_token_find(const struct config *cfg,
					     const char *secret)
{
	const struct config_token *found = NULL;
	char hash[TOKEN_HASH_SIZE];
	size_t i;
	int match;

	if (!cfg || !secret || !secret[0])
		return NULL;
	token_hash(secret, hash);
	for (i = 0; i < cfg->n_tokens; i++) {
		match = token_equal(hash, cfg->tokens[i].sha256);
		if (match && !found)
			found = &cfg->tokens[i];
	}
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return found;
}

/**
 * 1 if @tok grants @scope ("rearm", "status" or "upload:NAME" with NAME a
 * valid artifact name), else 0.  "upload:PREFIX*" grants NAMEs starting
 * with PREFIX; any other scope grants itself only.
 */
int config_token_allows(const struct config_token *tok, const char *scope)
{
	const char *g;
	size_t i, len;

	if (!tok || !scope || !config_scope_request_valid(scope))
		return 0;
	for (i = 0; i < tok->n_scopes && i < CONFIG_SCOPES_MAX; i++) {
		g = tok->scopes[i];
		len = strnlen(g, sizeof(tok->scopes[i]));
		if (len == sizeof(tok->scopes[i]))
			continue;
		/* Only an upload scope may be a prefix: a bare "*" (from a
		 * model not made by config_load) grants nothing. */
		if (len > CONFIG_UPLOAD_LEN && g[len - 1] == '*' &&
		    strncmp(g, CONFIG_UPLOAD, CONFIG_UPLOAD_LEN) == 0) {
			if (strncmp(scope, g, len - 1) == 0)
				return 1;
		} else if (strcmp(g, scope) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ---- Nodes added at run time (assignments) ---- */

static const struct config_profile *config_profile_by_name(
	const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

int config_add_node(struct config *cfg, const char *hostname,
		    const char *mac, const char *pod, const char *profile,
		    const char *address, char *err, size_t err_size)
{
	const struct config_profile *prof;
	const struct config_pod *p;
	struct config_node *nodes, *n;
	char norm[18];

	p = config_pod_by_name(cfg, pod);
	prof = p ? config_profile_by_name(cfg, profile && *profile ? profile :
							       p->profile) :
		   NULL;
	if (config_hostname_valid(hostname) != 0 ||
	    config_mac_normalise(mac, norm) != 0 || !p || !prof ||
	    (address && *address && !config_ip_family(address))) {
		snprintf(err, err_size, "%s: hostname, MAC, pod, profile or "
					"address not valid",
			 hostname);
		return -PB_EBAD_NAME;
	}
	if (config_node_by_id(cfg, hostname) || config_node_by_mac(cfg, norm)) {
		snprintf(err, err_size, "%s (%s): hostname or MAC is already "
					"configured",
			 hostname, norm);
		return -EEXIST;
	}
	nodes = realloc(cfg->nodes, (cfg->n_nodes + 1) * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	cfg->nodes = nodes;
	n = &nodes[cfg->n_nodes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->hostname, sizeof(n->hostname), "%s", hostname);
	memcpy(n->mac, norm, sizeof(n->mac));
	snprintf(n->address, sizeof(n->address), "%s", address ? address : "");
	n->pod = p;
	n->profile = prof;
	n->assigned = 1;
	qsort(cfg->nodes, cfg->n_nodes, sizeof(*cfg->nodes),
	      config_node_mac_cmp);
	free(cfg->nodes_by_id);
	return config_index_ids(cfg);
}
