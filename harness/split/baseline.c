/*
 * baseline.c - what every schedule is judged against: the stream fed in
 * one piece (t0), byte by byte (t1: when each event is due) and the
 * partner stream (tb), run in a child; and, once per stream, the one-piece
 * transcript against the right answer (the generator's model or the
 * reference parser).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_impl.h"
#include "alloc.h"
#include "defaults.h"
#include "subjects.h"

static const char partner_stream[] = SRH_PARTNER_STREAM;

/* Baselines: one piece, byte by byte, and the partner stream. */
void chk_child_baseline(void *arg, struct sbx_shared *sh)
{
	struct chk_ctx *c = arg;
	struct sched none = {0}, bytes = {0};
	struct strbuf out = {0};
	const unsigned char *b = (const unsigned char *)partner_stream;

	c->sh = sh;
	chk_set_current(c, "sched", &none, -1);
	c->sh->progress++; /* counted as begun: a crash in it counts too */
	chk_run_one(c, c->in, c->n, &none, &c->t0);
	tr_serialize(&c->t0, &out);
	if (c->shape == CHK_PUSH) {
		chk_all_cuts(&bytes, c->n);
		chk_set_current(c, "sched", &bytes, -1);
		c->sh->progress++;
		chk_run_one(c, c->in, c->n, &bytes, &c->t1);
		chk_set_current(c, "partner", NULL, -1);
		chk_run_one(c, b, sizeof partner_stream - 1, &none, &c->tb);
	}
	tr_serialize(&c->t1, &out);
	tr_serialize(&c->tb, &out);
	if (!sbx_put(sh, out.s, out.len)) {
		/* The harness's limit, not the subject's failure. */
		char why[160];
		snprintf(why, sizeof why,
			 "the baseline's transcripts (%zu bytes) do not fit "
			 "the result area (%zu bytes): a limit of the harness",
			 out.len, sh->result_cap);
		sb_free(&out);
		sbx_child_fail(sh, true, why);
	}
	sb_free(&out);
	sched_free(&bytes);
}

/* The right answer for the input, if there is one: the generator's model,
 * or the reference parser with the subject's leniencies. */
static bool answer(const struct chk_opts *o, const struct chk_input *in,
		   struct tr_transcript *want, enum chk_oracle *kind)
{
	unsigned lenient = o->subject->leniency;

	if (in->model) {
		gen_expect(in->model, lenient, want);
		*kind = CHK_O_MODEL;
		return true;
	}
	if (!o->differential || o->subject == &srh_reference_subject)
		return false;
	srh_reference_run(in->bytes, in->len, lenient, &want->rec);
	*kind = CHK_O_DIFF;
	return true;
}

void chk_check_answers(struct chk_ctx *c, const struct chk_input *in,
		       struct chk_result *r)
{
	struct tr_transcript want;
	struct strbuf why = {0};
	enum chk_oracle kind;

	tr_init(&want);
	if (answer(c->o, in, &want, &kind)) {
		enum chk_oracle o = chk_conform(
			&c->t0, &want, c->o->subject->reports, kind, &why);
		if (o != CHK_O_COUNT) {
			struct chk_failure *f = chk_add_failure(
				r, c->o, o, c->shape,
				in->model ? CHK_F_GENERATED : CHK_F_DIFF);
			sb_add(&f->stream, c->in, c->n);
			tr_format(&want, &f->expected, false);
			tr_format(&c->t0, &f->actual, false);
			sb_add(&f->detail, why.s, why.len);
			if (in->model) {
				f->model = srh_zalloc(1, sizeof *f->model);
				gen_copy(f->model, in->model);
			}
		}
	}
	sb_free(&why);
	tr_free(&want);
}
