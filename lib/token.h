/* token.h: bearer tokens: generation, hashing for storage, comparison. */
#ifndef PODBOOT_TOKEN_H
#define PODBOOT_TOKEN_H

#include <stddef.h>

#include "rng.h"

/** "pbt_" and 64 hex digits of randomness, plus the NUL. */
#define TOKEN_SIZE (4 + 64 + 1)
/** SHA-256 in hex, plus the NUL. */
#define TOKEN_HASH_SIZE 65

/** Fill @out (TOKEN_SIZE bytes) with a new secret; 0 or -PB_ERNG. */
int token_generate(struct rng *rng, char out[TOKEN_SIZE]);

/** Hex SHA-256 of @secret: the only form configuration ever stores. */
void token_hash(const char *secret, char out[TOKEN_HASH_SIZE]);

/** 1 if the two NUL-terminated strings are equal; time independent of
 *  where they differ. */
int token_equal(const char *a, const char *b);

#endif
