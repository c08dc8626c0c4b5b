/* rng.c: the cryptographic random generator every key operation uses. */
#include <string.h>

#include "error.h"
#include "log.h"
#include "rng.h"

int rng_init(struct rng *rng, const char *pers)
{
	int ret;

	mbedtls_entropy_init(&rng->entropy);
	mbedtls_ctr_drbg_init(&rng->drbg);
	rng->seeded = 1;
	ret = mbedtls_ctr_drbg_seed(&rng->drbg, mbedtls_entropy_func,
				    &rng->entropy, (const unsigned char *)pers,
				    strlen(pers));
	if (ret != 0) {
		log_mbedtls("seeding the random generator", ret);
		return -PB_ERNG;
	}
	return 0;
}

void rng_free(struct rng *rng)
{
	if (!rng->seeded)
		return;
	mbedtls_ctr_drbg_free(&rng->drbg);
	mbedtls_entropy_free(&rng->entropy);
	rng->seeded = 0;
}

int rng_random(void *rng, unsigned char *out, size_t len)
{
	return mbedtls_ctr_drbg_random(&((struct rng *)rng)->drbg, out, len);
}
