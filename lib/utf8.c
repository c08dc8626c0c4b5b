/* utf8.c: strict UTF-8 decoding. */
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
