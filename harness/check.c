/*
 * check.c - see check.h.
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
#include <time.h>

#include "check_impl.h"
#include "defaults.h"
#include "smtp_reply.h"
#include "subjects.h"

#define RESULT_CAP     (8u << 20)
#define MAX_DELAY_CUTS 8

static const char partner_stream[] = SRH_PARTNER_STREAM;

static const char *const oracle_names[] = {
#define CHK_ORACLE_NAME(id, name, what) name,
	CHK_ORACLES(CHK_ORACLE_NAME)
#undef CHK_ORACLE_NAME
};

static const char *const oracle_whats[] = {
#define CHK_ORACLE_WHAT(id, name, what) what,
	CHK_ORACLES(CHK_ORACLE_WHAT)
#undef CHK_ORACLE_WHAT
};

const char *chk_oracle_name(enum chk_oracle o)
{
	return o < CHK_O_COUNT ? oracle_names[o] : "?";
}

const char *chk_oracle_what(enum chk_oracle o)
{
	return o < CHK_O_COUNT ? oracle_whats[o] : "?";
}

static const struct chk_family_row family_rows[] = {
#define CHK_FAMILY_ROW(id, name, shapes, min, cap, sched, what) \
	[CHK_F_##id] = {#name, what, shapes, min, cap, sched},
	CHK_FAMILIES(CHK_FAMILY_ROW)
#undef CHK_FAMILY_ROW
};

const struct chk_family_row *chk_family_row(enum chk_family_id f)
{
	return f < CHK_F_COUNT ? &family_rows[f] : NULL;
}

const char *chk_family_name(enum chk_family_id f)
{
	static const char *const others[] = {"pinned", "baseline", "diff",
					     "generated", "expected"};
	if (f < CHK_F_COUNT)
		return family_rows[f].name;
	if (f - CHK_F_COUNT < sizeof others / sizeof others[0])
		return others[f - CHK_F_COUNT];
	return "?";
}

bool chk_families_parse(const char *list, unsigned *bits, struct strbuf *bad)
{
	const char *p = list;

	*bits = 0;
	for (;;) {
		size_t n = strcspn(p, ","), f = 0;
		if (n == 3 && strncmp(p, "all", 3) == 0)
			*bits |= CHK_ALL;
		else if (!(n == 4 && strncmp(p, "none", 4) == 0)) {
			while (f < CHK_F_COUNT &&
			       !(strlen(family_rows[f].name) == n &&
				 strncmp(family_rows[f].name, p, n) == 0))
				f++;
			if (f == CHK_F_COUNT) {
				sb_add(bad, p, n);
				return false;
			}
			*bits |= 1u << f;
		}
		if (!p[n])
			return true;
		p += n + 1;
	}
}

double chk_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void chk_opts_init(struct chk_opts *o, const struct srh_subject *s)
{
	memset(o, 0, sizeof *o);
	o->subject = s;
	o->subject_arg = s ? s->name : "reference";
	o->prog = "smtp-split";
	if (s && s->create)
		o->shapes |= 1u << CHK_PUSH;
	if (s && s->read_fd)
		o->shapes |= 1u << CHK_FD;
	o->families = CHK_ALL;
	o->run.guard = true;
	o->run.drain_wait_ms = 1000;
	o->run.beat = NULL;
	o->pairs_max = 160;
	o->exhaustive_max = 12;
	o->random_count = 200;
	o->random_max_cuts = 8;
	o->seed = 1;
	o->delays[0] = 0;
	o->delays[1] = 1;
	o->delays[2] = 50;
	o->ndelays = 3;
	o->deadline_ms = SRH_DEADLINE_MS;
	o->shrink = true;
	o->shrink_max_runs = SRH_SHRINK_RUNS;
	o->differential = true;
	o->gen_families = CHK_RANDOM;
	o->start_s = chk_now();
}

void chk_result_free(struct chk_result *r)
{
	for (size_t i = 0; i < r->nfail; i++) {
		struct chk_failure *f = &r->fail[i];
		sb_free(&f->stream);
		sched_free(&f->sched);
		sb_free(&f->expected);
		sb_free(&f->actual);
		sb_free(&f->detail);
		sb_free(&f->log);
		if (f->model) {
			gen_free(f->model);
			free(f->model);
		}
	}
	free(r->fail);
	sb_free(&r->error);
	memset(r, 0, sizeof *r);
}

static bool over_budget(const struct chk_opts *o)
{
	return o->budget_s > 0 && chk_now() - o->start_s > o->budget_s;
}

/* Where reply boundaries are, by the reference parser at its most lenient:
 * the ground truth for "replies wholly inside a prefix". */
void chk_frame(struct chk_ctx *c)
{
	struct srp_config cfg = {SRP_LENIENT_BARE_LF | SRP_LENIENT_LONG_LINES |
					 SRP_LENIENT_CODE_MISMATCH |
					 SRP_LENIENT_8BIT,
				 SRP_LINE_CAPACITY, SIZE_MAX, SIZE_MAX};
	struct srp_parser *p = malloc(sizeof *p);
	size_t off = 0, used, cap = 16;

	c->ends = malloc(cap * sizeof *c->ends);
	if (!p || !c->ends)
		abort();
	c->nends = 0;
	c->framing_err = c->n;
	srp_init(p, &cfg);
	while (off < c->n) {
		enum srp_status st =
			srp_feed(p, c->in + off, c->n - off, &used);
		off += used;
		if (st == SRP_ERROR) {
			c->framing_err = (size_t)srp_error(p)->offset;
			break;
		}
		if (st != SRP_REPLY)
			continue;
		if (c->nends == cap) {
			cap *= 2;
			c->ends = realloc(c->ends, cap * sizeof *c->ends);
			if (!c->ends)
				abort();
		}
		c->ends[c->nends++] = (uint32_t)off;
	}
	free(p);
}

void chk_run_one(struct chk_ctx *c, const unsigned char *in, size_t n,
		 const struct sched *s, struct tr_transcript *t)
{
	tr_clear(t);
	if (c->shape == CHK_PUSH)
		run_push(c->o->subject, &c->o->run, in, n, s, t);
	else
		run_fd(c->o->subject, &c->o->run, in, n, s, t);
}

void chk_set_current(struct chk_ctx *c, const char *kind, const struct sched *s,
		     long prefix)
{
	/* Called before every schedule: a stack buffer, no allocation. */
	char cur[SBX_CURRENT_MAX];
	size_t size = sizeof cur;
	size_t n = strlen(kind);

	memcpy(cur, kind, n < size ? n : 0);
	if (s && n + 1 >= size)
		n = size; /* too long: never a step without its schedule */
	else if (s) {
		cur[n++] = ' ';
		n += sched_format_buf(s, cur + n, size - n);
	}
	if (prefix >= 0 && n < size)
		n += (size_t)snprintf(cur + n, size - n, " %ld", prefix);
	sbx_set_current(c->sh, cur, n);
}

/* ---- the child's reports ------------------------------------------------
 */

void chk_put_str(struct sbx_shared *sh, const char *s)
{
	size_t n = strlen(s);
	sbx_put(sh, &n, sizeof n);
	sbx_put(sh, s, n);
}

const char *chk_get_str(const char **p, const char *end, struct strbuf *out)
{
	size_t n;

	if ((size_t)(end - *p) < sizeof n)
		return NULL;
	memcpy(&n, *p, sizeof n);
	*p += sizeof n;
	if ((size_t)(end - *p) < n)
		return NULL;
	sb_add(out, *p, n);
	*p += n;
	return sb_str(out);
}

/* The tag an event is due at under schedule s: the end of the piece that
 * holds byte e - 1. */
static uint64_t due(const struct sched *s, size_t n, uint64_t e)
{
	if (e == TR_FED_EOF)
		return e;
	for (size_t i = 0; i < s->ncuts; i++)
		if (s->cuts[i].at >= e)
			return s->cuts[i].at;
	return n;
}

/* t0 with the tags due under s, for showing what was expected. */
void chk_format_expected(const struct chk_ctx *c, const struct sched *s,
			 bool tags, struct strbuf *out)
{
	struct tr_transcript e = c->t0;
	struct tr_event *ev = NULL;

	if (tags && c->tags_ok) {
		ev = malloc((c->t0.nev + 1) * sizeof *ev);
		if (!ev)
			abort();
		memcpy(ev, c->t0.ev, c->t0.nev * sizeof *ev);
		for (size_t i = 0; i < c->t0.nev; i++)
			ev[i].fed = due(s, c->n, c->t1.ev[i].fed);
		e.ev = ev;
	}
	tr_format(&e, out, tags && c->tags_ok);
	free(ev);
}

static void report(struct chk_ctx *c, enum chk_oracle oracle,
		   const struct sched *s, long prefix,
		   const struct tr_transcript *actual, const char *expected,
		   const char *detail)
{
	struct strbuf a = {0}, sched = {0}, e = {0};
	int o = (int)oracle;
	bool tags = oracle == CHK_O_PROMPT;

	if (s)
		sched_format(s, &sched);
	tr_format(actual, &a, tags);
	if (expected)
		sb_adds(&e, expected);
	else
		chk_format_expected(c, s, tags, &e);
	sbx_put(c->sh, &o, sizeof o);
	sbx_put(c->sh, &prefix, sizeof prefix);
	chk_put_str(c->sh, sb_str(&sched));
	chk_put_str(c->sh, sb_str(&e));
	chk_put_str(c->sh, sb_str(&a));
	chk_put_str(c->sh, detail ? detail : "");
	sb_free(&a);
	sb_free(&sched);
	sb_free(&e);
}

/* ---- judging one schedule -----------------------------------------------
 */

/* Promptness: every event when it was due, and no reply held back until
 * the end-of-input call. */
bool chk_tags_fine(const struct chk_ctx *c, const struct tr_transcript *t,
		   const struct sched *s, struct strbuf *why)
{
	for (size_t i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];
		if (e->kind == TR_REPLY && e->fed == TR_FED_EOF) {
			sb_addf(why,
				"reply %zu (code %03u) was reported only by "
				"the end-of-input call, not by the feed that "
				"completed it",
				i + 1, e->code);
			return false;
		}
		if (!c->tags_ok || i >= c->t1.nev)
			continue;
		uint64_t want = due(s, c->n, c->t1.ev[i].fed);
		if (e->fed != want) {
			sb_addf(why,
				"event %zu was reported after %llu bytes were "
				"fed; it was due once %llu were",
				i + 1, (unsigned long long)e->fed,
				(unsigned long long)want);
			return false;
		}
	}
	return true;
}

/* Run s; returns the oracle that fails, or CHK_O_COUNT. */
enum chk_oracle chk_judge(struct chk_ctx *c, const struct sched *s,
			  struct strbuf *why)
{
	chk_run_one(c, c->in, c->n, s, &c->t);
	if (!tr_equal(&c->t, &c->t0))
		return CHK_O_SPLIT;
	if (c->shape == CHK_PUSH && !chk_tags_fine(c, &c->t, s, why))
		return CHK_O_PROMPT;
	return CHK_O_COUNT;
}

/* Visit one schedule of a family; false (after reporting) on a failure. */
static bool visit(struct chk_ctx *c, const struct sched *s)
{
	struct strbuf why = {0};

	chk_set_current(c, "sched", s, -1);
	c->sh->progress++;
	enum chk_oracle o = chk_judge(c, s, &why);
	if (o != CHK_O_COUNT)
		report(c, o, s, -1, &c->t, NULL, sb_str(&why));
	sb_free(&why);
	return o == CHK_O_COUNT;
}

/* ---- families, run inside a child ----------------------------------------
 */

static void single_cuts(struct chk_ctx *c, bool idle)
{
	for (size_t at = 1; at < c->n; at++) {
		sched_clear(&c->sched);
		sched_add(&c->sched, (uint32_t)at, 0, idle);
		if (!visit(c, &c->sched))
			return;
	}
}

static void fam_single(struct chk_ctx *c)
{
	single_cuts(c, false);
}

static void fam_idle(struct chk_ctx *c)
{
	single_cuts(c, true);
}

static void fam_pairs(struct chk_ctx *c)
{
	for (size_t j = 2; j < c->n; j++)
		for (size_t i = 1; i < j; i++) {
			sched_clear(&c->sched);
			sched_add(&c->sched, (uint32_t)i, 0, false);
			sched_add(&c->sched, (uint32_t)j, 0, false);
			if (!visit(c, &c->sched))
				return;
		}
}

static void fam_uniform(struct chk_ctx *c)
{
	for (size_t k = 1; k < c->n; k++) {
		sched_clear(&c->sched);
		for (size_t at = k; at < c->n; at += k)
			sched_add(&c->sched, (uint32_t)at, 0, false);
		if (!visit(c, &c->sched))
			return;
	}
}

/* All partitions, one schedule at a time. */
static void fam_partitions(struct chk_ctx *c)
{
	uint64_t count = (uint64_t)1 << (c->n - 1);

	for (uint64_t mask = 0; mask < count; mask++) {
		sched_clear(&c->sched);
		for (size_t b = 0; b + 1 < c->n; b++)
			if (mask >> b & 1)
				sched_add(&c->sched, (uint32_t)(b + 1), 0,
					  false);
		if (!visit(c, &c->sched))
			return;
	}
}

/* All partitions sharing prefixes: the state after [0, pos) is cloned for
 * each next cut, so each piece of the tree is fed once. */
static bool partitions_from(struct chk_ctx *c, struct guard *g,
			    const void *self, size_t pos)
{
	const struct srh_subject *s = c->o->subject;

	for (size_t q = pos + 1; q <= c->n; q++) {
		struct tr_mark m = tr_mark(&c->t);
		struct guard_mark gm = guard_mark(g);
		void *copy = s->clone(self, &c->t.rec);
		bool ok = true;

		if (!copy)
			abort();
		if (q < c->n)
			sched_add(&c->sched, (uint32_t)q, 0, false);
		chk_set_current(c, "sched", &c->sched, -1); /* if it dies */
		if (q < c->n)
			c->sched.ncuts--;
		unsigned char *piece = guard_piece(g, c->in + pos, q - pos);
		c->t.fed = q;
		s->feed(copy, piece, q - pos);
		guard_retire(g, piece, q - pos);
		if (q == c->n) {
			struct strbuf why = {0};
			c->t.fed = TR_FED_EOF;
			s->finish(copy);
			chk_set_current(c, "sched", &c->sched, -1);
			c->sh->progress++;
			enum chk_oracle o =
				!tr_equal(&c->t, &c->t0) ? CHK_O_SPLIT
				: !chk_tags_fine(c, &c->t, &c->sched, &why)
					? CHK_O_PROMPT
					: CHK_O_COUNT;
			if (o != CHK_O_COUNT) {
				report(c, o, &c->sched, -1, &c->t, NULL,
				       sb_str(&why));
				ok = false;
			}
			sb_free(&why);
		} else {
			sched_add(&c->sched, (uint32_t)q, 0, false);
			ok = partitions_from(c, g, copy, q);
			c->sched.ncuts--;
		}
		s->destroy(copy); /* and its clones: the pieces can go again */
		guard_rewind(g, gm);
		tr_truncate(&c->t, m);
		if (!ok)
			return false;
	}
	return true;
}

static void fam_exhaustive(struct chk_ctx *c)
{
	const struct srh_subject *s = c->o->subject;

	if (c->shape != CHK_PUSH || !s->clone || c->o->no_clone) {
		fam_partitions(c);
		return;
	}
	tr_clear(&c->t);
	sched_clear(&c->sched);
	void *root = s->create(&c->t.rec);
	struct guard g;
	if (!root)
		abort();
	guard_init(&g, c->o->run.guard);
	partitions_from(c, &g, root, 0);
	s->destroy(root);
	guard_release(&g);
}

static void fam_random(struct chk_ctx *c)
{
	uint32_t *pts = malloc((c->n * 8 + 16) * sizeof *pts);
	uint64_t rng = c->o->seed ^ ((uint64_t)c->n << 32);
	bool fd = c->shape == CHK_FD;

	if (!pts)
		abort();
	size_t npts = sched_interesting(c->in, c->n, pts, c->n * 8 + 16);
	/* An fd run costs a thread, a socket pair and its pauses: fewer. */
	size_t count = fd ? (c->o->random_count + 3) / 4 : c->o->random_count;

	for (size_t i = 0; i < count && !over_budget(c->o); i++) {
		sched_random(&c->sched, &rng, c->n, pts, npts,
			     c->o->random_max_cuts, fd ? 0 : 10,
			     fd ? c->o->delays : NULL, fd ? c->o->ndelays : 0,
			     10);
		if (!visit(c, &c->sched))
			break;
	}
	free(pts);
}

/* fd: a real pause at each of the first few line ends. */
static void fam_delays(struct chk_ctx *c)
{
	size_t done = 0;

	for (size_t i = 0; i + 1 < c->n && done < MAX_DELAY_CUTS; i++) {
		if (c->in[i] != '\n')
			continue;
		done++;
		for (size_t d = 0; d < c->o->ndelays; d++) {
			if (c->o->delays[d] == 0)
				continue;
			sched_clear(&c->sched);
			sched_add(&c->sched, (uint32_t)(i + 1), c->o->delays[d],
				  false);
			if (!visit(c, &c->sched))
				return;
		}
	}
}

/* The longest prefix whose right answer is known: not past where framing
 * failed, nor into a reply the subject rejected or framed differently. */
static size_t prefix_max(const struct chk_ctx *c)
{
	size_t k0 = 0, max = c->framing_err;

	while (k0 < c->t0.nev && c->t0.ev[k0].kind == TR_REPLY)
		k0++;
	bool error = k0 < c->t0.nev && c->t0.ev[k0].kind != TR_END;
	if (error)
		max = k0 == 0 ? 0 : (k0 <= c->nends ? c->ends[k0 - 1] : 0);
	else if (k0 < c->nends)
		max = c->ends[k0] - 1;
	return max < c->framing_err ? max : c->framing_err;
}

/* End of input after p bytes: the replies wholly inside, then the end or
 * a truncation error. */
static bool prefix_fine(struct chk_ctx *c, size_t p, struct strbuf *want)
{
	struct sched none = {0};
	size_t k = 0;

	chk_run_one(c, c->in, p, &none, &c->t);
	while (k < c->nends && c->ends[k] <= p)
		k++;
	bool boundary = p == 0 || (k > 0 && c->ends[k - 1] == p);

	for (size_t i = 0; i < k; i++) {
		size_t l;
		const char *s;
		const struct tr_event *e = &c->t0.ev[i];
		sb_addf(want, "reply %03u esc=%s\n", e->code,
			e->esc[0] ? e->esc : "-");
		for (size_t j = 0; j < e->nlines; j++) {
			s = tr_line(&c->t0, e, j, &l);
			sb_adds(want, "  \"");
			sb_add_escaped(want, s, l);
			sb_adds(want, "\"\n");
		}
	}
	if (boundary)
		sb_adds(want, "end\n");
	else
		sb_addf(want, "error truncated @%zu\n", p);

	if (c->t.nev != k + 1)
		return false;
	for (size_t i = 0; i < k; i++)
		if (!tr_event_equal(&c->t, i, &c->t0, i))
			return false;
	const struct tr_event *last = &c->t.ev[k];
	if (boundary)
		return last->kind == TR_END;
	return last->kind == TR_ERROR && last->err == SRH_ERROR_TRUNCATED &&
	       (last->offset == p || last->offset == SRH_OFFSET_UNKNOWN);
}

static void fam_prefix(struct chk_ctx *c)
{
	size_t max = prefix_max(c);

	for (size_t p = 0; p <= max; p++) {
		struct strbuf want = {0};
		chk_set_current(c, "prefix", NULL, (long)p);
		c->sh->progress++;
		bool ok = prefix_fine(c, p, &want);
		if (!ok)
			report(c, CHK_O_PREFIX, NULL, (long)p, &c->t,
			       sb_str(&want),
			       "the stream was cut after this prefix");
		sb_free(&want);
		if (!ok)
			return;
	}
}

void chk_all_cuts(struct sched *s, size_t n)
{
	sched_clear(s);
	for (size_t at = 1; at < n; at++)
		sched_add(s, (uint32_t)at, 0, false);
}

static void fam_reentrant(struct chk_ctx *c)
{
	const struct srh_subject *s = c->o->subject;
	const unsigned char *b = (const unsigned char *)partner_stream;
	size_t nb = sizeof partner_stream - 1;
	struct sched sb = {0};
	uint64_t rng = c->o->seed;

	/* Byte by byte, then a few random cuttings of both. */
	for (int round = 0; round < 9; round++) {
		if (round == 0) {
			chk_all_cuts(&c->sched, c->n);
			chk_all_cuts(&sb, nb);
		} else {
			sched_random(&c->sched, &rng, c->n, NULL, 0, 6, 0, NULL,
				     0, 0);
			sched_random(&sb, &rng, nb, NULL, 0, 6, 0, NULL, 0, 0);
		}
		chk_set_current(c, "interleave", &c->sched, -1);
		c->sh->progress++;
		tr_clear(&c->t);
		tr_clear(&c->t2);
		run_push_interleaved(s, &c->o->run, c->in, c->n, &c->sched,
				     &c->t, b, nb, &sb, &c->t2);
		if (!tr_equal(&c->t, &c->t0) || !tr_equal(&c->t2, &c->tb)) {
			bool mine = !tr_equal(&c->t, &c->t0);
			struct strbuf e = {0};
			tr_format(mine ? &c->t0 : &c->tb, &e, false);
			report(c, CHK_O_REENTRANT, &c->sched, -1,
			       mine ? &c->t : &c->t2, sb_str(&e),
			       mine ? "fed alternately with a second instance "
				      "reading another stream"
				    : "the second instance, reading another "
				      "stream, was disturbed");
			sb_free(&e);
			sched_free(&sb);
			return;
		}
	}
	sched_free(&sb);

	if (!s->reset)
		return;
	chk_set_current(c, "reuse", NULL, -1);
	c->sh->progress++;
	tr_clear(&c->t);
	run_push_reused(s, &c->o->run, b, nb / 2, c->in, c->n, &c->t);
	if (!tr_equal(&c->t, &c->t0))
		report(c, CHK_O_REUSE, NULL, -1, &c->t, NULL,
		       "fed half of another stream, reset, then this one");
}

static void fam_work(struct chk_ctx *c)
{
	const struct srh_subject *s = c->o->subject;
	struct sched none = {0};

	if (!s->work)
		return;
	chk_set_current(c, "work", NULL, -1);
	uint64_t one = run_push_work(s, &c->o->run, c->in, c->n, &none);
	chk_all_cuts(&c->sched, c->n);
	uint64_t bytes = run_push_work(s, &c->o->run, c->in, c->n, &c->sched);
	c->sh->progress += 2;
	if (bytes > SRH_WORK_BOUND(one)) {
		struct strbuf why = {0};
		sb_addf(&why,
			"work %llu fed byte by byte against %llu in one "
			"piece, for %zu bytes",
			(unsigned long long)bytes, (unsigned long long)one,
			c->n);
		report(c, CHK_O_WORK, NULL, -1, &c->t0, "", sb_str(&why));
		sb_free(&why);
	}
}

/* The families' run functions, by the table's rows. */
typedef void (*fam_fn)(struct chk_ctx *);
static const fam_fn fam_run[CHK_F_COUNT] = {
#define CHK_FAMILY_FN(id, name, shapes, min, cap, sched, what) \
	[CHK_F_##id] = fam_##name,
	CHK_FAMILIES(CHK_FAMILY_FN)
#undef CHK_FAMILY_FN
};

static void child_family(void *arg, struct sbx_shared *sh)
{
	struct chk_ctx *c = arg;

	c->sh = sh;
	tr_init(&c->t);
	tr_init(&c->t2);
	memset(&c->sched, 0, sizeof c->sched);
	if (c->family == CHK_F_PINNED)
		visit(c, c->pinned);
	else
		fam_run[c->family](c);
}

/* Baselines: one piece, byte by byte, and the partner stream. */
static void child_baseline(void *arg, struct sbx_shared *sh)
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
	sbx_put(sh, out.s, out.len);
	sb_free(&out);
	sched_free(&bytes);
}

/* ---- the parent ---------------------------------------------------------
 */

struct chk_failure *chk_add_failure(struct chk_result *r,
				    const struct chk_opts *opts,
				    enum chk_oracle o, enum chk_shape shape,
				    enum chk_family_id family)
{
	if (r->nfail == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->fail = realloc(r->fail, r->cap * sizeof *r->fail);
		if (!r->fail)
			abort();
	}
	struct chk_failure *f = &r->fail[r->nfail++];
	memset(f, 0, sizeof *f);
	f->oracle = o;
	f->shape = shape;
	f->family = family;
	f->prefix = -1;
	f->found_after = r->stats.schedules;
	f->found_s = chk_now() - opts->start_s;
	return f;
}

/* Before shrinking: what was found. */
static void note_original(struct chk_failure *f)
{
	f->orig_len = f->stream.len;
	f->orig_cuts = f->sched.ncuts;
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
		if (cur[0])
			sb_addf(&f->detail, "while running: %s; ", cur);
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
	enum chk_oracle o = res->outcome == SBX_HANG ? CHK_O_HANG : CHK_O_CRASH;
	if (have(r, from, o, c->shape))
		return;
	struct chk_failure *f = chk_add_failure(r, c->o, o, c->shape, fam);
	sb_add(&f->stream, c->in, c->n);
	parse_current(c->sh->current, c->n, f);
	sbx_describe(res, c->o->deadline_ms, &f->detail);
	sb_add(&f->log, res->log.s, res->log.len);
}

static void collect(struct chk_ctx *c, enum chk_family_id fam,
		    struct chk_result *r, size_t from)
{
	const char *p = c->sh->result, *end = p + c->sh->result_len;
	int o;
	long prefix;

	if ((size_t)(end - p) < sizeof o + sizeof prefix)
		return;
	memcpy(&o, p, sizeof o);
	memcpy(&prefix, p + sizeof o, sizeof prefix);
	p += sizeof o + sizeof prefix;
	if (have(r, from, (enum chk_oracle)o, c->shape))
		return;
	struct chk_failure *f =
		chk_add_failure(r, c->o, (enum chk_oracle)o, c->shape, fam);
	struct strbuf sched = {0}, err = {0};
	sb_add(&f->stream, c->in, c->n);
	f->prefix = prefix;
	chk_get_str(&p, end, &sched);
	chk_get_str(&p, end, &f->expected);
	chk_get_str(&p, end, &f->actual);
	chk_get_str(&p, end, &f->detail);
	sched_parse(&f->sched, sb_str(&sched), c->n, &err);
	sb_free(&sched);
	sb_free(&err);
}

static void run_family(struct chk_ctx *c, enum chk_family_id fam,
		       struct chk_result *r, size_t from)
{
	struct sbx_result res;
	unsigned stall = c->o->deadline_ms + 60;

	c->family = fam;
	sbx_run(c->sh, child_family, c, stall, &res);
	r->stats.schedules += c->sh->progress;
	if (res.outcome == SBX_ERROR)
		sbx_describe(&res, stall, &r->error);
	else if (res.outcome != SBX_OK)
		sandbox_failure(c, &res, fam, r, from);
	else
		collect(c, fam, r, from);
	sbx_result_free(&res);
}

static bool baseline(struct chk_ctx *c, struct chk_result *r, size_t from)
{
	struct sbx_result res;

	tr_init(&c->t0);
	tr_init(&c->t1);
	tr_init(&c->tb);
	sbx_run(c->sh, child_baseline, c, c->o->deadline_ms + 60, &res);
	if (res.outcome == SBX_ERROR) {
		sbx_describe(&res, 0, &r->error);
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
	const char *p = c->sh->result, *end = p + c->sh->result_len;
	if (!tr_deserialize(&c->t0, &p, end) ||
	    !tr_deserialize(&c->t1, &p, end) ||
	    !tr_deserialize(&c->tb, &p, end)) {
		struct chk_failure *f = chk_add_failure(
			r, c->o, CHK_O_CRASH, c->shape, CHK_F_BASELINE);
		sb_add(&f->stream, c->in, c->n);
		sb_adds(&f->detail, "the child's report was unreadable (too "
				    "large, or its memory overwritten)");
		return false;
	}
	c->tags_ok = c->shape == CHK_PUSH && tr_equal(&c->t0, &c->t1);

	/* A reply held back until the end of input, fed in one piece. */
	struct strbuf why = {0};
	struct sched none = {0};
	if (c->shape == CHK_PUSH && !chk_tags_fine(c, &c->t0, &none, &why)) {
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
	tr_free(&c->t1);
	tr_free(&c->tb);
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

static void conform(struct chk_ctx *c, const struct chk_input *in,
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
				f->model = calloc(1, sizeof *f->model);
				if (!f->model)
					abort();
				gen_copy(f->model, in->model);
			}
		}
	}
	sb_free(&why);
	tr_free(&want);
}

void chk_stream(const struct chk_opts *o, const struct chk_input *in,
		struct chk_result *r)
{
	struct sbx_shared *sh = sbx_create(RESULT_CAP);
	if (!sh) {
		sb_addf(&r->error, "no memory for the sandbox's %u MiB: %s",
			RESULT_CAP >> 20, strerror(errno));
		return;
	}
	struct chk_opts local = *o;
	local.run.beat = beat_sandbox; /* long runs show their progress */
	local.run.beat_arg = sh;
	local.run.fail = fail_sandbox;
	local.run.fail_arg = sh;
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
			conform(&c, in, r);
			if (in->expected) {
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
		for (unsigned fam = 0;
		     usable && !r->error.len && fam < CHK_F_COUNT; fam++) {
			const struct chk_family_row *row = &family_rows[fam];
			if (!(families >> fam & 1) ||
			    !(row->shapes >> shape & 1) || n < row->min_len)
				continue;
			if (over_budget(o)) {
				r->stats.budget_hit = true;
				break;
			}
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

enum chk_oracle chk_conform(const struct tr_transcript *got,
			    const struct tr_transcript *want, unsigned reports,
			    enum chk_oracle kind, struct strbuf *why)
{
	size_t have = tr_replies(got), need = tr_replies(want);
	const struct tr_event *gl = tr_last(got), *wl = tr_last(want);
	bool got_error = gl && gl->kind == TR_ERROR;
	bool want_error = wl && wl->kind == TR_ERROR;

	if (!got_error && !want_error && have != need) {
		sb_addf(why,
			"%zu repl%s reported where the stream answers %zu "
			"command%s",
			have, have == 1 ? "y" : "ies", need,
			need == 1 ? "" : "s");
		return CHK_O_PIPELINE;
	}
	for (size_t i = 0; i < got->nev || i < want->nev; i++) {
		if (i >= got->nev || i >= want->nev) {
			sb_addf(why, "event %zu is missing on one side", i + 1);
			return kind;
		}
		const struct tr_event *g = &got->ev[i], *w = &want->ev[i];
		bool same;
		if (g->kind == TR_ERROR && w->kind == TR_ERROR)
			same = g->err == w->err &&
			       (!(reports & SRH_REPORTS_OFFSETS) ||
				g->offset == w->offset);
		else if (g->kind == TR_REPLY && w->kind == TR_REPLY &&
			 !(reports & SRH_REPORTS_ESC)) {
			struct tr_event x = *g;
			memcpy(x.esc, w->esc, sizeof x.esc);
			struct tr_transcript gx = *got;
			gx.ev = &x;
			gx.nev = 1;
			same = tr_event_equal(&gx, 0, want, i);
		} else
			same = tr_event_equal(got, i, want, i);
		if (!same) {
			sb_addf(why, "event %zu differs", i + 1);
			return kind;
		}
	}
	return CHK_O_COUNT;
}
