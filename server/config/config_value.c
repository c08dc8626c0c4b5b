/* config_value.c: parsers of one setting's value, each checked against its
 * grammar and stored into the model. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <libconfig.h>

#include "config.h"
#include "config_int.h"
#include "error.h"

/* ---- Values of settings ---- */

/*
 * The string of @s, checked to fit @size bytes with its NUL and to hold
 * no control character (a newline in a cmdline would be a second boot
 * script command).
 */
int config_string(struct config_ctx *ctx, const config_setting_t *s,
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
int config_key_string(struct config_ctx *ctx,
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
int config_key_priorities(struct config_ctx *ctx,
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
int config_key_grammar(struct config_ctx *ctx,
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

/* A pod, profile or token name ([a-z0-9][a-z0-9._-]*) into @field. */
int config_key_name(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_name_valid,
				  "a valid name (expected [a-z0-9][a-z0-9._-]*, "
				  "at most 63 characters)");
}

/* Hostnames may not take the form of a discovered machine's id. */
int config_hostname_valid(const char *name)
{
	if (strlen(name) == 16 && strncmp(name, "mac-", 4) == 0 &&
	    strspn(name + 4, "0123456789abcdef") == 12)
		return -PB_EBAD_NAME;
	return config_name_valid(name);
}

/*
 * A node's hostname (a name, not of the mac-HEX form of discovered
 * machines) into @field.
 */
int config_key_hostname(struct config_ctx *ctx,
			const config_setting_t *s,
			const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_hostname_valid,
				  "a valid hostname (expected "
				  "[a-z0-9][a-z0-9._-]*, at most 63 "
				  "characters, not of the form mac-HEX that "
				  "discovered machines use)");
}

/* An artifact name (config_artifact_name_valid()) into @field. */
int config_key_artifact(struct config_ctx *ctx,
			const config_setting_t *s,
			const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field,
				  config_artifact_name_valid,
				  "an artifact name (expected segments of "
				  "[A-Za-z0-9][A-Za-z0-9._+-]* joined by /, at "
				  "most 128 bytes, not ending in .sig)");
}

/* A machine's serial number (config_serial_valid()) into @field. */
int config_key_serial(struct config_ctx *ctx,
		      const config_setting_t *s,
		      const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_serial_valid,
				  "a serial number (expected 1 to 64 of A-Z "
				  "a-z 0-9 . _ -)");
}

/* A file path, stored absolute: relative ones are relative to the
 * configuration file.  The file need not exist yet. */
int config_key_path(struct config_ctx *ctx, const config_setting_t *s,
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

/*
 * An IPv4 or IPv6 address into @field (key->size bytes); absent: the
 * key's default string.
 */
int config_key_ip(struct config_ctx *ctx, const config_setting_t *s,
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

/*
 * A base URL (https://HOST[:PORT][/PATH]) into @field, without a
 * trailing slash; absent: left empty.
 */
int config_key_url(struct config_ctx *ctx, const config_setting_t *s,
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

/* A MAC address, normalised to aa:bb:cc:dd:ee:ff, into @field. */
int config_key_mac(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field)
{
	return config_key_machine_id(ctx, s, key, field, config_mac_normalise,
				     "a MAC address (expected "
				     "aa:bb:cc:dd:ee:ff)");
}

/* A UUID, normalised to lower case, into @field. */
int config_key_uuid(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field)
{
	return config_key_machine_id(ctx, s, key, field, config_uuid_normalise,
				     "a UUID (expected 8-4-4-4-12 hex digits)");
}

/* The hash of a secret.  The value is never quoted back: an operator who
 * pasted the secret itself must not find it in a log. */
int config_key_sha256(struct config_ctx *ctx,
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

/* 1 if @name is a network interface's name: 1 to 15 of [A-Za-z0-9._-]. */
static int config_iface_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!config_is_alnum((unsigned char)name[i]) &&
		    !strchr("._-", name[i]))
			return 0;
	return i > 0 && i < 16;
}

/* dhcp.interfaces: the interfaces Kea listens on, into struct config. */
int config_key_ifaces(struct config_ctx *ctx, const config_setting_t *s,
		      const struct config_key *key, void *field)
{
	struct config *cfg = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)cfg->dhcp_ifaces,
				   sizeof(cfg->dhcp_ifaces[0]),
				   CONFIG_IFACES_MAX, config_iface_valid,
				   "an interface name (expected e.g. "
				   "\"eth0\")", &cfg->n_dhcp_ifaces);
}

/*
 * A pod's boot_from networks: kept as written, and parsed once into the
 * pod's boot_nets for the per-request check (@field is the pod).
 */
int config_key_boot_from(struct config_ctx *ctx,
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

/* 1 if @name is an artifact name (config_artifact_name_valid()). */
static int config_artifact_ok(const char *name)
{
	return config_artifact_name_valid(name) == 0;
}

/* A pod's artifacts = [ "name", ... ] (its cache's intent) into the pod
 * at @field. */
int config_key_pod_artifacts(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	struct config_pod *pod = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)pod->artifacts,
				   sizeof(pod->artifacts[0]),
				   CONFIG_POD_ARTIFACTS_MAX, config_artifact_ok,
				   "an artifact name such as \"el9/vmlinuz\"",
				   &pod->n_artifacts);
}

/* A token's scopes (config_scope_valid()) into the token at @field. */
int config_key_scopes(struct config_ctx *ctx,
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
				   "bmc, upload:*, upload:PREFIX* or "
				   "upload:NAME)",
				   &tok->n_scopes);
}

/*
 * The integer of @s within the key's bounds into @v, or, @s absent, the
 * key's default.  0 or the error (reported).
 */
static int config_key_integer(struct config_ctx *ctx,
			      const config_setting_t *s,
			      const struct config_key *key, long long *v)
{
	*v = key->def;
	return s ? config_integer(ctx, s, key, v) : 0;
}

/*
 * An integer within the key's bounds into the unsigned int at @field;
 * absent: the key's default.
 */
int config_key_uint(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field)
{
	long long v;
	int rc;

	if ((rc = config_key_integer(ctx, s, key, &v)) != 0)
		return rc;
	*(unsigned int *)field = (unsigned int)v;
	return 0;
}

/*
 * The key's integer (config_key_integer()) times 2^@shift into the
 * unsigned long long at @field: a size given in KiB or MiB, in bytes.
 */
static int config_key_shifted(struct config_ctx *ctx,
			      const config_setting_t *s,
			      const struct config_key *key, void *field,
			      unsigned int shift)
{
	long long v;
	int rc;

	if ((rc = config_key_integer(ctx, s, key, &v)) != 0)
		return rc;
	*(unsigned long long *)field = (unsigned long long)v << shift;
	return 0;
}

/* Megabytes in the file, bytes in the model. */
int config_key_megabytes(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field)
{
	return config_key_shifted(ctx, s, key, field, 20);
}

/*
 * true or false into the int at @field (1 or 0); absent: the key's
 * default.
 */
int config_key_bool(struct config_ctx *ctx, const config_setting_t *s,
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

/*
 * policy.unknown ("ignore" or "discover") into the enum
 * config_unknown at @field; absent: ignore.
 */
int config_key_policy(struct config_ctx *ctx,
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
int config_key_cidr(struct config_ctx *ctx, const config_setting_t *s,
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

/* A network's DNS servers (IP addresses) into the network at @field. */
int config_key_dns(struct config_ctx *ctx, const config_setting_t *s,
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

/* A network's NTP servers (IP addresses) into the network at @field. */
int config_key_ntp(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field)
{
	struct config_net *net = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)net->ntp,
				   sizeof(net->ntp[0]), CONFIG_DNS_MAX,
				   config_ip_family,
				   "an IP address (expected e.g. 192.0.2.123)",
				   &net->n_ntp);
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
int config_key_pod_ref(struct config_ctx *ctx,
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
int config_key_profile_ref(struct config_ctx *ctx,
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
int config_key_profile_name(struct config_ctx *ctx,
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

/* ---- Monitoring settings (alert rules: config_alertexpr.c) ---- */

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

/*
 * server.replicas: one replica's "HOST:PORT" (a DNS name, an IPv4
 * address or a bracketed IPv6 address, and a port 1-65535): 1 if valid.
 */
static int config_replica_valid_bool(const char *v)
{
	const char *colon = strrchr(v, ':');
	unsigned long port;
	char *end;
	size_t i, host;

	if (!colon || colon == v || strlen(v) >= CONFIG_REPLICA_LEN)
		return 0;
	host = (size_t)(colon - v);
	if (v[0] == '[' ? v[host - 1] != ']' : memchr(v, ':', host) != NULL)
		return 0;
	for (i = 0; i < host; i++)
		if (!config_is_alnum(v[i]) && !strchr(".-[]:", v[i]))
			return 0;
	if (colon[1] < '0' || colon[1] > '9')
		return 0;
	port = strtoul(colon + 1, &end, 10);
	return *end == '\0' && port >= 1 && port <= 65535;
}

/* server.replicas: the replicas HAProxy balances (podboot haproxy). */
int config_key_replicas(struct config_ctx *ctx, const config_setting_t *s,
			const struct config_key *key, void *field)
{
	struct config *cfg = field;

	if (!s)
		return 0;
	return config_string_array(ctx, s, key, (char *)cfg->replicas,
				   sizeof(cfg->replicas[0]),
				   CONFIG_REPLICAS_MAX,
				   config_replica_valid_bool,
				   "a replica's HOST:PORT such as "
				   "\"10.0.0.11:8443\"", &cfg->n_replicas);
}

/* Kilobytes in the file, bytes in the model. */
int config_key_kilobytes(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field)
{
	return config_key_shifted(ctx, s, key, field, 10);
}


/*
 * monitoring.alertmanagers: Alertmanager base URLs into the model at
 * @field.
 */
int config_key_alertmanagers(struct config_ctx *ctx,
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
