/* test_token.c: token generation, hashing and comparison. */
#include <string.h>

#include "token.h"
#include "unit.h"

static void test_generate(void)
{
	char a[TOKEN_SIZE], b[TOKEN_SIZE];
	struct rng rng = { .seeded = 0 };

	CU_ASSERT_EQUAL_FATAL(rng_init(&rng, "unit"), 0);
	CU_ASSERT_EQUAL(token_generate(&rng, a), 0);
	CU_ASSERT_EQUAL(token_generate(&rng, b), 0);
	rng_free(&rng);
	rng_free(&rng);	/* freeing twice is safe */
	CU_ASSERT_EQUAL(strlen(a), TOKEN_SIZE - 1);
	CU_ASSERT_EQUAL(strncmp(a, "pbt_", 4), 0);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
}

static void test_hash_compare(void)
{
	char hash[TOKEN_HASH_SIZE];

	token_hash("abc", hash);
	CU_ASSERT_STRING_EQUAL(hash, "ba7816bf8f01cfea414140de5dae2223b00361a3"
				     "96177a9cb410ff61f20015ad");
	CU_ASSERT_TRUE(token_equal("secret", "secret"));
	CU_ASSERT_FALSE(token_equal("secret", "secreT"));
	CU_ASSERT_FALSE(token_equal("secret", "secret2"));
	CU_ASSERT_FALSE(token_equal("secret2", "secret"));
	CU_ASSERT_FALSE(token_equal("", "x"));
	CU_ASSERT_FALSE(token_equal("x", ""));
	CU_ASSERT_TRUE(token_equal("", ""));
}

static const CU_TestInfo tests[] = {
	{ "generate", test_generate },
	{ "hash and constant-time compare", test_hash_compare },
	CU_TEST_INFO_NULL,
};

static int suite_token_register(void)
{
	return unit_add_suite("token", NULL, NULL, tests);
}

UNIT_SUITE(suite_token_register)
