/*
 * fuzz_parse.c - the input is one reply stream, fed in one piece, then in
 * pieces of 1 to 8 bytes that the input itself chooses. The oracles: the
 * sanitizers, the contract's invariants on what is reported
 * (fuzz_well_formed()), a timeout for hangs, and, when the subject counts
 * its work, a cost that stays linear however finely the stream is cut.
 */
#include "fuzz.h"

FUZZ_TARGET("parse")

/* Pieces of 1..8 bytes, the sizes read from the input's own bytes. */
static void small_pieces(const uint8_t *data, size_t size, struct sched *sc)
{
	sched_clear(sc);
	for (size_t at = 0, k = 0; size > 0;) {
		at += 1 + ((data[k % size] ^ k) & 7u);
		k++;
		if (at >= size)
			break;
		sched_add(sc, (uint32_t)at, 0, false);
	}
}

static void check(const struct fuzz_env *e, const uint8_t *data, size_t size,
		  const struct sched *sc, struct tr_transcript *t)
{
	struct strbuf why = {0};

	fuzz_run(e, data, size, sc, t);
	if (!fuzz_well_formed(t, size, &why))
		fuzz_fail(e, CHK_O_CONTRACT, data, size, sc, NULL, t,
			  sb_str(&why));
	sb_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_env *e = fuzz_env("parse");
	struct tr_transcript t;
	struct sched sc = {0}, bytes = {0}, none = {0};

	if (size > FUZZ_MAX_INPUT)
		return 0;
	tr_init(&t);
	check(e, data, size, NULL, &t);
	small_pieces(data, size, &sc);
	check(e, data, size, &sc, &t);

	if (e->shape == CHK_PUSH && e->subject->work) {
		uint64_t one =
			run_push_work(e->subject, &e->run, data, size, &none);
		fuzz_bytewise(size, &bytes);
		uint64_t fine =
			run_push_work(e->subject, &e->run, data, size, &bytes);
		/* The same bound as smtp-split's work oracle. */
		if (fine > SRH_WORK_BOUND(one)) {
			struct strbuf why = {0};
			sb_addf(&why,
				"work %llu fed byte by byte against %llu in "
				"one piece, for %zu bytes",
				(unsigned long long)fine,
				(unsigned long long)one, size);
			fuzz_fail(e, CHK_O_WORK, data, size, &bytes, NULL, NULL,
				  sb_str(&why));
		}
	}
	sched_free(&sc);
	sched_free(&bytes);
	tr_free(&t);
	return 0;
}
