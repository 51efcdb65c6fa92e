/*
 * families.c - the schedule families (check.h CHK_FAMILIES): their table,
 * and each family's run, inside a sandboxed child. A family visits its
 * schedules in turn, judging each (judge.c) and writing back only its
 * first failure (channel.c).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check_impl.h"
#include "defaults.h"

/* fd: the line ends the delays family pauses at, at most. */
#define MAX_DELAY_CUTS 8

static const char partner_stream[] = SRH_PARTNER_STREAM;

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

/* Visit one schedule of a family; false (after reporting) on a failure. */
static bool visit(struct chk_ctx *c, const struct sched *s)
{
	struct strbuf why = {0};

	chk_set_current(c, "sched", s, -1);
	c->sh->progress++;
	enum chk_oracle o = chk_judge(c, s, &why);
	if (o != CHK_O_COUNT)
		chk_report(c, o, s, -1, &c->t, NULL, sb_str(&why));
	sb_free(&why);
	return o == CHK_O_COUNT;
}

/* ---- families, run inside a child ----------------------------------------
 */

static int by_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* The offsets in [lo, hi] a CHK_CAP_SPREAD family visits, ascending: all
 * of them up to --every-max bytes of stream; beyond, lo, hi and some
 * SRH_SPREAD_OFFSETS around spots spread evenly over the stream: each
 * spot, and the next line end's bytes (before and after CR and LF, and
 * after the next line's code and separator), where bugs live. */
static size_t offsets(const struct chk_ctx *c, size_t lo, size_t hi,
		      size_t **out)
{
	size_t k = 0;

	if (hi < lo)
		return 0;
	if (c->n <= c->o->every_max) {
		*out = srh_realloc(NULL, hi - lo + 1, sizeof **out);
		for (size_t at = lo; at <= hi; at++)
			(*out)[k++] = at;
		return k;
	}
	size_t spots = SRH_SPREAD_OFFSETS / 6, span = hi - lo;
	*out = srh_realloc(NULL, spots * 6 + 2, sizeof **out);
	(*out)[k++] = lo;
	(*out)[k++] = hi;
	for (size_t i = 0; i < spots; i++) {
		size_t at = lo + (size_t)((unsigned long long)span * i / spots);
		(*out)[k++] = at;
		const unsigned char *lf = memchr(c->in + at, '\n', c->n - at);
		if (!lf)
			continue;
		size_t q = (size_t)(lf - c->in);
		const size_t near[] = {q - 1, q, q + 1, q + 4, q + 5};
		for (size_t j = 0; j < 5; j++)
			if (near[j] >= lo && near[j] <= hi)
				(*out)[k++] = near[j];
	}
	qsort(*out, k, sizeof **out, by_size);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || (*out)[u - 1] != (*out)[i])
			(*out)[u++] = (*out)[i];
	return u;
}

static void single_cuts(struct chk_ctx *c, bool idle)
{
	size_t *at = NULL, m = c->n > 1 ? offsets(c, 1, c->n - 1, &at) : 0;

	for (size_t i = 0; i < m; i++) {
		sched_clear(&c->sched);
		sched_add(&c->sched, (uint32_t)at[i], 0, idle);
		if (!visit(c, &c->sched))
			break;
	}
	free(at);
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

/* Beyond --every-max: k = 1..7, the powers of two, and 511 and 513 (a
 * line limit's edges), as each k feeds the stream in n/k pieces. */
static bool uniform_k(const struct chk_ctx *c, size_t k)
{
	return c->n <= c->o->every_max || k < 8 || (k & (k - 1)) == 0 ||
	       k == 511 || k == 513;
}

static void fam_uniform(struct chk_ctx *c)
{
	for (size_t k = 1; k < c->n; k++) {
		if (!uniform_k(c, k))
			continue;
		sched_every(&c->sched, (uint32_t)k);
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

		if (!copy) /* the subject's failure: it said it clones */
			sbx_child_fail(c->sh, false,
				       "the subject's clone() "
				       "returned NULL");
		if (q < c->n)
			sched_add(&c->sched, (uint32_t)q, 0, false);
		chk_set_current(c, "sched", &c->sched, -1); /* if it dies */
		if (q < c->n)
			c->sched.ncuts--;
		unsigned char *piece = guard_piece(g, c->in + pos, q - pos);
		if (!piece)
			sbx_child_fail(c->sh, true,
				       "a guarded piece: no memory (the "
				       "harness's limit, not the subject's)");
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
				chk_report(c, o, &c->sched, -1, &c->t, NULL,
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
		sbx_child_fail(c->sh, false,
			       "the subject's create() returned "
			       "NULL");
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
		sbx_child_fail(c->sh, true,
			       "no memory for the random "
			       "schedules' cut points");
	size_t npts = sched_interesting(c->in, c->n, pts, c->n * 8 + 16);
	/* An fd run costs a thread, a socket pair and its pauses: fewer. */
	size_t count = fd ? (c->o->random_count + 3) / 4 : c->o->random_count;

	for (size_t i = 0; i < count && !chk_over_budget(c->o); i++) {
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

	/* t0's first k events (replies: k ends before p), as text */
	struct tr_transcript head = c->t0;
	head.nev = k < c->t0.nev ? k : c->t0.nev;
	tr_format(&head, want, false);
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
	       (tr_offset(last) == p || tr_offset(last) == SRH_OFFSET_UNKNOWN);
}

static void fam_prefix(struct chk_ctx *c)
{
	size_t *at = NULL, m = offsets(c, 0, prefix_max(c), &at);

	for (size_t i = 0; i < m; i++) {
		size_t p = at[i];
		struct strbuf want = {0};
		chk_set_current(c, "prefix", NULL, (long)p);
		c->sh->progress++;
		bool ok = prefix_fine(c, p, &want);
		if (!ok)
			chk_report(c, CHK_O_PREFIX, NULL, (long)p, &c->t,
				   sb_str(&want),
				   "the stream was cut after this prefix");
		sb_free(&want);
		if (!ok)
			break;
	}
	free(at);
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
			sched_bytewise(&c->sched);
			sched_bytewise(&sb);
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
			chk_report(
				c, CHK_O_REENTRANT, &c->sched, -1,
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
		chk_report(c, CHK_O_REUSE, NULL, -1, &c->t, NULL,
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
	sched_bytewise(&c->sched);
	uint64_t bytes = run_push_work(s, &c->o->run, c->in, c->n, &c->sched);
	c->sh->progress += 2;
	if (bytes > SRH_WORK_BOUND(one)) {
		struct strbuf why = {0};
		sb_addf(&why,
			"work %llu fed byte by byte against %llu in one "
			"piece, for %zu bytes",
			(unsigned long long)bytes, (unsigned long long)one,
			c->n);
		chk_report(c, CHK_O_WORK, NULL, -1, &c->t0, "", sb_str(&why));
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

void chk_child_family(void *arg, struct sbx_shared *sh)
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
