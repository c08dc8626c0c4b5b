/* test_agent_batch.c: the relay's open batch: all-or-nothing queueing,
 * sealing into the spool, and who is told. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "error.h"
#include "../../agent/batch.h"

/* What the sealed function was told, in order. */
static struct {
	uint64_t id[8];
	int ok[8];
	unsigned n;
} told;

static void test_sealed(void *ctx, uint64_t id, int ok)
{
	CU_ASSERT_PTR_EQUAL(ctx, &told);
	if (told.n < 8) {
		told.id[told.n] = id;
		told.ok[told.n] = ok;
	}
	told.n++;
}

/* A fresh spool under the test directory, limited to @max bytes. */
static void test_spool(struct spool *sp, const char *name, uint64_t max)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/batch-%s", unit_tmpdir(), name);
	memset(sp, 0, sizeof(*sp));
	CU_ASSERT_EQUAL_FATAL(spool_open(sp, dir, "batch", max, SPOOL_OWNER),
			      0);
	memset(&told, 0, sizeof(told));
}

/* A valid push of @len body bytes. */
static struct frame test_frame(uint64_t seq, const void *body, size_t len)
{
	struct frame f = {
		.token = "node-token", .token_len = 10, .seq = seq,
		.interval = 15, .body = body, .len = len,
	};

	return f;
}

static void test_seal_to_spool(void)
{
	struct frame f[2] = { test_frame(7, "a 1\n", 4),
			      test_frame(8, "b 2\n", 4) }, got;
	struct spool_item it = { 0 };
	struct spool sp;
	struct batch b;
	uint64_t id = 99;
	size_t off = 0;

	test_spool(&sp, "seal", 1u << 20);
	batch_init(&b, &sp, test_sealed, &told);
	CU_ASSERT_EQUAL(batch_seal(&b), 0);	/* empty: nothing, nobody */
	CU_ASSERT_EQUAL(told.n, 0);
	CU_ASSERT_EQUAL(sp.n, 0);
	CU_ASSERT_EQUAL(batch_queue(&b, f, 2, &id), 0);
	CU_ASSERT_EQUAL(id, 0);
	CU_ASSERT_EQUAL(b.frames, 2);
	CU_ASSERT_EQUAL(batch_seal(&b), 0);
	CU_ASSERT_EQUAL(told.n, 1);
	CU_ASSERT_EQUAL(told.id[0], 0);
	CU_ASSERT_EQUAL(told.ok[0], 1);
	CU_ASSERT_EQUAL(b.id, 1);
	CU_ASSERT_EQUAL(b.frames, 0);
	CU_ASSERT_EQUAL(b.buf.len, 0);
	CU_ASSERT_EQUAL_FATAL(sp.n, 1);
	CU_ASSERT_EQUAL_FATAL(spool_read(&sp, sp.entries[0].seq, &it), 0);
	CU_ASSERT_EQUAL(frame_next(it.body, it.len, &off, 100, &got), 0);
	CU_ASSERT_EQUAL(got.seq, 7);
	CU_ASSERT_EQUAL(frame_next(it.body, it.len, &off, 100, &got), 0);
	CU_ASSERT_EQUAL(got.seq, 8);
	CU_ASSERT(got.len == 4 && memcmp(got.body, "b 2\n", 4) == 0);
	CU_ASSERT_EQUAL(frame_next(it.body, it.len, &off, 100, &got), 1);
	spool_item_free(&it);
	batch_free(&b);
	batch_free(&b);		/* safe twice */
	spool_close(&sp);
}

static void test_all_or_nothing(void)
{
	struct frame f[2] = { test_frame(1, "x 1\n", 4),
			      test_frame(2, "y 1\n", 4) };
	struct spool sp;
	struct batch b;
	uint64_t id = 42;
	size_t len;

	test_spool(&sp, "atomic", 1u << 20);
	batch_init(&b, &sp, test_sealed, &told);
	CU_ASSERT_EQUAL(batch_queue(&b, f, 1, &id), 0);
	len = b.buf.len;
	/* The second frame's token would inject a frame: none is queued. */
	f[1].token = "bad token";
	f[1].token_len = 9;
	id = 42;
	CU_ASSERT_EQUAL(batch_queue(&b, f, 2, &id), -EINVAL);
	CU_ASSERT_EQUAL(id, 42);
	CU_ASSERT_EQUAL(b.frames, 1);
	CU_ASSERT_EQUAL(b.buf.len, len);
	CU_ASSERT_EQUAL(told.n, 0);
	batch_free(&b);
	spool_close(&sp);
}

static void test_limits(void)
{
	static struct frame many[BATCH_FRAMES_MAX + 1];
	static unsigned char big[BATCH_BYTES_MAX];
	struct frame f = test_frame(1, big, sizeof(big));
	struct spool sp;
	struct batch b;
	uint64_t id;
	size_t i;

	test_spool(&sp, "limits", 64u << 20);
	batch_init(&b, &sp, test_sealed, &told);
	for (i = 0; i < BATCH_FRAMES_MAX + 1; i++)
		many[i] = test_frame(i + 1, "m 1\n", 4);
	CU_ASSERT_EQUAL(batch_queue(&b, &f, 1, &id), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(batch_queue(&b, many, BATCH_FRAMES_MAX + 1, &id),
			-PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.frames, 0);
	/* One open, then a full batch's worth: the open one is sealed
	 * first, and the new frames go into the next. */
	CU_ASSERT_EQUAL(batch_queue(&b, many, 1, &id), 0);
	CU_ASSERT_EQUAL(id, 0);
	CU_ASSERT_EQUAL(batch_queue(&b, many, BATCH_FRAMES_MAX, &id), 0);
	CU_ASSERT_EQUAL(id, 1);
	CU_ASSERT_EQUAL(told.n, 1);
	CU_ASSERT_EQUAL(told.id[0], 0);
	CU_ASSERT_EQUAL(b.frames, BATCH_FRAMES_MAX);
	CU_ASSERT_EQUAL(sp.n, 1);
	/* Nothing more fits: the next frame seals the full one. */
	CU_ASSERT_EQUAL(batch_queue(&b, many, 1, &id), 0);
	CU_ASSERT_EQUAL(id, 2);
	CU_ASSERT_EQUAL(told.n, 2);
	CU_ASSERT_EQUAL(sp.n, 2);
	batch_free(&b);
	spool_close(&sp);
}

static void test_spool_refuses(void)
{
	struct frame f = test_frame(5, "z 1\n", 4);
	struct spool sp;
	struct batch b;
	uint64_t id;

	/* A spool too small for any batch: the seal fails, is told so,
	 * and the batch is wiped all the same. */
	test_spool(&sp, "small", 16);
	batch_init(&b, &sp, test_sealed, &told);
	CU_ASSERT_EQUAL(batch_queue(&b, &f, 1, &id), 0);
	CU_ASSERT_EQUAL(batch_seal(&b), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(told.n, 1);
	CU_ASSERT_EQUAL(told.id[0], 0);
	CU_ASSERT_EQUAL(told.ok[0], 0);
	CU_ASSERT_EQUAL(b.frames, 0);
	CU_ASSERT_EQUAL(b.id, 1);
	CU_ASSERT_EQUAL(sp.n, 0);
	batch_free(&b);
	spool_close(&sp);
}

static const CU_TestInfo test_agent_batch_tests[] = {
	{ "sealed into the spool, then told", test_seal_to_spool },
	{ "a refused frame queues none", test_all_or_nothing },
	{ "frame and byte limits; a full batch is sealed first",
	  test_limits },
	{ "a seal the spool refuses is told as failed", test_spool_refuses },
	CU_TEST_INFO_NULL,
};

static int suite_agent_batch_register(void)
{
	return unit_add_suite("agent_batch", NULL, NULL,
			      test_agent_batch_tests);
}

UNIT_SUITE(suite_agent_batch_register)
