/*
 * judge.h - one stream under one schedule, judged: the state it needs
 * (struct chk_ctx: the subject and options, the stream, its baselines) and
 * the pure steps the split tester's families, its shrinking and the fuzz
 * targets share. Nothing here forks, reports or exits: a caller that
 * wants isolation runs these in a sandbox child (sandbox.h).
 *
 *   struct chk_ctx c = {.o = &opts, .shape = CHK_PUSH, .in = s, .n = n};
 *   chk_run_one(&c, s, n, &one_piece, &c.t0);      the baseline
 *   chk_run_one(&c, s, n, &bytewise, &t1);
 *   chk_take_tags(&c, &t1);  (push: t1 byte by byte says when each is due)
 *   enum chk_oracle o = chk_judge(&c, &sched, &why);  CHK_O_COUNT: fine
 */
#ifndef SRH_JUDGE_H
#define SRH_JUDGE_H

#include "check.h"
#include "guard.h"
#include "transcript.h"

struct sbx_shared;

struct chk_ctx {
	const struct chk_opts *o;
	enum chk_shape shape;
	const unsigned char *in;
	size_t n;
	struct tr_transcript t0, tb; /* one piece, partner */
	/* when each of t0's events is due: their tags fed byte by byte, kept
	 * when that run had the same events (tags_ok) */
	uint32_t *due;
	size_t ndue;
	bool tags_ok;
	uint32_t *ends; /* reply ends by lenient framing */
	size_t nends;
	size_t framing_err;    /* offset where framing failed, or n */
	struct sbx_shared *sh; /* the child's result area, or NULL */
	/* scratch for the child */
	struct tr_transcript t, t2;
	struct sched sched;
	enum chk_family_id family;
	const struct sched *pinned;
};

/* Reply ends and the framing error offset of c->in, by lenient framing. */
void chk_frame(struct chk_ctx *c);
/* Run schedule s of stream in[0, n) in the current shape into t. */
void chk_run_one(struct chk_ctx *c, const unsigned char *in, size_t n,
		 const struct sched *s, struct tr_transcript *t);
/* The same with other run options (a stop, say). */
void chk_run_with(struct chk_ctx *c, const struct run_opts *ro,
		  const unsigned char *in, size_t n, const struct sched *s,
		  struct tr_transcript *t);
/* Run s on c->in and judge it: the failing oracle, or CHK_O_COUNT. */
enum chk_oracle chk_judge(struct chk_ctx *c, const struct sched *s,
			  struct strbuf *why);
/* Push shape: whether each event of t came with the piece that completed
 * it (byte-wise t1 says when it is due); why says which did not. */
bool chk_tags_fine(const struct chk_ctx *c, const struct tr_transcript *t,
		   const struct sched *s, struct strbuf *why);
/* Keep t1's tags as when t0's events are due, if t1 has t0's events. */
void chk_take_tags(struct chk_ctx *c, const struct tr_transcript *t1);
/* What schedule s should give: t0, with the tags it implies. */
void chk_format_expected(const struct chk_ctx *c, const struct sched *s,
			 bool tags, struct strbuf *out);

#endif
