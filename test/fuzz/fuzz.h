/* fuzz.h: what every libFuzzer harness of test/fuzz shares. */
#ifndef PODBOOT_FUZZ_H
#define PODBOOT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* libFuzzer's entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed invariant: abort, so that libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond) do { if (!(cond)) abort(); } while (0)

#endif
