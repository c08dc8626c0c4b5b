/* test_core_nodehint.c: the per-replica table of node hints
 * (core/nodehint.c): what a get gives back, ages, the 4-way sets and
 * which entry a full set loses, ids too long to keep, the table's size. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "nodehint.h"
#include "num.h"
#include "unit.h"

/* node_hints_new(0)'s set count, and the largest table's. */
#define TEST_SETS_MIN 64u
#define TEST_SETS_MAX 65536u

/* Node @id of @pod, in @state at @generation, every other field set too
 * so that a get can be seen to leave them zero. */
static struct store_node test_node(const char *id, const char *pod,
				   enum node_state state,
				   unsigned int generation)
{
	struct store_node n;

	memset(&n, 0, sizeof(n));
	snprintf(n.id, sizeof(n.id), "%s", id);
	snprintf(n.pod, sizeof(n.pod), "%s", pod);
	snprintf(n.mac, sizeof(n.mac), "52:54:00:12:34:56");
	snprintf(n.uuid, sizeof(n.uuid),
		 "4c4c4544-0042-3510-8052-b4c04f4e3432");
	snprintf(n.serial, sizeof(n.serial), "SN-%s", id);
	n.state = state;
	n.generation = generation;
	n.updated = 1700000000;
	return n;
}

/* Put @id (pod "p1", armed, generation @generation) into @h. */
static void test_put(struct node_hints *h, const char *id,
		     unsigned int generation)
{
	struct store_node n = test_node(id, "p1", NODE_ARMED, generation);

	node_hint_put(h, &n);
}

/* 1 if @h holds @id (at any age), 0 if not. */
static int test_has(struct node_hints *h, const char *id)
{
	struct store_node out;

	return node_hint_get(h, id, 0, &out) == 0;
}

/*
 * Fill @ids with @n ids "TAG-NUMBER" whose FNV-1a hash has (hash & @mask)
 * == @want, in the order found; the first @n - @with_bit have @bit clear
 * in their hash, the last @with_bit have it set (@bit 0: no condition).
 * Ids sharing the low bits of @mask share a set in a table of @mask + 1
 * sets or fewer.
 */
static void test_ids(const char *tag, uint32_t mask, uint32_t want,
		     uint32_t bit, size_t with_bit, size_t n, char ids[][32])
{
	size_t clear = 0, set = 0;
	uint32_t i, hash;
	char id[32];

	for (i = 0; clear + set < n && i < 1u << 26; i++) {
		snprintf(id, sizeof(id), "%s-%u", tag, i);
		hash = num_fnv1a(NUM_FNV1A_INIT, id);
		if ((hash & mask) != want)
			continue;
		if (bit && (hash & bit)) {
			if (set == with_bit)
				continue;
			snprintf(ids[n - with_bit + set++], 32, "%s", id);
		} else {
			if (clear == n - with_bit)
				continue;
			snprintf(ids[clear++], 32, "%s", id);
		}
	}
	CU_ASSERT_FATAL(clear + set == n);
}

/* A put then a get: id, pod, state and generation back, the rest zero
 * (even where the caller's buffer held something). */
static void test_put_get(void)
{
	struct node_hints *h = node_hints_new(10);
	struct store_node n, out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	n = test_node("rack1-node07", "pod-west", NODE_BOOTING, 42);
	node_hint_put(h, &n);
	memset(&out, 0x5a, sizeof(out));
	CU_ASSERT_EQUAL(node_hint_get(h, "rack1-node07", 0, &out), 0);
	CU_ASSERT_STRING_EQUAL(out.id, "rack1-node07");
	CU_ASSERT_STRING_EQUAL(out.pod, "pod-west");
	CU_ASSERT_EQUAL(out.state, NODE_BOOTING);
	CU_ASSERT_EQUAL(out.generation, 42);
	CU_ASSERT_STRING_EQUAL(out.mac, "");
	CU_ASSERT_STRING_EQUAL(out.uuid, "");
	CU_ASSERT_STRING_EQUAL(out.serial, "");
	CU_ASSERT_EQUAL(out.updated, 0);
	/* A node without a pod (discovered) comes back without one. */
	n = test_node("mac-525400123456", "", NODE_DISCOVERED, 0);
	node_hint_put(h, &n);
	CU_ASSERT_EQUAL(node_hint_get(h, "mac-525400123456", 0, &out), 0);
	CU_ASSERT_STRING_EQUAL(out.pod, "");
	CU_ASSERT_EQUAL(out.state, NODE_DISCOVERED);
	node_hints_free(h);
}

/* An id never put, a near miss, and the empty id: -ENOENT, out zeroed. */
static void test_unknown(void)
{
	struct node_hints *h = node_hints_new(0);
	struct store_node n, out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	memset(&out, 0x5a, sizeof(out));
	CU_ASSERT_EQUAL(node_hint_get(h, "node1", 0, &out), -ENOENT);
	CU_ASSERT_STRING_EQUAL(out.id, "");
	CU_ASSERT_EQUAL(out.generation, 0);
	test_put(h, "node1", 3);
	CU_ASSERT_EQUAL(node_hint_get(h, "node2", 0, &out), -ENOENT);
	CU_ASSERT_EQUAL(node_hint_get(h, "node", 0, &out), -ENOENT);
	CU_ASSERT_EQUAL(node_hint_get(h, "node10", 0, &out), -ENOENT);
	CU_ASSERT_EQUAL(node_hint_get(h, "", 0, &out), -ENOENT);
	/* A node with no id is not remembered under "". */
	n = test_node("", "p1", NODE_ARMED, 1);
	node_hint_put(h, &n);
	CU_ASSERT_EQUAL(node_hint_get(h, "", 0, &out), -ENOENT);
	CU_ASSERT_EQUAL(node_hint_get(h, "node1", 0, &out), 0);
	node_hints_free(h);
}

/* Without a table: a put does nothing, a get is -ENOENT; freeing NULL. */
static void test_no_table(void)
{
	struct store_node n = test_node("node1", "p1", NODE_ARMED, 1), out;

	node_hint_put(NULL, &n);
	memset(&out, 0x5a, sizeof(out));
	CU_ASSERT_EQUAL(node_hint_get(NULL, "node1", 0, &out), -ENOENT);
	CU_ASSERT_STRING_EQUAL(out.id, "");
	CU_ASSERT_STRING_EQUAL(out.pod, "");
	node_hints_free(NULL);
}

/* A second put of an id takes its slot: newest values, and no second
 * slot (a full set then loses the oldest other id, not the first copy). */
static void test_replace(void)
{
	struct node_hints *h = node_hints_new(0);
	struct store_node n, out;
	char ids[5][32];
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	test_ids("same", TEST_SETS_MIN - 1, 9, 0, 0, 5, ids);
	n = test_node(ids[0], "p1", NODE_ARMED, 1);
	node_hint_put(h, &n);
	for (i = 1; i < 4; i++)
		test_put(h, ids[i], 1);
	n = test_node(ids[0], "p2", NODE_INSTALLED, 2);
	node_hint_put(h, &n);
	CU_ASSERT_EQUAL(node_hint_get(h, ids[0], 0, &out), 0);
	CU_ASSERT_STRING_EQUAL(out.pod, "p2");
	CU_ASSERT_EQUAL(out.state, NODE_INSTALLED);
	CU_ASSERT_EQUAL(out.generation, 2);
	/* ids[0] was rewritten last but one: ids[1] is now the oldest. */
	test_put(h, ids[4], 1);
	CU_ASSERT(test_has(h, ids[0]));
	CU_ASSERT(!test_has(h, ids[1]));
	CU_ASSERT(test_has(h, ids[2]));
	CU_ASSERT(test_has(h, ids[3]));
	CU_ASSERT(test_has(h, ids[4]));
	node_hints_free(h);
}

/* Ages: 0 takes any age, a bound takes an entry no older than it and
 * refuses one older.  The clock is waited on to pass the bound (the event
 * itself, with a deadline in case it never moves); no sleep decides. */
static void test_age(void)
{
	struct node_hints *h = node_hints_new(0);
	struct timespec pause = { 0, 100000 };
	struct store_node out;
	long long written;
	int tries;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	test_put(h, "aged", 7);
	written = clock_now_ms();
	CU_ASSERT_EQUAL(node_hint_get(h, "aged", 3600000, &out), 0);
	CU_ASSERT_EQUAL(out.generation, 7);
	/* Until the entry is at least 2 ms old (about 20 s at most). */
	for (tries = 0; clock_now_ms() < written + 2 && tries < 200000;
	     tries++)
		nanosleep(&pause, NULL);
	CU_ASSERT_FATAL(clock_now_ms() >= written + 2);
	memset(&out, 0x5a, sizeof(out));
	CU_ASSERT_EQUAL(node_hint_get(h, "aged", 1, &out), -ENOENT);
	CU_ASSERT_STRING_EQUAL(out.id, "");
	/* Too old for 1 ms, not gone: any age, or an hour, still take it. */
	CU_ASSERT_EQUAL(node_hint_get(h, "aged", 0, &out), 0);
	CU_ASSERT_EQUAL(out.generation, 7);
	CU_ASSERT_EQUAL(node_hint_get(h, "aged", 3600000, &out), 0);
	/* A new put makes it young again. */
	test_put(h, "aged", 8);
	CU_ASSERT_EQUAL(node_hint_get(h, "aged", 3600000, &out), 0);
	CU_ASSERT_EQUAL(out.generation, 8);
	node_hints_free(h);
}

/* A set of the smallest table past its 4 ways: each new id loses the
 * entry written longest ago, the others stay, other sets are untouched.
 * The puts come faster than the millisecond clock: order is by writes. */
static void test_eviction(void)
{
	struct node_hints *h = node_hints_new(0);
	char ids[6][32], other[1][32];
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	test_ids("full", TEST_SETS_MIN - 1, 17, 0, 0, 6, ids);
	test_ids("else", TEST_SETS_MIN - 1, 18, 0, 0, 1, other);
	test_put(h, other[0], 1);
	for (i = 0; i < 4; i++)
		test_put(h, ids[i], 1);
	for (i = 0; i < 4; i++)
		CU_ASSERT(test_has(h, ids[i]));
	test_put(h, ids[4], 1);
	CU_ASSERT(!test_has(h, ids[0]));
	for (i = 1; i < 5; i++)
		CU_ASSERT(test_has(h, ids[i]));
	test_put(h, ids[5], 1);
	CU_ASSERT(!test_has(h, ids[0]));
	CU_ASSERT(!test_has(h, ids[1]));
	for (i = 2; i < 6; i++)
		CU_ASSERT(test_has(h, ids[i]));
	CU_ASSERT(test_has(h, other[0]));
	/* The lost id put again takes the oldest slot in turn. */
	test_put(h, ids[0], 2);
	CU_ASSERT(test_has(h, ids[0]));
	CU_ASSERT(!test_has(h, ids[2]));
	for (i = 3; i < 6; i++)
		CU_ASSERT(test_has(h, ids[i]));
	node_hints_free(h);
}

/* Ids of 64 bytes or more do not fit a store_node's id: not stored (no
 * slot taken), not even cut to 63 bytes; 63 bytes is the longest kept. */
static void test_long_id(void)
{
	struct node_hints *h = node_hints_new(0);
	struct store_node n, out;
	char id64[65], id63[64], ids[4][32];
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	memset(id64, 'x', 64);
	id64[64] = '\0';
	memcpy(id63, id64, 63);
	id63[63] = '\0';
	/* Four ids in the set the 64 bytes hash to, then an id filling its
	 * array (no NUL inside it; the MAC after it empty, so that its bytes
	 * read as a string are exactly those 64): it takes no slot there. */
	test_ids("long", TEST_SETS_MIN - 1,
		 num_fnv1a(NUM_FNV1A_INIT, id64) & (TEST_SETS_MIN - 1), 0, 0,
		 4, ids);
	for (i = 0; i < 4; i++)
		test_put(h, ids[i], 1);
	n = test_node("", "p1", NODE_ARMED, 1);
	memset(n.id, 'x', sizeof(n.id));
	n.mac[0] = '\0';
	node_hint_put(h, &n);
	CU_ASSERT_EQUAL(node_hint_get(h, id64, 0, &out), -ENOENT);
	CU_ASSERT_EQUAL(node_hint_get(h, id63, 0, &out), -ENOENT);
	for (i = 0; i < 4; i++)
		CU_ASSERT(test_has(h, ids[i]));
	/* A get of an id that long finds nothing either. */
	CU_ASSERT_EQUAL(node_hint_get(h, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
				      0, &out), -ENOENT);
	test_put(h, id63, 4);
	CU_ASSERT_EQUAL(node_hint_get(h, id63, 0, &out), 0);
	CU_ASSERT_STRING_EQUAL(out.id, id63);
	CU_ASSERT_EQUAL(out.generation, 4);
	CU_ASSERT_EQUAL(node_hint_get(h, id64, 0, &out), -ENOENT);
	node_hints_free(h);
}

/* Sizing, seen through which ids share a set: 1000 nodes get more than
 * the minimum's 64 sets (8 ids alike in 6 low bits all stay); a huge count,
 * even one whose double does not fit a size_t, gets the largest table:
 * 65,536 sets, not more (5 ids alike in 16 low bits lose one), not fewer
 * (5 ids alike in 15 bits but not the 16th all stay). */
static void test_sizing(void)
{
	static const size_t huge[] = { 1000000, SIZE_MAX / 2 + 1, SIZE_MAX };
	struct node_hints *h;
	char ids[8][32];
	size_t i, k;

	h = node_hints_new(1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	/* Alike in 6 low bits, 4 of them with the 7th set: with 128 sets
	 * or more, two sets of 4; with 64, one set that keeps 4. */
	test_ids("mid", TEST_SETS_MIN - 1, 5, TEST_SETS_MIN, 4, 8, ids);
	for (i = 0; i < 8; i++)
		test_put(h, ids[i], 1);
	for (i = 0; i < 8; i++)
		CU_ASSERT(test_has(h, ids[i]));
	node_hints_free(h);

	for (k = 0; k < sizeof(huge) / sizeof(huge[0]); k++) {
		h = node_hints_new(huge[k]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		test_ids("cap", TEST_SETS_MAX - 1, 77, TEST_SETS_MAX, 2, 5,
			 ids);
		for (i = 0; i < 5; i++)
			test_put(h, ids[i], 1);
		CU_ASSERT(!test_has(h, ids[0]));
		for (i = 1; i < 5; i++)
			CU_ASSERT(test_has(h, ids[i]));
		test_ids("grow", TEST_SETS_MAX / 2 - 1, 78, TEST_SETS_MAX / 2,
			 2, 5, ids);
		for (i = 0; i < 5; i++)
			test_put(h, ids[i], 1);
		for (i = 0; i < 5; i++)
			CU_ASSERT(test_has(h, ids[i]));
		node_hints_free(h);
	}
}

static const CU_TestInfo test_core_nodehint_tests[] = {
	{ "put then get: four fields back, the rest zero", test_put_get },
	{ "an unknown or empty id: -ENOENT", test_unknown },
	{ "no table: put does nothing, get -ENOENT", test_no_table },
	{ "the same id again: one slot, newest values", test_replace },
	{ "max_age_ms: 0 any age, a bound refuses older", test_age },
	{ "a full set loses the entry written longest ago", test_eviction },
	{ "ids of 64 bytes or more are not stored", test_long_id },
	{ "sizing from the node count, capped", test_sizing },
	CU_TEST_INFO_NULL,
};

/* Register the core_nodehint suite. */
static int suite_core_nodehint_register(void)
{
	return unit_add_suite("core_nodehint", NULL, NULL,
			      test_core_nodehint_tests);
}

UNIT_SUITE(suite_core_nodehint_register)
