/* artifact_uefi.c: the Authenticode-signed variant of an uploaded EFI
 * kernel: hashed and embedded here, signed by the signer process with
 * the UEFI key (it never sees the image), published beside the original
 * with its own CMS .sig. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "artifact_uefi.h"
#include "authenticode.h"
#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "pecoff.h"

int artifact_uefi_eligible(const uint8_t *buf, size_t len)
{
	struct pecoff pe;

	if (len < 2 || buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	if (pecoff_parse(&pe, buf, len) != 0)
		return 0;
	return pe.machine == PECOFF_MACHINE_AMD64 &&
	       pe.subsystem == PECOFF_SUBSYSTEM_EFI_APP;
}

/* The signed image from @buf: its hash signed by the signer process,
 * the signature embedded; into v->img.  -ENOTSUP: no UEFI key. */
static int artifact_uefi_image(struct signer *signer, const uint8_t *buf,
			       size_t len, struct artifact_variant *v)
{
	struct pecoff pe;
	uint8_t hash[32];		/* SHA-256 */
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	rc = authenticode_split(&pe, buf, len, 0, hash, &v->img, &v->len);
	if (rc == 0)
		rc = signer_uefi_sign(signer, hash, &der, &der_len);
	if (rc == 0)
		rc = pecoff_append_cert(&pe, &v->img, &v->len, der, der_len);
	free(der);
	return rc;
}

int artifact_uefi_prepare(struct signer *signer, const char *path,
			  struct artifact_variant *v)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	unsigned char *buf = NULL;
	uint8_t hash[32];
	size_t len = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = fileio_read(path, PECOFF_MAX_SIZE, &buf, &len);
	if (rc == -PB_ETOOBIG)
		return 0;	/* larger than any EFI image: none */
	if (rc != 0)
		return rc;
	if (!artifact_uefi_eligible(buf, len))
		goto out;
	rc = artifact_uefi_image(signer, buf, len, v);
	if (rc == -ENOTSUP) {	/* no UEFI key configured: no variant */
		artifact_uefi_free(v);
		rc = 0;
		goto out;
	}
	if (rc == 0) {
		digest_sha256(v->img, v->len, hash);
		digest_hex(hash, sizeof(hash), v->sha256);
		rc = signer_sign_digest(signer, alg, hash, &v->sig,
					&v->sig_len);
	}
	if (rc != 0)
		artifact_uefi_free(v);
out:
	free(buf);
	return rc;
}

void artifact_uefi_free(struct artifact_variant *v)
{
	free(v->img);
	free(v->sig);
	memset(v, 0, sizeof(*v));
}
