/*
 * options.c - see check.h: the oracles' table, options and results: what
 * every other file of the split tester reads and nothing it calls back.
 */
#define _GNU_SOURCE
#include "check.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_impl.h"
#include "defaults.h"
#include "subjects.h"

static const struct {
	const char *name, *what;
	enum chk_judged judged;
	bool tags;
} oracle_rows[] = {
#define CHK_ORACLE_ROW(id, name, judged, tags, what) \
	[CHK_O_##id] = {name, what, judged, tags},
	CHK_ORACLES(CHK_ORACLE_ROW)
#undef CHK_ORACLE_ROW
};

const char *chk_oracle_name(enum chk_oracle o)
{
	return o < CHK_O_COUNT ? oracle_rows[o].name : "?";
}

const char *chk_oracle_what(enum chk_oracle o)
{
	return o < CHK_O_COUNT ? oracle_rows[o].what : "?";
}

enum chk_judged chk_oracle_judged(enum chk_oracle o)
{
	return o < CHK_O_COUNT ? oracle_rows[o].judged : CHK_BY_CHECK;
}

bool chk_oracle_tags(enum chk_oracle o)
{
	return o < CHK_O_COUNT && oracle_rows[o].tags;
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
	o->run.guard = GUARD_KEYS;
	o->run.drain_wait_ms = 1000;
	o->run.beat = NULL;
	o->pairs_max = SRH_PAIRS_MAX;
	o->exhaustive_max = 12;
	o->every_max = SRH_EVERY_MAX;
	o->random_count = SRH_RANDOM;
	o->random_max_cuts = 8;
	o->seed = 1;
	o->delays[0] = 0;
	o->delays[1] = 1;
	o->delays[2] = 50;
	o->ndelays = 3;
	o->deadline_ms = SRH_DEADLINE_MS;
	o->memory_limit = (size_t)SRH_MEMORY_LIMIT_MIB << 20;
	/* The subject's own bound, if it declares one (--heap-limit wins). */
	o->oracles = (1u << CHK_O_COUNT) - 1;
	o->heap_limit = s && s->limits.heap_octets
				? s->limits.heap_octets
				: (size_t)SRH_HEAP_LIMIT_KIB << 10;
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

struct sbx_limits chk_limits(const struct chk_ctx *c)
{
	struct sbx_limits l = {c->o->deadline_ms + 60, c->o->memory_limit,
			       SRH_HARNESS_SHARE(c->n)};
	return l;
}

void chk_describe(const struct chk_ctx *c, const struct sbx_result *res,
		  struct strbuf *out)
{
	struct sbx_limits l = chk_limits(c);
	enum chk_oracle o = chk_oracle_of(c, res);

	l.stall_ms = c->o->deadline_ms;
	if (o == CHK_O_CONTRACT) { /* not "exit status 3" */
		sb_adds(out, "the adapter broke the protocol (what, in its "
			     "stderr below): the adapter's bug, not the "
			     "parser's");
		return;
	}
	sbx_describe(res, &l, out);
	if (o == CHK_O_HANG && srh_is_adapter(c->o->subject))
		sb_adds(out, "; smtp-split was waiting for the adapter's "
			     "answer, which never came (its parser hangs, or "
			     "the adapter never writes back)");
}

enum chk_oracle chk_oracle_of(const struct chk_ctx *c,
			      const struct sbx_result *res)
{
	/* Only the adapter subject's own code exits with this status in an
	 * adapter's child: what the adapter wrote broke the protocol. */
	if (srh_is_adapter(c->o->subject) && res->outcome == SBX_CRASH &&
	    !res->signal && res->status == SRH_ADAPTER_BREACH)
		return CHK_O_CONTRACT;
	return res->outcome == SBX_HANG	    ? CHK_O_HANG
	       : res->outcome == SBX_MEMORY ? CHK_O_MEMORY
					    : CHK_O_CRASH;
}

bool chk_over_budget(const struct chk_opts *o)
{
	return o->budget_s > 0 && chk_now() - o->start_s > o->budget_s;
}

struct chk_failure *chk_add_failure(struct chk_result *r,
				    const struct chk_opts *opts,
				    enum chk_oracle o, enum chk_shape shape,
				    enum chk_family_id family)
{
	r->fail = srh_grow(r->fail, &r->cap, r->nfail + 1, sizeof *r->fail);
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

bool chk_judges(const struct chk_opts *o, enum chk_oracle x)
{
	return x == CHK_O_CRASH || x == CHK_O_HANG || (o->oracles >> x & 1);
}

bool chk_family_judges(const struct chk_opts *o, enum chk_family_id f)
{
	switch (f) {
	case CHK_F_PREFIX:
		return chk_judges(o, CHK_O_PREFIX);
	case CHK_F_REENTRANT:
		return chk_judges(o, CHK_O_REENTRANT) ||
		       chk_judges(o, CHK_O_REUSE);
	case CHK_F_WORK:
		return chk_judges(o, CHK_O_WORK);
	case CHK_F_TIME:
		return chk_judges(o, CHK_O_TIME);
	case CHK_F_MEMORY:
		return chk_judges(o, CHK_O_MEMORY);
	case CHK_F_ALLOC:
		return chk_judges(o, CHK_O_ALLOC);
	case CHK_F_FAULTS:
		return chk_judges(o, CHK_O_FAULTS);
	default: /* the schedule families */
		return chk_judges(o, CHK_O_SPLIT) ||
		       chk_judges(o, CHK_O_PROMPT);
	}
}
