/* test_agent_frame.c: the relay batch's frames: what is encoded decodes
 * the same, and a malformed, oversized or ambiguous frame is refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "error.h"
#include "../../agent/frame.h"

/* Decode the one frame in @text (NUL-terminated) with a body limit. */
static int test_next(const char *text, size_t max_body, struct frame *f)
{
	size_t off = 0;

	return frame_next((const unsigned char *)text, strlen(text), &off,
			  max_body, f);
}

static void test_roundtrip(void)
{
	struct frame in[2] = {
		{ .token = "tok-1.~+/==", .token_len = 11, .seq = 1,
		  .interval = 15, .body = (const unsigned char *)"a 1\n",
		  .len = 4 },
		{ .token = "t", .token_len = 1, .seq = FRAME_SEQ_MAX,
		  .interval = FRAME_INTERVAL_MAX, .replay = 1, .gzip = 1,
		  .epoch = FRAME_SEQ_MAX,
		  .body = (const unsigned char *)"\x1f\x8b\n\0PUSH", .len = 8 },
	}, out;
	struct pbuf b;
	size_t off = 0, i;

	pbuf_init(&b, 4096);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(frame_encode(&b, &in[i]), 0);
	CU_ASSERT(strncmp(b.data, "PUSH tok-1.~+/== 1 15 0 identity 4\na 1\n"
			  "PUSH t ", 46) == 0);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(frame_next((unsigned char *)b.data, b.len,
						 &off, 100, &out), 0);
		CU_ASSERT_EQUAL(out.token_len, in[i].token_len);
		CU_ASSERT(memcmp(out.token, in[i].token, out.token_len) == 0);
		CU_ASSERT_EQUAL(out.seq, in[i].seq);
		CU_ASSERT_EQUAL(out.interval, in[i].interval);
		CU_ASSERT_EQUAL(out.replay, in[i].replay);
		CU_ASSERT_EQUAL(out.gzip, in[i].gzip);
		CU_ASSERT_EQUAL(out.epoch, in[i].epoch);
		CU_ASSERT_EQUAL(out.len, in[i].len);
		CU_ASSERT(memcmp(out.body, in[i].body, out.len) == 0);
	}
	CU_ASSERT_EQUAL(frame_next((unsigned char *)b.data, b.len, &off, 100,
				   &out), 1);
	pbuf_free(&b);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"\n", "PUSH\n", "PUSH t 1 15 0 identity 0",	/* no newline */
		 "POST t 1 15 0 identity 0\n",
		"push t 1 15 0 identity 0\n",
		"PUSH t 1 15 0 identity\n",		/* no length */
		"PUSH t 0 15 0 identity 0\n",		/* seq 0 */
		"PUSH t 9007199254740992 15 0 identity 0\n",
		"PUSH t -1 15 0 identity 0\n",
		"PUSH t +1 15 0 identity 0\n",
		"PUSH t 1 0 0 identity 0\n",		/* interval 0 */
		"PUSH t 1 3601 0 identity 0\n",
		"PUSH t 1 15 2 identity 0\n",		/* replay 0 or 1 */
		"PUSH t 1 15 0 deflate 0\n",
		"PUSH t 1 15 0 GZIP 0\n",
		"PUSH t 1 15 0 identity 0x1\n",
		"PUSH t 1 15 0 identity 0 0\n",		/* epoch 0 */
		"PUSH t 1 15 0 identity 0 1 2\n",	/* a field too many */
		"PUSH  t 1 15 0 identity 0\n",		/* an empty field */
		"PUSH t  1 15 0 identity 0\n",
		"PUSH t\t1 15 0 identity 0\n",
		"PUSH t 1 15 0 identity 0\r\n",
		"PUSH a=b 1 15 0 identity 0\n",		/* not a b64token */
		"PUSH =a 1 15 0 identity 0\n",
		"PUSH a\"b 1 15 0 identity 0\n",
		"PUSH t 1 15 0 identity 5\nabc",	/* body cut short */
		"PUSH t 1 15 0 identity 18446744073709551616\n",
	};
	struct frame f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = test_next(bad[i], 100, &f);

		if (rc != -EBADMSG)
			fprintf(stderr, "\naccepted (%d): %s", rc, bad[i]);
		CU_ASSERT_EQUAL(rc, -EBADMSG);
	}
	CU_ASSERT_EQUAL(test_next("PUSH t 1 15 0 identity 3\nabc", 100, &f),
			0);
}

static void test_oversized(void)
{
	char head[FRAME_HEAD_MAX + 64], tok[FRAME_TOKEN_MAX + 2];
	struct frame f;

	/* The body limit: at it, and one over. */
	CU_ASSERT_EQUAL(test_next("PUSH t 1 15 0 identity 4\nabcd", 4, &f), 0);
	CU_ASSERT_EQUAL(test_next("PUSH t 1 15 0 identity 5\nabcde", 4, &f),
			-PB_ETOOBIG);
	/* A LEN past the bytes there is, however small the limit says. */
	CU_ASSERT_EQUAL(test_next("PUSH t 1 15 0 identity 9\nabcd", 100, &f),
			-EBADMSG);
	/* A token of FRAME_TOKEN_MAX bytes, and one more. */
	memset(tok, 'k', sizeof(tok));
	tok[FRAME_TOKEN_MAX] = '\0';
	snprintf(head, sizeof(head), "PUSH %s 1 15 0 identity 0\n", tok);
	CU_ASSERT_EQUAL(test_next(head, 100, &f), 0);
	tok[FRAME_TOKEN_MAX] = 'k';
	tok[FRAME_TOKEN_MAX + 1] = '\0';
	snprintf(head, sizeof(head), "PUSH %s 1 15 0 identity 0\n", tok);
	CU_ASSERT_EQUAL(test_next(head, 100, &f), -EBADMSG);
	/* A head line longer than FRAME_HEAD_MAX has no newline in reach. */
	memset(head, '0', sizeof(head));
	memcpy(head, "PUSH t 1 15 0 identity ", 23);
	head[FRAME_HEAD_MAX + 10] = '\n';
	head[FRAME_HEAD_MAX + 11] = '\0';
	CU_ASSERT_EQUAL(test_next(head, 100, &f), -EBADMSG);
}

static void test_encode_refuses(void)
{
	struct frame f = { .token = "t", .token_len = 1, .seq = 1,
			   .interval = 15,
			   .body = (const unsigned char *)"x", .len = 1 };
	static const char *const tokens[] = {
		"t 2 15 0 identity 0\nPUSH t", "t\n", "t ", "", "a=b",
	};
	struct pbuf b;
	size_t i;

	pbuf_init(&b, 64);
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		f.token = tokens[i];
		f.token_len = strlen(tokens[i]);
		CU_ASSERT_EQUAL(frame_encode(&b, &f), -EINVAL);
	}
	f.token = "t";
	f.token_len = 1;
	f.seq = 0;
	CU_ASSERT_EQUAL(frame_encode(&b, &f), -EINVAL);
	f.seq = FRAME_SEQ_MAX + 1;
	CU_ASSERT_EQUAL(frame_encode(&b, &f), -EINVAL);
	f.seq = 1;
	f.interval = FRAME_INTERVAL_MAX + 1;
	CU_ASSERT_EQUAL(frame_encode(&b, &f), -EINVAL);
	f.interval = 15;
	f.epoch = FRAME_SEQ_MAX + 1;
	CU_ASSERT_EQUAL(frame_encode(&b, &f), -EINVAL);
	CU_ASSERT_EQUAL(b.len, 0);
	/* A frame that does not fit leaves the buffer as it was. */
	f.epoch = 0;
	CU_ASSERT_EQUAL(frame_encode(&b, &f), 0);
	f.len = 60;
	f.body = (const unsigned char *)"0123456789012345678901234567890"
					"12345678901234567890123456789";
	CU_ASSERT_EQUAL(frame_encode(&b, &f), -PB_ETOOBIG);
	CU_ASSERT(b.len == 26 &&
		  memcmp(b.data, "PUSH t 1 15 0 identity 1\nx", 26) == 0);
	CU_ASSERT_EQUAL(b.overflow, 0);
	pbuf_free(&b);
}

static void test_token_grammar(void)
{
	CU_ASSERT(frame_token_valid("abc", 3));
	CU_ASSERT(frame_token_valid("aZ09-._~+/", 10));
	CU_ASSERT(frame_token_valid("abc==", 5));
	CU_ASSERT(!frame_token_valid("==", 2));
	CU_ASSERT(!frame_token_valid("a=b", 3));
	CU_ASSERT(!frame_token_valid("a b", 3));
	CU_ASSERT(!frame_token_valid("a\0b", 3));
	CU_ASSERT(!frame_token_valid("", 0));
}

static const CU_TestInfo test_agent_frame_tests[] = {
	{ "encoded frames decode the same", test_roundtrip },
	{ "malformed heads are refused", test_malformed },
	{ "oversized bodies, tokens and heads are refused", test_oversized },
	{ "encode refuses a field that could forge a frame",
	  test_encode_refuses },
	{ "token grammar (RFC 6750 b64token)", test_token_grammar },
	CU_TEST_INFO_NULL,
};

static int suite_agent_frame_register(void)
{
	return unit_add_suite("agent_frame", NULL, NULL,
			      test_agent_frame_tests);
}

UNIT_SUITE(suite_agent_frame_register)
