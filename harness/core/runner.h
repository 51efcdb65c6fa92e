/*
 * runner.h - deliver one stream to one subject instance under one schedule
 * and record its transcript. The caller isolates the run (sandbox.h).
 */
#ifndef SRH_RUNNER_H
#define SRH_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "guard.h"
#include "schedule.h"
#include "subject.h"
#include "transcript.h"

struct run_opts {
	/* Called for every piece and during pauses: proof of progress for a
	 * watchdog (sandbox.h). NULL: none. */
	void (*beat)(void *arg);
	void *beat_arg;
	/* The run cannot go on: the subject's create() gave NULL (harness
	 * false), or the harness has no socket or thread (harness true).
	 * Does not return. NULL: what is printed, then abort(). */
	void (*fail)(void *arg, bool harness, const char *what);
	void *fail_arg;
	enum guard_mode guard; /* around pieces (push) */
	/* Guard pages kept from run to run (guard_recycle); NULL: each run
	 * maps its own. One process's: set it in the child that runs. */
	struct guard *arena;
	unsigned drain_wait_ms; /* fd: longest wait for the reader to drain */
	/* fd: a reader thread kept from run to run (run_reader_init); NULL:
	 * each run starts its own. One process's, like arena. */
	struct run_reader *reader;
	/* A create() that gives NULL is the subject's answer (an allocation
	 * made to fail), not the end of the run: run_push returns false. */
	bool create_may_fail;
	/* fd: the last piece is followed by the end of stream at once, not
	 * once it was read (the reader finds both waiting). */
	bool eof_with_last;
	/* Asked after each piece: true ends the stream there (push: the
	 * subject is finished; fd: the end of stream is sent), for a run
	 * whose verdict is already known, such as a heap past its bound on a
	 * flood. NULL: every piece is fed. */
	bool (*stop)(void *arg);
	void *stop_arg;
};

/* The fd shape's reader thread, started by the first run that uses it in
 * the process that owns it (a forked child starts its own). */
struct run_reader {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	pid_t owner; /* the process whose thread it is; 0: none yet */
	/* the job: read_fd(fd, rec) of subject s */
	const struct srh_subject *s;
	int fd;
	struct srh_recorder *rec;
	unsigned long posted, finished;
	bool quit;
	_Atomic bool done; /* this job's read_fd returned */
	_Atomic pid_t tid; /* the thread's id, 0 until it runs */
};
void run_reader_init(struct run_reader *r);

/* Push shape: create, feed the pieces (with idle steps), finish, destroy.
 * Tags each event with the bytes fed so far. false: create() gave NULL
 * (only with create_may_fail). */
bool run_push(const struct srh_subject *s, const struct run_opts *o,
	      const unsigned char *in, size_t n, const struct sched *sc,
	      struct tr_transcript *t);

/* Two instances fed alternately, piece by piece: a's piece 0, b's piece 0,
 * a's piece 1, ...; then both finished. */
void run_push_interleaved(const struct srh_subject *s, const struct run_opts *o,
			  const unsigned char *a, size_t na,
			  const struct sched *sa, struct tr_transcript *ta,
			  const unsigned char *b, size_t nb,
			  const struct sched *sb, struct tr_transcript *tb);

/* One instance fed `first` up to `first_len`, then reset (the subject's
 * reset capability), then fed `in` in one piece and finished; t gets only
 * what came after the reset. */
void run_push_reused(const struct srh_subject *s, const struct run_opts *o,
		     const unsigned char *first, size_t first_len,
		     const unsigned char *in, size_t n,
		     struct tr_transcript *t);

/* Work units (subject's work capability) of a push run; 0 without it. */
uint64_t run_push_work(const struct srh_subject *s, const struct run_opts *o,
		       const unsigned char *in, size_t n,
		       const struct sched *sc);

/* fd shape: the subject reads one end of a socket pair in a thread; each
 * piece is written once the reader has drained the previous one, after the
 * cut's delay; then the write end is shut down. Events are not tagged. */
void run_fd(const struct srh_subject *s, const struct run_opts *o,
	    const unsigned char *in, size_t n, const struct sched *sc,
	    struct tr_transcript *t);

#endif
