/* fwbuild.c: a firmware build checked against its SHA256SUMS and its
 * TFTP files placed atomically, only when their content changed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Read @dir/@file and check its SHA-256 is @hex (fwbuild_load()). */
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
	if (buf) {
		*buf = data;
		*len = n;
	} else {
		free(data);
	}
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
					  NULL, NULL, err, err_size);
		if (rc != 0)
			goto out;
		for (k = 0; k < 32; k++)
			sscanf(fw->hex[i] + 2 * k, "%2hhx", &fw->digest[i][k]);
	}
	snprintf(fw->dir, sizeof(fw->dir), "%s", dir);
out:
	free(sums);
	return rc;
}

int fwbuild_load(const struct fwbuild *fw, size_t i, unsigned char **buf,
		 size_t *len, char *err, size_t err_size)
{
	if (i >= FWBUILD_N)
		return -EINVAL;
	return fwbuild_read_checked(fw->dir, fwbuild_files[i], fw->hex[i], buf,
				    len, err, err_size);
}

/* 1 when @path holds content of SHA-256 @hex already. */
static int fwbuild_same(const char *path, const char *hex)
{
	unsigned char *data = NULL;
	char got[65];
	uint8_t d[32];
	size_t n;

	if (fileio_read(path, FWBUILD_MAX_SIZE, &data, &n) != 0)
		return 0;
	digest_sha256(data, n, d);
	free(data);
	digest_hex(d, sizeof(d), got);
	return strcmp(got, hex) == 0;
}

int fwbuild_place(const struct fwbuild *fw, const char *dest,
		  unsigned int *copied, char *err, size_t err_size)
{
	char path[PATH_MAX];
	unsigned char *data;
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
		if (fwbuild_same(path, fw->hex[i]))
			continue;
		rc = fwbuild_read_checked(fw->dir, fwbuild_files[i],
					  fw->hex[i], &data, &len, err,
					  err_size);
		if (rc != 0)
			return rc;
		rc = fileio_write(path, data, len, 0644, 0);
		free(data);
		if (rc != 0) {
			snprintf(err, err_size, "%s: %s", path,
				 pb_strerror(rc));
			return rc;
		}
		done++;
	}
	if (copied)
		*copied = done;
	return 0;
}
