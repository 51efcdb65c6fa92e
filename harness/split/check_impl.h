/*
 * check_impl.h - what the tester core's files share: the state a child
 * process works with (struct chk_ctx) and the steps that judge one
 * schedule. check.c drives; baseline.c and families.c run in children;
 * judge.c judges; channel.c carries a child's step and failure back;
 * shrink.c reruns candidates.
 */
#ifndef SRH_CHECK_IMPL_H
#define SRH_CHECK_IMPL_H

#include "check.h"
#include "guard.h"
#include "sandbox.h"
#include "transcript.h"

struct chk_ctx {
	const struct chk_opts *o;
	enum chk_shape shape;
	const unsigned char *in;
	size_t n;
	struct tr_transcript t0, t1, tb; /* one piece, byte-wise, partner */
	bool tags_ok;			 /* t1 has t0's events: tags usable */
	uint32_t *ends;			 /* reply ends by lenient framing */
	size_t nends;
	size_t framing_err; /* offset where framing failed, or n */
	struct sbx_shared *sh;
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
/* Run s on c->in and judge it: the failing oracle, or CHK_O_COUNT. */
enum chk_oracle chk_judge(struct chk_ctx *c, const struct sched *s,
			  struct strbuf *why);
bool chk_tags_fine(const struct chk_ctx *c, const struct tr_transcript *t,
		   const struct sched *s, struct strbuf *why);
void chk_format_expected(const struct chk_ctx *c, const struct sched *s,
			 bool tags, struct strbuf *out);
void chk_all_cuts(struct sched *s, size_t n);
void chk_set_current(struct chk_ctx *c, const char *kind, const struct sched *s,
		     long prefix);
/* Length-prefixed strings in the sandbox's result area. */
void chk_put_str(struct sbx_shared *sh, const char *s);
const char *chk_get_str(const char **p, const char *end, struct strbuf *out);

struct chk_failure *chk_add_failure(struct chk_result *r,
				    const struct chk_opts *opts,
				    enum chk_oracle o, enum chk_shape shape,
				    enum chk_family_id family);

/* Has the run's --budget passed? */
bool chk_over_budget(const struct chk_opts *o);
/* In the child: write its failure to the result area (check.c collect()
 * reads it): the oracle, the prefix, the schedule, the expected and
 * actual transcripts (expected NULL: from the baselines) and a detail. */
void chk_report(struct chk_ctx *c, enum chk_oracle oracle,
		const struct sched *s, long prefix,
		const struct tr_transcript *actual, const char *expected,
		const char *detail);
/* Children (sandbox.h sbx_fn), arg a struct chk_ctx: c->family's
 * schedules (families.c); the baselines into the result area
 * (baseline.c). */
void chk_child_family(void *arg, struct sbx_shared *sh);
void chk_child_baseline(void *arg, struct sbx_shared *sh);
/* The one-piece transcript against in's right answer, if it has one:
 * a model, pipeline or diff failure appended to r (baseline.c). */
void chk_check_answers(struct chk_ctx *c, const struct chk_input *in,
		       struct chk_result *r);

/* Shrink f in place (shrink.c). */
void shrink_failure(struct chk_ctx *c, struct chk_failure *f);

#endif
