/* test_agent_httpmsg.c: the agent's HTTP head parser refuses ambiguous
 * framing (request smuggling through the relay). */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "error.h"
#include "../../agent/httpmsg.h"

/* Parse request head @head and ask for its Content-Length. */
static int test_cl(const char *head, size_t *len)
{
	static struct httpmsg m;
	int rc = httpmsg_parse_request(&m, head, strlen(head));

	if (rc != 0)
		return rc;
	return httpmsg_content_length(&m, 1000, len);
}

static void test_framing(void)
{
	static const char *const bad[] = {
		"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
		"POST / HTTP/1.1\r\ncontent-length: 3\r\nCONTENT-LENGTH: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\n"
		"Transfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		"Content-Length: 3\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3 4\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
	};
	size_t i, len = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(test_cl(bad[i], &len), -EBADMSG);
	CU_ASSERT_EQUAL(test_cl("POST / HTTP/1.1\r\nContent-Length:  42 \r\n\r\n",
				&len), 0);
	CU_ASSERT_EQUAL(len, 42);
	CU_ASSERT_EQUAL(test_cl("POST / HTTP/1.1\r\nHost: x\r\n\r\n", &len),
			-ENOENT);
	CU_ASSERT_EQUAL(test_cl("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n",
				&len), -PB_ETOOBIG);
}

static int suite_agent_httpmsg_register(void)
{
	CU_pSuite s = CU_add_suite("agent_httpmsg", NULL, NULL);

	return s && CU_add_test(s, "ambiguous framing is refused",
				test_framing) ? 0 : -1;
}

UNIT_SUITE(suite_agent_httpmsg_register)
