/* utf8.c: strict UTF-8 decoding. */
#include <stdio.h>
#include <string.h>

#include "utf8.h"

size_t utf8_char(const unsigned char *s, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;

	if (s[0] < 0x80)
		n = 1;
	else if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	*cp = n == 1 ? s[0] : s[0] & (0x7fu >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* a NUL stops here too */
		*cp = *cp << 6 | (s[i] & 0x3fu);
	}
	if (*cp < min[n] || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

const char *utf8_invalid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n;

	for (; *p; p += n)
		if ((n = utf8_char(p, &cp)) == 0)
			return (const char *)p;
	return NULL;
}

/*
 * Copy @len bytes of @src into @out (@size > 0 bytes, NUL included) as
 * valid UTF-8 without control characters: each byte of a control
 * character, and each byte that is not part of a valid character, is
 * written as \xNN.  The copy stops before the first character or escape
 * that does not fit whole, so a character is never split.
 */
void utf8_clean(char *out, size_t size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n;
	unsigned long cp;

	/* utf8_char() reads at most 3 bytes ahead and stops at a NUL; the
	 * copy ends before it could look past @len (see the caller). */
	while (i < len) {
		n = utf8_char(s + i, &cp);
		/* Control characters (C0, DEL, C1) are escaped too: terminals
		 * act on them. */
		if (n > 0 && !utf8_is_control(cp)) {
			if (n > size - 1 - o)
				break;
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		if (n == 0)
			n = 1;	/* one bad byte; decoding resumes after it */
		if (4 * n > size - 1 - o)
			break;
		for (; n > 0; n--, i++, o += 4)
			snprintf(out + o, 5, "\\x%02x", s[i]);
	}
	out[o] = '\0';
}

/* Clean the string @src into @out (see utf8_clean).  Reading 3
 * bytes past what fits is enough never to cut a character that would. */
void utf8_clean_str(char *out, size_t size, const char *src)
{
	utf8_clean(out, size, src, strnlen(src, size + 3));
}
