/* pecoff.h: reading PE/COFF images (EFI executables) for Authenticode:
 * the layout checked, the image hash, the certificate table rewritten. */
#ifndef PODBOOT_PECOFF_H
#define PODBOOT_PECOFF_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/** Largest image we read: far above any EFI binary or kernel. */
#define PECOFF_MAX_SIZE (512u * 1024 * 1024)
/** Most sections an image may have (the PE/COFF limit for images). */
#define PECOFF_MAX_SECTIONS 96
/** WIN_CERTIFICATE: revision 2.0, PKCS#7 SignedData. */
#define PECOFF_WIN_CERT_REVISION 0x0200
#define PECOFF_WIN_CERT_PKCS 0x0002
/** Size of a WIN_CERTIFICATE header (dwLength, wRevision, wCertType). */
#define PECOFF_WIN_CERT_HDR 8
/** Entries of the certificate table are quadword aligned. */
#define PECOFF_CERT_ALIGN 8
/** Machine x86-64, and Subsystem EFI application (an EFI-stub kernel). */
#define PECOFF_MACHINE_AMD64 0x8664
#define PECOFF_SUBSYSTEM_EFI_APP 10

/** Most signatures one certificate table may hold. */
#define PECOFF_MAX_CERTS 8

/** The raw data of one section in the file. */
struct pecoff_section {
	uint32_t off;			/* PointerToRawData */
	uint32_t size;			/* SizeOfRawData */
	char name[9];			/* NUL-terminated */
};

/** One WIN_CERTIFICATE of the certificate table. */
struct pecoff_cert {
	uint16_t type;			/* wCertificateType */
	const uint8_t *data;		/* bCertificate, in the image */
	size_t len;			/* dwLength less the header */
};

/**
 * A parsed image.  It points into the caller's buffer, which must outlive
 * it; nothing in it is allocated.
 */
struct pecoff {
	const uint8_t *buf;
	size_t len;			/* the whole file */
	int pe32plus;			/* optional header magic 0x20b */
	uint16_t machine;		/* COFF Machine */
	uint16_t subsystem;		/* optional header Subsystem */
	size_t checksum_off;		/* CheckSum field */
	size_t secdir_off;		/* the Certificate Table entry */
	uint32_t size_of_headers;
	size_t n_sections;
	struct pecoff_section sections[PECOFF_MAX_SECTIONS]; /* by offset */
	size_t hashed;			/* headers + raw data of the sections */
	size_t cert_off;		/* certificate table, or 0 */
	size_t cert_size;
	size_t data_end;		/* end of the image: cert_off, or len */
	char detail[160];		/* on a refusal: what is wrong, where */
};

/**
 * Parse and check an image: DOS and PE headers, the optional header
 * (PE32 or PE32+), the data directories (a Certificate Table entry
 * required), the section table and the certificate table.  Every offset
 * and size is checked against the file: a header or a section past its
 * end, or a certificate table that overlaps the headers or a section or
 * does not end the file, is refused.
 *
 * @v pe		filled on success; on failure pe->detail says why
 * @v buf		the file, kept by the caller
 * @v len		its length (at most PECOFF_MAX_SIZE)
 * @ret rc		0, -PB_EPE_NOT_PE, -PB_EPE_TRUNCATED,
 *			-PB_EPE_OPT_HEADER, -PB_EPE_NO_SECDIR,
 *			-PB_EPE_SECTION, -PB_EPE_CERT_TABLE or -PB_ETOOBIG
 */
int pecoff_parse(struct pecoff *pe, const uint8_t *buf, size_t len);

/**
 * The Authenticode image hash: the headers without the CheckSum field
 * and the Certificate Table entry, each section's raw data in file order,
 * then whatever lies between them and the certificate table.
 *
 * @v pe		a parsed image
 * @v alg		digest algorithm
 * @v out		receives digest_size(@alg) bytes
 */
void pecoff_digest(const struct pecoff *pe, const struct digest_alg *alg,
		   uint8_t *out);

/**
 * The entries of @pe's certificate table.
 *
 * @v certs		receives up to PECOFF_MAX_CERTS entries
 * @v n		receives their number (0: not signed)
 * @ret rc		0 or -PB_EPE_CERT_TABLE (pe->detail says why)
 */
int pecoff_certs(struct pecoff *pe, struct pecoff_cert *certs, size_t *n);

/**
 * The image without its certificate table, padded with zeros to a
 * quadword boundary and its Certificate Table entry zeroed: what an
 * Authenticode signature covers.
 *
 * @v pe		a parsed image
 * @v out		receives a malloc'd copy; the caller frees it
 * @v out_len		receives its length
 * @ret rc		0 or -ENOMEM
 */
int pecoff_strip(const struct pecoff *pe, uint8_t **out, size_t *out_len);

/**
 * Append a PKCS#7 SignedData as a WIN_CERTIFICATE to the certificate
 * table of an image the caller owns (after the entries it holds), point
 * the Certificate Table entry at the table and set the CheckSum.  The
 * buffer grows in place, so only one copy of the image is held.
 *
 * @v pe		parsed from *@buf, whose data_end is quadword
 *			aligned; stale afterwards (parse again to use it)
 * @v buf		the malloc'd image; replaced by the grown one
 * @v len		its length; receives the new length
 * @v sig		DER SignedData
 * @v sig_len		its length
 * @ret rc		0, -PB_EPE_CERT_TABLE for an unaligned table,
 *			-PB_ETOOBIG or -ENOMEM (*@buf is then unchanged)
 */
int pecoff_append_cert(const struct pecoff *pe, uint8_t **buf, size_t *len,
		       const uint8_t *sig, size_t sig_len);

/**
 * The PE checksum of @buf as ImageHlp computes it: 16-bit one's
 * complement sum of the file, the CheckSum field at @checksum_off
 * counted as zero, plus the file's length.
 */
uint32_t pecoff_checksum(const uint8_t *buf, size_t len, size_t checksum_off);

#endif
