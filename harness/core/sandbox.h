/*
 * sandbox.h - run part of a test in a child process, so that a subject
 * that crashes, trips a sanitizer, exits or hangs is reported, with what it
 * was doing, instead of taking the tester down.
 *
 * The child and the parent share one memory area: the child keeps a
 * heartbeat and a description of its current step there, and writes its
 * result there. A child whose heartbeat stops for longer than the stall
 * limit is killed and reported as hung.
 */
#ifndef SRH_SANDBOX_H
#define SRH_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define SBX_CURRENT_MAX 8192

struct sbx_shared {
	volatile uint64_t heartbeat;
	volatile int harness_failed;   /* the child ended by sbx_child_fail */
	volatile uint64_t progress;    /* free for the child's counters */
	volatile int done;	       /* the child finished normally */
	volatile int worker;	       /* the process running the work */
	char current[SBX_CURRENT_MAX]; /* what the child is doing */
	size_t result_cap;
	volatile size_t result_len;
	char result[]; /* result_cap bytes */
};

enum sbx_outcome {
	SBX_OK,	    /* the child returned normally */
	SBX_CRASH,  /* killed by a signal, or a sanitizer's exit status */
	SBX_EXIT,   /* exited without returning (the subject called exit) */
	SBX_HANG,   /* no heartbeat for longer than the stall limit */
	SBX_MEMORY, /* resident memory past the limit: killed */
	SBX_ERROR,  /* no child: the harness could not fork (why in log) */
};

struct sbx_result {
	enum sbx_outcome outcome;
	int signal;	   /* SBX_CRASH by signal */
	int status;	   /* exit status otherwise */
	struct strbuf log; /* the child's stderr, at most 4 KiB of it */
	uint64_t elapsed_us;
	size_t peak_bytes; /* SBX_MEMORY: what it had grown to */
};

/* What a child may take. memory: bytes the worker and what it starts may
 * hold resident beyond what they inherit, and beyond harness_bytes, the
 * harness's own share in that child (never blamed on the subject); 0: no
 * limit. Checked every 20 ms, so a fast grower overshoots a little. */
struct sbx_limits {
	unsigned stall_ms;
	size_t memory, harness_bytes;
};

/* A shared area with result_cap bytes for results; NULL, with errno, when
 * there is no memory for it. */
struct sbx_shared *sbx_create(size_t result_cap);
void sbx_destroy(struct sbx_shared *sh);

/* For a process that made itself a subreaper (PR_SET_CHILD_SUBREAPER):
 * kill every process below it, round after round, as the ones it kills
 * leave theirs to it, until it has none. Async-signal-safe. */
void sbx_end_descendants(void);
/* _exit as a child with this wait status did: the same exit code, or
 * killed by the same signal. */
_Noreturn void sbx_exit_as(int status);

/* In the child: mark progress and say what is being done now. */
void sbx_beat(struct sbx_shared *sh);
/* what: n bytes; n >= SBX_CURRENT_MAX records "a step too long to
 * record" (what may then be cut short, it is not read). */
void sbx_set_current(struct sbx_shared *sh, const char *what, size_t n);
/* In the child: end it, saying what stopped it (to its log); harness:
 * the harness's own failure (SBX_ERROR), else a crash of the subject. */
_Noreturn void sbx_child_fail(struct sbx_shared *sh, bool harness,
			      const char *what);
/* In the child: append to the result area; false when it is full. */
bool sbx_put(struct sbx_shared *sh, const void *data, size_t n);
/* In the parent, after sbx_run: the child's result as [*p, *end); false
 * when its length lies past the area (the child wrote over it). */
bool sbx_result_view(const struct sbx_shared *sh, const char **p,
		     const char **end);
/* In the parent, once the result is read: its pages go back to the
 * system, or they would count in every later child's memory too. */
void sbx_result_drop(struct sbx_shared *sh);

/* Fork; the child runs fn(arg, sh) and exits; the parent waits. When no
 * child could be started, res says SBX_ERROR: the harness's own failure,
 * never the subject's. */
typedef void (*sbx_fn)(void *arg, struct sbx_shared *sh);
void sbx_run(struct sbx_shared *sh, sbx_fn fn, void *arg,
	     const struct sbx_limits *lim, struct sbx_result *res);
void sbx_result_free(struct sbx_result *res);
/* "killed by SIGSEGV", "exit status 1", "no progress for 2000 ms"... */
void sbx_describe(const struct sbx_result *res, const struct sbx_limits *lim,
		  struct strbuf *out);

#endif
