/* test_pecoff.h: the synthetic PE/COFF images the pecoff and
 * authenticode suites share. */
#ifndef PODBOOT_TEST_PECOFF_H
#define PODBOOT_TEST_PECOFF_H

#include <stddef.h>
#include <stdint.h>

/**
 * A valid unsigned image (PE32+ with @plus, else PE32) of @n sections
 * of 0x200 bytes each after 0x200 bytes of headers, then 13 bytes of
 * trailing data: a pattern that differs byte to byte.
 *
 * @v len		receives its length
 * @ret image		malloc'd; the caller frees it
 */
uint8_t *test_pe_image(int plus, size_t n, size_t *len);

#endif
