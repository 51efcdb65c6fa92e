/*
 * fuzz_reentrant.c - two instances at once. The input is
 * STREAM [SEP STREAM2 [SEP CUTS]] (without STREAM2, a fixed EHLO
 * dialogue). The two streams are fed alternately to two instances, piece
 * by piece (STREAM cut by CUTS, else byte by byte; STREAM2 byte by byte),
 * and each must give what it gives alone. Then, if the subject can reset,
 * one instance reads half of STREAM2, is reset and reads STREAM: it must
 * give what a new instance gives. Needs the push shape; for an fd-only
 * subject (one reader per call, no instances) only the contract's
 * invariants on the one-piece transcript are checked.
 */
#include "fuzz.h"

FUZZ_TARGET("reentrant")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_env *e = fuzz_env("reentrant");
	const struct srh_subject *s = e->subject;
	struct tr_transcript a0, b0, a, b;
	struct sched sa = {0}, sb = {0};

	if (size > FUZZ_MAX_INPUT)
		return 0;
	size_t na = fuzz_sep(data, size, 0);
	const uint8_t *pb = (const uint8_t *)FUZZ_PARTNER;
	size_t nb = sizeof FUZZ_PARTNER - 1;
	const uint8_t *cuts = NULL;
	size_t ncuts = 0;
	if (na < size) {
		pb = data + na + FUZZ_SEP_LEN;
		size_t end = fuzz_sep(data, size, na + FUZZ_SEP_LEN);
		nb = end - (na + FUZZ_SEP_LEN);
		if (end < size) {
			cuts = data + end + FUZZ_SEP_LEN;
			ncuts = size - end - FUZZ_SEP_LEN;
		}
	}
	tr_init(&a0);
	tr_init(&b0);
	tr_init(&a);
	tr_init(&b);
	fuzz_run(e, data, na, NULL, &a0);
	if (e->shape == CHK_PUSH) {
		fuzz_run(e, pb, nb, NULL, &b0);
		if (cuts)
			fuzz_cuts(cuts, ncuts, na, false, &sa);
		else
			fuzz_bytewise(na, &sa);
		fuzz_bytewise(nb, &sb);
		run_push_interleaved(s, &e->run, data, na, &sa, &a, pb, nb, &sb,
				     &b);
		if (!tr_equal(&a, &a0))
			fuzz_fail(e, CHK_O_REENTRANT, data, na, &sa, &a0, &a,
				  "fed alternately with a second instance "
				  "reading another stream");
		if (!tr_equal(&b, &b0))
			fuzz_fail(e, CHK_O_REENTRANT, pb, nb, &sb, &b0, &b,
				  "the second instance, reading this stream, "
				  "was disturbed by the first");
		if (s->reset) {
			tr_clear(&a);
			run_push_reused(s, &e->run, pb, nb / 2, data, na, &a);
			if (!tr_equal(&a, &a0))
				fuzz_fail(e, CHK_O_REUSE, data, na, NULL, &a0,
					  &a,
					  "fed half of another stream, reset, "
					  "then this one");
		}
	} else {
		struct strbuf why = {0};
		if (!fuzz_well_formed(&a0, na, &why))
			fuzz_fail(e, CHK_O_CONTRACT, data, na, NULL, NULL, &a0,
				  sb_str(&why));
		sb_free(&why);
	}
	sched_free(&sa);
	sched_free(&sb);
	tr_free(&a0);
	tr_free(&b0);
	tr_free(&a);
	tr_free(&b);
	return 0;
}
