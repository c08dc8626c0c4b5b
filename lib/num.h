/* num.h: strict, bounded decimal numbers for options, headers and files,
 * shared by the server and the agent; and the one string hash (FNV-1a). */
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

/* FNV-1a's offset basis: the @h to start num_fnv1a() with. */
#define NUM_FNV1A_INIT 2166136261u

/**
 * FNV-1a (32 bits) of the bytes of @s, continuing from @h
 * (NUM_FNV1A_INIT for a new hash; a hash's value to hash on).  Stable
 * across versions: Kea subnet ids are made from it.
 */
uint32_t num_fnv1a(uint32_t h, const char *s);

#endif
