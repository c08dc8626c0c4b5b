/* cache.c: the relay's artifact cache on disk: content-addressed entries,
 * their commit records, tamper checks and eviction. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "error.h"
#include "log.h"

#define CACHE_RECORD_MAX 512		/* bytes of a commit record */
#define CACHE_ENTRIES_MAX 100000	/* entries an eviction looks at */

/* Files of one entry, partial ones too, in the order they are dropped. */
static const char *const cache_suffixes[] = {
	".ok", "", ".sig", ".part", ".sig.part", ".len",
};

int cache_hex_valid(const char *s)
{
	size_t i;

	for (i = 0; i < CACHE_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/* 1 if the @len bytes at @s are an artifact name: segments of
 * [A-Za-z0-9][A-Za-z0-9._-]* joined by '/' (as the server names them). */
static int cache_name_valid(const char *s, size_t len)
{
	size_t i;
	int start = 1;

	if (len == 0 || len > CACHE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		int alnum = (s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9');

		if (start && !alnum)
			return 0;
		start = s[i] == '/';
		if (!alnum && !start && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	}
	return !start;
}

/* Take a leading "/node/ID" off *@target into @ref->node; 0, or -EINVAL
 * when there is one but ID is no node id. */
static int cache_parse_node(const char **target, struct cache_ref *ref)
{
	static const char prefix[] = "/node/";
	const char *id = *target + sizeof(prefix) - 1, *end;

	if (strncmp(*target, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	end = strchr(id, '/');
	/* a node id has a name's grammar in one segment */
	if (!end || (size_t)(end - id) > CACHE_NODE_MAX ||
	    !cache_name_valid(id, (size_t)(end - id)))
		return -EINVAL;
	memcpy(ref->node, id, (size_t)(end - id));
	*target = end;
	return 0;
}

int cache_parse_target(const char *target, struct cache_ref *ref)
{
	static const char prefix[] = "/artifacts/";
	const char *at, *hex;
	size_t len;

	memset(ref, 0, sizeof(*ref));
	if (cache_parse_node(&target, ref) != 0 ||
	    strncmp(target, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	target += sizeof(prefix) - 1;
	at = strchr(target, '@');
	if (!at || !cache_name_valid(target, (size_t)(at - target)) ||
	    strncmp(at, "@sha256:", 8) != 0)
		return -EINVAL;
	hex = at + 8;
	len = strlen(hex);
	if (len == CACHE_HEX_LEN + 4 && strcmp(hex + CACHE_HEX_LEN, ".sig") == 0)
		ref->sig = 1;
	else if (len != CACHE_HEX_LEN)
		return -EINVAL;
	memcpy(ref->hex, hex, CACHE_HEX_LEN);
	if (!cache_hex_valid(ref->hex))
		return -EINVAL;
	memcpy(ref->name, target, (size_t)(at - target));
	return 0;
}

/* mkdir 0700 unless it exists as a directory. */
static int cache_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (stat(path, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int cache_open(struct cache *c, const char *dir, uint64_t max_bytes)
{
	char sub[PATH_MAX];
	int rc;

	memset(c, 0, sizeof(*c));
	c->max_bytes = max_bytes;
	if ((size_t)snprintf(c->dir, sizeof(c->dir), "%s", dir) >=
		    sizeof(c->dir) ||
	    (size_t)snprintf(sub, sizeof(sub), "%s/sha256", dir) >=
		    sizeof(sub))
		return -PB_ETOOBIG;
	rc = cache_mkdir(c->dir);
	if (rc == 0)
		rc = cache_mkdir(sub);
	if (rc != 0)
		log_error("cache %s: %s", dir, pb_strerror(rc));
	return rc;
}

int cache_path(const struct cache *c, const char *hex, const char *suffix,
	       char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/sha256/%s%s", c->dir, hex,
			     suffix) >= size)
		return -PB_ETOOBIG;
	return 0;
}

/* The record line of one file's identity into @out, or -errno. */
static int cache_stamp(const char *path, char *out, size_t size)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	snprintf(out, size, "%jd %jd %ld %jd %ld %ju", (intmax_t)st.st_size,
		 (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		 (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		 (uintmax_t)st.st_ino);
	return 0;
}

/* The record @hex should have now, from the files themselves. */
static int cache_record_text(const struct cache *c, const char *hex,
			     char *out, size_t size)
{
	char path[PATH_MAX], a[160], b[160];
	int rc;

	rc = cache_path(c, hex, "", path, sizeof(path));
	if (rc == 0)
		rc = cache_stamp(path, a, sizeof(a));
	if (rc == 0)
		rc = cache_path(c, hex, ".sig", path, sizeof(path));
	if (rc == 0)
		rc = cache_stamp(path, b, sizeof(b));
	if (rc == 0)
		snprintf(out, size, "podboot-cache 1 %s %s\n", a, b);
	return rc;
}

int cache_record(const struct cache *c, const char *hex)
{
	char text[CACHE_RECORD_MAX], tmp[PATH_MAX], path[PATH_MAX];
	ssize_t len;
	int fd, rc;

	rc = cache_record_text(c, hex, text, sizeof(text));
	if (rc == 0)
		rc = cache_path(c, hex, ".ok.tmp", tmp, sizeof(tmp));
	if (rc == 0)
		rc = cache_path(c, hex, ".ok", path, sizeof(path));
	if (rc != 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	len = (ssize_t)strlen(text);
	rc = write(fd, text, (size_t)len) == len && fsync(fd) == 0 ? 0 :
									  -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Read the stored record of @hex into @out; -ENOENT when there is none. */
static int cache_record_read(const struct cache *c, const char *hex,
			     char *out, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, rc;

	rc = cache_path(c, hex, ".ok", path, sizeof(path));
	if (rc != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	out[n] = '\0';
	return 0;
}

int cache_check(const struct cache *c, const char *hex)
{
	char want[CACHE_RECORD_MAX], have[CACHE_RECORD_MAX];
	int rc;

	rc = cache_record_read(c, hex, want, sizeof(want));
	if (rc != 0)
		return -ENOENT;
	rc = cache_record_text(c, hex, have, sizeof(have));
	if (rc == 0 && strcmp(want, have) == 0)
		return 0;
	cache_drop(c, hex, "changed since it was verified (size, time or "
			   "inode differ from its record)");
	return -EBADMSG;
}

/* Unlink every file of entry @hex, its record first. */
static void cache_unlink(const struct cache *c, const char *hex)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(cache_suffixes) / sizeof(cache_suffixes[0]);
	     i++)
		if (cache_path(c, hex, cache_suffixes[i], path,
			       sizeof(path)) == 0)
			unlink(path);
}

void cache_drop(const struct cache *c, const char *hex, const char *why)
{
	log_error("cache: sha256:%s %s: deleted", hex, why);
	cache_unlink(c, hex);
}

void cache_touch(const struct cache *c, const char *hex)
{
	char path[PATH_MAX];

	if (cache_path(c, hex, ".ok", path, sizeof(path)) == 0)
		utimensat(AT_FDCWD, path, NULL, 0);
}

/* ---- eviction --------------------------------------------------------- */

struct cache_entry {
	char hex[CACHE_HEX_LEN + 1];
	long long used;			/* the record's mtime, ns */
	uint64_t bytes;			/* file and .sig */
};

/* The digests of DIR/pinned into @pins (sorted); how many, or -errno. */
static int cache_pinned(const struct cache *c, char (*pins)[CACHE_HEX_LEN + 1])
{
	char path[PATH_MAX], line[128];
	FILE *f;
	int n = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/pinned", c->dir) >=
	    sizeof(path))
		return -PB_ETOOBIG;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (n < CACHE_PINNED_MAX && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (cache_hex_valid(line))
			memcpy(pins[n++], line, CACHE_HEX_LEN + 1);
	}
	fclose(f);
	return n;
}

/* 1 if @hex is among the @n @pins. */
static int cache_is_pinned(char (*pins)[CACHE_HEX_LEN + 1], int n,
			   const char *hex)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(pins[i], hex) == 0)
			return 1;
	return 0;
}

/* The committed entry @name ("HEX.ok") into @e; -ENOENT if it is not one. */
static int cache_entry_read(const struct cache *c, const char *name,
			    struct cache_entry *e)
{
	char path[PATH_MAX];
	struct stat st;
	size_t len = strlen(name);

	if (len != CACHE_HEX_LEN + 3 || strcmp(name + CACHE_HEX_LEN, ".ok"))
		return -ENOENT;
	memcpy(e->hex, name, CACHE_HEX_LEN);
	e->hex[CACHE_HEX_LEN] = '\0';
	if (!cache_hex_valid(e->hex) ||
	    cache_path(c, e->hex, ".ok", path, sizeof(path)) != 0 ||
	    stat(path, &st) != 0)
		return -ENOENT;
	e->used = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	e->bytes = 0;
	if (cache_path(c, e->hex, "", path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0)
		e->bytes += (uint64_t)st.st_size;
	if (cache_path(c, e->hex, ".sig", path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0)
		e->bytes += (uint64_t)st.st_size;
	return 0;
}

/* Oldest use first. */
static int cache_entry_cmp(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/* Every committed entry into *@out (malloc'd; the caller frees it). */
static int cache_scan(const struct cache *c, struct cache_entry **out,
		      size_t *n, uint64_t *total)
{
	char path[PATH_MAX];
	struct cache_entry *e;
	struct dirent *d;
	DIR *dir;

	*n = 0;
	*total = 0;
	*out = e = calloc(CACHE_ENTRIES_MAX, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if ((size_t)snprintf(path, sizeof(path), "%s/sha256", c->dir) >=
	    sizeof(path))
		return -PB_ETOOBIG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (*n < CACHE_ENTRIES_MAX && (d = readdir(dir)) != NULL)
		if (cache_entry_read(c, d->d_name, &e[*n]) == 0)
			*total += e[(*n)++].bytes;
	closedir(dir);
	return 0;
}

int cache_held(const struct cache *c, char (*out)[CACHE_HEX_LEN + 1],
	       int max)
{
	struct cache_entry *e = NULL;
	uint64_t total;
	size_t n = 0, i;
	int rc;

	rc = cache_scan(c, &e, &n, &total);
	for (i = 0; rc == 0 && i < n && (int)i < max; i++)
		memcpy(out[i], e[i].hex, CACHE_HEX_LEN + 1);
	free(e);
	return rc ? rc : (int)i;
}

int cache_evict(const struct cache *c,
		int (*in_use)(void *ctx, const char *hex), void *ctx)
{
	static char pins[CACHE_PINNED_MAX][CACHE_HEX_LEN + 1];
	struct cache_entry *e = NULL;
	uint64_t total;
	size_t n, i;
	int n_pins, evicted = 0, rc;

	n_pins = cache_pinned(c, pins);
	rc = n_pins < 0 ? n_pins : cache_scan(c, &e, &n, &total);
	if (rc != 0)
		goto out;
	qsort(e, n, sizeof(*e), cache_entry_cmp);
	for (i = 0; i < n && total > c->max_bytes; i++) {
		if (cache_is_pinned(pins, n_pins, e[i].hex) ||
		    (in_use && in_use(ctx, e[i].hex)))
			continue;
		log_info("cache: evicting sha256:%s (%" PRIu64 " bytes, "
			 "least recently used)", e[i].hex, e[i].bytes);
		cache_unlink(c, e[i].hex);
		total -= e[i].bytes;
		evicted++;
	}
	rc = evicted;
out:
	free(e);
	return rc;
}
