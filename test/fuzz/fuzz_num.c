/* fuzz_num: the strict decimal parsers (lib/num.c) behind every number
 * in a frame head, an HTTP header, an option or a spool file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[64];
	uint64_t max, v;
	unsigned min32, max32, u;
	int rc;

	/* The first 8 bytes choose the bound, the rest is the number. */
	if (size < 8)
		return 0;
	memcpy(&max, data, 8);
	data += 8;
	size -= 8;
	rc = num_parse_u64((const char *)data, size, max, &v);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0) {
		/* Digits only, and the value they spell, within the bound. */
		FUZZ_ASSERT(size > 0 && v <= max);
		for (size_t i = 0; i < size; i++)
			FUZZ_ASSERT(data[i] >= '0' && data[i] <= '9');
		snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
		while (size > 1 && data[0] == '0') {
			data++;
			size--;
		}
		FUZZ_ASSERT(strlen(text) == size &&
			    memcmp(text, data, size) == 0);
	}
	if (size >= sizeof(text) || memchr(data, 0, size))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	min32 = (unsigned)(max & 0xffff);
	max32 = (unsigned)(max >> 32);
	rc = num_parse_uint(text, min32, max32, &u);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ERANGE);
	if (rc == 0)
		FUZZ_ASSERT(u >= min32 && u <= max32);
	return 0;
}
