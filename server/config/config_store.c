/* config_store.c: where podboot serve keeps its state: server.store, a
 * PostgreSQL connection URL or a group (url, password_file), the password
 * kept out of podboot.conf.  Absent: SQLite in data_dir. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_int.h"

#define X_STORE "a URL such as \"postgresql://podboot@db.example.net/podboot\""

/*
 * Does connection URL @url hold a password: "user:PASSWORD@" before the
 * host, or a password parameter after '?'?  1 or 0.
 */
static int config_store_has_password(const char *url)
{
	const char *auth = strstr(url, "://");
	const char *query = strchr(url, '?');
	size_t end;
	const char *at, *p;

	if (auth) {
		auth += 3;
		end = strcspn(auth, "/?");
		at = memrchr(auth, '@', end);
		if (at && memchr(auth, ':', (size_t)(at - auth)))
			return 1;
	}
	for (p = query; p && *p; p += strcspn(p, "&")) {
		p++;	/* past '?' or '&' */
		if (strncasecmp(p, "password=", 9) == 0)
			return 1;
	}
	return 0;
}

/*
 * Parse a store URL into @field (a string of key->size): a postgresql://
 * URL without a password.  The value is never repeated in a message: a
 * refused one may hold the secret.
 */
static int config_key_store_url(struct config_ctx *ctx,
				const config_setting_t *s,
				const struct config_key *key, void *field)
{
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, key->size, &v)) != 0)
		return rc;
	if (strncmp(v, "postgresql://", 13) != 0 &&
	    strncmp(v, "postgres://", 11) != 0)
		return config_fail(ctx, s, NULL,
				   "is not a PostgreSQL URL (expected %s, or "
				   "no store setting for SQLite in data_dir)",
				   X_STORE);
	if (config_store_has_password(v))
		return config_fail(ctx, s, NULL,
				   "holds a password: podboot.conf never "
				   "does; put it in server.store.password_file "
				   "(mode 0600) or the PGPASSWORD "
				   "environment");
	snprintf(field, key->size, "%s", v);
	return 0;
}

static const struct config_key config_store_keys[] = {
	{ .name = "url", .parse = config_key_store_url,
	  .off = offsetof(struct config, store_url),
	  .size = sizeof(((struct config *)0)->store_url),
	  .expect = X_STORE },
	{ .name = "password_file", .parse = config_key_path,
	  .off = offsetof(struct config, store_password_file),
	  .size = sizeof(((struct config *)0)->store_password_file),
	  .expect = "a file path (mode 0600), absolute or relative to this "
		    "file" },
};

/* A password file needs a URL to go with. */
static int config_store_check(struct config_ctx *ctx,
			      const config_setting_t *g, void *base)
{
	const struct config *cfg = base;

	if (cfg->store_password_file[0] && !cfg->store_url[0])
		return config_fail(ctx, g, "password_file",
				   "needs server.store.url (SQLite has no "
				   "password)");
	return 0;
}

const struct config_group config_store = {
	"the store", config_store_keys, CONFIG_N(config_store_keys),
	config_store_check
};

/*
 * server.store: a URL (as store.url) or the group; @field is the
 * configuration.  0, or a negative error with the message written.
 */
int config_key_store(struct config_ctx *ctx, const config_setting_t *s,
		     const struct config_key *key, void *field)
{
	struct config *cfg = field;

	if (s && config_setting_type(s) == CONFIG_TYPE_STRING)
		return config_key_store_url(ctx, s, &config_store_keys[0],
					    cfg->store_url);
	return config_key_group(ctx, s, key, field);
}
