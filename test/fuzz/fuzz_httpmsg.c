/* fuzz_httpmsg: HTTP/1.1 request and response heads (agent/httpmsg.c), as
 * the relay reads them from nodes and the agent from its upstream. */
#include <string.h>

#include "fuzz.h"
#include "httpmsg.h"

static struct httpmsg fuzz_httpmsg_m;

static void fuzz_httpmsg_check(const struct httpmsg *m)
{
	const char *lo = m->buf, *hi = m->buf + sizeof(m->buf);
	size_t i, len;

	FUZZ_ASSERT(m->n <= HTTPMSG_HEADERS_MAX);
	for (i = 0; i < m->n; i++) {
		FUZZ_ASSERT(m->h[i].name >= lo && m->h[i].name < hi);
		FUZZ_ASSERT(m->h[i].value >= lo && m->h[i].value < hi);
		FUZZ_ASSERT(m->h[i].name[0] != '\0');
		FUZZ_ASSERT(httpmsg_get(m, m->h[i].name) != NULL);
	}
	if (httpmsg_content_length(m, 1 << 20, &len) == 0)
		FUZZ_ASSERT(len <= 1 << 20);
	(void)httpmsg_closes(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long end = httpmsg_head_end((const char *)data, size);
	size_t len;

	FUZZ_ASSERT(end >= -1 && (end <= 0 || (size_t)end <= size));
	/* Parse what head_end measured, as the callers do; and, to reach
	 * the parsers with any head, the whole input when it is small. */
	if (end > 0)
		len = (size_t)end;
	else if (size <= HTTPMSG_HEAD_MAX)
		len = size;
	else
		return 0;
	if (httpmsg_parse_request(&fuzz_httpmsg_m, (const char *)data, len) == 0) {
		FUZZ_ASSERT(fuzz_httpmsg_m.method && fuzz_httpmsg_m.target);
		fuzz_httpmsg_check(&fuzz_httpmsg_m);
	}
	if (httpmsg_parse_response(&fuzz_httpmsg_m, (const char *)data, len) == 0) {
		FUZZ_ASSERT(fuzz_httpmsg_m.status >= 100 &&
			    fuzz_httpmsg_m.status <= 999);
		fuzz_httpmsg_check(&fuzz_httpmsg_m);
	}
	return 0;
}
