/*
 * resources.c - the families that watch what the subject does besides its
 * reports (hook.h): its CPU time on long inputs (time), its live heap on
 * floods (memory), its answer to a failed allocation (alloc) and to faults
 * of read() (faults). time and memory make their own streams (once a run,
 * check.h CHK_CAP_ONCE) and shrink them here, in the child: a smaller
 * flood or input of the same kind, while it still fails.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "check_impl.h"
#include "defaults.h"
#include "hook.h"

/* ---- streams of a kind and a size -------------------------------------
 */

/* A stream of a kind: head once, then body repeated to n bytes, cut;
 * tail (if it fits) at the end. */
struct kind {
	const char *what;
	const char *head, *body, *tail;
	size_t body_fill; /* body is this many 'x' then "\r\n" (0: as is) */
};

static void make(const struct kind *k, size_t n, struct strbuf *out)
{
	struct strbuf body = {0};
	sb_clear(out);
	sb_adds(&body, k->body);
	for (size_t i = 0; i < k->body_fill; i++)
		sb_adds(&body, "x");
	if (k->body_fill)
		sb_adds(&body, "\r\n");
	size_t tail = k->tail ? strlen(k->tail) : 0;
	sb_adds(out, k->head);
	while (out->len + body.len + tail <= n)
		sb_add(out, body.s, body.len);
	if (tail)
		sb_adds(out, k->tail); /* and no more: the input ends there */
	for (size_t i = 0; !tail && out->len < n; i++) /* a body cut */
		sb_add(out, body.s + i % body.len, 1);
	sb_free(&body);
}

static bool o_shrinks(const struct chk_ctx *c)
{
	return c->o->shrink;
}

/* ---- memory: the live heap on floods ----------------------------------
 */

static const struct kind floods[] = {
	{"an endless line", "250 ", "xxxxxxxxxxxxxxxx", NULL, 0},
	{"an endless multiline reply", "", "250-", NULL, 76},
	{"endless pipelined replies", "", "250 ok\r\n", NULL, 0},
};

/* The flood fed in reads of SRH_FLOOD_PIECE bytes; the peak it took, to
 * the first read past the bound: a subject that amplifies what it reads
 * never takes more than a read's worth past it. */
static size_t flood_peak(struct chk_ctx *c, const struct strbuf *s,
			 size_t bound)
{
	struct sched pieces = {0};
	struct hook_stats st;
	struct run_opts ro = c->o->run;
	const unsigned char *in = (const unsigned char *)s->s;

	ro.stop = hook_past_peak;
	ro.stop_arg = &bound;
	sched_every(&pieces, SRH_FLOOD_PIECE);
	hook_plan(&(struct hook_plan){0});
	chk_run_with(c, &ro, in, s->len, &pieces, &c->t);
	hook_stats(&st);
	tr_clear(&c->t);
	sched_free(&pieces);
	return st.peak;
}

void fam_memory(struct chk_ctx *c)
{
	size_t bound = c->o->heap_limit;
	size_t big = bound * 4 > SRH_FLOOD_MIN ? bound * 4 : SRH_FLOOD_MIN;
	struct strbuf s = {0};

	if (!hook_active() || !bound)
		return;
	for (size_t i = 0; i < sizeof floods / sizeof floods[0]; i++) {
		const struct kind *k = &floods[i];
		chk_set_current(c, k->what, NULL, -1); /* a crash says which */
		c->sh->progress++;
		make(k, big, &s);
		size_t peak = flood_peak(c, &s, bound);
		if (peak <= bound)
			continue;
		/* The shortest flood of the kind past the bound, to a piece. */
		size_t lo = 0, hi = big, runs = 1, hi_peak = peak;
		while (o_shrinks(c) && hi - lo > SRH_FLOOD_PIECE) {
			size_t mid = lo + (hi - lo) / 2;
			mid -= mid % SRH_FLOOD_PIECE;
			if (mid <= lo)
				break;
			make(k, mid, &s);
			size_t p = flood_peak(c, &s, bound);
			runs++;
			c->sh->progress++;
			if (p > bound)
				hi = mid, hi_peak = p;
			else
				lo = mid;
		}
		make(k, hi, &s);
		struct strbuf why = {0};
		sb_addf(&why,
			"peak live heap %zu bytes, past the bound of %zu "
			"(--heap-limit), on %s of %zu bytes fed in reads of "
			"%u (the shortest of that kind past it",
			hi_peak, bound, k->what, hi, SRH_FLOOD_PIECE);
		if (hi < big)
			sb_addf(&why, ", from %zu bytes in %zu runs", big,
				runs);
		if (hi_peak / 2 > hi) /* each byte costs more than a byte */
			sb_addf(&why,
				"); the subject holds %zu times what it has "
				"read",
				hi_peak / hi);
		else
			sb_adds(&why, "); the subject keeps what it has read");
		chk_report_stream(c, CHK_O_MEMORY, (const unsigned char *)s.s,
				  s.len, sb_str(&why));
		sb_free(&why);
		break;
	}
	sb_free(&s);
}

/* ---- time: CPU time's growth on long inputs ---------------------------
 */

static const struct kind long_inputs[] = {
	{"a multiline reply of 512-octet lines", "", "250-", "250 end\r\n",
	 506},
	{"pipelined replies", "", "250 ok\r\n", NULL, 0},
	{"pipelined replies of 512-octet lines", "", "250 ", NULL, 506},
	{"one line past the line limit", "250 ", "xxxxxxxxxxxxxxxx", "\r\n", 0},
};

/* Feedings the time family measures: one piece, small pieces, bytes. */
static const uint32_t time_pieces[] = {0, 7, 1};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The least CPU time of a few runs of s fed in pieces of k (0: one). */
static double cpu_of(struct chk_ctx *c, const struct strbuf *s, uint32_t k)
{
	struct sched sc = {0};
	double best = 1e30;

	if (k)
		sched_every(&sc, k);
	for (int r = 0; r < SRH_TIME_REPEATS; r++) {
		double t0 = cpu_now();
		chk_run_one(c, (const unsigned char *)s->s, s->len, &sc, &c->t);
		double t = cpu_now() - t0;
		if (t < best)
			best = t;
		c->sh->progress++;
		tr_clear(&c->t);
	}
	sched_free(&sc);
	return best;
}

/* Does s at size n, against n / 16, grow past linear with room? The times
 * in *small and *large. */
static bool superlinear(struct chk_ctx *c, const struct kind *k, size_t n,
			uint32_t pieces, double *small, double *large)
{
	struct strbuf s = {0};
	make(k, n / 16, &s);
	*small = cpu_of(c, &s, pieces);
	make(k, n, &s);
	*large = cpu_of(c, &s, pieces);
	sb_free(&s);
	return *large > SRH_TIME_GROWTH * *small + SRH_TIME_FLOOR_S;
}

static const char *feeding(uint32_t k, char *buf, size_t size)
{
	if (k == 0)
		return "in one piece";
	if (k == 1)
		return "byte by byte";
	snprintf(buf, size, "in pieces of %u bytes", k);
	return buf;
}

void fam_time(struct chk_ctx *c)
{
	/* Measured without guard pages: their cost is the harness's. */
	struct chk_opts lo = *c->o;
	lo.run.guard = GUARD_OFF;
	lo.run.arena = NULL;
	const struct chk_opts *saved = c->o;
	c->o = &lo;

	for (size_t i = 0; i < sizeof long_inputs / sizeof long_inputs[0];
	     i++) {
		const struct kind *k = &long_inputs[i];
		for (size_t f = 0; f < sizeof time_pieces / sizeof *time_pieces;
		     f++) {
			uint32_t p = time_pieces[f];
			double a, b;
			size_t n = SRH_TIME_BYTES;
			chk_set_current(c, k->what, NULL, -1);
			/* Twice, as one slow moment must not fail a run. */
			if (!superlinear(c, k, n, p, &a, &b) ||
			    !superlinear(c, k, n, p, &a, &b))
				continue;
			size_t found = n;
			while (o_shrinks(c) && n / 2 >= SRH_TIME_MIN_BYTES) {
				double a2, b2;
				if (!superlinear(c, k, n / 2, p, &a2, &b2))
					break;
				n /= 2, a = a2, b = b2;
			}
			struct strbuf s = {0}, why = {0};
			char buf[40];
			make(k, n, &s);
			sb_addf(&why,
				"CPU time fed %s: %.3f s for %zu bytes of %s, "
				"%.3f s for %zu bytes (x%.1f for x16 the "
				"bytes; "
				"linear would be about x16, the bound is x%d "
				"plus %.2f s)",
				feeding(p, buf, sizeof buf), a, n / 16, k->what,
				b, n, a > 0 ? b / a : 0.0, SRH_TIME_GROWTH,
				SRH_TIME_FLOOR_S);
			if (n < found)
				sb_addf(&why,
					"; the smallest size that fails, "
					"from %zu",
					found);
			chk_report_stream(c, CHK_O_TIME,
					  (const unsigned char *)s.s, s.len,
					  sb_str(&why));
			sb_free(&s);
			sb_free(&why);
			c->o = saved;
			return;
		}
	}
	c->o = saved;
}

/* ---- alloc: the k-th allocation fails ---------------------------------
 */

/* Is t right for a run whose allocation failed: t0, or t0's first events
 * and then an error? */
static bool right_after_failure(const struct tr_transcript *t,
				const struct tr_transcript *t0)
{
	if (tr_equal(t, t0))
		return true;
	for (size_t j = 0; j < t->nev; j++) {
		if (t->ev[j].kind == TR_ERROR)
			return true;
		if (j >= t0->nev || !tr_event_equal(t, j, t0, j))
			return false;
	}
	return false;
}

void fam_alloc(struct chk_ctx *c)
{
	struct chk_opts lo = *c->o;
	struct sched none = {0};
	struct hook_stats st;
	const struct chk_opts *saved = c->o;

	if (!hook_active())
		return;
	hook_plan(&(struct hook_plan){0});
	chk_set_current(c, "alloc", NULL, 0);
	chk_run_one(c, c->in, c->n, &none, &c->t);
	hook_stats(&st);
	c->sh->progress++;
	uint64_t total = st.allocs;
	lo.run.create_may_fail = true;
	c->o = &lo;
	for (uint64_t k = 1; k <= total; k++) {
		/* Beyond SRH_ALLOC_MAX, some spread over the run. */
		if (total > SRH_ALLOC_MAX && k > 8 &&
		    k % (total / SRH_ALLOC_MAX + 1) != 0 && k != total)
			continue;
		chk_set_current(c, "alloc", NULL, (long)k);
		c->sh->progress++;
		hook_plan(&(struct hook_plan){.fail_alloc = k});
		tr_clear(&c->t);
		bool ran = c->shape == CHK_PUSH
				   ? run_push(lo.subject, &lo.run, c->in, c->n,
					      &none, &c->t)
				   : (run_fd(lo.subject, &lo.run, c->in, c->n,
					     &none, &c->t),
				      true);
		hook_stats(&st);
		if (!ran)
			continue; /* create() said so: a fine answer */
		if (st.refused ? right_after_failure(&c->t, &c->t0)
			       : tr_equal(&c->t, &c->t0))
			continue;
		struct strbuf why = {0}, want = {0};
		sb_addf(&why,
			"allocation %llu of the %llu a run makes was made to "
			"fail (NULL, ENOMEM): the subject then reported "
			"something else than an error or the right replies",
			(unsigned long long)k, (unsigned long long)total);
		tr_format(&c->t0, &want, false);
		sb_adds(&want, "(or its first events, then an error)\n");
		chk_report(c, CHK_O_ALLOC, NULL, -1, &c->t, sb_str(&want),
			   sb_str(&why));
		sb_free(&why);
		sb_free(&want);
		break;
	}
	c->o = saved;
}

/* ---- faults: read() that fails, comes short, or ends oddly ------------
 */

/* Under a reset the end of stream is an error: t0's replies, then one. */
static bool right_after_reset(const struct tr_transcript *t,
			      const struct tr_transcript *t0)
{
	size_t j = 0;
	while (j < t0->nev && t0->ev[j].kind == TR_REPLY) {
		if (j >= t->nev || !tr_event_equal(t, j, t0, j))
			return false;
		j++;
	}
	if (j < t0->nev && t0->ev[j].kind == TR_ERROR &&
	    t0->ev[j].err != SRH_ERROR_TRUNCATED)
		return tr_equal(t, t0); /* the stream's own error first */
	return t->nev == j + 1 && t->ev[j].kind == TR_ERROR;
}

void fam_faults(struct chk_ctx *c)
{
	struct chk_opts lo = *c->o;
	struct sched lines = {0}, one = {0};
	const struct chk_opts *saved = c->o;

	if (!hook_active())
		return;
	/* Pieces at the first line ends, so that there are several reads. */
	for (size_t i = 0, m = 0; i + 1 < c->n && m < 16; i++)
		if (c->in[i] == '\n')
			sched_add(&lines, (uint32_t)(i + 1), 0, false), m++;
	c->o = &lo;
	for (int f = HOOK_FAULT_NONE + 1; f < HOOK_FAULT_COUNT; f++) {
		struct hook_stats st;
		lo.run.eof_with_last = f == HOOK_FAULT_EOF_DATA;
		/* The end with the last data: all of it in one piece. */
		const struct sched *sc =
			f == HOOK_FAULT_EOF_DATA ? &one : &lines;
		chk_set_current(c, "faults", sc, f);
		c->sh->progress++;
		hook_plan(&(struct hook_plan){.fault = (enum hook_fault)f,
					      .fault_fd = -1});
		chk_run_one(c, c->in, c->n, sc, &c->t);
		hook_stats(&st);
		hook_plan(&(struct hook_plan){0});
		bool ok = f == HOOK_FAULT_RESET
				  ? right_after_reset(&c->t, &c->t0)
				  : tr_equal(&c->t, &c->t0);
		if (ok)
			continue;
		struct strbuf why = {0}, want = {0};
		sb_addf(&why, "read() fault '%s': %s (%llu reads given it)",
			hook_fault_name((enum hook_fault)f),
			hook_fault_what((enum hook_fault)f),
			(unsigned long long)st.faults);
		if (f == HOOK_FAULT_RESET) {
			struct tr_transcript head = c->t0;
			head.nev = 0;
			while (head.nev < c->t0.nev &&
			       c->t0.ev[head.nev].kind == TR_REPLY)
				head.nev++;
			tr_format(&head, &want, false);
			sb_adds(&want, "error (any kind)\n");
		} else {
			tr_format(&c->t0, &want, false);
		}
		chk_report(c, CHK_O_FAULTS, sc, -1, &c->t, sb_str(&want),
			   sb_str(&why));
		sb_free(&why);
		sb_free(&want);
		break;
	}
	sched_free(&lines);
	c->o = saved;
}
