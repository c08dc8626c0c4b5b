/* redact.c: secrets cut out of text before it is logged, stored as an
 * audit event or sent back in an error reply: the one place that does it. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

/* Shortest hex run after "pbt_" or a dot taken for (part of) a token:
 * longer than any other hex podboot prints after a dot. */
#define REDACT_HEX_MIN 32

static size_t redact_hex_run(const char *s)
{
	size_t n = 0;

	while (isxdigit((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Length of the secret's prefix at @s that stays ("pbt_", ".", "Bearer "),
 * with the secret's own length in *@len; 0 if no secret starts at @s.
 */
static size_t redact_match(const char *s, size_t *len)
{
	size_t keep = 0;

	if (strncmp(s, "pbt_", 4) == 0)
		keep = 4;
	else if (*s == '.')
		keep = 1;
	else if (strncasecmp(s, "Bearer ", 7) == 0) {
		*len = strcspn(s + 7, " \t\r\n\"',;");
		return *len ? 7 : 0;
	}
	if (!keep)
		return 0;
	*len = redact_hex_run(s + keep);
	return *len >= REDACT_HEX_MIN ? keep : 0;
}

size_t redact_secrets(char *s)
{
	static const char mark[] = REDACT_MARK;
	char *w = s;
	const char *r = s;
	size_t keep, len, n = 0;

	if (!s)
		return 0;
	while (*r) {
		keep = redact_match(r, &len);
		/* The mark is never longer than what it replaces when that is
		 * hex (32 digits or more); after "Bearer " keep it so too. */
		if (keep && len >= sizeof(mark) - 1) {
			memmove(w, r, keep);
			memcpy(w + keep, mark, sizeof(mark) - 1);
			w += keep + sizeof(mark) - 1;
			r += keep + len;
			n++;
		} else if (keep && len) {
			memmove(w, r, keep);
			memset(w + keep, '*', len);
			w += keep + len;
			r += keep + len;
			n++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return n;
}
