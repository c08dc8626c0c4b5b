/* config_remote_write.c: monitoring.remote_write, the TSDBs that pushed
 * samples go on to (server/monitor/remote_write.c sends them). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"

/*
 * remote_write[].url into @field: a URL with credentials in it
 * (user:password@) is refused by name, since it would sit in the
 * configuration and in logs; the token goes in bearer_token_file.
 */
static int config_key_rw_url(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field)
{
	const char *v = s ? config_setting_get_string(s) : NULL;
	const char *host, *end;

	if (v && (host = strstr(v, "://"))) {
		host += 3;
		end = host + strcspn(host, "/?#");
		if (memchr(host, '@', (size_t)(end - host)))
			return config_fail(ctx, s, NULL, "has credentials in "
					   "it: give the token in "
					   "bearer_token_file (mode 0600) "
					   "instead");
	}
	return config_key_url(ctx, s, key, field);
}

#define RW_FIELD(f) \
	.off = offsetof(struct config_remote_write, f), \
	.size = sizeof(((struct config_remote_write *)0)->f)

static const struct config_key config_rw_keys[] = {
	{ .name = "url", .parse = config_key_rw_url, RW_FIELD(url),
	  .required = 1,
	  .expect = "http(s)://HOST[:PORT]/PATH, e.g. "
		    "http://127.0.0.1:8428/api/v1/write" },
	{ .name = "bearer_token_file", .parse = config_key_path,
	  RW_FIELD(bearer_token_file),
	  .expect = "a file path (mode 0600) holding the bearer token" },
	{ .name = "queue_samples", .parse = config_key_uint,
	  .off = offsetof(struct config_remote_write, queue_samples),
	  .min = 100, .max = 10000000, .def = 100000 },
	{ .name = "batch_samples", .parse = config_key_uint,
	  .off = offsetof(struct config_remote_write, batch_samples),
	  .min = 1, .max = 100000, .def = 2000 },
};

/* One target's settings together: a batch fits in the queue; the token
 * file, if named, is a regular file only its owner may read. */
static int config_rw_check(struct config_ctx *ctx, const config_setting_t *g,
			   void *base)
{
	const struct config_remote_write *t = base;
	struct stat st;

	if (t->batch_samples > t->queue_samples)
		return config_fail(ctx, g, "batch_samples", "%u is more than "
				   "queue_samples (%u)", t->batch_samples,
				   t->queue_samples);
	if (!t->bearer_token_file[0])
		return 0;
	if (stat(t->bearer_token_file, &st) != 0 || !S_ISREG(st.st_mode))
		return config_fail(ctx, g, "bearer_token_file", "\"%s\" is not "
				   "a readable file", t->bearer_token_file);
	if (st.st_mode & 077)
		return config_fail(ctx, g, "bearer_token_file", "\"%s\" may be "
				   "read by others (mode %03o): chmod 600 it",
				   t->bearer_token_file, st.st_mode & 0777);
	return 0;
}

static const struct config_group config_rw = {
	"a remote-write target", config_rw_keys, CONFIG_N(config_rw_keys),
	config_rw_check
};

/* Hand the @n parsed targets at @items to @cfg, which frees them. */
static void config_attach_rw(struct config *cfg, void *items, size_t n)
{
	cfg->rw = items;
	cfg->n_rw = n;
}

/* No URL twice: each target has one queue. */
static int config_rw_list_check(struct config_ctx *ctx,
				const config_setting_t *list)
{
	size_t i, j;

	for (i = 0; i < ctx->cfg->n_rw; i++)
		for (j = 0; j < i; j++)
			if (strcmp(ctx->cfg->rw[i].url,
				   ctx->cfg->rw[j].url) == 0)
				return config_fail(
					ctx,
					config_setting_get_elem(
						list, (unsigned int)i),
					"url", "\"%s\" is a duplicate",
					ctx->cfg->rw[i].url);
	return 0;
}

const struct config_list config_remote_write = {
	&config_rw, sizeof(struct config_remote_write), CONFIG_RW_MAX,
	config_attach_rw, config_rw_list_check
};
