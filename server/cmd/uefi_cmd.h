/* uefi_cmd.h: "podboot sign --uefi" and "podboot verify --uefi":
 * Authenticode signatures of EFI binaries, for UEFI Secure Boot. */
#ifndef PODBOOT_UEFI_CMD_H
#define PODBOOT_UEFI_CMD_H

/* What "podboot sign --uefi" was asked to do (paths resolved). */
struct uefi_sign_req {
	const char *in, *out;		/* the image and the signed copy */
	const char *key, *cert;		/* signer's key and certificate */
	const char *include;		/* further certificates, or NULL */
	int append;			/* keep the signatures it carries */
};

/**
 * Sign @r->in with Authenticode and write the signed image to @r->out
 * (which may be @r->in).  Key, image and RNG are released here.
 *
 * @ret rc		0, -PB_EUSAGE for an image that is not a PE/COFF
 *			image we can sign (the problem logged), or another
 *			negative error (logged)
 */
int uefi_sign_run(const struct uefi_sign_req *r);

/**
 * Check the Authenticode signatures of @file against @cert as UEFI
 * firmware with @cert in its db would, and print the signer and the
 * image hash.
 *
 * @ret rc		0, -PB_EUSAGE for a malformed image, or the reason
 *			for the refusal (logged)
 */
int uefi_verify_run(const char *file, const char *cert);

#endif
