/*
 * fuzz_split.c - split invariance inside the fuzzer's loop. The input is
 * STREAM [SEP CUTS]: the stream is fed in one piece, byte by byte, and
 * under the schedule CUTS encodes (without CUTS: one the stream's bytes
 * choose); every way must give the one-piece transcript, and, for push
 * subjects, give each reply as soon as the piece that completes it.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "judge.h"

FUZZ_TARGET("split")

/* Byte-wise delivery to a reader thread costs a round trip a byte. */
#define FD_BYTEWISE_MAX 1024u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_env *e = fuzz_env("split");
	struct chk_opts o = {0};
	struct chk_ctx c = {0};
	struct tr_transcript t1;
	struct sched none = {0}, bytes = {0}, sc = {0};
	struct strbuf why = {0};

	if (size > FUZZ_MAX_INPUT)
		return 0;
	size_t n = fuzz_sep(data, size, 0);
	o.subject = e->subject;
	o.run = e->run;
	o.run.stop = NULL; /* judged by transcripts alone: every piece fed */
	c.o = &o;
	c.shape = e->shape;
	c.in = data;
	c.n = n;
	tr_init(&c.t0);
	tr_init(&t1);
	tr_init(&c.t);
	fuzz_run(e, data, n, NULL, &c.t0);

	if (e->shape == CHK_PUSH || n <= FD_BYTEWISE_MAX) {
		fuzz_bytewise(n, &bytes);
		fuzz_run(e, data, n, &bytes, &t1);
		if (!tr_equal(&t1, &c.t0))
			fuzz_fail(e, CHK_O_SPLIT, data, n, &bytes, &c.t0, &t1,
				  "fed byte by byte");
	}
	chk_take_tags(&c, &t1);
	if (c.tags_ok && !chk_tags_fine(&c, &c.t0, &none, &why))
		fuzz_fail(e, CHK_O_PROMPT, data, n, NULL, NULL, &c.t0,
			  sb_str(&why));

	if (n < size)
		fuzz_cuts(data + n + FUZZ_SEP_LEN, size - n - FUZZ_SEP_LEN, n,
			  e->shape == CHK_FD, &sc);
	else
		fuzz_derived_sched(data, n, &sc);
	enum chk_oracle bad = chk_judge(&c, &sc, &why);
	if (bad != CHK_O_COUNT)
		fuzz_fail(e, bad, data, n, &sc, &c.t0, &c.t, sb_str(&why));

	sched_free(&bytes);
	sched_free(&sc);
	sb_free(&why);
	tr_free(&c.t0);
	tr_free(&t1);
	free(c.due);
	tr_free(&c.t);
	return 0;
}
