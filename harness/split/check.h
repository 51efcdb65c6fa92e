/*
 * check.h - the split-point and delay property tester: every oracle, run
 * over one stream against one subject, failures shrunk to a minimal
 * counterexample. smtp-split is a command-line front end to this.
 */
#ifndef SRH_CHECK_H
#define SRH_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "generator.h"
#include "runner.h"
#include "schedule.h"
#include "strbuf.h"
#include "subject.h"

enum chk_shape { CHK_PUSH, CHK_FD };

/* Where a family runs, as bits of the shapes. */
#define CHK_ON_PUSH (1u << CHK_PUSH)
#define CHK_ON_FD   (1u << CHK_FD)
#define CHK_ON_BOTH (CHK_ON_PUSH | CHK_ON_FD)

/* The option that bounds a family: streams longer than it skip it; or,
 * CHK_CAP_SPREAD, run it at offsets spread over the stream (--every-max). */
enum chk_cap {
	CHK_CAP_NONE,
	CHK_CAP_PAIRS,
	CHK_CAP_EXHAUSTIVE,
	CHK_CAP_SPREAD,
	CHK_CAP_ONCE /* streams of its own: once a run, not once a stream */
};

/* Schedule families and the other checks, one row each, in the order they
 * run: X(ID, name, shapes, min_len, cap, schedules, what). min_len: a
 * shorter stream skips it. schedules: its failures are one schedule, shrunk
 * and reproduced by --cuts; otherwise the family is rerun whole. Its run
 * function is fam_<name> in check.c. */
#define CHK_FAMILIES(X)                                                     \
	X(SINGLE, single, CHK_ON_BOTH, 2, CHK_CAP_SPREAD, true,             \
	  "every single cut")                                               \
	X(IDLE, idle, CHK_ON_PUSH, 2, CHK_CAP_SPREAD, true,                 \
	  "a zero-length feed at every cut")                                \
	X(UNIFORM, uniform, CHK_ON_BOTH, 2, CHK_CAP_SPREAD, true,           \
	  "pieces of k bytes, k = 1..n-1")                                  \
	X(PAIRS, pairs, CHK_ON_BOTH, 2, CHK_CAP_PAIRS, true,                \
	  "every pair of cuts")                                             \
	X(EXHAUSTIVE, exhaustive, CHK_ON_BOTH, 2, CHK_CAP_EXHAUSTIVE, true, \
	  "all 2^(n-1) partitions, small n")                                \
	X(RANDOM, random, CHK_ON_BOTH, 2, CHK_CAP_NONE, true,               \
	  "seeded random cuts, biased")                                     \
	X(DELAYS, delays, CHK_ON_FD, 2, CHK_CAP_NONE, true,                 \
	  "real pauses at line ends")                                       \
	X(PREFIX, prefix, CHK_ON_BOTH, 0, CHK_CAP_SPREAD, false,            \
	  "end of input after every prefix")                                \
	X(REENTRANT, reentrant, CHK_ON_PUSH, 0, CHK_CAP_NONE, false,        \
	  "two instances interleaved; reuse after reset")                   \
	X(WORK, work, CHK_ON_PUSH, 0, CHK_CAP_NONE, false,                  \
	  "cost linear however finely cut")                                 \
	X(TIME, time, CHK_ON_PUSH, 0, CHK_CAP_ONCE, false,                  \
	  "CPU time linear on long inputs, however finely cut")             \
	X(MEMORY, memory, CHK_ON_BOTH, 0, CHK_CAP_ONCE, false,              \
	  "live heap bounded on floods")                                    \
	X(ALLOC, alloc, CHK_ON_BOTH, 0, CHK_CAP_NONE, false,                \
	  "each allocation of a run made to fail in turn")                  \
	X(FAULTS, faults, CHK_ON_FD, 0, CHK_CAP_NONE, false,                \
	  "read() interrupted, short, would-block, reset, ending early")

/* A family, and after them where else a failure can be found. */
enum chk_family_id {
#define CHK_FAMILY_ID(id, name, shapes, min, cap, sched, what) CHK_F_##id,
	CHK_FAMILIES(CHK_FAMILY_ID)
#undef CHK_FAMILY_ID
		CHK_F_COUNT,
	CHK_F_PINNED = CHK_F_COUNT, /* a case file's own schedule */
	CHK_F_BASELINE,		    /* the one-piece and byte-wise runs */
	CHK_F_DIFF,		    /* against the reference parser */
	CHK_F_GENERATED,	    /* against the generator's model */
	CHK_F_EXPECTED,		    /* against FILE.transcript */
};

/* The families as bits of chk_opts.families. */
enum chk_family {
#define CHK_FAMILY_BIT(id, name, shapes, min, cap, sched, what) \
	CHK_##id = 1u << CHK_F_##id,
	CHK_FAMILIES(CHK_FAMILY_BIT)
#undef CHK_FAMILY_BIT
		CHK_ALL = (1u << CHK_F_COUNT) - 1,
};

struct chk_family_row {
	const char *name, *what;
	unsigned shapes;
	size_t min_len;
	enum chk_cap cap;
	bool schedules;
};

/* A family's row (NULL past CHK_F_COUNT), and the name of any
 * chk_family_id, as reports give it. */
const struct chk_family_row *chk_family_row(enum chk_family_id f);
const char *chk_family_name(enum chk_family_id f);
/* A comma-separated list of names ("all", "none" too) as bits; false with
 * the unknown name in bad. */
bool chk_families_parse(const char *list, unsigned *bits, struct strbuf *bad);

/* How an oracle judges, which is how its failures shrink: the run itself
 * (crash, hang: under the failing schedule alone), one schedule against
 * the baselines, the one-piece transcript against the right answer, or a
 * whole family's check (not shrunk by schedule). */
enum chk_judged { CHK_BY_RUN, CHK_BY_SCHEDULE, CHK_BY_ANSWER, CHK_BY_CHECK };

/* The oracles, one row each: X(ID, name, judged, tags, what). tags: its
 * transcripts show when each event was reported. */
#define CHK_ORACLES(X)                                                     \
	X(CRASH, "crash", CHK_BY_RUN, false,                               \
	  "the subject crashed or a sanitizer fired")                      \
	X(HANG, "hang", CHK_BY_RUN, false,                                 \
	  "the subject made no progress before the deadline")              \
	X(MEMORY, "memory", CHK_BY_RUN, false,                             \
	  "the subject's memory grew past the limit (--memory-limit), or " \
	  "its live heap on a flood past its bound (--heap-limit)")        \
	X(TIME, "time", CHK_BY_CHECK, false,                               \
	  "the subject's CPU time grew faster than its input")             \
	X(ALLOC, "alloc", CHK_BY_CHECK, false,                             \
	  "after an allocation failed the subject crashed, or reported "   \
	  "wrong replies and no error")                                    \
	X(FAULTS, "faults", CHK_BY_CHECK, false,                           \
	  "a read() that failed, came short or ended early crashed the "   \
	  "subject or changed its transcript")                             \
	X(SPLIT, "split", CHK_BY_SCHEDULE, false,                          \
	  "the transcript depends on how the stream was cut")              \
	X(PROMPT, "prompt", CHK_BY_SCHEDULE, true,                         \
	  "an event was reported earlier or later than the feed that "     \
	  "completed it")                                                  \
	X(PREFIX, "prefix", CHK_BY_CHECK, false,                           \
	  "end of input after a prefix gave the wrong replies or no "      \
	  "truncation error")                                              \
	X(REENTRANT, "reentrant", CHK_BY_CHECK, false,                     \
	  "two instances used alternately disturbed each other")           \
	X(REUSE, "reuse", CHK_BY_CHECK, false,                             \
	  "an instance reset and fed again differs from a new one")        \
	X(WORK, "work", CHK_BY_CHECK, false,                               \
	  "the work grew faster than the bytes under small pieces")        \
	X(CONTRACT, "contract", CHK_BY_CHECK, false,                       \
	  "what the subject reported breaks the subject contract (fuzz "   \
	  "targets), or its adapter broke the adapter protocol")           \
	X(EXPECTED, "expected", CHK_BY_CHECK, false,                       \
	  "the transcript differs from the expected one kept beside the "  \
	  "input")                                                         \
	X(MODEL, "model", CHK_BY_ANSWER, false,                            \
	  "the transcript differs from what the generator's model says a " \
	  "correct parser reports")                                        \
	X(PIPELINE, "pipeline", CHK_BY_ANSWER, false,                      \
	  "a different number of replies than the commands the stream "    \
	  "answers, and no error")                                         \
	X(DIFF, "diff", CHK_BY_ANSWER, false,                              \
	  "the transcript differs from the reference parser's (with the "  \
	  "leniencies the subject declares)")

enum chk_oracle {
#define CHK_ORACLE_ENUM(id, name, judged, tags, what) CHK_O_##id,
	CHK_ORACLES(CHK_ORACLE_ENUM)
#undef CHK_ORACLE_ENUM
		CHK_O_COUNT
};

const char *chk_oracle_name(enum chk_oracle o);
const char *chk_oracle_what(enum chk_oracle o);
/* How o judges (CHK_BY_CHECK past the last). */
enum chk_judged chk_oracle_judged(enum chk_oracle o);
/* Do o's transcripts show when each event was reported? */
bool chk_oracle_tags(enum chk_oracle o);

struct chk_opts {
	const struct srh_subject *subject;
	const char *subject_arg; /* as given on the command line, for repro */
	const char *prog;	 /* how to run smtp-split, for repro */
	unsigned shapes;	 /* 1 << CHK_PUSH | 1 << CHK_FD */
	unsigned families;	 /* enum chk_family bits */
	struct run_opts run;
	size_t pairs_max;      /* streams longer than this skip pairs */
	size_t exhaustive_max; /* streams up to this get all partitions */
	size_t every_max;      /* longer streams: CHK_CAP_SPREAD families at
				* SRH_SPREAD_OFFSETS offsets, not all */
	size_t random_count;   /* random schedules per stream */
	size_t random_max_cuts;
	uint64_t seed;
	uint16_t delays[8]; /* fd delay set, ms */
	size_t ndelays;
	unsigned deadline_ms; /* a run with no progress this long hangs */
	size_t memory_limit;  /* bytes a subject's child may take; 0: any */
	size_t heap_limit;    /* live heap bytes on a flood; 0: unchecked */
	bool shrink;
	unsigned shrink_max_runs;
	bool differential; /* compare with the reference parser */
	/* The oracles judged, 1 << enum chk_oracle (--oracles); a family
	 * none of whose oracles is among them is not run. crash and hang are
	 * always judged: a run that died cannot be judged otherwise. */
	unsigned oracles;
	bool no_clone; /* never use the subject's clone */
	/* Is the subject beyond testing (an adapter process that exited)?
	 * Then true with why: the run stops as the harness's error. NULL:
	 * the subject runs in the child alone. */
	bool (*subject_gone)(void *arg, struct strbuf *why);
	void *gone_arg;
	unsigned gen_families; /* families for generated streams */
	double budget_s;       /* stop starting work after this; 0: none */
	double start_s;	       /* when the run began (chk_now) */
};

/* Is oracle x judged under o? */
bool chk_judges(const struct chk_opts *o, enum chk_oracle x);
/* Does family f judge anything o asks for? */
bool chk_family_judges(const struct chk_opts *o, enum chk_family_id f);

/* Defaults: all families and both shapes the subject has. */
void chk_opts_init(struct chk_opts *o, const struct srh_subject *s);

/* A failure, shrunk if asked. */
struct chk_failure {
	enum chk_oracle oracle;
	enum chk_shape shape;
	enum chk_family_id family; /* where it was first seen */
	bool whole_run; /* the child died outside any one schedule or prefix:
			   nothing to shrink */
	struct strbuf stream; /* bytes */
	struct sched sched;   /* cuts (split, prompt, crash, hang) */
	long prefix;	      /* >= 0: the prefix length (prefix oracle) */
	struct strbuf expected, actual;		 /* transcripts, text form */
	struct strbuf detail;			 /* one line more */
	struct strbuf log;			 /* a crashing child's stderr */
	size_t orig_len, orig_cuts, shrink_runs; /* before shrinking */
	struct gen_stream *model; /* generated input: its description */
	uint64_t found_after;	  /* schedules run in this run before it */
	double found_s;		  /* seconds into the run */
};

/* Counters for the summary. */
struct chk_stats {
	uint64_t schedules;	/* schedules and single checks run */
	uint64_t capped_spread; /* stream shapes run at spread offsets */
	uint64_t capped_pairs, capped_exhaustive; /* streams whose family a
						     size cap skipped */
	bool budget_hit;
	/* CHK_CAP_ONCE families already run, per shape (family bits) */
	unsigned once_done[2];
};

struct chk_result {
	struct chk_failure *fail;
	size_t nfail, cap;
	struct chk_stats stats;
	/* The harness could not run (no memory, no fork): what stopped it.
	 * Nothing after it was judged; no failure is the subject's for it. */
	struct strbuf error;
};

void chk_result_free(struct chk_result *r);

/* One input stream and what comes with it. */
struct chk_input {
	const char *name;
	const unsigned char *bytes;
	size_t len;
	const char *expected;		/* FILE.transcript text, or NULL */
	const struct sched *pinned;	/* a case file's schedule, or NULL */
	const struct gen_stream *model; /* a generated stream's description */
};

/* Check one stream. Failures are appended to r, at most one per oracle
 * and shape. */
void chk_stream(const struct chk_opts *o, const struct chk_input *in,
		struct chk_result *r);

/* Judge a one-piece transcript against the right answer: CHK_O_PIPELINE
 * when a stream the answer reads without error gives, without error, a
 * different number of replies; otherwise `kind` (CHK_O_MODEL or
 * CHK_O_DIFF) when any event differs; else CHK_O_COUNT. reports: the
 * subject's srh_reports bits (what is compared beyond codes and lines). */
enum chk_oracle chk_conform(const struct tr_transcript *got,
			    const struct tr_transcript *want, unsigned reports,
			    enum chk_oracle kind, struct strbuf *why);

double chk_now(void);

#endif
