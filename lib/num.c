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
