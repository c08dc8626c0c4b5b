/* fileio.c: bounded whole-file reads and crash-safe file writes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"

ssize_t fileio_read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fileio_read(const char *path, size_t max, unsigned char **buf,
		size_t *len)
{
	unsigned char *data = NULL;
	struct stat st;
	size_t off = 0;
	ssize_t n;
	int fd;
	int rc;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = -PB_ETOOBIG;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		rc = -ENOMEM;
		goto out;
	}
	/* The file may shrink or grow while we read; never pass the size. */
	while (off < (size_t)st.st_size) {
		n = fileio_read_some(fd, data + off,
				     (size_t)st.st_size - off);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	data[off] = '\0';
	*buf = data;
	*len = off;
	data = NULL;
	rc = 0;
out:
	free(data);
	close(fd);
	return rc;
}

int fileio_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return -PB_ETOOBIG;
	return 0;
}

int fileio_sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd;
	int rc = 0;

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * Create a new, empty temporary beside @path, PATH.tmp.XXXXXX, into @tmp.
 * mkostemp() draws the suffix at random and creates the file with O_EXCL
 * (never through a symbolic link, never an existing file), itself trying
 * other names on EEXIST, so nobody can prepare the inode a secret lands
 * in.  The ".tmp." infix is what the agent's spool sweeps after a crash.
 */
static int fileio_tmp_open(const char *path, char *tmp, size_t size)
{
	int fd;

	if (snprintf(tmp, size, "%s" FILEIO_TMP_SUFFIX, path) >= (int)size)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

void fileio_staged_init(struct fileio_staged *st)
{
	st->path[0] = st->tmp[0] = '\0';
	st->state = FILEIO_IDLE;
}

int fileio_stage(struct fileio_staged *st, const char *path, const void *buf,
		 size_t len, mode_t mode)
{
	int fd;
	int rc;

	fileio_staged_init(st);
	if (strlen(path) >= sizeof(st->path))
		return -ENAMETOOLONG;
	strcpy(st->path, path);
	fd = fileio_tmp_open(path, st->tmp, sizeof(st->tmp));
	if (fd < 0)
		return fd;
	/* mkostemp() made it 0600; give it exactly @mode, umask or not. */
	if (fchmod(fd, mode) != 0) {
		rc = -errno;
		goto err_write;
	}
	rc = fileio_write_all(fd, buf, len);
	if (rc != 0)
		goto err_write;
	if (fsync(fd) != 0) {
		rc = -errno;
		goto err_write;
	}
	rc = close(fd) == 0 ? 0 : -errno;
	fd = -1;
	if (rc != 0)
		goto err_write;
	st->state = FILEIO_STAGED;
	return 0;

err_write:
	if (fd >= 0)
		close(fd);
	unlink(st->tmp);
	return rc;
}

/*
 * Move the finished @tmp to @path.  With FILEIO_EXCL the existence check
 * and the creation are one step, so that two writers cannot both win:
 * renameat2(RENAME_NOREPLACE), or link() where the filesystem lacks it.
 */
static int fileio_publish(const char *tmp, const char *path, int flags)
{
	if (!(flags & FILEIO_EXCL))
		return rename(tmp, path) == 0 ? 0 : -errno;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (link(tmp, path) != 0)
		return -errno;
	unlink(tmp);
	return 0;
}

/* Exchange @tmp and @path in one step; 0 or a negative error. */
static int fileio_exchange(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) != 0)
		return -errno;
	return 0;
}

/*
 * Replace @st's destination, keeping the old file at the temporary's name
 * (RENAME_EXCHANGE) so that fileio_undo() can put it back.
 */
static int fileio_replace(struct fileio_staged *st)
{
	struct stat old;
	int rc;

	rc = fileio_exchange(st->tmp, st->path);
	if (rc == -ENOENT) {
		/* Nothing to replace: create it, as FILEIO_EXCL would. */
		rc = fileio_publish(st->tmp, st->path, FILEIO_EXCL);
		if (rc == 0)
			st->state = FILEIO_CREATED;
		return rc;
	}
	if (rc == -EINVAL || rc == -ENOSYS) {
		/* No exchange on this filesystem: replaced for good. */
		rc = fileio_publish(st->tmp, st->path, 0);
		if (rc == 0)
			st->state = FILEIO_REPLACED;
		return rc;
	}
	if (rc != 0)
		return rc;
	/* rename() never puts a file in a directory's place; nor do we. */
	if (lstat(st->tmp, &old) == 0 && S_ISDIR(old.st_mode)) {
		/* Should swapping back fail, fileio_undo() tries again. */
		if (fileio_exchange(st->tmp, st->path) != 0)
			st->state = FILEIO_SWAPPED;
		return -EISDIR;
	}
	st->state = FILEIO_SWAPPED;
	return 0;
}

int fileio_place(struct fileio_staged *st, int flags)
{
	int rc;

	if (st->state != FILEIO_STAGED)
		return -EINVAL;
	if (flags & FILEIO_EXCL) {
		rc = fileio_publish(st->tmp, st->path, FILEIO_EXCL);
		if (rc == 0)
			st->state = FILEIO_CREATED;
	} else {
		rc = fileio_replace(st);
	}
	if (rc != 0)
		return rc;
	return fileio_sync_dir(st->path);
}

void fileio_finish(struct fileio_staged *st)
{
	/* The old file kept for fileio_undo(), or one never placed. */
	if (st->state == FILEIO_SWAPPED || st->state == FILEIO_STAGED)
		unlink(st->tmp);
	fileio_staged_init(st);
}

int fileio_undo(struct fileio_staged *st)
{
	int rc = 0;

	switch (st->state) {
	case FILEIO_STAGED:
		unlink(st->tmp);
		break;
	case FILEIO_CREATED:
		if (unlink(st->path) != 0)
			rc = -errno;
		break;
	case FILEIO_SWAPPED:
		rc = fileio_exchange(st->tmp, st->path);
		if (rc == 0)
			unlink(st->tmp);
		break;
	case FILEIO_REPLACED:
		rc = -EOPNOTSUPP;
		break;
	default:
		break;
	}
	if (rc == 0 && st->state != FILEIO_IDLE && st->state != FILEIO_STAGED)
		rc = fileio_sync_dir(st->path);
	if (rc == 0)
		fileio_staged_init(st);
	return rc;
}

int fileio_write(const char *path, const void *buf, size_t len, mode_t mode,
		 int flags)
{
	struct fileio_staged st;
	int rc;

	if ((flags & FILEIO_EXCL) && fileio_exists(path))
		return -EEXIST;
	rc = fileio_stage(&st, path, buf, len, mode);
	if (rc != 0)
		return rc;
	rc = fileio_publish(st.tmp, path, flags);
	if (rc != 0) {
		unlink(st.tmp);
		return rc;
	}
	return fileio_sync_dir(path);
}

int fileio_mkdirs(const char *path, mode_t mode)
{
	char copy[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(copy, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int fileio_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
