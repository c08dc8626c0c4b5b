/* redact.h: secrets cut out of text before it is logged, stored as an
 * audit event or sent back in an error reply. */
#ifndef PODBOOT_REDACT_H
#define PODBOOT_REDACT_H

#include <stddef.h>

/** What stands where a secret was. */
#define REDACT_MARK "REDACTED"

/**
 * Replace, in place, every secret podboot hands out that @s holds:
 * bearer tokens ("pbt_" and hex) and node tokens (the hex after the dot
 * of "ID.HEX", also in /ks/ID.HEX).  A run of 32 or more hex digits after
 * "pbt_" or a dot counts, so that a token cut short by a bounded buffer
 * is still hidden.  The text only ever shrinks: @s stays within its
 * buffer.
 *
 * @v s		NUL-terminated text, or NULL
 * @ret n		how many secrets were replaced
 */
size_t redact_secrets(char *s);

#endif
