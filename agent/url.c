/* url.c: the https://HOST[:PORT][/PATH] base URLs of upstreams. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "num.h"
#include "pki.h"
#include "url.h"

#define URL_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789/._~-"

/* Split "host[:port]" or "[v6][:port]" at the end of the authority. */
static int url_authority(struct url *u, const char *a, size_t len)
{
	const char *colon = NULL, *end = a + len;
	size_t hlen;
	unsigned port = 443;

	if (len > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', len);

		if (!close)
			return -PB_EBAD_NAME;
		hlen = (size_t)(close - a - 1);
		memcpy(u->host, a + 1, hlen);
		u->host[hlen] = '\0';
		if (close + 1 < end && close[1] != ':')
			return -PB_EBAD_NAME;
		colon = close + 1 < end ? close + 1 : NULL;
		if (inet_pton(AF_INET6, u->host, u->addr) != 1)
			return -PB_EBAD_NAME;
		u->family = AF_INET6;
	} else {
		colon = memchr(a, ':', len);
		hlen = colon ? (size_t)(colon - a) : len;
		memcpy(u->host, a, hlen);
		u->host[hlen] = '\0';
		if (inet_pton(AF_INET, u->host, u->addr) == 1)
			u->family = AF_INET;
		else if (!pki_dns_name_valid(u->host))
			return -PB_EBAD_NAME;
	}
	if (colon) {
		char p[6];
		size_t plen = (size_t)(end - colon - 1);

		if (plen == 0 || plen >= sizeof(p))
			return -PB_EBAD_NAME;
		memcpy(p, colon + 1, plen);
		p[plen] = '\0';
		if (num_parse_uint(p, 1, 65535, &port) != 0)
			return -PB_EBAD_NAME;
	}
	snprintf(u->port, sizeof(u->port), "%u", port);
	memcpy(u->authority, a, len);
	u->authority[len] = '\0';
	return 0;
}

int url_parse(struct url *u, const char *text)
{
	static const char scheme[] = "https://";
	const char *a, *slash, *p;
	size_t len = strlen(text);

	memset(u, 0, sizeof(*u));
	if (len > URL_MAX)
		return -PB_ETOOBIG;
	if (strncmp(text, scheme, sizeof(scheme) - 1) != 0)
		return -PB_EBAD_NAME;
	while (len > sizeof(scheme) - 1 && text[len - 1] == '/')
		len--;
	memcpy(u->text, text, len);
	u->text[len] = '\0';
	a = u->text + sizeof(scheme) - 1;
	slash = strchr(a, '/');
	if (slash == a)
		return -PB_EBAD_NAME;
	for (p = slash ? slash : "", len = 0; *p; p++, len++)
		if (!strchr(URL_PATH_CHARS, *p))
			return -PB_EBAD_NAME;
	if (slash)
		memcpy(u->path, slash, len + 1);
	return url_authority(u, a, slash ? (size_t)(slash - a) : strlen(a));
}
