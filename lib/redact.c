/* redact.c: secrets cut out of text before it is logged, stored as an
 * audit event or sent back in an error reply: the one place that does it. */
#include <ctype.h>
#include <string.h>

#include "redact.h"

/* Shortest hex run after "pbt_" or a dot taken for (part of) a token:
 * longer than any other hex podboot prints after a dot. */
#define REDACT_HEX_MIN 32

/* Length of the run of hex digits at @s. */
static size_t redact_hex_run(const char *s)
{
	size_t n = 0;

	while (isxdigit((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Length of the secret's prefix at @s that stays ("pbt_" or "."), with
 * the secret's own length in *@len; 0 if no secret starts at @s.
 */
static size_t redact_match(const char *s, size_t *len)
{
	size_t keep;

	if (strncmp(s, "pbt_", 4) == 0)
		keep = 4;
	else if (*s == '.')
		keep = 1;
	else
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
		if (!keep) {
			*w++ = *r++;
			continue;
		}
		/* The mark (8 bytes) replaces 32 or more: @s only shrinks. */
		memmove(w, r, keep);
		memcpy(w + keep, mark, sizeof(mark) - 1);
		w += keep + sizeof(mark) - 1;
		r += keep + len;
		n++;
	}
	*w = '\0';
	return n;
}
