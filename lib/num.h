/* num.h: strict, bounded decimal numbers for options, headers and files,
 * shared by the server and the agent. */
#ifndef PODBOOT_NUM_H
#define PODBOOT_NUM_H

#include <stddef.h>
#include <stdint.h>

/**
 * Parse exactly @len bytes of decimal digits (no sign, no space, at least
 * one digit) into @out.
 *
 * @v s			text (need not be NUL-terminated)
 * @v len		its length
 * @v max		largest value accepted
 * @v out		receives the value
 * @ret rc		0, -EINVAL for a non-digit, -ERANGE above @max
 */
int num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/**
 * Parse a NUL-terminated decimal @s into @out, within [@min, @max].
 *
 * @ret rc		0, -EINVAL or -ERANGE
 */
int num_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/**
 * Parse exactly @len bytes of an optional '-' and decimal digits (no '+',
 * no space) into @out, within [@min, @max].
 *
 * @ret rc		0, -EINVAL for a non-digit, -ERANGE outside the range
 */
int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
		  int64_t *out);

#endif
