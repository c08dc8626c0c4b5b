/* fuzz_url: the upstream base URLs the agent and relay are given
 * (agent/url.c). */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[URL_MAX * 2 + 2];
	struct url u, v;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (url_parse(&u, text) != 0)
		return 0;
	FUZZ_ASSERT(strlen(text) <= URL_MAX);
	FUZZ_ASSERT(strncmp(u.text, "https://", 8) == 0);
	FUZZ_ASSERT(u.host[0] != '\0' && !strpbrk(u.host, "/@?#[] "));
	FUZZ_ASSERT(u.port[0] >= '1' && u.port[0] <= '9');
	FUZZ_ASSERT(u.path[0] == '\0' || u.path[0] == '/');
	FUZZ_ASSERT(!strpbrk(u.path, "?#@%\\"));
	FUZZ_ASSERT(u.family == 0 || u.family == AF_INET ||
		    u.family == AF_INET6);
	/* The normalised text parses to the same parts. */
	FUZZ_ASSERT(url_parse(&v, u.text) == 0);
	FUZZ_ASSERT(strcmp(u.host, v.host) == 0 && strcmp(u.port, v.port) == 0
		    && strcmp(u.path, v.path) == 0 &&
		    strcmp(u.authority, v.authority) == 0);
	return 0;
}
