/* artifact_uefi.h: the Authenticode-signed ("uefi") variant of an
 * uploaded EFI kernel (artifact_uefi.c), for nodes with Secure Boot. */
#ifndef PODBOOT_ARTIFACT_UEFI_H
#define PODBOOT_ARTIFACT_UEFI_H

#include <stddef.h>
#include <stdint.h>

#include "signer.h"

/* A variant made, not yet published. */
struct artifact_variant {
	uint8_t *img;			/* the signed image, or NULL: none */
	size_t len;
	unsigned char *sig;		/* its CMS signature (imgverify) */
	size_t sig_len;
	char sha256[65];		/* its content address */
};

/**
 * Does an upload get a variant?  Only a PE/COFF image that
 * pecoff_parse() accepts, for x86-64, of subsystem EFI application (a
 * kernel with an EFI stub): everything else is published as it is.
 *
 * @ret yes		1 or 0
 */
int artifact_uefi_eligible(const uint8_t *buf, size_t len);

/**
 * Make the variant of the file at @path: nothing (v->img NULL) when it
 * is not eligible or no UEFI key is configured; else the image hashed
 * here, signed by the signer process, the signature embedded, and the
 * result CMS-signed by its own sha256.
 *
 * @v v		filled; artifact_uefi_free() it
 * @ret rc		0 or a negative error (nothing is then kept)
 */
int artifact_uefi_prepare(struct signer *signer, const char *path,
			  struct artifact_variant *v);

/** Free what artifact_uefi_prepare() made; the variant is then empty. */
void artifact_uefi_free(struct artifact_variant *v);

#endif
