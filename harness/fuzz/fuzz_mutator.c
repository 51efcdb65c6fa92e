/*
 * fuzz_mutator.c - libFuzzer's custom mutator and crossover for a target
 * whose input format is SMUT_FORMAT (set when it is compiled): two times
 * in three the structure-aware edits of mutate.h, with libFuzzer's own
 * mutation for the text inside a line; otherwise libFuzzer's own
 * mutation of the whole input, which is also where the dictionary comes in.
 */
#include <stddef.h>
#include <stdint.h>

#include "mutate.h"

/* libFuzzer's runtime is not instrumented, so to MemorySanitizer the bytes
 * it writes (a dictionary word LLVMFuzzerMutate inserts, the inputs it
 * hands to crossover) look uninitialized, and the first branch on them in
 * mutate.c is reported. They are initialized: say so. */
#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define engine_wrote(p, n) __msan_unpoison((p), (n))
#endif
#endif
#ifndef engine_wrote
#define engine_wrote(p, n) ((void)(p), (void)(n))
#endif

#ifndef SMUT_FORMAT
#error "compile with -DSMUT_FORMAT=SMUT_STREAM, SMUT_SPLIT or SMUT_PAIR"
#endif

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t na, const uint8_t *b,
				 size_t nb, uint8_t *out, size_t max,
				 unsigned int seed);

static size_t engine_bytes(uint8_t *data, size_t size, size_t max, void *arg)
{
	(void)arg;
	size_t n = LLVMFuzzerMutate(data, size, max);
	engine_wrote(data, n);
	return n;
}

/* libFuzzer's seeds are 32 bits; spread them over the PRNG's 64. */
static uint64_t widen(unsigned int seed)
{
	return (uint64_t)seed * 0x9e3779b97f4a7c15u + 1;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed)
{
	if (seed % 3 == 0)
		return LLVMFuzzerMutate(data, size, max);
	return smut_mutate(SMUT_FORMAT, data, size, max, widen(seed),
			   engine_bytes, NULL);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t na, const uint8_t *b,
				 size_t nb, uint8_t *out, size_t max,
				 unsigned int seed)
{
	engine_wrote(a, na);
	engine_wrote(b, nb);
	return smut_crossover(SMUT_FORMAT, a, na, b, nb, out, max, widen(seed));
}
