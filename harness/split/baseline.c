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
static bool put_result(void *sh, const void *p, size_t n)
{
	return sbx_put(sh, p, n);
}

/* The harness's limit, not the subject's failure. */
_Noreturn static void too_big(struct sbx_shared *sh)
{
	char why[160];
	snprintf(why, sizeof why,
		 "the baseline's transcripts do not fit the result area "
		 "(%zu bytes): a limit of the harness",
		 sh->result_cap);
	sbx_child_fail(sh, true, why);
}

/* Into the result area: t0; whether the byte-wise run had its events and
 * their tags then; tb. t0 is read back in place while the byte-wise run
 * is compared with it, so the child holds one transcript, not two. */
void chk_child_baseline(void *arg, struct sbx_shared *sh)
{
	struct chk_ctx *c = arg;
	struct sched none = {0}, bytes = {0};
	struct tr_transcript t1, view;
	const unsigned char *b = (const unsigned char *)partner_stream;

	c->sh = sh;
	chk_set_current(c, "sched", &none, -1);
	c->sh->progress++; /* counted as begun: a crash in it counts too */
	chk_run_one(c, c->in, c->n, &none, &c->t0);
	if (!tr_serialize(&c->t0, put_result, sh))
		too_big(sh);
	uint64_t h[2] = {0, 0}; /* tags_ok, and how many tags */
	if (c->shape == CHK_PUSH) {
		const char *p = sh->result, *end = p + sh->result_len;
		bool viewed = tr_view(&view, &p, end);
		if (viewed) {
			tr_free(&c->t0);
			c->t0 = view;
		}
		tr_init(&t1);
		sched_bytewise(&bytes);
		chk_set_current(c, "sched", &bytes, -1);
		c->sh->progress++;
		chk_run_one(c, c->in, c->n, &bytes, &t1);
		chk_take_tags(c, &t1);
		tr_free(&t1); /* before the partner's run: its memory back */
		h[0] = c->tags_ok;
		h[1] = c->ndue;
		if (viewed)
			tr_init(&c->t0); /* the area's, not to be freed */
		chk_set_current(c, "partner", NULL, -1);
		chk_run_one(c, b, sizeof partner_stream - 1, &none, &c->tb);
	}
	if (!sbx_put(sh, h, sizeof h) ||
	    (c->ndue && !sbx_put(sh, c->due, c->ndue * sizeof *c->due)) ||
	    !tr_serialize(&c->tb, put_result, sh))
		too_big(sh);
	sched_free(&bytes);
}

/* The right answer for the input, if there is one: the generator's model,
 * or the reference parser with the subject's leniencies. */
static bool answer(const struct chk_opts *o, const struct chk_input *in,
		   struct tr_transcript *want, enum chk_oracle *kind)
{
	unsigned lenient = o->subject->leniency;

	tr_fit(want, in->len);
	if (in->model && !srh_declares_limits(o->subject)) {
		gen_expect(in->model, lenient, want);
		*kind = CHK_O_MODEL;
		return true;
	}
	if (in->model) { /* the reference, with the limits declared */
		srh_reference_run(in->bytes, in->len, o->subject, &want->rec);
		*kind = CHK_O_MODEL;
		return true;
	}
	if (!o->differential || o->subject == &srh_reference_subject)
		return false;
	srh_reference_run(in->bytes, in->len, o->subject, &want->rec);
	*kind = CHK_O_DIFF;
	return true;
}

void chk_check_answers(struct chk_ctx *c, const struct chk_input *in,
		       struct chk_result *r)
{
	struct tr_transcript want;
	struct strbuf why = {0};
	enum chk_oracle kind = CHK_O_COUNT;

	tr_init(&want);
	if (answer(c->o, in, &want, &kind) && tr_overflowed(&want)) {
		/* tr_fit makes room for it: never the subject's failure */
		sb_addf(&r->error,
			"the right answer has more events or text than a "
			"transcript of a %zu-byte stream may hold: a limit of "
			"the harness",
			c->n);
	} else if (kind != CHK_O_COUNT) {
		enum chk_oracle o = chk_conform(
			&c->t0, &want, c->o->subject->reports, kind, &why);
		if (o != CHK_O_COUNT && chk_judges(c->o, o)) {
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
