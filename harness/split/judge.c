/*
 * judge.c - see judge.h: a stream's framing, one schedule run and its
 * transcript judged against the baselines (split, prompt), and a
 * one-piece transcript against the right answer (model, diff, pipeline).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "alloc.h"
#include "smtp_reply.h"

void chk_frame(struct chk_ctx *c)
{
	struct srp_config cfg = {SRP_LENIENT_ALL, SRP_LINE_CAPACITY, SIZE_MAX,
				 SIZE_MAX};
	struct srp_parser *p = srh_alloc(sizeof *p);
	size_t off = 0, used, cap = 16;

	c->ends = srh_realloc(NULL, cap, sizeof *c->ends);
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
		c->ends =
			srh_grow(c->ends, &cap, c->nends + 1, sizeof *c->ends);
		c->ends[c->nends++] = (uint32_t)off;
	}
	free(p);
}

static uint64_t due(const struct sched *s, size_t n, uint64_t e)
{
	if (e == TR_FED_EOF)
		return e;
	if (s->every) { /* the first cut at e or after */
		uint64_t k = s->every, at = e == 0 ? k : (e + k - 1) / k * k;
		return at < n ? at : n;
	}
	for (size_t i = 0; i < s->ncuts; i++)
		if (s->cuts[i].at >= e)
			return s->cuts[i].at;
	return n;
}

void chk_take_tags(struct chk_ctx *c, const struct tr_transcript *t1)
{
	c->tags_ok = c->shape == CHK_PUSH && tr_equal(&c->t0, t1);
	c->ndue = c->tags_ok ? t1->nev : 0;
	c->due = srh_realloc(c->due, c->ndue + 1, sizeof *c->due);
	for (size_t i = 0; i < c->ndue; i++)
		c->due[i] = t1->ev[i].fed;
}

/* t0 with the tags due under s, for showing what was expected. */
void chk_format_expected(const struct chk_ctx *c, const struct sched *s,
			 bool tags, struct strbuf *out)
{
	struct tr_transcript e = c->t0;
	struct tr_event *ev = NULL;

	if (tags && c->tags_ok) {
		ev = srh_realloc(NULL, c->t0.nev + 1, sizeof *ev);
		memcpy(ev, c->t0.ev, c->t0.nev * sizeof *ev);
		for (size_t i = 0; i < c->t0.nev && i < c->ndue; i++)
			ev[i].fed = due(s, c->n, c->due[i]);
		e.ev = ev;
	}
	tr_format(&e, out, tags && c->tags_ok);
	free(ev);
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
		if (!c->tags_ok || i >= c->ndue)
			continue;
		uint64_t want = due(s, c->n, c->due[i]);
		if (e->fed == want)
			continue;
		/* Which way it was off: early is as wrong as late. */
		if (e->fed == TR_FED_EOF)
			sb_addf(why,
				"event %zu was reported late, only by the "
				"end-of-input call; it was due once %llu bytes "
				"were fed",
				i + 1, (unsigned long long)want);
		else if (want == TR_FED_EOF)
			sb_addf(why,
				"event %zu was reported early, after %llu "
				"bytes "
				"were fed; it was due only with the end of "
				"input",
				i + 1, (unsigned long long)e->fed);
		else
			sb_addf(why,
				"event %zu was reported %s, after %llu bytes "
				"were "
				"fed; it was due once %llu were",
				i + 1, e->fed > want ? "late" : "early",
				(unsigned long long)e->fed,
				(unsigned long long)want);
		return false;
	}
	return true;
}

/* One schedule in the context's shape. */
void chk_run_with(struct chk_ctx *c, const struct run_opts *ro,
		  const unsigned char *in, size_t n, const struct sched *s,
		  struct tr_transcript *t)
{
	tr_clear(t);
	if (c->shape == CHK_PUSH)
		run_push(c->o->subject, ro, in, n, s, t);
	else
		run_fd(c->o->subject, ro, in, n, s, t);
}

void chk_run_one(struct chk_ctx *c, const unsigned char *in, size_t n,
		 const struct sched *s, struct tr_transcript *t)
{
	chk_run_with(c, &c->o->run, in, n, s, t);
}

/* Run s; returns the oracle that fails, or CHK_O_COUNT. */
enum chk_oracle chk_judge(struct chk_ctx *c, const struct sched *s,
			  struct strbuf *why)
{
	chk_run_one(c, c->in, c->n, s, &c->t);
	if (chk_judges(c->o, CHK_O_SPLIT) && !tr_equal(&c->t, &c->t0))
		return CHK_O_SPLIT;
	if (c->shape == CHK_PUSH && chk_judges(c->o, CHK_O_PROMPT) &&
	    tr_equal(&c->t, &c->t0) && !chk_tags_fine(c, &c->t, s, why))
		return CHK_O_PROMPT;
	return CHK_O_COUNT;
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
			same = (g->err == w->err ||
				(reports & SRH_REPORTS_NO_ERROR_KIND)) &&
			       (!(reports & SRH_REPORTS_OFFSETS) ||
				tr_offset(g) == tr_offset(w));
		else
			same = tr_event_match(got, i, want, i,
					      reports & SRH_REPORTS_ESC);
		if (!same) {
			sb_addf(why, "event %zu differs", i + 1);
			return kind;
		}
	}
	return CHK_O_COUNT;
}
