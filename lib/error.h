/* error.h: podboot's error codes: negative errno values plus our own range. */
#ifndef PODBOOT_ERROR_H
#define PODBOOT_ERROR_H

/*
 * Library functions return 0 on success or a negative code: either -errno
 * for system failures, or one of the codes below for failures that errno
 * cannot name.  Each distinct failure has its own code, so that one log
 * line says exactly what went wrong.  pb_strerror() gives the text.
 */
enum pb_error {
	PB_EBASE = 4096,
	PB_EUSAGE,		/* bad command-line usage */
	PB_ERNG,		/* random generator failed */
	PB_EKEYGEN,		/* key generation failed */
	PB_EKEY_PARSE,		/* private key unreadable */
	PB_ECERT_PARSE,		/* certificate unreadable */
	PB_ECERT_WRITE,		/* certificate could not be written */
	PB_EKEYS_EXIST,		/* keys exist, --force not given */
	PB_EKEY_MISMATCH,	/* certificate and key do not belong together */
	PB_ESIGN,		/* private-key operation failed */
	PB_ETOOBIG,		/* input exceeds its limit */
	PB_EBAD_NAME,		/* name or address fails its grammar */
	PB_ESTORE,		/* database failure */
	PB_ESCHEMA,		/* database from a newer podboot */
	PB_ESTATE,		/* lifecycle transition not allowed */
	PB_ECONFIG,		/* configuration invalid */
	/* CMS verification: one code per reason iPXE would refuse */
	PB_ECMS_PARSE,
	PB_ECMS_NOT_SIGNED_DATA,
	PB_ECMS_CERT_MISSING,
	PB_ECMS_SKI_SIGNER,
	PB_ECMS_SIGNED_ATTRS,
	PB_ECMS_DIGEST_ALG,
	PB_ECMS_PUBKEY_ALG,
	PB_ECMS_PSS_PARAMS,
	PB_ECMS_BAD_SIGNATURE,
	PB_ECMS_NON_SIGNING,
	PB_ECMS_NON_CODESIGN,
	PB_ECMS_UNTRUSTED,
	PB_ECMS_NOT_CA,
	PB_ECMS_EXPIRED,
	PB_ECMS_NOT_YET_VALID,
	PB_ECMS_WRONG_NAME,
	PB_ECMS_NO_SIGNERS,
	/* PE/COFF images and Authenticode (pecoff.c, authenticode.c) */
	PB_EPE_NOT_PE,
	PB_EPE_TRUNCATED,
	PB_EPE_OPT_HEADER,
	PB_EPE_NO_SECDIR,
	PB_EPE_SECTION,
	PB_EPE_CERT_TABLE,
	PB_EAUTH_NOT_SIGNED,
	PB_EAUTH_FORMAT,
	PB_EAUTH_DIGEST,
	PB_EAUTH_KEY,
	PB_ELAST
};

/**
 * Describe an error code.
 *
 * @v rc		0, a negative errno, or a negative enum pb_error
 * @ret text		static text; never NULL
 */
const char *pb_strerror(int rc);

#endif
