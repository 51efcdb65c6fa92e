/*
 * runner.c - see runner.h.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"

static void fail(const struct run_opts *o, bool harness, const char *what)
{
	if (o->fail)
		o->fail(o->fail_arg, harness, what);
	fprintf(stderr, "%s\n", what);
	abort();
}

static void *must_create(const struct srh_subject *s, const struct run_opts *o,
			 struct tr_transcript *t)
{
	void *self = s->create(&t->rec);
	if (!self && !o->create_may_fail) {
		char what[300];
		snprintf(what, sizeof what, "subject %s: create() failed",
			 s->name);
		fail(o, false, what);
	}
	return self;
}

static void beat(const struct run_opts *o)
{
	if (o->beat)
		o->beat(o->beat_arg);
}

/* A guarded copy of a piece, or the harness's own failure: the system
 * refused the memory (a limit on the run, not the subject's doing). */
static unsigned char *piece(const struct run_opts *o, struct guard *g,
			    const unsigned char *data, size_t len)
{
	unsigned char *p = guard_piece(g, data, len);
	if (!p) {
		char what[200];
		snprintf(what, sizeof what,
			 "a guarded piece of %zu bytes: %s (the harness's "
			 "limit, not the subject's)",
			 len, strerror(guard_error(g)));
		fail(o, true, what);
	}
	return p;
}

/* Feed piece j (and its idle step) of stream in to self. */
static void feed_piece(const struct srh_subject *s, const struct run_opts *o,
		       void *self, struct guard *g, const unsigned char *in,
		       size_t n, const struct sched *sc, size_t j,
		       struct tr_transcript *t)
{
	size_t start, end;
	struct sched_cut cut = sched_piece(sc, n, j, &start, &end);

	if (cut.idle) {
		unsigned char *none = piece(o, g, NULL, 0);
		t->fed = start;
		s->feed(self, none, 0);
		guard_retire(g, none, 0);
	}
	unsigned char *p = piece(o, g, in + start, end - start);
	t->fed = end;
	s->feed(self, p, end - start);
	guard_retire(g, p, end - start);
}

/* The run's guard: the kept arena, or its own. */
static struct guard *guard_begin(const struct run_opts *o, struct guard *own)
{
	if (o->arena)
		return o->arena;
	guard_init(own, o->guard);
	return own;
}

/* Every instance that saw the run's pieces is destroyed. */
static void guard_end(const struct run_opts *o, struct guard *g)
{
	if (g == o->arena)
		guard_recycle(g);
	else
		guard_release(g);
}

static bool stopped(const struct run_opts *o)
{
	return o->stop && o->stop(o->stop_arg);
}

static void finish(const struct srh_subject *s, void *self,
		   struct tr_transcript *t)
{
	t->fed = TR_FED_EOF;
	s->finish(self);
}

bool run_push(const struct srh_subject *s, const struct run_opts *o,
	      const unsigned char *in, size_t n, const struct sched *sc,
	      struct tr_transcript *t)
{
	struct guard own;
	tr_fit(t, n);
	void *self = must_create(s, o, t);
	if (!self)
		return false;
	struct guard *g = guard_begin(o, &own);

	for (size_t j = 0, m = sched_pieces(sc, n); j < m; j++) {
		if ((j & 255) == 0)
			beat(o);
		feed_piece(s, o, self, g, in, n, sc, j, t);
		if (stopped(o))
			break;
	}
	finish(s, self, t);
	s->destroy(self);
	guard_end(o, g);
	return true;
}

void run_push_interleaved(const struct srh_subject *s, const struct run_opts *o,
			  const unsigned char *a, size_t na,
			  const struct sched *sa, struct tr_transcript *ta,
			  const unsigned char *b, size_t nb,
			  const struct sched *sb, struct tr_transcript *tb)
{
	struct guard own;
	tr_fit(ta, na);
	tr_fit(tb, nb);
	void *x = must_create(s, o, ta), *y = must_create(s, o, tb);
	struct guard *g = guard_begin(o, &own);

	size_t ma = sched_pieces(sa, na), mb = sched_pieces(sb, nb);
	for (size_t j = 0; j < ma || j < mb; j++) {
		if ((j & 255) == 0)
			beat(o);
		if (j < ma)
			feed_piece(s, o, x, g, a, na, sa, j, ta);
		if (j < mb)
			feed_piece(s, o, y, g, b, nb, sb, j, tb);
	}
	finish(s, x, ta);
	finish(s, y, tb);
	s->destroy(x);
	s->destroy(y);
	guard_end(o, g);
}

void run_push_reused(const struct srh_subject *s, const struct run_opts *o,
		     const unsigned char *first, size_t first_len,
		     const unsigned char *in, size_t n, struct tr_transcript *t)
{
	struct guard own;
	struct sched none = {0};
	tr_fit(t, first_len > n ? first_len : n);
	void *self = must_create(s, o, t);
	struct guard *g = guard_begin(o, &own);

	if (first_len)
		feed_piece(s, o, self, g, first, first_len, &none, 0, t);
	s->reset(self);
	tr_clear(t);
	feed_piece(s, o, self, g, in, n, &none, 0, t);
	finish(s, self, t);
	s->destroy(self);
	guard_end(o, g);
}

uint64_t run_push_work(const struct srh_subject *s, const struct run_opts *o,
		       const unsigned char *in, size_t n,
		       const struct sched *sc)
{
	struct tr_transcript t;
	struct guard own;
	uint64_t work = 0;

	if (!s->work)
		return 0;
	tr_init(&t);
	tr_fit(&t, n);
	struct guard *g = guard_begin(o, &own);
	void *self = must_create(s, o, &t);
	for (size_t j = 0, m = sched_pieces(sc, n); j < m; j++) {
		if ((j & 255) == 0)
			beat(o);
		feed_piece(s, o, self, g, in, n, sc, j, &t);
	}
	finish(s, self, &t);
	work = s->work(self);
	s->destroy(self);
	guard_end(o, g);
	tr_free(&t);
	return work;
}

/* ---- fd shape ---------------------------------------------------------- */

void run_reader_init(struct run_reader *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

static void *reader_main(void *p)
{
	struct run_reader *r = p;
	r->tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->finished == r->posted && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->quit)
			break;
		pthread_mutex_unlock(&r->mu);
		r->s->read_fd(r->fd, r->rec);
		r->done = true;
		pthread_mutex_lock(&r->mu);
		r->finished = r->posted;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* The thread of this process, started if need be. */
static bool reader_start(struct run_reader *r)
{
	pid_t self = getpid();
	if (r->owner == self)
		return true;
	/* Never started, or a copy from the process that forked this one:
	 * its thread is not here. */
	run_reader_init(r);
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		return false;
	if (pthread_cond_init(&r->cv, NULL) != 0 ||
	    pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		pthread_mutex_destroy(&r->mu);
		return false;
	}
	r->owner = self;
	return true;
}

static void reader_post(struct run_reader *r, const struct srh_subject *s,
			int fd, struct srh_recorder *rec)
{
	pthread_mutex_lock(&r->mu);
	r->s = s;
	r->fd = fd;
	r->rec = rec;
	r->done = false;
	r->posted++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void reader_wait(struct run_reader *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->finished != r->posted)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

/* A run's own reader, for callers that keep none. */
static void reader_stop(struct run_reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->quit = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* Whether thread tid is running or waiting for a CPU (state R), as
 * opposed to asleep. Not yet started counts as runnable. */
static bool runnable(pid_t tid)
{
	char path[64], stat[512];

	if (tid == 0)
		return true;
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(stat, 1, sizeof stat - 1, f);
	fclose(f);
	stat[n] = '\0';
	const char *close_paren = strrchr(stat, ')'); /* comm may hold ')' */
	return close_paren && close_paren[1] == ' ' && close_paren[2] == 'R';
}

#define SPIN_US 200

/* Wait until the reader has read every byte written so far. The wait is
 * bounded by max_ms of the reader sleeping with bytes queued (it reads
 * no more); while it is runnable it only lacks a CPU - on a loaded
 * machine that can take longer than max_ms, and writing the next piece
 * then would merge two pieces into one read and test another schedule.
 * A reader that spins without reading meets the sandbox's deadline. */
static void wait_drained(struct run_reader *r, unsigned max_ms)
{
	uint64_t asleep_us = 0, limit = (uint64_t)max_ms * 1000;
	uint64_t last = now_us();
	int queued = 0;

	/* A reader on another CPU drains within microseconds: yield to it
	 * before sleeping (a sleep costs tens of microseconds at least). */
	for (uint64_t spin_end = last + SPIN_US;;) {
		if (r->done || ioctl(r->fd, FIONREAD, &queued) != 0 ||
		    queued == 0)
			return;
		if (now_us() >= spin_end)
			break;
		sched_yield();
	}
	last = now_us();
	while (!r->done && ioctl(r->fd, FIONREAD, &queued) == 0 && queued > 0 &&
	       asleep_us < limit) {
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
		uint64_t now = now_us();
		if (!runnable(r->tid))
			asleep_us += now - last;
		last = now;
	}
}

static void write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the reader closed: it will be judged */
		p += w;
		len -= (size_t)w;
	}
}

void run_fd(const struct srh_subject *s, const struct run_opts *o,
	    const unsigned char *in, size_t n, const struct sched *sc,
	    struct tr_transcript *t)
{
	int sv[2];
	struct run_reader own, *r = o->reader ? o->reader : &own;

	if (!o->reader)
		run_reader_init(&own);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		fail(o, true, "the fd shape's socket pair: no socket");
	t->fed = 0; /* fd events are not tagged */
	tr_fit(t, n);
	if (!reader_start(r))
		fail(o, true, "the fd shape's reader: no thread");
	reader_post(r, s, sv[1], &t->rec);
	for (size_t j = 0, m = sched_pieces(sc, n); j < m; j++) {
		size_t start, end;
		struct sched_cut cut = sched_piece(sc, n, j, &start, &end);
		/* Pause in slices, showing progress to the watchdog. */
		for (unsigned left = cut.delay_ms; left > 0;) {
			unsigned slice = left < 100 ? left : 100;
			beat(o);
			sleep_ms(slice);
			left -= slice;
		}
		beat(o);
		write_all(sv[0], in + start, end - start);
		if (!(o->eof_with_last && j + 1 == m))
			wait_drained(r, o->drain_wait_ms);
		if (stopped(o))
			break;
	}
	shutdown(sv[0], SHUT_WR);
	reader_wait(r);
	if (r == &own)
		reader_stop(&own);
	close(sv[0]);
	close(sv[1]);
}
