/* rng.h: the cryptographic random generator every key operation uses. */
#ifndef PODBOOT_RNG_H
#define PODBOOT_RNG_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

struct rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	int seeded;
};

/**
 * Seed a generator from the system entropy source.
 *
 * @v rng		generator to set up; rng_free() it whatever the result
 * @v pers		personalisation string
 * @ret rc		0 or -PB_ERNG
 */
int rng_init(struct rng *rng, const char *pers);
/** Release @rng; safe on a never-initialised (zeroed) or freed one. */
void rng_free(struct rng *rng);
/** mbedTLS-style callback: fill @out with @len random bytes. */
int rng_random(void *rng, unsigned char *out, size_t len);

#endif
