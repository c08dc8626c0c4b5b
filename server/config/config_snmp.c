/* config_snmp.c: monitoring.snmp_traps, the SNMP receivers that alerts
 * go to as traps (server/monitor/alert_snmp.c sends them). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"

#define X_TARGET "HOST or HOST:PORT (an IPv4 address, [IPv6] or a " \
		 "hostname; port 162 when not given)"

/* Is @port (a string) a decimal port 1..65535?  0 or -1. */
static int config_snmp_port_valid(const char *port)
{
	char *end;
	long v;

	if (!config_is_digit(port[0]) || strlen(port) > 5)
		return -1;
	v = strtol(port, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535 ? 0 : -1;
}

/*
 * Is @t a trap target: "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT",
 * HOST an IPv4 address or a hostname?  0 or -1.
 */
static int config_snmp_target_valid(const char *t)
{
	char host[256];
	const char *colon, *close;
	size_t len;

	if (t[0] == '[') {
		close = strchr(t, ']');
		if (!close || (size_t)(close - t - 1) >= sizeof(host))
			return -1;
		memcpy(host, t + 1, (size_t)(close - t - 1));
		host[close - t - 1] = '\0';
		if (config_ip_family(host) <= 0 || strchr(host, '.') ||
		    !strchr(host, ':'))
			return -1;
		if (close[1] == '\0')
			return 0;
		return close[1] == ':' ? config_snmp_port_valid(close + 2) : -1;
	}
	colon = strchr(t, ':');
	len = colon ? (size_t)(colon - t) : strlen(t);
	if (len == 0 || len >= sizeof(host))
		return -1;
	memcpy(host, t, len);
	host[len] = '\0';
	if (strspn(host, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len ||
	    host[0] == '-' || host[0] == '.')
		return -1;
	return colon ? config_snmp_port_valid(colon + 1) : 0;
}

/* snmp_traps[].target into @field. */
static int config_key_snmp_target(struct config_ctx *ctx,
				  const config_setting_t *s,
				  const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field,
				  config_snmp_target_valid,
				  "a trap receiver (expected " X_TARGET ")");
}

/* Is @v an SNMP version podboot sends: "2c" or "3"?  0 or -1. */
static int config_snmp_version_valid(const char *v)
{
	return strcmp(v, "2c") == 0 || strcmp(v, "3") == 0 ? 0 : -1;
}

/* snmp_traps[].version into @field. */
static int config_key_snmp_version(struct config_ctx *ctx,
				   const config_setting_t *s,
				   const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field,
				  config_snmp_version_valid,
				  "an SNMP version (expected \"2c\" or \"3\")");
}

/* Is @u an SNMPv3 user name: 1 to 32 of [A-Za-z0-9._-]?  0 or -1. */
static int config_snmp_user_valid(const char *u)
{
	size_t n = strlen(u);

	return n >= 1 && n <= 32 &&
			       strspn(u, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-") == n ?
		       0 :
		       -1;
}

/* snmp_traps[].user into @field. */
static int config_key_snmp_user(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_snmp_user_valid,
				  "an SNMPv3 user name (expected 1 to 32 of "
				  "A-Z a-z 0-9 . _ -)");
}

/* Is @a an authentication protocol podboot offers?  0 or -1. */
static int config_snmp_auth_valid(const char *a)
{
	return strcmp(a, "SHA") == 0 || strcmp(a, "SHA-256") == 0 ||
			       strcmp(a, "SHA-512") == 0 ?
		       0 :
		       -1;
}

/* snmp_traps[].auth into @field; "SHA-256" when absent. */
static int config_key_snmp_auth(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	if (!s) {
		snprintf(field, key->size, "%s", "SHA-256");
		return 0;
	}
	return config_key_grammar(ctx, s, key, field, config_snmp_auth_valid,
				  "an SNMPv3 authentication protocol "
				  "(expected \"SHA\", \"SHA-256\" or "
				  "\"SHA-512\"; privacy is always AES)");
}

/* Is @h an SNMP engine ID in hex: 5 to 32 octets (RFC 3411)?  0 or -1. */
static int config_snmp_engine_valid(const char *h)
{
	size_t n = strlen(h), i;

	if (n < 10 || n > 64 || n % 2)
		return -1;
	for (i = 0; i < n; i++)
		if (config_hex_value(h[i]) < 0)
			return -1;
	return 0;
}

/* snmp_traps[].engine_id into @field. */
static int config_key_snmp_engine(struct config_ctx *ctx,
				  const config_setting_t *s,
				  const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field,
				  config_snmp_engine_valid,
				  "an SNMP engine ID (expected 10 to 64 hex "
				  "digits: 5 to 32 octets)");
}

#define SNMP_FIELD(f) \
	.off = offsetof(struct config_snmp, f), \
	.size = sizeof(((struct config_snmp *)0)->f)

static const struct config_key config_snmp_keys[] = {
	{ .name = "target", .parse = config_key_snmp_target,
	  SNMP_FIELD(target), .required = 1, .expect = X_TARGET },
	{ .name = "version", .parse = config_key_snmp_version,
	  SNMP_FIELD(version), .required = 1, .expect = "\"2c\" or \"3\"" },
	{ .name = "secret_file", .parse = config_key_path,
	  SNMP_FIELD(secret_file), .required = 1,
	  .expect = "a file path (mode 0600): the community for 2c; "
		    "for 3, a line auth PASSPHRASE and a line priv "
		    "PASSPHRASE" },
	{ .name = "user", .parse = config_key_snmp_user, SNMP_FIELD(user),
	  .expect = "an SNMPv3 user name" },
	{ .name = "auth", .parse = config_key_snmp_auth, SNMP_FIELD(auth),
	  .expect = "\"SHA\", \"SHA-256\" or \"SHA-512\"" },
	{ .name = "engine_id", .parse = config_key_snmp_engine,
	  SNMP_FIELD(engine_id), .expect = "hex digits" },
};

/*
 * One receiver's settings together: SNMPv3 needs a user and an engine
 * ID, 2c takes neither; the secret file exists, is a regular file and
 * only its owner may read it (the community or passphrases are in it).
 */
static int config_snmp_check(struct config_ctx *ctx,
			     const config_setting_t *g, void *base)
{
	const struct config_snmp *t = base;
	int v3 = strcmp(t->version, "3") == 0;
	struct stat st;

	if (v3 && !t->user[0])
		return config_fail(ctx, g, "user", "is missing (SNMPv3 "
				   "traps are sent as a USM user)");
	if (v3 && !t->engine_id[0])
		return config_fail(ctx, g, "engine_id", "is missing (the "
				   "receiver needs podboot's engine ID to "
				   "know the user's keys)");
	if (!v3 && (t->user[0] || t->engine_id[0] ||
		    config_setting_get_member(g, "auth")))
		return config_fail(ctx, g, t->user[0] ? "user" :
				   t->engine_id[0] ? "engine_id" : "auth",
				   "applies to version \"3\" only");
	if (stat(t->secret_file, &st) != 0 || !S_ISREG(st.st_mode))
		return config_fail(ctx, g, "secret_file", "\"%s\" is not a "
				   "readable file", t->secret_file);
	if (st.st_mode & 077)
		return config_fail(ctx, g, "secret_file", "\"%s\" may be "
				   "read by others (mode %03o): chmod 600 it",
				   t->secret_file, st.st_mode & 0777);
	return 0;
}

static const struct config_group config_snmp = {
	"an SNMP trap receiver", config_snmp_keys, CONFIG_N(config_snmp_keys),
	config_snmp_check
};

/* Hand the @n parsed receivers at @items to @cfg, which frees them. */
static void config_attach_snmp(struct config *cfg, void *items, size_t n)
{
	cfg->snmp = items;
	cfg->n_snmp = n;
}

const struct config_list config_snmp_traps = {
	&config_snmp, sizeof(struct config_snmp), CONFIG_SNMP_MAX,
	config_attach_snmp, NULL
};
