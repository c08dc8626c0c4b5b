/* num.c: strict, bounded decimal numbers for options, headers and files. */
#include <errno.h>
#include <string.h>

#include "num.h"

int num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int num_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc;

	rc = num_parse_u64(s, strlen(s), max, &v);
	if (rc != 0)
		return rc;
	if (v < min)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
		  int64_t *out)
{
	size_t neg = len > 0 && s[0] == '-';
	uint64_t mag, lim;
	int64_t v;
	int rc;

	if (neg)	/* |min|, written so that INT64_MIN does not overflow */
		lim = min < 0 ? (uint64_t)(-(min + 1)) + 1 : 0;
	else
		lim = max < 0 ? 0 : (uint64_t)max;
	rc = num_parse_u64(s + neg, len - neg, lim, &mag);
	if (rc != 0)
		return rc;
	if (neg)
		v = mag ? -(int64_t)(mag - 1) - 1 : 0;
	else
		v = (int64_t)mag;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

uint32_t num_fnv1a(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}
