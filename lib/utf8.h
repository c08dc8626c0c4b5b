/* utf8.h: strict UTF-8 (RFC 3629) for text that reaches JSON and /metrics. */
#ifndef PODBOOT_UTF8_H
#define PODBOOT_UTF8_H

#include <stddef.h>

/**
 * Decode the character at @s (NUL-terminated text) into *@cp.
 *
 * @ret n		its length in bytes, 1 to 4; 0 if it is not valid
 *			UTF-8: an overlong form, a surrogate, above
 *			U+10FFFF, or cut short (the NUL ends it)
 */
size_t utf8_char(const unsigned char *s, unsigned long *cp);

/** The first byte of @s that does not start a valid character, or NULL. */
const char *utf8_invalid(const char *s);

#endif
