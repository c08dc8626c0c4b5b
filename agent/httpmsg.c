/* httpmsg.c: bounded parsing of HTTP/1.1 request and response heads. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "httpmsg.h"
#include "num.h"

long httpmsg_head_end(const char *data, size_t len)
{
	size_t i, lim = len < HTTPMSG_HEAD_MAX ? len : HTTPMSG_HEAD_MAX;

	for (i = 3; i < lim; i++)
		if (data[i] == '\n' && data[i - 1] == '\r' &&
		    data[i - 2] == '\n' && data[i - 3] == '\r')
			return (long)i + 1;
	return len >= HTTPMSG_HEAD_MAX ? -1 : 0;
}

/* Strip spaces and tabs around a value, in place. */
static const char *httpmsg_trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* A header name: RFC 9110 token characters. */
static int httpmsg_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

/* Split the head into NUL-terminated lines; parse the header lines. */
static int httpmsg_headers(struct httpmsg *m, char *p)
{
	char *line, *colon, *c;

	while (*p) {
		line = p;
		p = strstr(p, "\r\n");
		if (!p)
			return -EBADMSG;
		*p = '\0';
		p += 2;
		if (!*line)
			break;
		colon = strchr(line, ':');
		if (!colon || m->n == HTTPMSG_HEADERS_MAX)
			return -EBADMSG;
		*colon = '\0';
		if (!httpmsg_token(line))
			return -EBADMSG;	/* also obsolete folding */
		for (c = colon + 1; *c; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') ||
			    *c == 0x7f)
				return -EBADMSG;
		m->h[m->n].name = line;
		m->h[m->n].value = httpmsg_trim(colon + 1);
		m->n++;
	}
	return 0;
}

/* Copy the head and cut off its first line. */
static char *httpmsg_start(struct httpmsg *m, const char *data, size_t len)
{
	char *eol;

	memset(m, 0, sizeof(*m));
	if (len > HTTPMSG_HEAD_MAX || memchr(data, '\0', len))
		return NULL;
	memcpy(m->buf, data, len);
	m->buf[len] = '\0';
	eol = strstr(m->buf, "\r\n");
	if (!eol)
		return NULL;
	*eol = '\0';
	return eol + 2;
}

/* "HTTP/1.x" at @s; sets m->minor. */
static int httpmsg_version(struct httpmsg *m, const char *s)
{
	if (strncmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
	    s[8] != '\0')
		return -EBADMSG;
	m->minor = s[7] - '0';
	return 0;
}

int httpmsg_parse_request(struct httpmsg *m, const char *data, size_t len)
{
	char *rest = httpmsg_start(m, data, len), *sp1, *sp2;

	if (!rest)
		return -EBADMSG;
	sp1 = strchr(m->buf, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2)
		return -EBADMSG;
	*sp1 = *sp2 = '\0';
	m->method = m->buf;
	m->target = sp1 + 1;
	if (!httpmsg_token(m->method) || m->target[0] != '/' ||
	    httpmsg_version(m, sp2 + 1) != 0)
		return -EBADMSG;
	return httpmsg_headers(m, rest);
}

int httpmsg_parse_response(struct httpmsg *m, const char *data, size_t len)
{
	char *rest = httpmsg_start(m, data, len), *sp;
	uint64_t status;

	if (!rest)
		return -EBADMSG;
	sp = strchr(m->buf, ' ');
	if (!sp)
		return -EBADMSG;
	*sp = '\0';
	if (httpmsg_version(m, m->buf) != 0 || strlen(sp + 1) < 3 ||
	    (sp[4] != '\0' && sp[4] != ' ') ||
	    num_parse_u64(sp + 1, 3, 999, &status) != 0 || status < 100)
		return -EBADMSG;
	m->status = (int)status;
	return httpmsg_headers(m, rest);
}

const char *httpmsg_get(const struct httpmsg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcasecmp(m->h[i].name, name) == 0)
			return m->h[i].value;
	return NULL;
}

int httpmsg_content_length(const struct httpmsg *m, size_t max, size_t *len)
{
	const char *v = NULL;
	uint64_t n;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (strcasecmp(m->h[i].name, "Content-Length") != 0)
			continue;
		if (v)
			return -EBADMSG;	/* repeated, even equal: smuggling */
		v = m->h[i].value;
	}
	if (!v)
		return -ENOENT;
	if (httpmsg_get(m, "Transfer-Encoding"))
		return -EBADMSG;	/* two framings: which one is meant? */
	if (num_parse_u64(v, strlen(v), UINT64_MAX, &n) != 0)
		return -EBADMSG;
	if (n > max)
		return -PB_ETOOBIG;
	*len = (size_t)n;
	return 0;
}

int httpmsg_closes(const struct httpmsg *m)
{
	const char *c = httpmsg_get(m, "Connection");

	if (c && strcasecmp(c, "close") == 0)
		return 1;
	if (m->minor == 0)
		return !c || strcasecmp(c, "keep-alive") != 0;
	return 0;
}
