/*
 * check_impl.h - what the split tester's files share beyond judge.h:
 * check.c drives; baseline.c and families.c run in children; channel.c
 * carries a child's step and failure back; shrink.c reruns candidates;
 * options.c holds the options, results and the oracles' table. No file
 * calls back into check.c: shrinking needs the judges, not the driver.
 */
#ifndef SRH_CHECK_IMPL_H
#define SRH_CHECK_IMPL_H

#include "channel.h"
#include "check.h"
#include "judge.h"
#include "sandbox.h"

void chk_set_current(struct chk_ctx *c, const char *kind, const struct sched *s,
		     long prefix);

struct chk_failure *chk_add_failure(struct chk_result *r,
				    const struct chk_opts *opts,
				    enum chk_oracle o, enum chk_shape shape,
				    enum chk_family_id family);

/* The limits of a child running c's stream, and the oracle of a child
 * that broke one (crash when it died; contract when the adapter subject
 * ended it for a breach of the protocol). */
struct sbx_limits chk_limits(const struct chk_ctx *c);
enum chk_oracle chk_oracle_of(const struct chk_ctx *c,
			      const struct sbx_result *res);
/* A child's end for a report: a hang as the user's --deadline (the run
 * allowed it a little slack); an adapter's part in it said. */
void chk_describe(const struct chk_ctx *c, const struct sbx_result *res,
		  struct strbuf *out);

/* Has the run's --budget passed? */
bool chk_over_budget(const struct chk_opts *o);
/* In the child: its failure as a record (channel.h) for check.c's
 * collect(): the schedule, the expected and actual transcripts (expected
 * NULL: from the baselines) and a detail. */
void chk_report(struct chk_ctx *c, enum chk_oracle oracle,
		const struct sched *s, long prefix,
		const struct tr_transcript *actual, const char *expected,
		const char *detail);
/* In the child: a failure on a stream the family made itself (no
 * transcripts: the detail says what was measured). */
void chk_report_stream(struct chk_ctx *c, enum chk_oracle oracle,
		       const unsigned char *stream, size_t n,
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

/* The families that watch the subject's resources (resources.c). */
void fam_time(struct chk_ctx *c);
void fam_memory(struct chk_ctx *c);
void fam_alloc(struct chk_ctx *c);
void fam_faults(struct chk_ctx *c);

/* Shrink f in place (shrink.c). */
void shrink_failure(struct chk_ctx *c, struct chk_failure *f);

#endif
