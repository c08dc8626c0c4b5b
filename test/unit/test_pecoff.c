/* test_pecoff.c: the PE/COFF reader: layouts refused, the Authenticode
 * image hash, the certificate table written. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pecoff.h"
#include "test_pecoff.h"
#include "unit.h"

/* The synthetic image: headers, sections, trailing bytes. */
#define T_LFANEW 0x40
#define T_HEADERS 0x200
#define T_SECTION 0x200
#define T_TRAILER 13
#define T_OPT (T_LFANEW + 4 + 20)
#define T_CHECKSUM (T_OPT + 64)

/* Optional header size and where its data directories start. */
static size_t t_opt_size(int plus)
{
	return (plus ? 112 : 96) + 16 * 8;
}

/* Offset of the Certificate Table entry. */
static size_t t_secdir(int plus)
{
	return T_OPT + (plus ? 112 : 96) + 4 * 8;
}

/* Offset of section @i's header. */
static size_t t_shdr(int plus, size_t i)
{
	return T_OPT + t_opt_size(plus) + 40 * i;
}

/* Little-endian stores. */
static void put16(uint8_t *b, size_t off, unsigned v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

/* As put16(), 32 bits. */
static void put32(uint8_t *b, size_t off, uint32_t v)
{
	put16(b, off, v & 0xffff);
	put16(b, off + 2, v >> 16);
}

/* A valid unsigned image (test_pecoff.h). */
uint8_t *test_pe_image(int plus, size_t n, size_t *len)
{
	size_t i, size = T_HEADERS + n * T_SECTION + T_TRAILER;
	uint8_t *b = calloc(1, size);

	b[0] = 'M';
	b[1] = 'Z';
	put32(b, 0x3c, T_LFANEW);
	memcpy(b + T_LFANEW, "PE\0\0", 4);
	put16(b, T_LFANEW + 4, plus ? 0x8664 : 0x14c);
	put16(b, T_LFANEW + 4 + 2, (unsigned)n);
	put16(b, T_LFANEW + 4 + 16, (unsigned)t_opt_size(plus));
	put16(b, T_OPT, plus ? 0x20b : 0x10b);
	put32(b, T_OPT + 60, T_HEADERS);
	put32(b, T_CHECKSUM, 0x12345678);
	put32(b, T_OPT + (plus ? 108 : 92), 16);
	for (i = 0; i < n; i++) {
		memcpy(b + t_shdr(plus, i), ".sect", 5);
		b[t_shdr(plus, i) + 5] = (uint8_t)('0' + i);
		put32(b, t_shdr(plus, i) + 16, T_SECTION);
		put32(b, t_shdr(plus, i) + 20,
		      (uint32_t)(T_HEADERS + i * T_SECTION));
	}
	for (i = T_HEADERS; i < size; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	*len = size;
	return b;
}

/* PE32 and PE32+ images parse, with the fields where they belong. */
static void test_parse_both(void)
{
	struct pecoff pe;
	uint8_t *b;
	size_t len;
	int plus;

	for (plus = 0; plus <= 1; plus++) {
		b = test_pe_image(plus, 3, &len);
		CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, b, len), 0);
		CU_ASSERT_EQUAL(pe.pe32plus, plus);
		CU_ASSERT_EQUAL(pe.checksum_off, T_CHECKSUM);
		CU_ASSERT_EQUAL(pe.secdir_off, t_secdir(plus));
		CU_ASSERT_EQUAL(pe.n_sections, 3);
		CU_ASSERT_EQUAL(pe.hashed, T_HEADERS + 3 * T_SECTION);
		CU_ASSERT_EQUAL(pe.cert_off, 0);
		CU_ASSERT_EQUAL(pe.data_end, len);
		free(b);
	}
}

/* Every truncation of the headers is refused, none read past the end. */
static void test_truncated(void)
{
	struct pecoff pe;
	uint8_t *b, *cut;
	size_t len, n;

	b = test_pe_image(1, 2, &len);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, 1), -PB_EPE_NOT_PE);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, 40), -PB_EPE_TRUNCATED);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, T_LFANEW + 10),
			-PB_EPE_TRUNCATED);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, T_OPT + 100), -PB_EPE_TRUNCATED);
	CU_ASSERT_PTR_NOT_NULL(strstr(pe.detail, "optional header"));
	for (n = 0; n < T_HEADERS + 2 * T_SECTION; n++) {
		/* an exact-size copy, so that ASan sees any overread */
		cut = malloc(n ? n : 1);
		memcpy(cut, b, n);
		CU_ASSERT_NOT_EQUAL(pecoff_parse(&pe, cut, n), 0);
		free(cut);
	}
	put32(b, 0x3c, 0xfffffff0);	/* e_lfanew far past the end */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_TRUNCATED);
	memcpy(b, "ZM", 2);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_NOT_PE);
	free(b);
}

/* Optional headers: unknown magic, too few data directories, too many. */
static void test_opt_header(void)
{
	struct pecoff pe;
	uint8_t *b;
	size_t len;

	b = test_pe_image(0, 1, &len);
	put16(b, T_OPT, 0x107);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_OPT_HEADER);
	put16(b, T_OPT, 0x10b);
	put32(b, T_OPT + 92, 4);	/* no Certificate Table entry */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_NO_SECDIR);
	put32(b, T_OPT + 92, 17);	/* more than the header holds */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_OPT_HEADER);
	put32(b, T_OPT + 92, 16);
	put32(b, T_OPT + 60, 0x100);	/* SizeOfHeaders before the table's end */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_OPT_HEADER);
	free(b);
}

/* A section past the end of the file, or overlapping another. */
static void test_section_bounds(void)
{
	struct pecoff pe;
	uint8_t *b;
	size_t len;

	b = test_pe_image(1, 2, &len);
	put32(b, t_shdr(1, 1) + 16, T_SECTION + T_TRAILER + 1);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_SECTION);
	CU_ASSERT_PTR_NOT_NULL(strstr(pe.detail, ".sect1"));
	put32(b, t_shdr(1, 1) + 16, T_SECTION);
	put32(b, t_shdr(1, 1) + 20, 0xffffff00);	/* offset + size wraps */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_SECTION);
	put32(b, t_shdr(1, 1) + 20, T_HEADERS + 0x100);	/* overlaps .sect0 */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_SECTION);
	put32(b, t_shdr(1, 1) + 20, 0x100);		/* inside the headers */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_SECTION);
	put16(b, T_LFANEW + 4 + 2, PECOFF_MAX_SECTIONS + 1);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_SECTION);
	free(b);
}

/* A certificate table over a section, past the end, or not last. */
static void test_secdir_overlap(void)
{
	struct pecoff pe;
	uint8_t *b;
	size_t len, sd = t_secdir(1);

	b = test_pe_image(1, 2, &len);
	put32(b, sd, T_HEADERS + T_SECTION);	/* over .sect1 */
	put32(b, sd + 4, (uint32_t)(len - T_HEADERS - T_SECTION));
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_CERT_TABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(pe.detail, "overlaps"));
	put32(b, sd, 0x10);			/* over the headers */
	put32(b, sd + 4, (uint32_t)len - 0x10);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_CERT_TABLE);
	put32(b, sd, T_HEADERS + 2 * T_SECTION);	/* past the end */
	put32(b, sd + 4, T_TRAILER + 8);
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_CERT_TABLE);
	put32(b, sd + 4, T_TRAILER - 1);	/* leaves a byte after it */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_CERT_TABLE);
	put32(b, sd, 0);			/* a size without a table */
	CU_ASSERT_EQUAL(pecoff_parse(&pe, b, len), -PB_EPE_CERT_TABLE);
	free(b);
}

/* SHA-256 of the image as the specification lists the ranges. */
static void t_spec_hash(const uint8_t *b, size_t len, int plus,
			uint8_t *out)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	size_t sd = t_secdir(plus);
	struct digest d;

	digest_init(&d, alg);
	digest_update(&d, b, T_CHECKSUM);
	digest_update(&d, b + T_CHECKSUM + 4, sd - T_CHECKSUM - 4);
	digest_update(&d, b + sd + 8, T_HEADERS - sd - 8);
	digest_update(&d, b + T_HEADERS, len - T_HEADERS);	/* in order */
	digest_final(&d, out);
}

/* The image hash: the checksum and the entry skipped, the rest in. */
static void test_digest(void)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	uint8_t want[32], got[32], again[32];
	struct pecoff pe;
	uint8_t *b;
	size_t len;
	int plus;

	for (plus = 0; plus <= 1; plus++) {
		b = test_pe_image(plus, 3, &len);
		CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, b, len), 0);
		pecoff_digest(&pe, alg, got);
		t_spec_hash(b, len, plus, want);
		CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
		put32(b, T_CHECKSUM, 0xdeadbeef);	/* not hashed */
		pecoff_digest(&pe, alg, again);
		CU_ASSERT_EQUAL(memcmp(got, again, 32), 0);
		b[T_HEADERS + T_SECTION + 5] ^= 1;	/* a section byte is */
		pecoff_digest(&pe, alg, again);
		CU_ASSERT_NOT_EQUAL(memcmp(got, again, 32), 0);
		b[T_HEADERS + T_SECTION + 5] ^= 1;
		b[len - 1] ^= 1;			/* trailing data is */
		pecoff_digest(&pe, alg, again);
		CU_ASSERT_NOT_EQUAL(memcmp(got, again, 32), 0);
		free(b);
	}
}

/* Sections listed out of file order are hashed in file order. */
static void test_digest_file_order(void)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	uint8_t want[32], got[32];
	struct pecoff pe;
	uint8_t *b;
	size_t len;

	b = test_pe_image(1, 2, &len);
	put32(b, t_shdr(1, 0) + 20, T_HEADERS + T_SECTION);
	put32(b, t_shdr(1, 1) + 20, T_HEADERS);
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, b, len), 0);
	CU_ASSERT_EQUAL(pe.sections[0].off, T_HEADERS);
	pecoff_digest(&pe, alg, got);
	t_spec_hash(b, len, 1, want);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	free(b);
}

/* ImageHlp's checksum: words summed with carry, the field as zero. */
static void test_checksum(void)
{
	const uint8_t five[] = { 1, 2, 3, 4, 5 };
	uint8_t b[8] = { 1, 2, 0xff, 0xff, 0xff, 0xff, 3, 4 };

	/* 0x0201 + 0x0403 + 0x0005, plus the length */
	CU_ASSERT_EQUAL(pecoff_checksum(five, 5, 100), 0x0609 + 5);
	/* bytes 2..5 are the field: only 0x0201 + 0x0403 count */
	CU_ASSERT_EQUAL(pecoff_checksum(b, 8, 2), 0x0604 + 8);
	/* an odd field offset counts the same bytes as zero */
	CU_ASSERT_EQUAL(pecoff_checksum(b, 8, 1), 0x0305 + 8);
	/* carries fold back in */
	b[0] = b[1] = b[6] = b[7] = 0xff;
	CU_ASSERT_EQUAL(pecoff_checksum(b, 8, 2), 0xffff + 8);
}

/* Strip, append: table quadword aligned, entry and checksum set, hash
 * unchanged; a second append keeps the first. */
static void test_append(void)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	const uint8_t sig[] = "not really DER, but 29 bytes";
	struct pecoff_cert certs[PECOFF_MAX_CERTS];
	uint8_t h1[32], h2[32];
	struct pecoff pe;
	uint8_t *b, *s, *o1, *o2;
	size_t len, slen, l1, l2, n;

	b = test_pe_image(1, 2, &len);
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, b, len), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_strip(&pe, &s, &slen), 0);
	CU_ASSERT_EQUAL(slen % 8, 0);
	CU_ASSERT(slen >= len && slen < len + 8);
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, s, slen), 0);
	pecoff_digest(&pe, alg, h1);
	o1 = s;
	l1 = slen;
	s = NULL;
	CU_ASSERT_EQUAL_FATAL(pecoff_append_cert(&pe, &o1, &l1, sig,
						 sizeof(sig)), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, o1, l1), 0);
	CU_ASSERT_EQUAL(pe.cert_off, slen);
	CU_ASSERT_EQUAL(l1, slen + 40);
	CU_ASSERT_EQUAL(pe.cert_off % 8, 0);
	CU_ASSERT_EQUAL(pe.cert_size, 8 + 32);
	CU_ASSERT_EQUAL(o1[T_CHECKSUM] | o1[T_CHECKSUM + 1] << 8 |
				o1[T_CHECKSUM + 2] << 16 |
				(uint32_t)o1[T_CHECKSUM + 3] << 24,
			pecoff_checksum(o1, l1, T_CHECKSUM));
	pecoff_digest(&pe, alg, h2);
	CU_ASSERT_EQUAL(memcmp(h1, h2, 32), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_certs(&pe, certs, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(certs[0].type, PECOFF_WIN_CERT_PKCS);
	CU_ASSERT_EQUAL(certs[0].len, 32);
	CU_ASSERT_EQUAL(memcmp(certs[0].data, sig, sizeof(sig)), 0);
	o2 = malloc(l1);
	memcpy(o2, o1, l1);
	l2 = l1;
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, o2, l2), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_append_cert(&pe, &o2, &l2, sig, 3), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, o2, l2), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_certs(&pe, certs, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(certs[1].len, 8);
	pecoff_digest(&pe, alg, h2);
	CU_ASSERT_EQUAL(memcmp(h1, h2, 32), 0);
	o2[pe.cert_off + 4] = 0x01;	/* revision 0x0201 */
	CU_ASSERT_EQUAL(pecoff_certs(&pe, certs, &n), -PB_EPE_CERT_TABLE);
	free(o2);
	free(o1);
	free(s);
	free(b);
}

static const CU_TestInfo tests[] = {
	{ "PE32 and PE32+ parse", test_parse_both },
	{ "truncated headers refused, never overread", test_truncated },
	{ "optional header: magic, data directories", test_opt_header },
	{ "sections past the end or overlapping refused",
	  test_section_bounds },
	{ "certificate table overlapping or not last refused",
	  test_secdir_overlap },
	{ "image hash skips CheckSum and the entry only", test_digest },
	{ "sections hashed in file order", test_digest_file_order },
	{ "PE checksum", test_checksum },
	{ "certificate table appended, aligned, hash unchanged", test_append },
	CU_TEST_INFO_NULL,
};

/* Register the pecoff suite. */
static int suite_pecoff_register(void)
{
	return unit_add_suite("pecoff", NULL, NULL, tests);
}

UNIT_SUITE(suite_pecoff_register)
