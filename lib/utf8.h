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

/** Whether @cp is a control character: C0, DEL or C1 (terminals act on
 * them; logs and labels must not carry them). */
static inline int utf8_is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/** The first byte of @s that does not start a valid character, or NULL. */
const char *utf8_invalid(const char *s);

/**
 * Copy @len bytes of @src into @out (@size > 0 bytes, NUL included) as
 * valid UTF-8 without control characters (C0, DEL, C1): each byte of one,
 * and each byte that is not part of a valid character, becomes \xNN.  The
 * copy stops before a character or escape that does not fit whole.
 */
void utf8_clean(char *out, size_t size, const char *src, size_t len);

/** utf8_clean() of the NUL-terminated @src. */
void utf8_clean_str(char *out, size_t size, const char *src);

#endif
