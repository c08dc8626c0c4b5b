/* config_grammar.c: the grammars of hostile input: MACs, UUIDs, serials,
 * names, artifact names, networks, URLs and token scopes. */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "error.h"

/* ---- Character classes: explicit, so no locale widens them. ---- */

/* 1 if @c is an ASCII digit. */
int config_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* 1 if @c is an ASCII letter. */
int config_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 if @c is an ASCII digit or lower-case letter. */
static int config_is_lower_alnum(int c)
{
	return config_is_digit(c) || (c >= 'a' && c <= 'z');
}

/* 1 if @c is an ASCII digit or letter. */
int config_is_alnum(int c)
{
	return config_is_digit(c) || config_is_alpha(c);
}

/* Value of hex digit @c, or -1. */
int config_hex_value(int c)
{
	if (config_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* @c in lower case if it is an ASCII upper-case letter, else @c. */
char config_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ---- Grammars for hostile input ---- */

/*
 * All-zero and all-one MACs and UUIDs are what firmware reports when it
 * has none.  The grammars accept them (such a machine may still boot by
 * its MAC), but no node may claim one: it would be every such machine.
 */
int config_is_placeholder(const char *hex, size_t len)
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
int config_ip_family(const char *s)
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
int config_cidr_parse(const char *s, unsigned char *addr, int *family,
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
int config_cidr_mask(unsigned char *addr, int family, int prefix)
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
int config_cidr_valid(const char *s)
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
size_t config_url_len(const char *url)
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
 * A granted scope: "rearm", "status", "push", "relay", "bmc",
 * "upload:NAME", "upload:*" or
 * "upload:PREFIX*", where PREFIX is the start of some valid artifact name
 * ("el9/" and "el9-" both are): PREFIX followed by a letter is valid.
 */
int config_scope_valid(const char *scope)
{
	char buf[CONFIG_ARTIFACT_MAX + 2];
	const char *rest;
	size_t len;

	if (strcmp(scope, "rearm") == 0 || strcmp(scope, "status") == 0 ||
	    strcmp(scope, "push") == 0 || strcmp(scope, "relay") == 0 ||
	    strcmp(scope, "bmc") == 0)
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

/* A scope a request asks for: "rearm", "status", "push", "relay", "bmc"
 * or "upload:NAME". */
int config_scope_request_valid(const char *scope)
{
	return strcmp(scope, "rearm") == 0 || strcmp(scope, "status") == 0 ||
	       strcmp(scope, "push") == 0 || strcmp(scope, "relay") == 0 ||
	       strcmp(scope, "bmc") == 0 ||
	       (strncmp(scope, CONFIG_UPLOAD, CONFIG_UPLOAD_LEN) == 0 &&
		config_artifact_name_valid(scope + CONFIG_UPLOAD_LEN) == 0);
}
