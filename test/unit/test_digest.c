/* test_digest.c: digests against published test vectors. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "unit.h"

static void hex_of(const struct digest_alg *alg, const char *msg, char *hex)
{
	uint8_t out[DIGEST_MAX_SIZE];
	struct digest d;

	digest_init(&d, alg);
	digest_update(&d, msg, strlen(msg));
	digest_final(&d, out);
	digest_hex(out, digest_size(alg), hex);
}

static void test_vectors(void)
{
	char hex[2 * DIGEST_MAX_SIZE + 1];

	/* FIPS 180 "abc" vectors */
	hex_of(digest_by_name("sha1"), "abc", hex);
	CU_ASSERT_STRING_EQUAL(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	hex_of(digest_by_name("sha256"), "abc", hex);
	CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a3"
				    "96177a9cb410ff61f20015ad");
	hex_of(digest_by_name("sha224"), "abc", hex);
	CU_ASSERT_STRING_EQUAL(hex, "23097d223405d8228642a477bda255b32aadbce4"
				    "bda0b3f7e36c9da7");
	hex_of(digest_by_name("sha384"), "abc", hex);
	CU_ASSERT_EQUAL(strncmp(hex, "cb00753f45a35e8bb5a03d699ac65007", 32), 0);
	hex_of(digest_by_name("sha512"), "abc", hex);
	CU_ASSERT_EQUAL(strncmp(hex, "ddaf35a193617abacc417349ae204131", 32), 0);
}

static void test_lookup(void)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);

	CU_ASSERT_PTR_NOT_NULL_FATAL(alg);
	CU_ASSERT_PTR_EQUAL(digest_by_oid((const unsigned char *)alg->oid,
					  alg->oid_len), alg);
	CU_ASSERT_EQUAL(digest_size(alg), 32);
	CU_ASSERT_PTR_NULL(digest_by_name("md5"));
	CU_ASSERT_PTR_NULL(digest_by_md(MBEDTLS_MD_MD5));
	CU_ASSERT_PTR_NULL(digest_by_oid((const unsigned char *)"\x2a", 1));
}

/* digest_fd computes several digests in one pass, equal to one-shot ones. */
static void test_fd(void)
{
	const struct digest_alg *algs[2] = { digest_by_name("sha256"),
					     digest_by_name("sha1") };
	uint8_t out[2][DIGEST_MAX_SIZE];
	char path[256], hex[129], want[129];
	unsigned long long total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/abc", unit_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(write(fd, "abc", 3), 3);
	CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_SET), 0);
	CU_ASSERT_EQUAL(digest_fd(fd, algs, 2, out, &total), 0);
	close(fd);
	CU_ASSERT_EQUAL(total, 3);
	digest_hex(out[0], 32, hex);
	hex_of(algs[0], "abc", want);
	CU_ASSERT_STRING_EQUAL(hex, want);
	digest_hex(out[1], 20, hex);
	hex_of(algs[1], "abc", want);
	CU_ASSERT_STRING_EQUAL(hex, want);
	CU_ASSERT(digest_fd(-1, algs, 1, out, NULL) < 0);
}

static const CU_TestInfo tests[] = {
	{ "known vectors", test_vectors },
	{ "lookup by type, OID, name", test_lookup },
	{ "one pass over a file", test_fd },
	CU_TEST_INFO_NULL,
};

static int suite_digest_register(void)
{
	return unit_add_suite("digest", NULL, NULL, tests);
}

UNIT_SUITE(suite_digest_register)
