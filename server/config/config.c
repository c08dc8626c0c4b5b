/* config.c: the schema engine: reads podboot.conf, refuses what libconfig
 * would misread, and walks the schema tables into a validated model. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "config.h"
#include "config_int.h"
#include "error.h"
#include "fileio.h"

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
int config_path_resolve(char *out, size_t size, const char *dir,
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
int __attribute__((format(printf, 4, 5)))
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

/* ---- Indexes: duplicates (references: config_value.c) ---- */

/*
 * qsort() order of index entries: by key, then by position in the list,
 * so that the first of two duplicates in the file sorts first.
 */
static int config_entry_cmp(const void *a, const void *b)
{
	const struct config_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* bsearch() comparison of key @key with index entry @entry. */
static int config_entry_key_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct config_entry *)entry)->key);
}

/*
 * Free the entries of @idx and leave it empty; an empty or already freed
 * index is fine.
 */
void config_index_free(struct config_index *idx)
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
int config_index_build(struct config_ctx *ctx, struct config_index *idx,
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
size_t config_index_find(const struct config_index *idx,
			 const char *key)
{
	const struct config_entry *e;

	if (idx->n == 0)
		return SIZE_MAX;
	e = bsearch(key, idx->e, idx->n, sizeof(*idx->e), config_entry_key_cmp);
	return e ? e->pos : SIZE_MAX;
}

/* ---- Groups and lists ---- */

static int config_parse_group(struct config_ctx *ctx,
			      const config_setting_t *g,
			      const struct config_group *grp, void *base);

/*
 * Parse key @key's nested group @s (NULL when absent: its defaults) by
 * the key's table into @field; 0, or a negative error with the message
 * written.
 */
int config_key_group(struct config_ctx *ctx, const config_setting_t *s,
		     const struct config_key *key, void *field)
{
	if (s && !config_setting_is_group(s))
		return config_fail(ctx, s, NULL, "is not a group (expected %s)",
				   key->expect);
	return config_parse_group(ctx, s, key->group, field);
}

/*
 * Parse key @key's list @s (NULL when absent: empty) of groups: refuse
 * more than the list's maximum, allocate its items and hand them to the
 * model (list->attach, so that config_free() frees them even on
 * failure), parse each by the element table, then run the list's check.
 * 0, or a negative error with the message written.
 */
int config_key_list(struct config_ctx *ctx, const config_setting_t *s,
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

/* The key of @grp named @name, or NULL: not one of its keys. */
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

/* ---- Loading ---- */

/*
 * Word why @path could not be located or read (@rc) into ctx->err; a
 * missing file also says where every command takes its name from.
 */
static void config_unreadable(struct config_ctx *ctx, const char *path,
			      int rc)
{
	if (ctx->err && ctx->err_size)
		snprintf(ctx->err, ctx->err_size, "%s: %s%s", path,
			 pb_strerror(rc),
			 rc == -ENOENT ? " (give the configuration file "
					 "with --config FILE or "
					 "PODBOOT_CONFIG)" : "");
}

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
		else
			config_unreadable(ctx, path, rc);
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
		config_unreadable(&ctx, path, rc);
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
	free(cfg->snmp);
	free(cfg->rw);
	config_bmc_free(cfg->bmcs);
	free(cfg);
}
