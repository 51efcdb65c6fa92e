/*
 * cuts.c - the separator and the CUTS encoding of fuzz.h, apart from the
 * rest so that the AFL++ custom mutator links without a subject.
 */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"

size_t fuzz_sep(const uint8_t *data, size_t size, size_t from)
{
	if (from >= size)
		return size;
	const uint8_t *p =
		memmem(data + from, size - from, FUZZ_SEP, FUZZ_SEP_LEN);
	return p ? (size_t)(p - data) : size;
}

void fuzz_cuts(const uint8_t *code, size_t len, size_t n, bool pauses,
	       struct sched *out)
{
	size_t at = 0, npauses = 0;

	sched_clear(out);
	for (size_t i = 0; i < len; i++) {
		unsigned step = code[i] & FUZZ_CUT_SKIP;
		at += step == FUZZ_CUT_SKIP ? step : step + 1;
		if (at >= n)
			break;
		if (step == FUZZ_CUT_SKIP)
			continue;
		bool pause = pauses && (code[i] & FUZZ_CUT_PAUSE) &&
			     npauses < FUZZ_MAX_PAUSES;
		npauses += pause;
		sched_add(out, (uint32_t)at, pause ? FUZZ_PAUSE_MS : 0,
			  (code[i] & FUZZ_CUT_IDLE) != 0);
	}
}

void fuzz_cuts_encode(const struct sched *s, struct strbuf *out)
{
	size_t at = 0;

	for (size_t i = 0; i < s->ncuts; i++) {
		size_t gap = s->cuts[i].at - at;
		if (s->cuts[i].at <= at)
			continue; /* not increasing: not a schedule */
		while (gap > FUZZ_CUT_SKIP) {
			uint8_t skip = FUZZ_CUT_SKIP;
			sb_add(out, &skip, 1);
			gap -= FUZZ_CUT_SKIP;
		}
		uint8_t b = (uint8_t)(gap - 1);
		if (s->cuts[i].idle)
			b |= FUZZ_CUT_IDLE;
		if (s->cuts[i].delay_ms)
			b |= FUZZ_CUT_PAUSE;
		sb_add(out, &b, 1);
		at = s->cuts[i].at;
	}
}
