/* datadir.c: the data directory: one server at a time, a database made
 * on purpose and never silently replaced. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "log.h"

#define DATADIR_PID_MAX 32
#define DATADIR_MARKER_MAX 128
#define DATADIR_MARKER_TAG "podboot-store "
#define DATADIR_SQLITE_MAGIC "SQLite format 3"	/* and its NUL: 16 bytes */
#define DATADIR_HEADER 100

int datadir_lock(const char *dir, int *fd)
{
	return datadir_lock_mode(dir, fd, 0);
}

int datadir_lock_mode(const char *dir, int *fd, int shared)
{
	char path[PATH_MAX], pid[DATADIR_PID_MAX];
	ssize_t n;
	int rc, len;

	*fd = -1;
	rc = fileio_join(path, sizeof(path), dir, DATADIR_LOCK);
	if (rc != 0)
		return rc;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		rc = -errno;
		log_error("%s: %s", path, pb_strerror(rc));
		return rc;
	}
	if (shared && flock(*fd, LOCK_SH | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (rc == -EBUSY)
			log_error("data directory %s is in use by a podboot "
				  "serve on SQLite (%s is locked): replicas on "
				  "PostgreSQL share a data directory only with "
				  "each other", dir, path);
		else
			log_error("%s: locking: %s", path, pb_strerror(rc));
		close(*fd);
		*fd = -1;
		return rc;
	}
	if (shared)
		return 0;	/* several holders: no PID to name */
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		n = pread(*fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (rc == -EBUSY)
			log_error("data directory %s is in use by podboot PID "
				  "%s (%s is locked); stop that server or "
				  "give this one another data_dir",
				  dir, *pid ? pid : "(not yet written)", path);
		else
			log_error("%s: locking: %s", path, pb_strerror(rc));
		close(*fd);
		*fd = -1;
		return rc;
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) != 0 || pwrite(*fd, pid, len, 0) != len) {
		rc = -errno;
		log_error("%s: writing the PID: %s", path, pb_strerror(rc));
		datadir_unlock(*fd);
		*fd = -1;
		return rc;
	}
	return 0;
}

void datadir_unlock(int fd)
{
	if (fd < 0)
		return;
	/* An empty lock file: no server holds this directory. */
	if (ftruncate(fd, 0) != 0)
		log_warn("emptying the data directory lock: %s",
			 pb_strerror(-errno));
	close(fd);	/* releases the lock */
}

void datadir_refuse(const char *path, const char *why)
{
	log_error("%s %s; refusing to start with a new empty store (every "
		  "node would be armed again): restore the database from a "
		  "backup, or run podboot serve --reinit-store to start a new "
		  "one with every known node locked as installed "
		  "(docs/operations.md, \"Back-up and restore\")",
		  path, why);
}

/* The first @n bytes at @p as a big-endian number. */
static uint32_t datadir_be(const unsigned char *p, size_t n)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Is @path a whole SQLite file, as far as its header can tell? */
static int datadir_db_check(const char *path, const struct stat *sb)
{
	unsigned char h[DATADIR_HEADER];
	uint32_t page, pages;
	ssize_t n;
	int fd, rc = 0;

	if (!S_ISREG(sb->st_mode)) {
		datadir_refuse(path, "is not a regular file");
		return -PB_ESTORE;
	}
	if (sb->st_size == 0) {
		datadir_refuse(path, "is empty (a full disk or a crash can "
			       "leave that)");
		return -PB_ESTORE;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		log_error("%s: %s", path, pb_strerror(rc));
		return rc;
	}
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) ||
	    memcmp(h, DATADIR_SQLITE_MAGIC, sizeof(DATADIR_SQLITE_MAGIC)) !=
		    0) {
		datadir_refuse(path, "is not an SQLite database (damaged or "
			       "overwritten)");
		return -PB_ESTORE;
	}
	page = datadir_be(h + 16, 2);
	if (page == 1)
		page = 65536;
	pages = datadir_be(h + 28, 4);
	/* The page count is valid when written by the same change. */
	if (pages && datadir_be(h + 24, 4) == datadir_be(h + 92, 4) &&
	    (uint64_t)sb->st_size < (uint64_t)pages * page) {
		datadir_refuse(path, "is shorter than its header says "
			       "(truncated)");
		return -PB_ESTORE;
	}
	return 0;
}

/* The marker's identity, or "" when there is no marker. */
static int datadir_marker_read(const char *dir, char id[DATADIR_ID_LEN + 1])
{
	char path[PATH_MAX];
	unsigned char *buf;
	size_t len, tag = strlen(DATADIR_MARKER_TAG);
	int rc;

	id[0] = '\0';
	rc = fileio_join(path, sizeof(path), dir, DATADIR_MARKER);
	if (rc != 0)
		return rc;
	rc = fileio_read(path, DATADIR_MARKER_MAX, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		log_error("%s: %s", path, pb_strerror(rc));
		return rc;
	}
	if (len < tag + DATADIR_ID_LEN ||
	    memcmp(buf, DATADIR_MARKER_TAG, tag) != 0 ||
	    strspn((char *)buf + tag, "0123456789abcdef") < DATADIR_ID_LEN) {
		log_error("%s: not a podboot store marker; restore it with "
			  "the database it belongs to", path);
		free(buf);
		return -PB_ESTORE;
	}
	memcpy(id, buf + tag, DATADIR_ID_LEN);
	id[DATADIR_ID_LEN] = '\0';
	free(buf);
	return 0;
}

int datadir_store_check(const char *dir, enum datadir_store *out,
			char marker[DATADIR_ID_LEN + 1])
{
	char path[PATH_MAX];
	struct stat sb;
	int rc;

	rc = datadir_marker_read(dir, marker);
	if (rc == 0)
		rc = fileio_join(path, sizeof(path), dir, DATADIR_DB);
	if (rc != 0)
		return rc;
	if (lstat(path, &sb) != 0) {
		if (errno != ENOENT) {
			rc = -errno;
			log_error("%s: %s", path, pb_strerror(rc));
			return rc;
		}
		if (*marker) {
			datadir_refuse(path, "is missing, although this data "
				       "directory's store was created");
			return -PB_ESTORE;
		}
		*out = DATADIR_FRESH;
		return 0;
	}
	rc = datadir_db_check(path, &sb);
	if (rc != 0)
		return rc;
	*out = *marker ? DATADIR_EXISTING : DATADIR_ADOPT;
	return 0;
}

int datadir_mark(const char *dir, const char *id)
{
	char path[PATH_MAX], text[DATADIR_MARKER_MAX];
	int rc, len;

	len = snprintf(text, sizeof(text), DATADIR_MARKER_TAG "%s\n", id);
	if (len < 0 || (size_t)len >= sizeof(text))
		return -PB_ETOOBIG;
	rc = fileio_join(path, sizeof(path), dir, DATADIR_MARKER);
	if (rc == 0)
		rc = fileio_write(path, text, len, 0600, 0);
	if (rc == 0)
		rc = fileio_sync_dir(path);
	if (rc != 0)
		log_error("%s: %s", path, pb_strerror(rc));
	return rc;
}

int datadir_set_aside(const char *dir)
{
	static const char *const names[] = {
		DATADIR_DB, DATADIR_DB "-wal", DATADIR_DB "-shm",
		DATADIR_MARKER,
	};
	char from[PATH_MAX], to[PATH_MAX + 32];
	long long now = (long long)time(NULL);
	size_t i;
	int rc;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = fileio_join(from, sizeof(from), dir, names[i]);
		if (rc != 0)
			return rc;
		snprintf(to, sizeof(to), "%s.broken-%lld", from, now);
		if (rename(from, to) == 0) {
			log_warn("%s set aside as %s", from, to);
		} else if (errno != ENOENT) {
			rc = -errno;
			log_error("%s: %s", from, pb_strerror(rc));
			return rc;
		}
	}
	return fileio_sync_dir(from);
}
