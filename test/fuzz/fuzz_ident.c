/* fuzz_ident: the pure part of stage2's identity parsing (boot_parse_ident
 * in server/provision/boot.c, which takes its values from libmicrohttpd): the MAC,
 * UUID and serial grammars of server/config/config.c that every boot request
 * goes through.  The input is "mac\nuuid\nserial". */
#include <ctype.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

/* Cut the next '\n'-separated field of at most @size - 1 bytes. */
static const uint8_t *fuzz_ident_field(const uint8_t *p, const uint8_t *end,
				       char *out, size_t size)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = (size_t)((nl ? nl : end) - p);

	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return nl ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char mac[128], uuid[128], serial[128], out[40], again[40];
	size_t i;

	p = fuzz_ident_field(p, end, mac, sizeof(mac));
	p = fuzz_ident_field(p, end, uuid, sizeof(uuid));
	(void)fuzz_ident_field(p, end, serial, sizeof(serial));

	memset(out, 0x55, sizeof(out));
	if (config_mac_normalise(mac, out) == 0) {
		/* aa:bb:cc:dd:ee:ff, lower case, and a fixed point. */
		FUZZ_ASSERT(strlen(out) == 17);
		for (i = 0; i < 17; i++)
			FUZZ_ASSERT(i % 3 == 2 ? out[i] == ':' :
				    (isxdigit((unsigned char)out[i]) &&
				     !isupper((unsigned char)out[i])));
		FUZZ_ASSERT(config_mac_normalise(out, again) == 0 &&
			    strcmp(out, again) == 0);
	}
	memset(out, 0x55, sizeof(out));
	if (config_uuid_normalise(uuid, out) == 0) {
		FUZZ_ASSERT(strlen(out) == 36);
		for (i = 0; i < 36; i++)
			FUZZ_ASSERT(i == 8 || i == 13 || i == 18 || i == 23 ?
				    out[i] == '-' :
				    (isxdigit((unsigned char)out[i]) &&
				     !isupper((unsigned char)out[i])));
		FUZZ_ASSERT(config_uuid_normalise(out, again) == 0 &&
			    strcmp(out, again) == 0);
	}
	if (config_serial_valid(serial) == 0) {
		FUZZ_ASSERT(serial[0] && strlen(serial) <= 64);
		FUZZ_ASSERT(strspn(serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789._-")
			    == strlen(serial));
	}
	/* Names and artifact names come from the same hostile sources. */
	if (config_name_valid(mac) == 0)
		FUZZ_ASSERT(strlen(mac) < CONFIG_NAME_MAX);
	if (config_artifact_name_valid(uuid) == 0)
		FUZZ_ASSERT(strlen(uuid) <= 128 &&
			    isalnum((unsigned char)uuid[0]) &&
			    !strstr(uuid, "/.") && !strstr(uuid, "//") &&
			    !strchr(uuid, '@'));
	return 0;
}
