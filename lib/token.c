/* token.c: bearer tokens: generation, hashing for storage, comparison. */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "digest.h"
#include "error.h"
#include "token.h"

int token_generate(struct rng *rng, char out[TOKEN_SIZE])
{
	unsigned char raw[32];
	int rc = 0;

	if (rng_random(rng, raw, sizeof(raw)) != 0)
		rc = -PB_ERNG;
	else {
		memcpy(out, "pbt_", 4);
		digest_hex(raw, sizeof(raw), out + 4);
	}
	mbedtls_platform_zeroize(raw, sizeof(raw));
	return rc;
}

void token_hash(const char *secret, char out[TOKEN_HASH_SIZE])
{
	uint8_t hash[32];

	digest_sha256(secret, strlen(secret), hash);
	digest_hex(hash, sizeof(hash), out);
}

int token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = (unsigned char)(la != lb);

	/* Always walk the whole of @a so timing depends on its length only. */
	for (i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
	return diff == 0;
}
