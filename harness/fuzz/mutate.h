/*
 * mutate.h - structure-aware mutation of SMTP reply streams, shared by the
 * libFuzzer custom mutator (fuzz_mutator.c) and the AFL++ one
 * (afl_mutator.c).
 *
 * Byte flips rarely make a new reply; these edits work on what parsers
 * get wrong: lines (duplicate, drop, move, splice in a real one), the
 * code (other codes, a mismatch inside a reply, two or four digits), the
 * separator (' ' and '-' swapped: reply boundaries move), the line ending
 * (LF, CR, none), enhanced status codes, lengths around the 512-octet
 * limit and the 128-line one, odd bytes in the text, truncation, and the
 * cut schedule after FUZZ_SEP (cuts at code digits, between CR and LF,
 * idle steps, pauses). The input's format says which parts there are.
 */
#ifndef SRH_MUTATE_H
#define SRH_MUTATE_H

#include <stddef.h>
#include <stdint.h>

enum smut_format {
	SMUT_STREAM, /* STREAM (parse, diff) */
	SMUT_SPLIT,  /* STREAM [SEP CUTS] (split) */
	SMUT_PAIR,   /* STREAM [SEP STREAM2 [SEP CUTS]] (reentrant) */
};

/* The engine's byte-level mutation, used on the text of one line:
 * mutate data[0, size) in place, at most max bytes; the new size. */
typedef size_t (*smut_bytes_fn)(uint8_t *data, size_t size, size_t max,
				void *arg);

/* Mutate data[0, size) in place, at most max bytes; returns the new size.
 * The same seed gives the same result. */
size_t smut_mutate(enum smut_format f, uint8_t *data, size_t size, size_t max,
		   uint64_t seed, smut_bytes_fn bytes, void *arg);

/* Replies of a and b mixed into out (at most max bytes); the new size. */
size_t smut_crossover(enum smut_format f, const uint8_t *a, size_t na,
		      const uint8_t *b, size_t nb, uint8_t *out, size_t max,
		      uint64_t seed);

/* A plain byte-level mutation (flip, set, insert, erase, copy) for
 * engines that offer none to call; arg is a uint64_t PRNG state. */
size_t smut_havoc(uint8_t *data, size_t size, size_t max, void *arg);

/* SMUT_STREAM, SMUT_SPLIT or SMUT_PAIR from "stream", "split", "pair";
 * the target names parse, diff, split and reentrant work too. -1: none. */
int smut_format_parse(const char *name);

#endif
