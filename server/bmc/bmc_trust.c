/* bmc_trust.c: the BMC password read from its 0600 file, and the BMC's
 * TLS key fingerprint learned on first use (trust on first use). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "bmc_trust.h"
#include "config.h"
#include "digest.h"
#include "error.h"
#include "fileio.h"

/* Refuse what @st says of a password file; 0 when it may be used. */
static int bmc_trust_mode_ok(const struct stat *st, const char *path,
			     char *err, size_t err_size)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, err_size, "%s: not a regular file", path);
		return -EPERM;
	}
	if (st->st_mode & 077) {
		snprintf(err, err_size, "%s: group or others may read or "
			 "write it (mode %04o; expected 0600: chmod 600 %s)",
			 path, (unsigned)(st->st_mode & 07777), path);
		return -EPERM;
	}
	if (st->st_uid != geteuid()) {
		snprintf(err, err_size, "%s: owned by uid %u, not by the user "
			 "running podboot", path, (unsigned)st->st_uid);
		return -EPERM;
	}
	return 0;
}

/* Drop the final newline of @buf (@len bytes); refuse an empty password
 * or a control character.  0 or -EINVAL. */
static int bmc_trust_password_text(char *buf, size_t len)
{
	size_t i;

	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return -EINVAL;
	return 0;
}

int bmc_trust_password(const char *path, char *out, char *err,
		       size_t err_size)
{
	struct stat st;
	ssize_t n;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, err_size, "%s: %s", path, pb_strerror(rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, err_size, "%s: %s", path, pb_strerror(rc));
		goto out;
	}
	if ((rc = bmc_trust_mode_ok(&st, path, err, err_size)) != 0)
		goto out;
	n = fileio_read_some(fd, out, BMC_PASSWORD_MAX);
	if (n < 0 || n >= BMC_PASSWORD_MAX) {
		rc = n < 0 ? (int)n : -PB_ETOOBIG;
		snprintf(err, err_size, "%s: %s", path, n < 0 ?
			 pb_strerror(rc) : "longer than a password may be");
		goto out;
	}
	out[n] = '\0';
	if ((rc = bmc_trust_password_text(out, (size_t)n)) != 0)
		snprintf(err, err_size, "%s: expected one line, the password",
			 path);
out:
	if (rc != 0)
		mbedtls_platform_zeroize(out, BMC_PASSWORD_MAX);
	close(fd);
	return rc;
}

/* @data_dir/bmc/@node.pin into @path; 0 or -PB_ETOOBIG. */
static int bmc_trust_pin_path(const char *data_dir, const char *node,
			      char *path, size_t size)
{
	int n;

	/* Node ids passed the configuration's grammar; still never a path. */
	if (!*node || *node == '.' || strchr(node, '/'))
		return -PB_EBAD_NAME;
	n = snprintf(path, size, "%s/bmc/%s.pin", data_dir, node);
	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

int bmc_trust_pin_load(const char *data_dir, const char *node, char hex[65])
{
	char path[4096], norm[65];
	unsigned char *buf = NULL;
	size_t len;
	int rc;

	if ((rc = bmc_trust_pin_path(data_dir, node, path, sizeof(path))) != 0)
		return rc;
	if ((rc = fileio_read(path, 256, &buf, &len)) != 0)
		return rc;
	/* "sha256 HEX\n" */
	rc = -EPROTO;
	if (len == 7 + 64 + 1 && memcmp(buf, "sha256 ", 7) == 0 &&
	    buf[len - 1] == '\n') {
		buf[len - 1] = '\0';
		if (config_bmc_fingerprint_normalise((char *)buf + 7, norm) == 0) {
			memcpy(hex, norm, 65);
			rc = 0;
		}
	}
	free(buf);
	return rc;
}

int bmc_trust_pin_save(const char *data_dir, const char *node,
		       const char *hex)
{
	char path[4096], dir[4096], text[80];
	int rc;

	if ((rc = bmc_trust_pin_path(data_dir, node, path, sizeof(path))) != 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/bmc", data_dir);
	if ((rc = fileio_mkdirs(dir, 0755)) != 0)
		return rc;
	snprintf(text, sizeof(text), "sha256 %s\n", hex);
	return fileio_write(path, text, strlen(text), 0644, 0);
}

int bmc_trust_pem_key_hash(const char *pem, char hex[65])
{
	unsigned char der[4096], sum[32];
	mbedtls_x509_crt crt;
	int n, rc = -EPROTO;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem,
				   strlen(pem) + 1) != 0)
		goto out;
	/* mbedtls writes the DER at the end of the buffer. */
	n = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof(der));
	if (n <= 0)
		goto out;
	digest_sha256(der + sizeof(der) - n, (size_t)n, sum);
	digest_hex(sum, sizeof(sum), hex);
	rc = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/* The PEM of the first certificate in @ci ("Cert:" field), or NULL. */
static const char *bmc_trust_cert_pem(const struct curl_certinfo *ci)
{
	struct curl_slist *s;

	if (!ci || ci->num_of_certs < 1)
		return NULL;
	for (s = ci->certinfo[0]; s; s = s->next)
		if (strncmp(s->data, "Cert:", 5) == 0)
			return s->data + 5;
	return NULL;
}

int bmc_trust_fetch(const char *url, char hex[65], char *err,
		    size_t err_size)
{
	struct curl_certinfo *ci = NULL;
	const char *pem;
	CURL *c;
	int cc, rc = 0;

	if (!(c = curl_easy_init()))
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	/* Only the handshake: nothing is sent to a server not yet trusted. */
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, err_size, "%s: %s", url, curl_easy_strerror(cc));
		rc = cc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO;
	} else if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
		   !(pem = bmc_trust_cert_pem(ci)) ||
		   bmc_trust_pem_key_hash(pem, hex) != 0) {
		snprintf(err, err_size, "%s: the certificate could not be "
			 "read", url);
		rc = -EPROTO;
	}
	curl_easy_cleanup(c);
	return rc;
}
