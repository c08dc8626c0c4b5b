/* config_bmc.c: a node's bmc group (its Redfish service: address, user,
 * where the password is kept, the TLS identity it must show), parsed into
 * a struct config_bmc the loaded configuration owns. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_int.h"
#include "error.h"

/*
 * A BMC user name: 1 to 63 printable ASCII characters without ':' (HTTP
 * basic authentication ends the user at the first colon) or space.
 * 0 or -PB_EBAD_NAME.
 */
int config_bmc_user_valid(const char *user)
{
	size_t i, len = strlen(user);

	if (len == 0 || len >= CONFIG_NAME_MAX)
		return -PB_EBAD_NAME;
	for (i = 0; i < len; i++)
		if (user[i] <= ' ' || user[i] > '~' || user[i] == ':')
			return -PB_EBAD_NAME;
	return 0;
}

int config_bmc_fingerprint_normalise(const char *in, char out[65])
{
	size_t n = 0;
	int v;

	for (; *in; in++) {
		if (*in == ':')
			continue;
		if ((v = config_hex_value(*in)) < 0 || n == 64)
			return -PB_EBAD_NAME;
		out[n++] = "0123456789abcdef"[v];
	}
	out[n] = '\0';
	return n == 64 ? 0 : -PB_EBAD_NAME;
}

/* The user key: config_bmc_user_valid()'s grammar. */
static int config_key_bmc_user(struct config_ctx *ctx,
			       const config_setting_t *s,
			       const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_bmc_user_valid,
				  "a BMC user name");
}

/* tls_fingerprint: 64 hex digits, colons allowed, stored lower case. */
static int config_key_bmc_fingerprint(struct config_ctx *ctx,
				      const config_setting_t *s,
				      const struct config_key *key,
				      void *field)
{
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, 128, &v)) != 0)
		return rc;
	if (config_bmc_fingerprint_normalise(v, field) != 0)
		return config_fail(ctx, s, NULL, "\"%s\" is not %s", v,
				   key->expect);
	return 0;
}

/*
 * A password written into podboot.conf would be read by everyone who may
 * read the configuration: refuse it, without quoting it back.
 */
static int config_key_bmc_password(struct config_ctx *ctx,
				   const config_setting_t *s,
				   const struct config_key *key, void *field)
{
	(void)key;
	(void)field;
	if (!s)
		return 0;
	return config_fail(ctx, s, NULL, "is not taken in the configuration "
			   "(put it alone in a file of mode 0600 and name "
			   "that file in password_file)");
}

/*
 * Across the group: an https:// address (a BMC's credentials never
 * travel in clear text), and at most one way of pinning its identity.
 */
static int config_bmc_check(struct config_ctx *ctx, const config_setting_t *g,
			    void *base)
{
	const struct config_bmc *b = base;

	if (strncmp(b->url, "https://", 8) != 0)
		return config_fail(ctx, config_setting_get_member(g, "url"),
				   NULL, "\"%s\" is not an https:// URL (a "
				   "BMC's password never travels in clear "
				   "text)", b->url);
	if (b->tls_ca[0] && b->tls_fingerprint[0])
		return config_fail(ctx, config_setting_get_member(
					   g, "tls_fingerprint"), NULL,
				   "and tls_ca are both given (expected one "
				   "of them, or neither to learn the "
				   "fingerprint with podboot bmc NODE trust)");
	return 0;
}

#define BMC_FIELD(field) .off = offsetof(struct config_bmc, field), \
	.size = sizeof(((struct config_bmc *)0)->field)

static const struct config_key config_bmc_keys[] = {
	{ .name = "url", .parse = config_key_url, BMC_FIELD(url),
	  .required = 1,
	  .expect = "the BMC's address such as \"https://192.0.2.10\"" },
	{ .name = "user", .parse = config_key_bmc_user, BMC_FIELD(user),
	  .required = 1, .expect = "a BMC user name" },
	{ .name = "password_file", .parse = config_key_path,
	  BMC_FIELD(password_file), .required = 1,
	  .expect = "a file of mode 0600 holding the BMC password" },
	{ .name = "password", .parse = config_key_bmc_password },
	{ .name = "tls_ca", .parse = config_key_path, BMC_FIELD(tls_ca),
	  .expect = "a file of CA certificates the BMC's chains to" },
	{ .name = "tls_fingerprint", .parse = config_key_bmc_fingerprint,
	  BMC_FIELD(tls_fingerprint),
	  .expect = "the SHA-256 of the BMC certificate's public key "
		    "(64 hex digits)" },
	{ .name = "system", .parse = config_key_string, BMC_FIELD(system),
	  .expect = "the Id of the BMC's ComputerSystem to drive" },
};

const struct config_group config_bmc_group = {
	"a node's bmc", config_bmc_keys, CONFIG_N(config_bmc_keys),
	config_bmc_check
};

/*
 * A node's bmc group @s into a new struct config_bmc that the
 * configuration owns (its list, freed by config_free()), pointed to by
 * @field; absent: NULL, the node has no BMC.
 */
int config_key_bmc(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field)
{
	struct config_bmc *b;
	int rc;

	if (!s)
		return 0;
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	b->next = ctx->cfg->bmcs;
	ctx->cfg->bmcs = b;
	if ((rc = config_key_group(ctx, s, key, b)) != 0)
		return rc;
	*(const struct config_bmc **)field = b;
	return 0;
}

void config_bmc_free(struct config_bmc *list)
{
	struct config_bmc *next;

	for (; list; list = next) {
		next = list->next;
		free(list);
	}
}
