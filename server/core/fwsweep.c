/* fwsweep.c: per-pod TFTP directories that podboot made, marked when
 * made, and removed (podboot's files only) once their pod has no
 * firmware build of its own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "fwbuild.h"
#include "fwsweep.h"

static const char fwsweep_text[] =
	"made by podboot serve for a pod's own firmware build; removed with "
	"the files podboot put here when the pod has none\n";

int fwsweep_claim(const char *root, const char *pod, char *err,
		  size_t err_size)
{
	char dir[PATH_MAX], mark[PATH_MAX];
	int rc;

	if ((rc = fwbuild_dest(dir, sizeof(dir), root, pod)) != 0 ||
	    (rc = fileio_join(mark, sizeof(mark), dir, FWSWEEP_MARK)) != 0)
		goto fail;
	if ((rc = fileio_mkdirs(root, 0755)) != 0)
		goto fail;
	if (mkdir(dir, 0755) != 0) {
		if (errno == EEXIST)
			return 0;	/* made before, or not by podboot */
		rc = -errno;
		goto fail;
	}
	rc = fileio_write(mark, fwsweep_text, sizeof(fwsweep_text) - 1, 0644,
			  FILEIO_EXCL);
	if (rc != 0)
		snprintf(err, err_size, "%s: %s", mark, pb_strerror(rc));
	return rc;
fail:
	snprintf(err, err_size, "%s/%s: %s", root, pod, pb_strerror(rc));
	return rc;
}

int fwsweep_keeps(const struct config *cfg, const char *name)
{
	const struct config_pod *p = config_pod_by_name(cfg, name);

	return p && p->firmware_dir[0];
}

int fwsweep_ours(const char *name)
{
	return strcmp(name, FWBUILD_BIOS) == 0 ||
	       strcmp(name, FWBUILD_UEFI) == 0 ||
	       strcmp(name, FWSWEEP_MARK) == 0;
}

/* 0 when directory @fd holds podboot's files only, -ENOTEMPTY when it
 * holds anything else, or -errno. */
static int fwsweep_only_ours(int fd)
{
	struct dirent *e;
	DIR *d;
	int dup_fd, rc = 0;

	if ((dup_fd = dup(fd)) < 0)
		return -errno;
	if (!(d = fdopendir(dup_fd))) {
		rc = -errno;
		close(dup_fd);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!fwsweep_ours(e->d_name)) {
			rc = -ENOTEMPTY;
			break;
		}
	}
	closedir(d);
	return rc;
}

/* Remove podboot's files from directory @fd, the mark last: 0 or -errno. */
static int fwsweep_empty(int fd)
{
	static const char *const files[] = { FWBUILD_BIOS, FWBUILD_UEFI,
					     FWSWEEP_MARK };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (unlinkat(fd, files[i], 0) != 0 && errno != ENOENT)
			return -errno;
	return 0;
}

/* 1 when directory @fd holds podboot's mark, a regular file. */
static int fwsweep_marked(int fd)
{
	struct stat st;

	return fstatat(fd, FWSWEEP_MARK, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

/*
 * Directory @name under @rootfd, if it is podboot's (a directory, not a
 * link, holding a regular mark file): 1 when removed, 0 when not
 * podboot's, -ENOTEMPTY when it holds other files, or -errno.
 */
static int fwsweep_one(int rootfd, const char *name)
{
	int fd, rc;

	fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!fwsweep_marked(fd)) {
		close(fd);
		return 0;
	}
	if ((rc = fwsweep_only_ours(fd)) == 0)
		rc = fwsweep_empty(fd);
	close(fd);
	if (rc != 0)
		return rc;
	if (unlinkat(rootfd, name, AT_REMOVEDIR) != 0)
		return -errno;
	return 1;
}

int fwsweep_run(const char *root, const struct config *cfg, fwsweep_cb cb,
		void *arg, unsigned int *removed)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d;
	int rc;

	if (removed)
		*removed = 0;
	if (!(d = opendir(root)))
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) != NULL) {
		if (config_name_valid(e->d_name) != 0 ||
		    fwsweep_keeps(cfg, e->d_name))
			continue;
		rc = fwsweep_one(dirfd(d), e->d_name);
		if (rc == 0)
			continue;
		if (rc > 0)
			n++;
		if (cb)
			cb(arg, root, e->d_name, rc > 0 ? 0 : rc);
	}
	closedir(d);
	if (removed)
		*removed = n;
	return 0;
}
