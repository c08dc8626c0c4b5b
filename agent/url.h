/* url.h: the https://HOST[:PORT][/PATH] base URLs of upstreams. */
#ifndef PODBOOT_AGENT_URL_H
#define PODBOOT_AGENT_URL_H

#define URL_MAX 255			/* the whole URL */

struct url {
	char text[URL_MAX + 1];		/* as given, without a trailing '/' */
	char host[URL_MAX + 1];		/* DNS name or address, no brackets */
	char port[6];			/* "443" unless given */
	char path[URL_MAX + 1];		/* "" or "/base" (no trailing '/') */
	char authority[URL_MAX + 1];	/* for the Host header */
	int family;			/* AF_INET, AF_INET6 for literals; 0 */
	unsigned char addr[16];		/* the literal's bytes */
};

/**
 * Parse and check a base URL: https only; HOST a DNS name, an IPv4
 * literal or a bracketed IPv6 literal; PORT 1..65535; PATH of
 * [A-Za-z0-9/._~-]; no user, query or fragment.
 *
 * @v u			receives the parts
 * @v text		the URL
 * @ret rc		0, -PB_EBAD_NAME (not the grammar) or -PB_ETOOBIG
 */
int url_parse(struct url *u, const char *text);

#endif
