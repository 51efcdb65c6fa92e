/*
 * shrink.c - make a failure minimal: fewest cuts, no idle steps or delays
 * it does not need, cuts as early as they can be, then the fewest lines and
 * bytes of input. A step is kept only if the same oracle still fails (a
 * crash stays a crash, a split failure a split failure); each candidate
 * runs in its own sandboxed child. Ordered as in QuickCheck and theft:
 * big steps first, and every pass again after any success.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "check_impl.h"
#include "alloc.h"
#include "smtp_reply.h"
#include "subjects.h"

struct candidate {
	struct chk_ctx *c; /* options and shape */
	const unsigned char *in;
	size_t n;
	const struct sched *s;
	enum chk_oracle target;
	const struct gen_stream *model; /* generated input, or NULL */
};

static bool answer_based(enum chk_oracle o)
{
	return chk_oracle_judged(o) == CHK_BY_ANSWER;
}

/* In the child: the one-piece transcript against the right answer. */
static void eval_answer(const struct candidate *k, struct chk_ctx *c,
			struct chk_record *rec)
{
	struct tr_transcript want;
	struct sched none = {0};
	unsigned lenient = c->o->subject->leniency;

	tr_init(&want);
	tr_fit(&want, c->n);
	chk_set_current(c, "sched", &none, -1);
	chk_run_one(c, c->in, c->n, &none, &c->t);
	if (k->model && !srh_declares_limits(c->o->subject))
		gen_expect(k->model, lenient, &want);
	else
		srh_reference_run(c->in, c->n, c->o->subject, &want.rec);
	rec->oracle =
		chk_conform(&c->t, &want, c->o->subject->reports,
			    k->target == CHK_O_MODEL ? CHK_O_MODEL : CHK_O_DIFF,
			    &rec->detail);
	tr_format(&want, &rec->expected, false);
	tr_format(&c->t, &rec->actual, false);
	tr_free(&want);
}

struct verdict {
	enum chk_oracle oracle; /* CHK_O_COUNT: passed */
	struct strbuf expected, actual, detail, log;
};

static void verdict_free(struct verdict *v)
{
	sb_free(&v->expected);
	sb_free(&v->actual);
	sb_free(&v->detail);
	sb_free(&v->log);
}

/* In the child: baselines for the candidate input, then its schedule. */
static void child_eval(void *arg, struct sbx_shared *sh)
{
	const struct candidate *k = arg;
	struct chk_ctx c = *k->c;
	struct sched none = {0}, bytes = {0};
	struct chk_record rec;
	struct tr_transcript t1;

	c.in = k->in;
	c.n = k->n;
	c.sh = sh;
	tr_init(&c.t0);
	tr_init(&c.t);
	c.due = NULL; /* the parent's are another stream's */
	c.ndue = 0;
	c.tags_ok = false;
	chk_record_init(&rec);
	if (answer_based(k->target)) {
		eval_answer(k, &c, &rec);
	} else if (chk_oracle_judged(k->target) == CHK_BY_RUN) {
		/* Only the candidate schedule: a crash elsewhere would not
		 * be this failure. */
		chk_set_current(&c, "sched", k->s, -1);
		chk_run_one(&c, c.in, c.n, k->s, &c.t);
		tr_format(&c.t, &rec.actual, false);
	} else {
		chk_set_current(&c, "sched", &none, -1);
		chk_run_one(&c, c.in, c.n, &none, &c.t0);
		if (c.shape == CHK_PUSH) {
			sched_bytewise(&bytes);
			chk_set_current(&c, "sched", &bytes, -1);
			tr_init(&t1);
			chk_run_one(&c, c.in, c.n, &bytes, &t1);
			chk_take_tags(&c, &t1);
			tr_free(&t1);
		}
		chk_set_current(&c, "sched", k->s, -1);
		rec.oracle = chk_judge(&c, k->s, &rec.detail);
		bool tags = chk_oracle_tags(rec.oracle);
		chk_format_expected(&c, k->s, tags, &rec.expected);
		tr_format(&c.t, &rec.actual, tags);
	}
	chk_record_put(sh, &rec);
	chk_record_free(&rec);
}

static void evaluate(struct chk_ctx *c, const unsigned char *in, size_t n,
		     const struct sched *s, enum chk_oracle target,
		     const struct gen_stream *model, struct verdict *v)
{
	struct candidate k = {c, in, n, s, target, model};
	struct sbx_result res;
	struct chk_record rec;

	memset(v, 0, sizeof *v);
	chk_record_init(&rec);
	struct sbx_limits lim = chk_limits(c);
	sbx_run(c->sh, child_eval, &k, &lim, &res);
	if (res.outcome == SBX_OK) {
		/* An unreadable record is not the failure being shrunk
		 * unless that is a crash. */
		enum chk_record_read got = chk_record_get(c->sh, &rec);
		v->oracle = got == CHK_REC_OK	 ? rec.oracle
			    : got == CHK_REC_BAD ? CHK_O_CRASH
						 : CHK_O_COUNT;
		sb_swap(&v->expected, &rec.expected);
		sb_swap(&v->actual, &rec.actual);
		sb_swap(&v->detail, &rec.detail);
	} else if (res.outcome == SBX_ERROR) {
		v->oracle =
			CHK_O_COUNT; /* no verdict: the candidate is kept out */
	} else {
		v->oracle = chk_oracle_of(c, &res);
		chk_describe(c, &res, &v->detail);
		sb_add(&v->log, res.log.s, res.log.len);
	}
	chk_record_free(&rec);
	sbx_result_free(&res);
}

/* Which inputs a candidate may be: as well formed as the original. */
enum form { FORM_ANY, FORM_LENIENT, FORM_STRICT };

static bool parses(const unsigned char *in, size_t n, unsigned flags)
{
	struct srp_config cfg;
	struct srp_parser *p = srh_alloc(sizeof *p);
	size_t off = 0, used;
	bool ok = true;

	srp_config_init(&cfg);
	cfg.flags = flags;
	if (flags & SRP_LENIENT_LONG_LINES)
		cfg.max_line = SRP_LINE_CAPACITY;
	cfg.max_lines = cfg.max_reply = SIZE_MAX;
	srp_init(p, &cfg);
	while (ok && off < n) {
		ok = srp_feed(p, in + off, n - off, &used) != SRP_ERROR;
		off += used;
	}
	ok = ok && srp_finish(p) == SRP_END;
	free(p);
	return ok;
}

static const unsigned all_lenient = SRP_LENIENT_ALL;

static enum form form_of(const unsigned char *in, size_t n)
{
	if (parses(in, n, 0))
		return FORM_STRICT;
	return parses(in, n, all_lenient) ? FORM_LENIENT : FORM_ANY;
}

struct shrinker {
	struct chk_ctx *c;
	struct chk_failure *f;
	enum form form;
	unsigned runs, max_runs;
	const struct gen_stream *model; /* the candidate's description */
};

/* Try a candidate; adopt it when it fails the same way. */
static bool try(struct shrinker *k, const unsigned char *in, size_t n,
		const struct sched *s)
{
	struct verdict v;

	if (k->runs >= k->max_runs)
		return false;
	if (k->form != FORM_ANY &&
	    !parses(in, n, k->form == FORM_STRICT ? 0 : all_lenient))
		return false;
	k->runs++;
	evaluate(k->c, in, n, s, k->f->oracle, k->model, &v);
	bool same = v.oracle == k->f->oracle;
	if (same) {
		struct chk_failure *f = k->f;
		struct strbuf stream = {0};
		sb_add(&stream, in, n); /* in may point into f->stream */
		sb_free(&f->stream);
		f->stream = stream;
		if (s != &f->sched)
			sched_copy(&f->sched, s);
		sb_clear(&f->expected);
		sb_clear(&f->actual);
		sb_clear(&f->detail);
		sb_clear(&f->log);
		sb_add(&f->expected, v.expected.s, v.expected.len);
		sb_add(&f->actual, v.actual.s, v.actual.len);
		sb_add(&f->detail, v.detail.s, v.detail.len);
		sb_add(&f->log, v.log.s, v.log.len);
	}
	verdict_free(&v);
	return same;
}

static const unsigned char *bytes(const struct chk_failure *f)
{
	return (const unsigned char *)sb_str(&f->stream);
}

/* Fewer cuts: each one alone, then drop one at a time. */
static bool fewer_cuts(struct shrinker *k)
{
	struct chk_failure *f = k->f;
	struct sched s = {0};
	bool any = false;

	if (f->sched.ncuts == 0)
		return false;
	sched_clear(&s); /* no cut at all */
	if (try(k, bytes(f), f->stream.len, &s)) {
		sched_free(&s);
		return true;
	}
	for (size_t i = 0; f->sched.ncuts > 1 && i < f->sched.ncuts; i++) {
		sched_clear(&s);
		struct sched_cut cut = f->sched.cuts[i];
		sched_add(&s, cut.at, cut.delay_ms, cut.idle);
		if (try(k, bytes(f), f->stream.len, &s)) {
			any = true;
			break;
		}
	}
	for (size_t i = 0; f->sched.ncuts > 1 && i < f->sched.ncuts;) {
		sched_copy(&s, &f->sched);
		memmove(&s.cuts[i], &s.cuts[i + 1],
			(s.ncuts - i - 1) * sizeof *s.cuts);
		s.ncuts--;
		if (try(k, bytes(f), f->stream.len, &s))
			any = true; /* same i: the next cut moved here */
		else
			i++;
	}
	sched_free(&s);
	return any;
}

/* No idle steps or delays it does not need; smaller delays. */
static bool plainer_cuts(struct shrinker *k)
{
	struct chk_failure *f = k->f;
	struct sched s = {0};
	bool any = false;

	for (size_t i = 0; i < f->sched.ncuts; i++) {
		if (f->sched.cuts[i].idle) {
			sched_copy(&s, &f->sched);
			s.cuts[i].idle = 0;
			any |= try(k, bytes(f), f->stream.len, &s);
		}
		for (size_t d = 0; d < k->c->o->ndelays; d++) {
			uint16_t want = k->c->o->delays[d];
			if (want >= f->sched.cuts[i].delay_ms)
				continue;
			sched_copy(&s, &f->sched);
			s.cuts[i].delay_ms = want;
			if (try(k, bytes(f), f->stream.len, &s)) {
				any = true;
				break;
			}
		}
	}
	sched_free(&s);
	return any;
}

/* Each cut as early as it can be. */
static bool earlier_cuts(struct shrinker *k)
{
	struct chk_failure *f = k->f;
	struct sched s = {0};
	bool any = false;

	for (size_t i = 0; i < f->sched.ncuts; i++) {
		uint32_t lo = i ? f->sched.cuts[i - 1].at + 1 : 1;
		for (uint32_t at = lo; at < f->sched.cuts[i].at; at++) {
			sched_copy(&s, &f->sched);
			s.cuts[i].at = at;
			if (try(k, bytes(f), f->stream.len, &s)) {
				any = true;
				break;
			}
		}
	}
	sched_free(&s);
	return any;
}

/* Remove [a, b) from the input; cuts inside the hole move to its start. */
static bool without(struct shrinker *k, size_t a, size_t b)
{
	struct chk_failure *f = k->f;
	size_t n = f->stream.len, m = n - (b - a);
	unsigned char *in = srh_alloc(m);
	struct sched s = {0};

	memcpy(in, bytes(f), a);
	memcpy(in + a, bytes(f) + b, n - b);
	s.every = f->sched.every; /* still pieces of that size */
	for (size_t i = 0; i < f->sched.ncuts; i++) {
		struct sched_cut c = f->sched.cuts[i];
		size_t at = c.at <= a ? c.at : c.at >= b ? c.at - (b - a) : a;
		if (at > 0 && at < m)
			sched_add(&s, (uint32_t)at, c.delay_ms, c.idle);
	}
	sched_normalize(&s);
	bool ok = try(k, in, m, &s);
	free(in);
	sched_free(&s);
	return ok;
}

/* Whole lines: runs of half of them, then a quarter..., then one at a
 * time, last first. A failure at the end of a long stream sheds its
 * uninvolved lines in some 2 log2(lines) runs, not one run a line. */
static bool fewer_lines(struct shrinker *k)
{
	bool any = false;
	size_t nl = 0, *start = NULL;

	for (size_t chunk = SIZE_MAX; chunk > 1 && k->runs < k->max_runs;) {
		/* Where each line starts: the lines before a removed run keep
		 * theirs, so one pass needs them once. */
		const unsigned char *in = bytes(k->f);
		size_t n = k->f->stream.len;
		nl = 0;
		for (size_t i = 0; i < n; i++)
			nl += in[i] == '\n' || i + 1 == n;
		start = srh_realloc(start, nl + 1, sizeof *start);
		for (size_t i = 0, l = 0; i < n; i++)
			if (i == 0 || in[i - 1] == '\n')
				start[l++] = i;
		start[nl] = n;
		chunk = chunk == SIZE_MAX ? (nl + 1) / 2 : (chunk + 1) / 2;
		if (chunk == 0)
			break;
		for (size_t hi = nl; hi > 0 && k->runs < k->max_runs;) {
			size_t lo = hi > chunk ? hi - chunk : 0;
			any |= without(k, start[lo], start[hi]);
			hi = lo;
		}
	}
	free(start);
	return any;
}

/* The text of each complete line: after "NNN" and its separator, before
 * the line end. Only these bytes are removed one by one, so the reply
 * structure (codes, separators, line ends) stays what it was. */
static size_t text_spans(const unsigned char *in, size_t n, size_t *span,
			 size_t max)
{
	size_t k = 0;

	for (size_t start = 0, i = 0; i < n && k + 2 <= max; i++) {
		if (in[i] != '\n')
			continue;
		size_t end = i > start && in[i - 1] == '\r' ? i - 1 : i;
		if (end > start + 4) {
			span[k++] = start + 4;
			span[k++] = end;
		}
		start = i + 1;
	}
	return k / 2;
}

/* Runs of text bytes, longest first, last line first. */
static bool fewer_bytes(struct shrinker *k)
{
	size_t span[512];
	bool any = false;
	size_t nspans = text_spans(bytes(k->f), k->f->stream.len, span,
				   sizeof span / sizeof span[0]);

	for (size_t s = nspans; s-- > 0;) {
		size_t a = span[2 * s], b = span[2 * s + 1];
		for (size_t size = b - a; size >= 1; size /= 2)
			for (size_t at = a; at + size <= b;) {
				if (k->runs >= k->max_runs)
					return any;
				if (without(k, at, at + size)) {
					any = true;
					b -= size;
				} else {
					at += size;
				}
			}
	}
	return any;
}

/* Generated inputs shrink as descriptions, so the model still knows the
 * answer: drop replies, lines, texts. */
static void simpler_description(struct shrinker *k)
{
	struct chk_failure *f = k->f;
	struct gen_stream cand = {0};
	struct strbuf bytes = {0};
	bool changed = true;

	while (changed && k->runs < k->max_runs) {
		changed = false;
		for (size_t i = 0; gen_simplify(f->model, i, &cand); i++) {
			sb_clear(&bytes);
			gen_serialize(&cand, &bytes);
			k->model = &cand;
			bool ok = try(k, (const unsigned char *)sb_str(&bytes),
				      bytes.len, &f->sched);
			k->model = f->model;
			if (ok) {
				gen_copy(f->model, &cand);
				changed = true;
				break;
			}
			if (k->runs >= k->max_runs)
				break;
		}
	}
	gen_free(&cand);
	sb_free(&bytes);
}

/* Memory the child gathered over a family's schedules may be no one
 * schedule's: then the failure is the family's, rerun whole (false). */
static bool memory_alone(struct shrinker *k)
{
	struct chk_failure *f = k->f;
	struct verdict v;

	evaluate(k->c, bytes(f), f->stream.len, &f->sched, f->oracle, f->model,
		 &v);
	f->shrink_runs = ++k->runs;
	bool alone = v.oracle == CHK_O_MEMORY;
	verdict_free(&v);
	if (!alone) {
		f->whole_run = true;
		sb_adds(&f->detail, "; not by one schedule alone: held over "
				    "the family's schedules");
	}
	return alone;
}

void shrink_failure(struct chk_ctx *c, struct chk_failure *f)
{
	struct shrinker k = {c,	      f, FORM_ANY, 0, c->o->shrink_max_runs,
			     f->model};

	if (answer_based(f->oracle)) {
		if (f->model) {
			/* As a description first, while the model knows the
			 * answer; then byte by byte, the reference answering
			 * (it agrees with the model: tests/test_generator.c).
			 */
			simpler_description(&k);
			gen_free(f->model);
			free(f->model);
			f->model = NULL;
			k.model = NULL;
		} else {
			k.form = form_of(bytes(f), f->stream.len);
		}
		while (k.runs < k.max_runs &&
		       (fewer_lines(&k) || fewer_bytes(&k)))
			;
		f->shrink_runs = k.runs;
		return;
	}
	const struct chk_family_row *row = chk_family_row(f->family);
	bool schedule_based =
		f->prefix < 0 &&
		(chk_oracle_judged(f->oracle) == CHK_BY_RUN ||
		 chk_oracle_judged(f->oracle) == CHK_BY_SCHEDULE) &&
		(!row || row->schedules);

	if (!schedule_based || f->whole_run)
		return;
	if (f->oracle == CHK_O_MEMORY && !memory_alone(&k))
		return;
	/* Each try of these costs the deadline, or a flood. */
	bool costly = f->oracle == CHK_O_HANG || f->oracle == CHK_O_MEMORY;
	if (costly)
		k.max_runs = 8;
	sched_expand(&f->sched, f->stream.len); /* its cuts, to drop */
	k.form = form_of(bytes(f), f->stream.len);

	bool changed = true;
	while (changed && k.runs < k.max_runs) {
		changed = fewer_cuts(&k);
		changed |= plainer_cuts(&k);
		if (costly)
			break;
		changed |= earlier_cuts(&k);
		changed |= fewer_lines(&k);
		if (!changed)
			changed = fewer_bytes(&k);
	}
	f->shrink_runs = k.runs;
	/* The failure as it stands now, for the report. */
	if (k.runs == 0 || f->expected.len == 0) {
		struct verdict v;
		evaluate(c, bytes(f), f->stream.len, &f->sched, f->oracle,
			 f->model, &v);
		if (v.oracle == f->oracle) {
			sb_clear(&f->expected);
			sb_clear(&f->actual);
			sb_add(&f->expected, v.expected.s, v.expected.len);
			sb_add(&f->actual, v.actual.s, v.actual.len);
			if (f->detail.len == 0)
				sb_add(&f->detail, v.detail.s, v.detail.len);
		}
		verdict_free(&v);
	}
}
