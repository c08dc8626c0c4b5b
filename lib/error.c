/* error.c: text for podboot's error codes. */
#include <string.h>

#include "error.h"

static const char *const error_text[PB_ELAST - PB_EBASE] = {
	[PB_EUSAGE - PB_EBASE] = "invalid usage",
	[PB_ERNG - PB_EBASE] = "random number generator failed",
	[PB_EKEYGEN - PB_EBASE] = "key generation failed",
	[PB_EKEY_PARSE - PB_EBASE] = "private key is unreadable or encrypted",
	[PB_ECERT_PARSE - PB_EBASE] = "certificate is unreadable",
	[PB_ECERT_WRITE - PB_EBASE] = "certificate could not be written",
	[PB_EKEYS_EXIST - PB_EBASE] =
		"keys already exist (pass --force to replace them)",
	[PB_EKEY_MISMATCH - PB_EBASE] =
		"certificate and private key do not belong together",
	[PB_ESIGN - PB_EBASE] = "signing with the private key failed",
	[PB_ETOOBIG - PB_EBASE] = "input exceeds its size limit",
	[PB_EBAD_NAME - PB_EBASE] = "name or address is not valid",
	[PB_ESTORE - PB_EBASE] = "database operation failed",
	[PB_ESCHEMA - PB_EBASE] =
		"database was written by a newer podboot (schema too new)",
	[PB_ESTATE - PB_EBASE] = "not allowed in the node's current state",
	[PB_ECONFIG - PB_EBASE] = "configuration is invalid",
	[PB_ECMS_PARSE - PB_EBASE] =
		"signature is not a well-formed CMS structure",
	[PB_ECMS_NOT_SIGNED_DATA - PB_EBASE] =
		"signature is not CMS SignedData",
	[PB_ECMS_CERT_MISSING - PB_EBASE] =
		"signer certificate missing from the signature",
	[PB_ECMS_SKI_SIGNER - PB_EBASE] =
		"signer identified by subjectKeyIdentifier "
		"(iPXE needs issuerAndSerialNumber)",
	[PB_ECMS_SIGNED_ATTRS - PB_EBASE] =
		"signed attributes present (iPXE signs the raw file: "
		"use -binary -noattr)",
	[PB_ECMS_DIGEST_ALG - PB_EBASE] = "unsupported digest algorithm",
	[PB_ECMS_PUBKEY_ALG - PB_EBASE] = "unsupported signature algorithm",
	[PB_ECMS_PSS_PARAMS - PB_EBASE] =
		"RSA-PSS parameters not accepted "
		"(salt length must equal the hash length)",
	[PB_ECMS_BAD_SIGNATURE - PB_EBASE] =
		"signature does not match the content (tampered content "
		"or wrong file)",
	[PB_ECMS_NON_SIGNING - PB_EBASE] =
		"signer certificate lacks keyUsage digitalSignature",
	[PB_ECMS_NON_CODESIGN - PB_EBASE] =
		"signer certificate lacks extendedKeyUsage codeSigning",
	[PB_ECMS_UNTRUSTED - PB_EBASE] =
		"certificate chain does not lead to the trusted root",
	[PB_ECMS_NOT_CA - PB_EBASE] =
		"an issuing certificate is not allowed to act as a CA",
	[PB_ECMS_EXPIRED - PB_EBASE] =
		"a certificate in the chain has expired",
	[PB_ECMS_NOT_YET_VALID - PB_EBASE] =
		"a certificate in the chain is not yet valid",
	[PB_ECMS_WRONG_NAME - PB_EBASE] =
		"no signer certificate carries the required name",
	[PB_ECMS_NO_SIGNERS - PB_EBASE] = "no signatures present",
	[PB_EPE_NOT_PE - PB_EBASE] = "not a PE/COFF image",
	[PB_EPE_TRUNCATED - PB_EBASE] =
		"PE/COFF image truncated (a header runs past the end)",
	[PB_EPE_OPT_HEADER - PB_EBASE] = "PE optional header malformed",
	[PB_EPE_NO_SECDIR - PB_EBASE] =
		"PE image has no Certificate Table entry to sign",
	[PB_EPE_SECTION - PB_EBASE] =
		"PE section table malformed (a section past the end of the "
		"file or overlapping another)",
	[PB_EPE_CERT_TABLE - PB_EBASE] =
		"PE certificate table malformed or overlapping the image",
	[PB_EAUTH_NOT_SIGNED - PB_EBASE] =
		"image carries no Authenticode signature",
	[PB_EAUTH_FORMAT - PB_EBASE] =
		"Authenticode signature malformed",
	[PB_EAUTH_DIGEST - PB_EBASE] =
		"image hash does not match the signature (tampered image)",
	[PB_EAUTH_KEY - PB_EBASE] =
		"UEFI signing needs an RSA key of 2048 to 4096 bits",
};

const char *pb_strerror(int rc)
{
	int code = -rc;

	if (rc == 0)
		return "success";
	if (code > PB_EBASE && code < PB_ELAST && error_text[code - PB_EBASE])
		return error_text[code - PB_EBASE];
	if (code > 0 && code < PB_EBASE)
		return strerror(code);
	return "unknown error";
}
