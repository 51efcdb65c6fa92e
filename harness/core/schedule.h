/*
 * schedule.h - how a stream of n bytes is delivered: where it is cut into
 * pieces, and what happens at each cut.
 *
 * A schedule is a sorted set of cuts at offsets 1..n-1. At a cut the next
 * piece may be preceded by an idle step (a zero-length feed: "nothing
 * arrived") and, for fd subjects, a delay in milliseconds. No cuts is the
 * one-piece delivery.
 *
 * Text form, used in reports, reproduce commands and case files:
 *   "none"            one piece
 *   "bytes"           every byte its own piece
 *   "every:3"         pieces of 3 bytes (no list of cuts behind these two:
 *                     a long stream's fine schedule costs no memory)
 *   "12,13"           pieces [0,12) [12,13) [13,n)
 *   "12i,30@50"       an idle step before the piece at 12; 50 ms before 30
 */
#ifndef SRH_SCHEDULE_H
#define SRH_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct sched_cut {
	uint32_t at;	   /* offset where a new piece starts */
	uint16_t delay_ms; /* fd subjects: pause before that piece */
	uint8_t idle;	   /* a zero-length feed before that piece */
};

struct sched {
	struct sched_cut *cuts;
	size_t ncuts, cap;
	uint32_t every; /* k > 0: a cut at every multiple of k; cuts[] unused */
};

void sched_free(struct sched *s);
void sched_clear(struct sched *s);
void sched_copy(struct sched *dst, const struct sched *src);
/* Append a cut; callers add them in increasing order (to a schedule that
 * is not "every": sched_expand it first). */
void sched_add(struct sched *s, uint32_t at, uint16_t delay_ms, bool idle);
/* Pieces of k bytes (k > 0); sched_bytewise: of one. */
void sched_every(struct sched *s, uint32_t k);
void sched_bytewise(struct sched *s);
/* Write an "every" schedule of an n-byte stream out as its cuts, for code
 * that edits them; other schedules are left as they are. */
void sched_expand(struct sched *s, size_t n);
/* Pieces of an n-byte stream under s (at least 1), and piece j's bounds
 * [*start, *end) and the cut before it (zero for j == 0). */
size_t sched_pieces(const struct sched *s, size_t n);
struct sched_cut sched_piece(const struct sched *s, size_t n, size_t j,
			     size_t *start, size_t *end);
/* Cuts of an n-byte stream under s. */
size_t sched_ncuts(const struct sched *s, size_t n);
/* Sort by offset and merge duplicates (keeping the largest delay). */
void sched_normalize(struct sched *s);

void sched_format(const struct sched *s, struct strbuf *out);
/* The same into out[0, size), NUL-terminated when size > 0 and cut short
 * when it does not fit; returns the full length, as snprintf does. */
size_t sched_format_buf(const struct sched *s, char *out, size_t size);
/* Parse the text form for a stream of n bytes; false (with a message in
 * err) when malformed or out of range. */
bool sched_parse(struct sched *s, const char *text, size_t n,
		 struct strbuf *err);

/* A small deterministic PRNG (splitmix64); the state is the caller's. */
uint64_t sched_rand(uint64_t *state);
/* Uniform in [0, bound), bound > 0. */
uint64_t sched_rand_below(uint64_t *state, uint64_t bound);

/*
 * Offsets where bugs live, for biased random cuts: after each code digit,
 * after the separator, around every CR and LF, at reply boundaries, and
 * 511, 512 and 513 bytes into each line. Writes at most max, ascending and
 * unique, in 1..n-1; returns how many.
 */
size_t sched_interesting(const unsigned char *in, size_t n, uint32_t *out,
			 size_t max);

/* A random schedule: 1 to max_cuts cuts, half of them at interesting
 * points; an idle step at idle_pct percent of the cuts; a delay drawn from
 * delays[] at delay_pct percent of them. */
void sched_random(struct sched *s, uint64_t *rng, size_t n,
		  const uint32_t *interesting, size_t ninteresting,
		  size_t max_cuts, unsigned idle_pct, const uint16_t *delays,
		  size_t ndelays, unsigned delay_pct);

#endif
