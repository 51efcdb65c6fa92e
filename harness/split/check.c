/*
 * check.c - see check.h: the driver. The parent's side of each child
 * (baseline.c, families.c), shrinking what they found (shrink.c) and
 * chk_stream.
 *
 * The parent runs no subject code but loading it (dlopen and its
 * srh_subject()). Each step runs in a sandboxed child
 * (sandbox.h) that inherits everything it needs by fork: the stream, the
 * baseline transcripts, the options. A child runs a whole family of
 * schedules, comparing as it goes, and writes back only its first failure;
 * if it dies, the schedule it was running is in the shared "current" text.
 *
 * Baselines: t0, the stream fed in one piece, is what every schedule must
 * reproduce. t1, fed byte by byte, tells when each event is due: an event
 * that byte-wise feeding reported after e bytes must, under any schedule,
 * be reported by the feed of the piece that contains byte e - 1.
 */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "alloc.h"
#include "check_impl.h"
#include "defaults.h"
#include "smtp_reply.h"
#include "subjects.h"

/* The result area: room for the baseline's two transcripts and tags at
 * their largest (tr_fit: some 34 bytes a stream byte, and the partner's
 * at the default limits). Only the pages written cost memory. */
static size_t result_cap(size_t stream_len)
{
	size_t base = (size_t)24 << 20, per = 40;
	return stream_len > (SIZE_MAX - base) / per ? SIZE_MAX
						    : base + per * stream_len;
}

/* ---- the parent ---------------------------------------------------------
 */

/* Before shrinking: what was found. */
static void note_original(struct chk_failure *f)
{
	f->orig_len = f->stream.len;
	f->orig_cuts = sched_ncuts(&f->sched, f->stream.len);
}

/* Turn "sched 12,13" / "prefix 7" back into a failure's case. */
static void parse_current(const char *cur, size_t n, struct chk_failure *f)
{
	struct strbuf err = {0};

	if (strncmp(cur, "sched ", 6) == 0)
		sched_parse(&f->sched, cur + 6, n, &err);
	else if (strncmp(cur, "prefix ", 7) == 0)
		f->prefix = atol(cur + 7);
	else {
		f->whole_run = true;
		if (cur[0]) { /* escaped: the subject may have written it */
			sb_adds(&f->detail, "while running: ");
			sb_add_escaped(&f->detail, cur, strlen(cur));
			sb_adds(&f->detail, "; ");
		}
	}
	sb_free(&err);
}

static bool have(const struct chk_result *r, size_t from, enum chk_oracle o,
		 enum chk_shape shape)
{
	for (size_t i = from; i < r->nfail; i++)
		if (r->fail[i].oracle == o && r->fail[i].shape == shape)
			return true;
	return false;
}

/* A child died or hung: record it with what it was doing. */
static void sandbox_failure(struct chk_ctx *c, const struct sbx_result *res,
			    enum chk_family_id fam, struct chk_result *r,
			    size_t from)
{
	enum chk_oracle o = chk_oracle_of(c, res);
	/* Dying after a refused allocation or a read fault is what those
	 * families look for: their oracle, not a plain crash. */
	if (o == CHK_O_CRASH && fam == CHK_F_ALLOC)
		o = CHK_O_ALLOC;
	if (o == CHK_O_CRASH && fam == CHK_F_FAULTS)
		o = CHK_O_FAULTS;
	if (have(r, from, o, c->shape))
		return;
	struct chk_failure *f = chk_add_failure(r, c->o, o, c->shape, fam);
	/* A family of its own streams died on one of them, not on this. */
	const struct chk_family_row *row = chk_family_row(fam);
	if (!row || row->cap != CHK_CAP_ONCE)
		sb_add(&f->stream, c->in, c->n);
	parse_current(c->sh->current, c->n, f);
	chk_describe(c, res, &f->detail);
	sb_add(&f->log, res->log.s, res->log.len);
}

/* The child's record, if it wrote one; an unreadable one is a crash: the
 * subject ran in that child and may have written over it (false). */
static bool collect(struct chk_ctx *c, enum chk_family_id fam,
		    struct chk_result *r, size_t from)
{
	struct chk_record rec;
	enum chk_record_read got = chk_record_get(c->sh, &rec);

	if (got == CHK_REC_OK && rec.oracle == CHK_O_COUNT)
		got = CHK_REC_NONE;
	if (got == CHK_REC_NONE)
		goto done;
	enum chk_oracle o = got == CHK_REC_OK ? rec.oracle : CHK_O_CRASH;
	if (have(r, from, o, c->shape))
		goto done;
	struct chk_failure *f = chk_add_failure(r, c->o, o, c->shape, fam);
	if (got == CHK_REC_OK && rec.stream.len)
		sb_swap(&f->stream, &rec.stream);
	else
		sb_add(&f->stream, c->in, c->n);
	if (got == CHK_REC_BAD) {
		f->whole_run = true; /* its step text is no better */
		sb_adds(&f->detail, "the child's report was unreadable (its "
				    "memory overwritten)");
		goto done;
	}
	struct strbuf err = {0};
	f->prefix = rec.prefix;
	sched_parse(&f->sched, sb_str(&rec.sched), f->stream.len, &err);
	sb_swap(&f->expected, &rec.expected);
	sb_swap(&f->actual, &rec.actual);
	sb_swap(&f->detail, &rec.detail);
	sb_free(&err);
done:
	chk_record_free(&rec);
	return got != CHK_REC_BAD;
}

static void run_family(struct chk_ctx *c, enum chk_family_id fam,
		       struct chk_result *r, size_t from)
{
	struct sbx_result res;
	struct sbx_limits lim = chk_limits(c);

	c->family = fam;
	sbx_run(c->sh, chk_child_family, c, &lim, &res);
	uint64_t ran = c->sh->progress;
	if (res.outcome == SBX_ERROR)
		sbx_describe(&res, &lim, &r->error);
	else if (res.outcome != SBX_OK)
		sandbox_failure(c, &res, fam, r, from);
	else if (!collect(c, fam, r, from))
		ran = 0; /* the area was written over: the count with it */
	r->stats.schedules += ran;
	sbx_result_free(&res);
}

/* What chk_child_baseline wrote, checked: it ran the subject. */
static bool read_baseline(struct chk_ctx *c)
{
	const char *p, *end;
	uint64_t h[2];
	bool ok = sbx_result_view(c->sh, &p, &end) &&
		  tr_deserialize(&c->t0, &p, end) &&
		  (size_t)(end - p) >= sizeof h;

	if (ok) {
		memcpy(h, p, sizeof h);
		p += sizeof h;
		ok = h[0] <= 1 && h[1] == (h[0] ? c->t0.nev : 0) &&
		     h[1] <= (size_t)(end - p) / sizeof *c->due;
	}
	if (ok) {
		c->tags_ok = h[0] && c->shape == CHK_PUSH;
		c->ndue = h[1];
		c->due = srh_realloc(c->due, c->ndue + 1, sizeof *c->due);
		if (c->ndue)
			memcpy(c->due, p, c->ndue * sizeof *c->due);
		p += c->ndue * sizeof *c->due;
		ok = tr_deserialize(&c->tb, &p, end);
	}
	sbx_result_drop(c->sh);
	return ok;
}

static bool baseline(struct chk_ctx *c, struct chk_result *r, size_t from)
{
	struct sbx_result res;

	tr_init(&c->t0);
	tr_init(&c->tb);
	struct sbx_limits lim = chk_limits(c);
	sbx_run(c->sh, chk_child_baseline, c, &lim, &res);
	if (res.outcome == SBX_ERROR) {
		sbx_describe(&res, &lim, &r->error);
		sbx_result_free(&res);
		return false;
	}
	/* The one-piece run, and the byte-wise one if it got that far. */
	r->stats.schedules += c->sh->progress;
	if (res.outcome != SBX_OK) {
		sandbox_failure(c, &res, CHK_F_BASELINE, r, from);
		sbx_result_free(&res);
		return false;
	}
	sbx_result_free(&res);
	if (!read_baseline(c)) {
		struct chk_failure *f = chk_add_failure(
			r, c->o, CHK_O_CRASH, c->shape, CHK_F_BASELINE);
		sb_add(&f->stream, c->in, c->n);
		sb_adds(&f->detail, "the child's report was unreadable (its "
				    "memory overwritten)");
		return false;
	}

	/* A reply held back until the end of input, fed in one piece. */
	struct strbuf why = {0};
	struct sched none = {0};
	if (c->shape == CHK_PUSH && chk_judges(c->o, CHK_O_PROMPT) &&
	    !chk_tags_fine(c, &c->t0, &none, &why)) {
		struct chk_failure *f = chk_add_failure(
			r, c->o, CHK_O_PROMPT, c->shape, CHK_F_BASELINE);
		sb_add(&f->stream, c->in, c->n);
		tr_format(&c->t0, &f->actual, true);
		sb_add(&f->detail, why.s, why.len);
	}
	sb_free(&why);
	return true;
}

static void free_ctx(struct chk_ctx *c)
{
	tr_free(&c->t0);
	tr_free(&c->tb);
	free(c->due);
	free(c->ends);
}

static void beat_sandbox(void *sh)
{
	sbx_beat(sh);
}

static void fail_sandbox(void *sh, bool harness, const char *what)
{
	sbx_child_fail(sh, harness, what);
}

void chk_stream(const struct chk_opts *o, const struct chk_input *in,
		struct chk_result *r)
{
	size_t cap = result_cap(in->len);
	struct sbx_shared *sh = cap == SIZE_MAX ? NULL : sbx_create(cap);
	if (!sh) {
		sb_addf(&r->error,
			"no memory for the sandbox's result area (%zu MiB): "
			"%s",
			cap >> 20, strerror(errno));
		return;
	}
	struct chk_opts local = *o;
	local.run.beat = beat_sandbox; /* long runs show their progress */
	local.run.beat_arg = sh;
	local.run.fail = fail_sandbox;
	local.run.fail_arg = sh;
	/* The default guard: ASan's shadow where it sees the subject's loads
	 * (both built with ASan), far cheaper than page protections. */
	const struct srh_subject *sj = o->subject;
	if (local.run.guard == GUARD_KEYS && sj && sj->feed) {
		const void *code;
		memcpy(&code, &sj->feed, sizeof code);
		if (guard_shadow_covers(code))
			local.run.guard = GUARD_SHADOW;
	}
	/* Each child gets a copy of it, empty: its runs keep their pages. */
	struct guard arena;
	guard_init(&arena, local.run.guard);
	local.run.arena = &arena;
	struct run_reader reader; /* started in each child that needs it */
	run_reader_init(&reader);
	local.run.reader = &reader;
	if (in->model) { /* many streams: fewer schedules each */
		if (local.random_count > 20)
			local.random_count = 20;
		local.delays[0] = 0; /* pauses: for the delays family */
		local.ndelays = 1;
	}
	o = &local;
	size_t from = r->nfail;
	const unsigned char *bytes = in->bytes;
	size_t n = in->len;
	bool first = true;
	unsigned families =
		in->model ? o->families & o->gen_families : o->families;

	for (int shape = CHK_PUSH; shape <= CHK_FD; shape++) {
		if (!(o->shapes >> shape & 1))
			continue;
		struct chk_ctx c = {0};
		c.o = o;
		c.shape = (enum chk_shape)shape;
		c.in = bytes;
		c.n = n;
		c.sh = sh;
		c.pinned = in->pinned;
		chk_frame(&c);
		bool usable = baseline(&c, r, from);

		/* Answers that do not depend on the shape: checked once. */
		if (usable && first) {
			chk_check_answers(&c, in, r);
			if (in->expected && chk_judges(o, CHK_O_EXPECTED)) {
				struct strbuf got = {0};
				tr_format(&c.t0, &got, false);
				if (strcmp(sb_str(&got), in->expected) != 0) {
					struct chk_failure *f = chk_add_failure(
						r, o, CHK_O_EXPECTED, c.shape,
						CHK_F_EXPECTED);
					sb_add(&f->stream, bytes, n);
					sb_adds(&f->expected, in->expected);
					sb_add(&f->actual, got.s, got.len);
				}
				sb_free(&got);
			}
		}
		if (usable)
			first = false;
		if (usable && in->pinned)
			run_family(&c, CHK_F_PINNED, r, from);
		bool spread = false;
		for (unsigned fam = 0;
		     usable && !r->error.len && fam < CHK_F_COUNT; fam++) {
			const struct chk_family_row *row = chk_family_row(fam);
			if (!(families >> fam & 1) ||
			    !(row->shapes >> shape & 1) || n < row->min_len ||
			    !chk_family_judges(o, (enum chk_family_id)fam))
				continue;
			if (chk_over_budget(o)) {
				r->stats.budget_hit = true;
				break;
			}
			if (row->cap == CHK_CAP_ONCE) {
				if (r->stats.once_done[shape] >> fam & 1)
					continue;
				r->stats.once_done[shape] |= 1u << fam;
			}
			if (row->cap == CHK_CAP_SPREAD && n > o->every_max)
				spread = true;
			if (row->cap == CHK_CAP_PAIRS && n > o->pairs_max) {
				r->stats.capped_pairs++;
				continue;
			}
			if (row->cap == CHK_CAP_EXHAUSTIVE &&
			    n > o->exhaustive_max) {
				r->stats.capped_exhaustive++;
				continue;
			}
			run_family(&c, (enum chk_family_id)fam, r, from);
		}
		r->stats.capped_spread += spread;
		/* Without its adapter every later run fails: the failure
		 * that ended it stands, unshrunk, and the run stops. */
		struct strbuf why = {0};
		if (r->nfail > from && o->subject_gone &&
		    o->subject_gone(o->gone_arg, &why)) {
			sb_addf(&r->error,
				"%s while checking it: nothing more can be "
				"tested (its failures here are not shrunk; "
				"its stderr is above)",
				sb_str(&why));
			sb_free(&why);
			free_ctx(&c);
			break;
		}
		for (size_t i = from; i < r->nfail; i++) {
			struct chk_failure *f = &r->fail[i];
			if (f->shape != c.shape)
				continue;
			note_original(f);
			/* Shrink the first of each kind; the others repeat it.
			 */
			bool seen = false;
			for (size_t j = 0; j < from; j++)
				seen |= r->fail[j].oracle == f->oracle &&
					r->fail[j].shape == f->shape;
			if (o->shrink && !seen)
				shrink_failure(&c, f);
		}
		free_ctx(&c);
	}
	sbx_destroy(sh);
}
