/* collect_fs.c: the filesystem collector: /proc/self/mounts and statvfs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "collect.h"
#include "error.h"
#include "log.h"

#define COLLECT_MOUNTS_MAX 1024

/*
 * Filesystem types that hold no storage (node_exporter's default
 * fs-types-exclude), then network filesystems: statvfs on one whose
 * server is gone blocks, and the agent has one thread.
 */
static const char *const collect_fs_skip_types[] = {
	"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs",
	"debugfs", "devpts", "devtmpfs", "fusectl", "hugetlbfs", "iso9660",
	"mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "rpc_pipefs",
	"securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs",
	"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "9p",
	"fuse.sshfs", "afs",
};

/*
 * Mount points skipped (node_exporter's default mount-points-exclude):
 * the prefix itself and what is below it, or (below) only what is below.
 */
static const struct {
	const char *prefix;
	int below;
} collect_fs_skip_mounts[] = {
	{ "/dev", 0 },
	{ "/proc", 0 },
	{ "/sys", 0 },
	{ "/run/credentials/", 1 },
	{ "/var/lib/docker/", 1 },
	{ "/var/lib/containers/storage/", 1 },
};

/* The families, each a statvfs figure. */
enum { FS_SIZE, FS_FREE, FS_AVAIL, FS_FILES, FS_FILES_FREE, FS_N };

static const struct {
	const char *name, *help;
} collect_fs_families[FS_N] = {
	{ "node_filesystem_size_bytes", "Filesystem size in bytes." },
	{ "node_filesystem_free_bytes", "Filesystem free space in bytes." },
	{ "node_filesystem_avail_bytes",
	  "Filesystem space available to non-root users in bytes." },
	{ "node_filesystem_files", "Filesystem total file nodes." },
	{ "node_filesystem_files_free", "Filesystem total free file nodes." },
};

struct collect_mount {
	char *dev, *mnt, *type;		/* unescaped, in the mounts text */
	double v[FS_N];
};

/* 1 when a mount of type @type at @mnt is left out (pseudo and container
 * file systems, as node_exporter's defaults leave them out); 0 otherwise. */
static int collect_fs_skipped(const char *mnt, const char *type)
{
	size_t i, len;

	for (i = 0; i < sizeof(collect_fs_skip_types) /
			    sizeof(collect_fs_skip_types[0]);
	     i++)
		if (strcmp(type, collect_fs_skip_types[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(collect_fs_skip_mounts) /
			    sizeof(collect_fs_skip_mounts[0]);
	     i++) {
		len = strlen(collect_fs_skip_mounts[i].prefix);
		if (strncmp(mnt, collect_fs_skip_mounts[i].prefix, len) != 0)
			continue;
		if (collect_fs_skip_mounts[i].below ? mnt[len] != '\0' :
		    mnt[len] == '\0' || mnt[len] == '/')
			return 1;
	}
	return 0;
}

/* Undo the kernel's octal escapes (\040 for a space) in place. */
static void collect_fs_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Split the first three fields of a mounts line, NUL-terminated. */
static int collect_fs_fields(char *line, char **f)
{
	char *save = NULL;
	size_t i;

	for (i = 0; i < 3; i++) {
		f[i] = strtok_r(i ? NULL : line, " \t", &save);
		if (!f[i])
			return -EBADMSG;
		collect_fs_unescape(f[i]);
	}
	return 0;
}

/* statvfs of one mount; 0 if it is to be reported. */
static int collect_fs_stat(struct collect_mount *m)
{
	struct statvfs s;

	if (statvfs(m->mnt, &s) != 0) {
		log_debug("statvfs %s: %s", m->mnt, strerror(errno));
		return -errno;
	}
	m->v[FS_SIZE] = (double)s.f_blocks * (double)s.f_frsize;
	m->v[FS_FREE] = (double)s.f_bfree * (double)s.f_frsize;
	m->v[FS_AVAIL] = (double)s.f_bavail * (double)s.f_frsize;
	m->v[FS_FILES] = (double)s.f_files;
	m->v[FS_FILES_FREE] = (double)s.f_ffree;
	return 0;
}

/* Parse the mounts text into @m, the reportable ones; returns how many. */
static size_t collect_fs_parse(char *text, struct collect_mount *m)
{
	char *line, *save = NULL, *f[3];
	size_t n = 0, i;

	for (line = strtok_r(text, "\n", &save); line && n < COLLECT_MOUNTS_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		if (collect_fs_fields(line, f) != 0 ||
		    collect_fs_skipped(f[1], f[2]))
			continue;
		/* A later mount on the same point hides this one. */
		for (i = 0; i < n && strcmp(m[i].mnt, f[1]) != 0; i++)
			;
		if (i < n)
			memmove(&m[i], &m[i + 1], (--n - i) * sizeof(*m));
		m[n].dev = f[0];
		m[n].mnt = f[1];
		m[n].type = f[2];
		n++;
	}
	return n;
}

/* One sample per mount of family @fam. */
static int collect_fs_family(struct pbuf *b, const struct collect_mount *m,
			     size_t n, int fam)
{
	const char *name = collect_fs_families[fam].name;
	struct prom_label l[3];
	size_t i;
	int rc;

	rc = promtext_write_family(b, name, collect_fs_families[fam].help,
				   PROM_GAUGE);
	for (i = 0; rc == 0 && i < n; i++) {
		if (collect_label(&l[0], "device", m[i].dev,
				  strlen(m[i].dev)) != 0 ||
		    collect_label(&l[1], "fstype", m[i].type,
				  strlen(m[i].type)) != 0 ||
		    collect_label(&l[2], "mountpoint", m[i].mnt,
				  strlen(m[i].mnt)) != 0)
			continue;
		rc = promtext_write_sample(b, name, NULL, 0, l, 3, m[i].v[fam],
					   0);
	}
	return rc;
}

int collect_filesystem(struct pbuf *b, struct collect_ctx *c)
{
	struct collect_mount *m;
	size_t n, i, ok;
	int fam, rc;

	rc = collect_read(c, "self/mounts");
	if (rc != 0)
		return rc;
	m = calloc(COLLECT_MOUNTS_MAX, sizeof(*m));
	if (!m)
		return -ENOMEM;
	n = collect_fs_parse(c->file.data, m);
	for (i = ok = 0; i < n; i++)
		if (collect_fs_stat(&m[i]) == 0)
			m[ok++] = m[i];
	for (fam = 0; rc == 0 && fam < FS_N; fam++)
		rc = collect_fs_family(b, m, ok, fam);
	free(m);
	return rc;
}
