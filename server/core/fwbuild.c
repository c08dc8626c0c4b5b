/* fwbuild.c: a firmware build checked against its SHA256SUMS (each file
 * read once) and its TFTP files placed atomically, only when their
 * content changed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "fwbuild.h"

static const char *const fwbuild_files[FWBUILD_N] = {
	FWBUILD_BIOS, FWBUILD_UEFI, FWBUILD_HTTP
};

const char *fwbuild_file(size_t i)
{
	return i < FWBUILD_N ? fwbuild_files[i] : NULL;
}

const char *fwbuild_dir_of(const struct config *cfg,
			   const struct config_pod *p)
{
	if (p && p->firmware_dir[0])
		return p->firmware_dir;
	return cfg->dhcp_firmware_dir;
}

/* 1 when @file is one of the build's files. */
static int fwbuild_known(const char *file)
{
	size_t i;

	for (i = 0; i < FWBUILD_N; i++)
		if (strcmp(file, fwbuild_files[i]) == 0)
			return 1;
	return 0;
}

int fwbuild_dest(char *out, size_t size, const char *root, const char *pod)
{
	int n;

	if (pod && config_name_valid(pod) != 0)
		return -PB_EBAD_NAME;
	if (pod)
		n = snprintf(out, size, "%s/%s", root, pod);
	else
		n = snprintf(out, size, "%s", root);
	if (n < 0 || (size_t)n >= size)
		return -PB_ETOOBIG;
	return 0;
}

int fwbuild_path(char *out, size_t size, const char *root, const char *pod,
		 const char *file)
{
	char dir[PATH_MAX];
	int rc;

	if (!fwbuild_known(file))
		return -PB_EBAD_NAME;
	if ((rc = fwbuild_dest(dir, sizeof(dir), root, pod)) != 0)
		return rc;
	return fileio_join(out, size, dir, file);
}

/*
 * The digest SHA256SUMS text @sums states for @file, as 64 hex digits
 * into @hex; sha256sum's "HEX  NAME" or "HEX *NAME" lines.
 *
 * @ret rc		0, or -ENOENT when @file is not listed
 */
static int fwbuild_sums_find(const char *sums, const char *file,
			     char hex[65])
{
	const char *line = sums, *name, *end;
	size_t flen = strlen(file);

	for (; *line; line = end + (*end == '\n')) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (end - line < 66 || strspn(line, "0123456789abcdef") != 64
		    || line[64] != ' ')
			continue;
		name = line + 65 + (line[65] == ' ' || line[65] == '*');
		if ((size_t)(end - name) == flen &&
		    memcmp(name, file, flen) == 0) {
			memcpy(hex, line, 64);
			hex[64] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Read @dir/@file once and check its SHA-256 is @hex; the bytes into
 * @buf (malloc'd, the caller frees them) and @len.  0, or a negative
 * error with the reason in @err.
 */
static int fwbuild_read_checked(const char *dir, const char *file,
				const char *hex, unsigned char **buf,
				size_t *len, char *err, size_t err_size)
{
	char path[PATH_MAX], got[65];
	uint8_t d[32];
	unsigned char *data = NULL;
	size_t n = 0;
	int rc;

	if ((rc = fileio_join(path, sizeof(path), dir, file)) != 0)
		goto fail;
	if ((rc = fileio_read(path, FWBUILD_MAX_SIZE, &data, &n)) != 0)
		goto fail;
	digest_sha256(data, n, d);
	digest_hex(d, sizeof(d), got);
	if (strcmp(got, hex) != 0) {
		snprintf(err, err_size, "%s has SHA-256 %s, not %s as its "
			 "build's " FWBUILD_SUMS " says", path, got, hex);
		free(data);
		return -PB_ECONFIG;
	}
	*buf = data;
	*len = n;
	return 0;
fail:
	snprintf(err, err_size, "%s/%s: %s", dir, file, pb_strerror(rc));
	return rc;
}

int fwbuild_check(const char *dir, struct fwbuild *fw, char *err,
		  size_t err_size)
{
	char path[PATH_MAX];
	unsigned char *sums = NULL;
	size_t len, i, k;
	int rc;

	memset(fw, 0, sizeof(*fw));
	if ((rc = fileio_join(path, sizeof(path), dir, FWBUILD_SUMS)) != 0 ||
	    (rc = fileio_read(path, 1u << 20, &sums, &len)) != 0) {
		snprintf(err, err_size, "%s/" FWBUILD_SUMS ": %s", dir,
			 pb_strerror(rc));
		return rc;
	}
	for (i = 0; i < FWBUILD_N; i++) {
		if (fwbuild_sums_find((char *)sums, fwbuild_files[i],
				      fw->hex[i]) != 0) {
			snprintf(err, err_size, "%s/" FWBUILD_SUMS " lists no "
				 "%s", dir, fwbuild_files[i]);
			rc = -PB_ECONFIG;
			goto out;
		}
		rc = fwbuild_read_checked(dir, fwbuild_files[i], fw->hex[i],
					  &fw->data[i], &fw->len[i], err,
					  err_size);
		if (rc != 0)
			goto out;
		for (k = 0; k < 32; k++)
			sscanf(fw->hex[i] + 2 * k, "%2hhx", &fw->digest[i][k]);
	}
	snprintf(fw->dir, sizeof(fw->dir), "%s", dir);
out:
	if (rc != 0)
		fwbuild_free(fw);
	free(sums);
	return rc;
}

void fwbuild_free(struct fwbuild *fw)
{
	size_t i;

	for (i = 0; i < FWBUILD_N; i++) {
		free(fw->data[i]);
		fw->data[i] = NULL;
		fw->len[i] = 0;
	}
}

/* The entry of @memo for @path, or NULL. */
static struct fwbuild_seen *fwbuild_memo_find(struct fwbuild_memo *memo,
					      const char *path)
{
	size_t i;

	for (i = 0; memo && i < memo->n; i++)
		if (strcmp(memo->seen[i].path, path) == 0)
			return &memo->seen[i];
	return NULL;
}

/* 1 when @st is the file @s saw: same inode, size and times. */
static int fwbuild_seen_is(const struct fwbuild_seen *s,
			   const struct stat *st)
{
	return s->dev == st->st_dev && s->ino == st->st_ino &&
	       s->size == st->st_size &&
	       s->mtime.tv_sec == st->st_mtim.tv_sec &&
	       s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       s->ctime.tv_sec == st->st_ctim.tv_sec &&
	       s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Remember that @path, as @st, has digest @d (nothing without memory:
 * the next call reads it again). */
static void fwbuild_memo_put(struct fwbuild_memo *memo, const char *path,
			     const struct stat *st, const uint8_t d[32])
{
	struct fwbuild_seen *s, *grown;
	char *copy;

	if (!memo)
		return;
	if (!(s = fwbuild_memo_find(memo, path))) {
		if (!(copy = strdup(path)))
			return;
		grown = realloc(memo->seen, (memo->n + 1) * sizeof(*grown));
		if (!grown) {
			free(copy);
			return;
		}
		memo->seen = grown;
		s = &memo->seen[memo->n++];
		s->path = copy;
	}
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
	s->ctime = st->st_ctim;
	memcpy(s->digest, d, 32);
}

void fwbuild_memo_prune(struct fwbuild_memo *memo)
{
	struct stat st;
	size_t i = 0;

	while (i < memo->n) {
		if (stat(memo->seen[i].path, &st) == 0) {
			i++;
			continue;
		}
		free(memo->seen[i].path);
		memo->seen[i] = memo->seen[--memo->n];
	}
}

void fwbuild_memo_free(struct fwbuild_memo *memo)
{
	size_t i;

	for (i = 0; i < memo->n; i++)
		free(memo->seen[i].path);
	free(memo->seen);
	memo->seen = NULL;
	memo->n = 0;
}

/* The SHA-256 of the @size bytes open at @fd into @d: 0 or -errno. */
static int fwbuild_digest_fd(int fd, off_t size, uint8_t d[32])
{
	unsigned char *data;
	size_t off = 0;
	ssize_t n;
	int rc = 0;

	if (!(data = malloc(size > 0 ? (size_t)size : 1)))
		return -ENOMEM;
	while (off < (size_t)size) {
		n = fileio_read_some(fd, data + off, (size_t)size - off);
		if (n <= 0) {
			rc = n < 0 ? (int)n : -EIO;	/* shrank meanwhile */
			break;
		}
		off += (size_t)n;
	}
	if (rc == 0)
		digest_sha256(data, off, d);
	free(data);
	return rc;
}

/*
 * 1 when @path holds @len bytes of digest @want already: another size
 * differs at once; the file @memo saw last has the digest it saw; any
 * other is read once (and remembered).
 */
static int fwbuild_same(struct fwbuild_memo *memo, const char *path,
			size_t len, const uint8_t want[32])
{
	const struct fwbuild_seen *s;
	struct stat st;
	uint8_t d[32];
	int fd, rc;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != len)
		return 0;
	if ((s = fwbuild_memo_find(memo, path)) && fwbuild_seen_is(s, &st))
		return memcmp(s->digest, want, 32) == 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	/* the file read is the one remembered: its own identity */
	rc = fstat(fd, &st) == 0 && (size_t)st.st_size == len ?
		     fwbuild_digest_fd(fd, st.st_size, d) : -EAGAIN;
	close(fd);
	if (rc != 0)
		return 0;
	fwbuild_memo_put(memo, path, &st, d);
	return memcmp(d, want, 32) == 0;
}

/* Remember what fwbuild_place() just wrote at @path: digest @d. */
static void fwbuild_memo_wrote(struct fwbuild_memo *memo, const char *path,
			       const uint8_t d[32])
{
	struct stat st;

	if (memo && stat(path, &st) == 0)
		fwbuild_memo_put(memo, path, &st, d);
}

int fwbuild_place(const struct fwbuild *fw, const char *dest,
		  struct fwbuild_memo *memo, unsigned int *copied, char *err,
		  size_t err_size)
{
	char path[PATH_MAX];
	const unsigned char *data;
	unsigned int done = 0;
	size_t i, len;
	int rc;

	if ((rc = fileio_mkdirs(dest, 0755)) != 0) {
		snprintf(err, err_size, "%s: %s", dest, pb_strerror(rc));
		return rc;
	}
	for (i = 0; i < FWBUILD_N; i++) {
		if (strcmp(fwbuild_files[i], FWBUILD_HTTP) == 0)
			continue;	/* served over HTTP, not by TFTP */
		if ((rc = fileio_join(path, sizeof(path), dest,
				      fwbuild_files[i])) != 0) {
			snprintf(err, err_size, "%s: %s", dest,
				 pb_strerror(rc));
			return rc;
		}
		data = fw->data[i];
		len = fw->len[i];
		if (!data) {
			snprintf(err, err_size, "%s: not checked", fw->dir);
			return -EINVAL;
		}
		if (fwbuild_same(memo, path, len, fw->digest[i]))
			continue;
		rc = fileio_write(path, data, len, 0644, 0);
		if (rc != 0) {
			snprintf(err, err_size, "%s: %s", path,
				 pb_strerror(rc));
			return rc;
		}
		fwbuild_memo_wrote(memo, path, fw->digest[i]);
		done++;
	}
	if (copied)
		*copied = done;
	return 0;
}
