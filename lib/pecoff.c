/* pecoff.c: reading PE/COFF images (EFI executables) for Authenticode:
 * the layout checked, the image hash, the certificate table rewritten. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pecoff.h"

/* Offsets of the PE/COFF format (Microsoft's PE Format specification). */
#define DOS_HDR_SIZE 64
#define DOS_LFANEW 0x3c
#define PE_SIG_SIZE 4
#define COFF_HDR_SIZE 20
#define COFF_N_SECTIONS 2
#define COFF_OPT_SIZE 16
#define OPT_MAGIC_PE32 0x10b
#define OPT_MAGIC_PE32PLUS 0x20b
#define OPT_SIZE_OF_HEADERS 60
#define OPT_CHECKSUM 64
#define OPT_SUBSYSTEM 68
#define OPT_N_DIRS_PE32 92
#define OPT_N_DIRS_PE32PLUS 108
#define DATA_DIR_SIZE 8
#define DIR_SECURITY 4
#define SECTION_HDR_SIZE 40
#define SECTION_RAW_SIZE 16
#define SECTION_RAW_OFF 20

/* @n rounded up to the certificate table's alignment. */
#define PECOFF_ALIGN(n) \
	(((n) + PECOFF_CERT_ALIGN - 1) & ~(size_t)(PECOFF_CERT_ALIGN - 1))

/* Little-endian reads at @off; the caller has checked the bounds. */
static uint16_t pecoff_u16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

/* As pecoff_u16(), 32 bits. */
static uint32_t pecoff_u32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 |
	       (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
}

/* Store @v little-endian at @p + @off. */
static void pecoff_put32(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
	p[off + 2] = (uint8_t)(v >> 16);
	p[off + 3] = (uint8_t)(v >> 24);
}

/* The formats of pecoff_refuse() are checked as printf's. */
static int pecoff_refuse(struct pecoff *pe, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Say in @pe->detail why the image is refused; returns @rc. */
static int pecoff_refuse(struct pecoff *pe, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pe->detail, sizeof(pe->detail), fmt, ap);
	va_end(ap);
	return rc;
}

/* 1 when [@off, @off + @len) lies within @pe's file (no overflow). */
static int pecoff_fits(const struct pecoff *pe, size_t off, size_t len)
{
	return off <= pe->len && len <= pe->len - off;
}

/*
 * The DOS header, the PE signature and the COFF header: the optional
 * header's offset into @opt, its size into @opt_size and the number of
 * sections into @n_sections.
 */
static int pecoff_parse_coff(struct pecoff *pe, size_t *opt,
			     size_t *opt_size, size_t *n_sections)
{
	const uint8_t *b = pe->buf;
	size_t pe_off;

	if (pe->len < 2 || b[0] != 'M' || b[1] != 'Z')
		return pecoff_refuse(pe, -PB_EPE_NOT_PE,
				     "no MZ signature at the start");
	if (pe->len < DOS_HDR_SIZE)
		return pecoff_refuse(pe, -PB_EPE_TRUNCATED,
				     "DOS header: %zu of %d bytes", pe->len,
				     DOS_HDR_SIZE);
	pe_off = pecoff_u32(b, DOS_LFANEW);
	if (!pecoff_fits(pe, pe_off, PE_SIG_SIZE + COFF_HDR_SIZE))
		return pecoff_refuse(pe, -PB_EPE_TRUNCATED,
				     "PE header at 0x%zx runs past the end of "
				     "the file (%zu bytes)", pe_off, pe->len);
	if (memcmp(b + pe_off, "PE\0\0", PE_SIG_SIZE) != 0)
		return pecoff_refuse(pe, -PB_EPE_NOT_PE,
				     "no PE signature at 0x%zx", pe_off);
	pe_off += PE_SIG_SIZE;
	pe->machine = pecoff_u16(b, pe_off);
	*n_sections = pecoff_u16(b, pe_off + COFF_N_SECTIONS);
	*opt_size = pecoff_u16(b, pe_off + COFF_OPT_SIZE);
	*opt = pe_off + COFF_HDR_SIZE;
	if (!pecoff_fits(pe, *opt, *opt_size))
		return pecoff_refuse(pe, -PB_EPE_TRUNCATED,
				     "optional header (%zu bytes at 0x%zx) runs "
				     "past the end of the file", *opt_size,
				     *opt);
	if (*n_sections > PECOFF_MAX_SECTIONS)
		return pecoff_refuse(pe, -PB_EPE_SECTION,
				     "%zu sections (at most %d)", *n_sections,
				     PECOFF_MAX_SECTIONS);
	return 0;
}

/*
 * The optional header at @opt (@opt_size bytes, within the file): PE32 or
 * PE32+, the CheckSum, SizeOfHeaders and the Certificate Table entry.
 */
static int pecoff_parse_opt(struct pecoff *pe, size_t opt, size_t opt_size)
{
	size_t n_dirs_at, dirs;
	uint32_t n_dirs;
	uint16_t magic;

	if (opt_size < 2)
		return pecoff_refuse(pe, -PB_EPE_OPT_HEADER,
				     "optional header of %zu bytes", opt_size);
	magic = pecoff_u16(pe->buf, opt);
	if (magic != OPT_MAGIC_PE32 && magic != OPT_MAGIC_PE32PLUS)
		return pecoff_refuse(pe, -PB_EPE_OPT_HEADER,
				     "optional header magic 0x%x (neither "
				     "PE32 nor PE32+)", magic);
	pe->pe32plus = magic == OPT_MAGIC_PE32PLUS;
	n_dirs_at = pe->pe32plus ? OPT_N_DIRS_PE32PLUS : OPT_N_DIRS_PE32;
	if (opt_size < n_dirs_at + 4)
		return pecoff_refuse(pe, -PB_EPE_OPT_HEADER,
				     "%s optional header of %zu bytes is too "
				     "short", pe->pe32plus ? "PE32+" : "PE32",
				     opt_size);
	n_dirs = pecoff_u32(pe->buf, opt + n_dirs_at);
	dirs = n_dirs_at + 4;
	if (n_dirs > (opt_size - dirs) / DATA_DIR_SIZE)
		return pecoff_refuse(pe, -PB_EPE_OPT_HEADER,
				     "%u data directories do not fit the "
				     "optional header", n_dirs);
	if (n_dirs <= DIR_SECURITY)
		return pecoff_refuse(pe, -PB_EPE_NO_SECDIR,
				     "%u data directories: none for the "
				     "Certificate Table", n_dirs);
	pe->checksum_off = opt + OPT_CHECKSUM;
	pe->subsystem = pecoff_u16(pe->buf, opt + OPT_SUBSYSTEM);
	pe->secdir_off = opt + dirs + DIR_SECURITY * DATA_DIR_SIZE;
	pe->size_of_headers = pecoff_u32(pe->buf, opt + OPT_SIZE_OF_HEADERS);
	return 0;
}

/* Sort @pe's sections by their offset in the file (insertion sort). */
static void pecoff_sort_sections(struct pecoff *pe)
{
	struct pecoff_section s;
	size_t i, j;

	for (i = 1; i < pe->n_sections; i++) {
		s = pe->sections[i];
		for (j = i; j > 0 && pe->sections[j - 1].off > s.off; j--)
			pe->sections[j] = pe->sections[j - 1];
		pe->sections[j] = s;
	}
}

/*
 * The section table at @table (@n entries): each section's raw data
 * must lie after the headers, within the file, and apart from the
 * others.  Sets @pe->hashed.
 */
static int pecoff_parse_sections(struct pecoff *pe, size_t table, size_t n)
{
	struct pecoff_section *s;
	size_t i, at, end = pe->size_of_headers;

	if (!pecoff_fits(pe, table, n * SECTION_HDR_SIZE) ||
	    pe->size_of_headers > pe->len)
		return pecoff_refuse(pe, -PB_EPE_TRUNCATED,
				     "headers (%u bytes, %zu sections) run "
				     "past the end of the file (%zu bytes)",
				     pe->size_of_headers, n, pe->len);
	if (table + n * SECTION_HDR_SIZE > pe->size_of_headers)
		return pecoff_refuse(pe, -PB_EPE_OPT_HEADER,
				     "the section table ends past "
				     "SizeOfHeaders (%u)", pe->size_of_headers);
	pe->n_sections = 0;
	pe->hashed = pe->size_of_headers;
	for (i = 0; i < n; i++) {
		at = table + i * SECTION_HDR_SIZE;
		s = &pe->sections[pe->n_sections];
		s->size = pecoff_u32(pe->buf, at + SECTION_RAW_SIZE);
		s->off = pecoff_u32(pe->buf, at + SECTION_RAW_OFF);
		memcpy(s->name, pe->buf + at, 8);
		s->name[8] = '\0';
		if (s->size == 0)
			continue;
		if (!pecoff_fits(pe, s->off, s->size))
			return pecoff_refuse(pe, -PB_EPE_SECTION,
					     "section %zu (%.8s): 0x%x bytes at "
					     "0x%x run past the end of the file "
					     "(0x%zx bytes)", i, s->name,
					     s->size, s->off, pe->len);
		pe->hashed += s->size;
		pe->n_sections++;
	}
	pecoff_sort_sections(pe);
	for (i = 0; i < pe->n_sections; i++) {
		s = &pe->sections[i];
		if (s->off < end)
			return pecoff_refuse(pe, -PB_EPE_SECTION,
					     "section %.8s at 0x%x overlaps the "
					     "headers or another section",
					     s->name, s->off);
		end = (size_t)s->off + s->size;
	}
	return 0;
}

/* The end of the last section's raw data, or of the headers. */
static size_t pecoff_sections_end(const struct pecoff *pe)
{
	const struct pecoff_section *last;

	if (pe->n_sections == 0)
		return pe->size_of_headers;
	last = &pe->sections[pe->n_sections - 1];
	return (size_t)last->off + last->size;
}

/*
 * The Certificate Table entry: none (0, 0), or a table after every
 * section that ends the file (nothing may follow it unhashed).
 */
static int pecoff_parse_secdir(struct pecoff *pe)
{
	uint32_t off = pecoff_u32(pe->buf, pe->secdir_off);
	uint32_t size = pecoff_u32(pe->buf, pe->secdir_off + 4);

	pe->cert_off = pe->cert_size = 0;
	pe->data_end = pe->len;
	if (off == 0 && size == 0)
		return 0;
	if (off == 0 || size < PECOFF_WIN_CERT_HDR)
		return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
				     "Certificate Table entry 0x%x+0x%x is "
				     "malformed", off, size);
	if (!pecoff_fits(pe, off, size))
		return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
				     "certificate table 0x%x+0x%x runs past "
				     "the end of the file (0x%zx bytes)", off,
				     size, pe->len);
	if (off < pecoff_sections_end(pe))
		return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
				     "certificate table at 0x%x overlaps the "
				     "headers or a section (they end at 0x%zx)",
				     off, pecoff_sections_end(pe));
	if ((size_t)off + size != pe->len)
		return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
				     "certificate table 0x%x+0x%x does not end "
				     "the file (0x%zx bytes)", off, size,
				     pe->len);
	pe->cert_off = off;
	pe->cert_size = size;
	pe->data_end = off;
	return 0;
}

int pecoff_parse(struct pecoff *pe, const uint8_t *buf, size_t len)
{
	size_t opt = 0, opt_size = 0, n_sections = 0;
	int rc;

	memset(pe, 0, sizeof(*pe));
	pe->buf = buf;
	pe->len = len;
	if (len > PECOFF_MAX_SIZE)
		return pecoff_refuse(pe, -PB_ETOOBIG, "%zu bytes (at most %u)",
				     len, PECOFF_MAX_SIZE);
	rc = pecoff_parse_coff(pe, &opt, &opt_size, &n_sections);
	if (rc == 0)
		rc = pecoff_parse_opt(pe, opt, opt_size);
	if (rc == 0)
		rc = pecoff_parse_sections(pe, opt + opt_size, n_sections);
	if (rc == 0)
		rc = pecoff_parse_secdir(pe);
	return rc;
}

void pecoff_digest(const struct pecoff *pe, const struct digest_alg *alg,
		   uint8_t *out)
{
	const uint8_t *b = pe->buf;
	struct digest d;
	size_t i, after;

	digest_init(&d, alg);
	/* The headers, without CheckSum and the Certificate Table entry. */
	digest_update(&d, b, pe->checksum_off);
	after = pe->checksum_off + 4;
	digest_update(&d, b + after, pe->secdir_off - after);
	after = pe->secdir_off + DATA_DIR_SIZE;
	digest_update(&d, b + after, pe->size_of_headers - after);
	for (i = 0; i < pe->n_sections; i++)
		digest_update(&d, b + pe->sections[i].off,
			      pe->sections[i].size);
	/* Whatever follows, up to the certificate table. */
	if (pe->hashed < pe->data_end)
		digest_update(&d, b + pe->hashed, pe->data_end - pe->hashed);
	digest_final(&d, out);
}

int pecoff_certs(struct pecoff *pe, struct pecoff_cert *certs, size_t *n)
{
	const uint8_t *p = pe->buf + pe->cert_off;
	size_t left = pe->cert_size, len, step;
	uint16_t revision;

	*n = 0;
	while (left >= PECOFF_WIN_CERT_HDR) {
		len = pecoff_u32(p, 0);
		revision = pecoff_u16(p, 4);
		if (len < PECOFF_WIN_CERT_HDR || len > left)
			return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
					     "WIN_CERTIFICATE of %zu bytes in "
					     "a table of %zu", len, left);
		if (revision != PECOFF_WIN_CERT_REVISION)
			return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
					     "WIN_CERTIFICATE revision 0x%x",
					     revision);
		if (*n == PECOFF_MAX_CERTS)
			return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
					     "more than %d signatures",
					     PECOFF_MAX_CERTS);
		certs[*n].type = pecoff_u16(p, 6);
		certs[*n].data = p + PECOFF_WIN_CERT_HDR;
		certs[*n].len = len - PECOFF_WIN_CERT_HDR;
		(*n)++;
		step = PECOFF_ALIGN(len) < left ? PECOFF_ALIGN(len) : left;
		p += step;
		left -= step;
	}
	if (left != 0)
		return pecoff_refuse(pe, -PB_EPE_CERT_TABLE,
				     "%zu stray bytes end the certificate table",
				     left);
	return 0;
}

int pecoff_strip(const struct pecoff *pe, uint8_t **out, size_t *out_len)
{
	size_t len = PECOFF_ALIGN(pe->data_end);
	uint8_t *b;

	b = calloc(1, len);
	if (!b)
		return -ENOMEM;
	memcpy(b, pe->buf, pe->data_end);
	memset(b + pe->secdir_off, 0, DATA_DIR_SIZE);
	*out = b;
	*out_len = len;
	return 0;
}

/* Byte @i of @buf, or 0 inside the CheckSum field or past the end. */
static uint32_t pecoff_sum_byte(const uint8_t *buf, size_t len, size_t i,
				size_t checksum_off)
{
	if (i >= len || (i >= checksum_off && i < checksum_off + 4))
		return 0;
	return buf[i];
}

uint32_t pecoff_checksum(const uint8_t *buf, size_t len, size_t checksum_off)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2) {
		sum += pecoff_sum_byte(buf, len, i, checksum_off) |
		       pecoff_sum_byte(buf, len, i + 1, checksum_off) << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return sum + (uint32_t)len;
}

int pecoff_append_cert(const struct pecoff *pe, uint8_t **buf, size_t *len,
		       const uint8_t *sig, size_t sig_len)
{
	size_t table = pe->cert_off ? pe->cert_off : pe->data_end;
	size_t entry = PECOFF_ALIGN(PECOFF_WIN_CERT_HDR + sig_len);
	size_t at, total, out_len;
	uint8_t *b;

	if (table % PECOFF_CERT_ALIGN != 0 ||
	    pe->cert_size % PECOFF_CERT_ALIGN != 0)
		return -PB_EPE_CERT_TABLE;
	at = table + pe->cert_size;
	if (sig_len > UINT32_MAX / 2 || at > UINT32_MAX - entry)
		return -PB_ETOOBIG;
	total = pe->cert_size + entry;
	out_len = at + entry;
	b = realloc(*buf, out_len);
	if (!b)
		return -ENOMEM;
	memset(b + at, 0, entry);
	pecoff_put32(b, at, (uint32_t)entry);
	b[at + 4] = (uint8_t)PECOFF_WIN_CERT_REVISION;
	b[at + 5] = (uint8_t)(PECOFF_WIN_CERT_REVISION >> 8);
	b[at + 6] = (uint8_t)PECOFF_WIN_CERT_PKCS;
	b[at + 7] = (uint8_t)(PECOFF_WIN_CERT_PKCS >> 8);
	memcpy(b + at + PECOFF_WIN_CERT_HDR, sig, sig_len);
	pecoff_put32(b, pe->secdir_off, (uint32_t)table);
	pecoff_put32(b, pe->secdir_off + 4, (uint32_t)total);
	pecoff_put32(b, pe->checksum_off,
		     pecoff_checksum(b, out_len, pe->checksum_off));
	*buf = b;
	*len = out_len;
	return 0;
}
