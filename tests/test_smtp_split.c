/*
 * test_smtp_split.c - the split tester finds what it claims to find.
 *
 * Each planted bug in bugs/ used here must be caught by the
 * oracle its comment names, with a minimal counterexample; the reference
 * parser must pass the same checks; the printed reproduce command and the
 * saved case file must reproduce the failure.
 */
#define _GNU_SOURCE /* popen, mkstemps */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#define SRH_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SRH_TEST_ASAN 1
#endif
#endif
#ifdef SRH_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "channel.h"
#include "check.h"
#include "defaults.h"
#include "guard.h"
#include "judge.h"
#include "loader.h"
#include "report.h"
#include "runner.h"
#include "sandbox.h"

static const char kb_stream[] = "354-Line 1\r\n354 Send message\r\n";
static const char cve_stream[] = "250-first\r\n250\r\n221 2.0.0 Bye\r\n";

static const struct srh_subject *subject(const char *name)
{
	struct strbuf path = {0}, err = {0};
	const struct srh_subject *s;

	if (strcmp(name, "reference") == 0 || strchr(name, '/'))
		sb_adds(&path, name);
	else
		sb_addf(&path, "%s/%s.so", SUBJECT_DIR, name);
	s = loader_open(path.s, &err);
	if (!s)
		fail_msg("%s: %s", path.s, sb_str(&err));
	sb_free(&path);
	sb_free(&err);
	return s;
}

/* Options for quick, deterministic runs. */
static void opts(struct chk_opts *o, const char *name)
{
	chk_opts_init(o, subject(name));
	o->subject_arg = name;
	o->random_count = 40;
	o->deadline_ms = 400;
}

static void run(const struct chk_opts *o, const char *stream,
		struct chk_result *r)
{
	struct chk_input in = {"test",	       (const unsigned char *)stream,
			       strlen(stream), NULL,
			       NULL,	       NULL};

	memset(r, 0, sizeof *r);
	chk_stream(o, &in, r);
}

static const struct chk_failure *find(const struct chk_result *r,
				      enum chk_oracle o)
{
	for (size_t i = 0; i < r->nfail; i++)
		if (r->fail[i].oracle == o)
			return &r->fail[i];
	return NULL;
}

static void print_all(const struct chk_opts *o, const struct chk_result *r)
{
	for (size_t i = 0; i < r->nfail; i++) {
		struct strbuf b = {0};
		report_failure(o, "test", NULL, &r->fail[i], &b);
		print_message("%s\n", b.s);
		sb_free(&b);
	}
}

/* The failure for oracle o, or the test fails showing what was found. */
static const struct chk_failure *expect(const struct chk_opts *o,
					const struct chk_result *r,
					enum chk_oracle oracle)
{
	const struct chk_failure *f = find(r, oracle);
	if (!f) {
		print_all(o, r);
		fail_msg("no %s failure", chk_oracle_name(oracle));
	}
	return f;
}

static bool bytes_are(const struct chk_failure *f, const char *s)
{
	return f->stream.len == strlen(s) &&
	       memcmp(f->stream.s, s, f->stream.len) == 0;
}

/* ---- the reference parser passes ----------------------------------------
 */

static void test_reference_passes(void **state)
{
	(void)state;
	static const char *const streams[] = {
		kb_stream,
		cve_stream,
		"220-mx ESMTP\r\n220 ready\r\n250 2.1.0 ok\r\n",
		/* errors too must not depend on the cuts */
		"250-a\r\n550 b\r\n",
		"250 ok\n",
		"250-a\r\n250 b",
		"25",
		"",
		"250 a\rb\r\n",
		"\r\n",
	};
	struct chk_opts o;

	opts(&o, "reference");
	o.exhaustive_max = 8;
	for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
		struct chk_result r;
		run(&o, streams[i], &r);
		if (r.nfail) {
			print_all(&o, &r);
			fail_msg("reference failed on stream %zu", i);
		}
		assert_true(r.stats.schedules > 0);
		chk_result_free(&r);
	}
}

static void *crashing_clone(const void *self, struct srh_recorder *rec)
{
	(void)self;
	(void)rec;
	abort();
}

/* Exhaustive partitions with prefix sharing (the reference can clone). */
static void test_exhaustive_partitions(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "reference");
	o.families = CHK_EXHAUSTIVE;
	o.exhaustive_max = 16;
	o.shapes = 1u << CHK_PUSH;
	run(&o, "250-ab\r\n250 c\r\n", &r); /* 15 bytes: 2^14 schedules */
	assert_int_equal(r.nfail, 0);
	assert_true(r.stats.schedules >= (1u << 14));
	uint64_t shared = r.stats.schedules;
	chk_result_free(&r);

	/* --no-clone: every partition from the start, the same ones, and
	 * clone is never called: here it would crash the run. */
	struct srh_subject no_clone = *o.subject;
	no_clone.clone = crashing_clone;
	o.subject = &no_clone;
	o.run.guard = GUARD_OFF; /* test_guard_rewind covers the guard pages */
	o.no_clone = true;
	run(&o, "250-ab\r\n250 c\r\n", &r);
	assert_int_equal(r.nfail, 0);
	assert_int_equal(r.stats.schedules, shared);
	chk_result_free(&r);
	o.no_clone = false;
	o.shrink = false;
	run(&o, "250-ab\r\n250 c\r\n", &r);
	expect(&o, &r, CHK_O_CRASH);
	chk_result_free(&r);
}

/* Whether the byte at p can be read: write() copies it into a pipe, or
 * fails with EFAULT where a load would fault; with ASan's shadow, whether
 * it is poisoned (write() would report it and end the test). */
static bool readable_in(const struct guard *g, const void *p)
{
	int fds[2];

#ifdef SRH_TEST_ASAN
	if (g->mode == GUARD_SHADOW)
		return !__asan_address_is_poisoned(p);
#else
	(void)g;
#endif

	assert_int_equal(pipe(fds), 0);
	bool ok = write(fds[1], p, 1) == 1;
	close(fds[0]);
	close(fds[1]);
	return ok;
}

/* Pieces carved after a mark are handed out again after a rewind; those
 * carved before stay no-access. */
static void guard_rewind_in(enum guard_mode mode)
{
	struct guard g;

	guard_init(&g, mode);
	unsigned char *root = guard_piece(&g, "root", 4);
	guard_retire(&g, root, 4);
	struct guard_mark m = guard_mark(&g);
	unsigned char *a = guard_piece(&g, "ab", 2);
	assert_true(readable_in(&g, a));
	assert_false(readable_in(&g, a + 2)); /* the guard page after it */
	guard_retire(&g, a, 2);
	assert_false(readable_in(&g, a));
	guard_rewind(&g, m);
	unsigned char *b = guard_piece(&g, "cd", 2);
	assert_ptr_equal(b, a);
	assert_true(readable_in(&g, b));
	assert_memory_equal(b, "cd", 2);
	assert_false(readable_in(&g, root));
	guard_retire(&g, b, 2);
	guard_release(&g);
}

static void test_guard_rewind(void **state)
{
	(void)state;
	guard_rewind_in(GUARD_PAGES);
	guard_rewind_in(GUARD_KEYS);
	guard_rewind_in(GUARD_SHADOW);
}

/* A piece the system will not map is an error the caller gets (the
 * runner makes it the harness's failure), never an abort in the child
 * that would pass for the subject's crash; the guard stays failed until
 * released. */
static void test_guard_refused(void **state)
{
	(void)state;
	static const enum guard_mode modes[] = {GUARD_PAGES, GUARD_KEYS,
						GUARD_SHADOW};
	static const unsigned char b[1] = {'x'};

	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		struct guard g;
		guard_init(&g, modes[i]);
		assert_non_null(guard_piece(&g, b, 1));
		/* Past any address space: mmap refuses before a byte is
		 * copied. */
		assert_null(guard_piece(&g, b, (size_t)1 << 48));
		assert_int_equal(guard_error(&g), ENOMEM);
		assert_null(guard_piece(&g, b, 1));
		guard_release(&g);
		assert_non_null(guard_piece(&g, b, 1));
		guard_release(&g);
	}
}

/* Every retired piece of a run stays no-access however many come after
 * it (with keys, more pieces than keys); the live one is readable to its
 * last byte and not past it; also in runs kept by guard_recycle(), which
 * start over once the pages are used up, and for pieces bigger than a
 * page. */
static void guard_many_in(enum guard_mode mode)
{
	enum { N = 600 }; /* more than the key slots: they start over */
	static unsigned char big[5000];
	unsigned char *old[N];
	size_t len[N];
	struct guard g;

	guard_init(&g, mode);
	for (size_t i = 0; i < N; i++) {
		len[i] = i % 50 == 49 ? sizeof big : 1 + i % 7;
		memset(big, (int)i, sizeof big);
		old[i] = guard_piece(&g, big, len[i]);
		assert_true(readable_in(&g, old[i]));
		assert_true(readable_in(&g, old[i] + len[i] - 1));
		assert_int_equal(old[i][len[i] - 1], (unsigned char)i);
		assert_false(readable_in(&g, old[i] + len[i]));
		for (size_t j = i - i % 30; j < i; j++) {
			assert_false(readable_in(&g, old[j]));
			assert_false(readable_in(&g, old[j] + len[j] - 1));
		}
		unsigned char *none = guard_piece(&g, NULL, 0);
		assert_false(readable_in(&g, none));
		guard_retire(&g, none, 0);
		guard_retire(&g, old[i], len[i]);
		assert_false(readable_in(&g, old[i]));
		if (i % 30 == 29)
			guard_recycle(&g); /* a run of 30 pieces ended */
	}
	if (mode == GUARD_KEYS)
		print_message("guard: protection keys %s\n",
			      guard_uses_keys(&g) ? "used" : "not available");
	guard_release(&g);
}

static void test_guard_many(void **state)
{
	(void)state;
	guard_many_in(GUARD_PAGES);
	guard_many_in(GUARD_KEYS);
	guard_many_in(GUARD_SHADOW);
}

/* Wraps the reference, and reads the first byte of the piece before
 * at every feed: a pointer kept past its feed. */
struct stale {
	void *ref;
	const unsigned char *last;
};

static const struct srh_subject *stale_ref(void)
{
	return subject("reference");
}

static void *stale_create(struct srh_recorder *rec)
{
	struct stale *z = calloc(1, sizeof *z);
	if (z && !(z->ref = stale_ref()->create(rec))) {
		free(z);
		z = NULL;
	}
	return z;
}

static void stale_feed(void *self, const unsigned char *buf, size_t len)
{
	struct stale *z = self;
	volatile unsigned char c = z->last ? *z->last : 0; /* the bug */
	(void)c;
	z->last = len ? buf : NULL;
	stale_ref()->feed(z->ref, buf, len);
}

static void stale_finish(void *self)
{
	struct stale *z = self;
	stale_ref()->finish(z->ref);
}

static void stale_destroy(void *self)
{
	struct stale *z = self;
	stale_ref()->destroy(z->ref);
	free(z);
}

static const struct srh_subject stale_subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "stale-pointer",
	.description = "reads the piece before at every feed",
	.create = stale_create,
	.feed = stale_feed,
	.finish = stale_finish,
	.destroy = stale_destroy,
};

/* ASan's shadow is the default guard where it sees the subject's loads:
 * in a sanitizer build, a read past a piece and a read of a piece after
 * its feed are both use-after-poison reports, found and shrunk as
 * crashes like the page guard's faults (--guard-pages: signal 11). */
static void test_guard_shadow(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;
	const void *code;

	memcpy(&code, &stale_subject.feed, sizeof code);
#ifdef SRH_TEST_ASAN
	assert_true(guard_shadow_covers(code));
#else
	assert_false(guard_shadow_covers(code));
#endif
	static const char *const names[] = {"read_past_piece", NULL};
	for (size_t i = 0; i < 2; i++) {
		for (int pages = 0; pages < 2; pages++) {
			if (names[i])
				opts(&o, names[i]);
			else {
				chk_opts_init(&o, &stale_subject);
				o.random_count = 40;
				o.deadline_ms = 400;
			}
			if (pages)
				o.run.guard = GUARD_PAGES;
			run(&o, kb_stream, &r);
			const struct chk_failure *f =
				expect(&o, &r, CHK_O_CRASH);
			bool poison = strstr(f->log.s ? f->log.s : "",
					     "use-after-poison") != NULL;
#ifdef SRH_TEST_ASAN
			assert_int_equal(poison, !pages);
#else
			assert_false(poison);
#endif
			/* Two pieces at least: one read after its feed, or a
			 * piece ending where the peek goes past it. */
			assert_true(f->sched.ncuts >= 1);
			chk_result_free(&r);
		}
	}
}

/* ---- each broken subject is caught by its oracle ------------------------
 */

static void test_kb912341_reader(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "kb912341_reader");
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_SPLIT);
	assert_int_equal(f->shape, CHK_FD);
	/* Minimal: two lines, one cut right after the first, no pause. */
	assert_int_equal(f->sched.ncuts, 1);
	assert_int_equal(f->sched.cuts[0].delay_ms, 0);
	assert_int_equal(f->sched.cuts[0].idle, 0);
	const char *nl = memchr(f->stream.s, '\n', f->stream.len);
	assert_non_null(nl);
	assert_int_equal(f->sched.cuts[0].at, nl - f->stream.s + 1);
	assert_memory_equal(f->stream.s, "354-", 4);
	assert_true(bytes_are(f, "354-\r\n354 \r\n"));
	chk_result_free(&r);
}

/* A reader that computes for a while before every read: runnable, not
 * draining. Each read is one reply, as in the KB912341 reader. */
static void busy_read_fd(int fd, struct srh_recorder *rec)
{
	char buf[256];

	for (;;) {
		struct timespec t0, t;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		do /* 30 ms of the thread's own CPU time */
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		while ((t.tv_sec - t0.tv_sec) * 1000000000L +
			       (t.tv_nsec - t0.tv_nsec) <
		       30000000L);
		if (read(fd, buf, sizeof buf) <= 0)
			break;
		srh_reply(rec, 354, NULL);
	}
	srh_end(rec);
}

/* Each piece reaches the reader on its own even when the reader takes
 * longer than the drain wait to get to its next read: a busy or starved
 * reader must not have two pieces merged into one read (CI once passed
 * the KB912341 reader under load that way). */
static void test_busy_reader_gets_pieces_apart(void **state)
{
	(void)state;
	static const struct srh_subject busy = {
		.abi = SRH_SUBJECT_ABI,
		.name = "busy-reader",
		.read_fd = busy_read_fd,
	};
	struct run_opts ro = {.drain_wait_ms = 2};
	struct sched sc = {0};
	struct tr_transcript t;

	tr_init(&t);
	sched_add(&sc, 6, 0, false);
	run_fd(&busy, &ro, (const unsigned char *)"354-\r\n354 \r\n", 12, &sc,
	       &t);
	assert_int_equal(tr_replies(&t), 2);
	tr_free(&t);
	sched_free(&sc);
}

static void test_crlf_split(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "crlf_split");
	run(&o, "250-mx.example\r\n250 SIZE 100\r\n", &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_SPLIT);
	assert_int_equal(f->sched.ncuts, 1);
	size_t at = f->sched.cuts[0].at;
	assert_int_equal(f->stream.s[at - 1], '\r');
	assert_int_equal(f->stream.s[at], '\n');
	/* Shrunk without changing the reply's structure: two lines. */
	assert_true(bytes_are(f, "250-\r\n250 \r\n"));
	chk_result_free(&r);
}

static void test_static_buffer(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "static_buffer");
	run(&o, kb_stream, &r);
	expect(&o, &r, CHK_O_REENTRANT);
	/* Used alone, it is right. */
	assert_null(find(&r, CHK_O_SPLIT));
	assert_null(find(&r, CHK_O_PREFIX));
	chk_result_free(&r);
}

static void test_short_timeout(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "short_timeout");
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_SPLIT);
	assert_int_equal(f->sched.ncuts, 1);
	assert_int_equal(f->sched.cuts[0].delay_ms, 50);
	chk_result_free(&r);

	/* Without a pause longer than its timeout, nothing shows. */
	o.delays[0] = 0;
	o.delays[1] = 1;
	o.ndelays = 2;
	run(&o, kb_stream, &r);
	assert_null(find(&r, CHK_O_SPLIT));
	chk_result_free(&r);
}

static void test_crash_3byte(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "crash_3byte");
	run(&o, cve_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_CRASH);
	assert_true(bytes_are(f, "250\r\n"));
	assert_int_equal(f->sched.ncuts, 0);
	assert_true(f->orig_len == strlen(cve_stream));
	chk_result_free(&r);
}

/* A child that began a sanitizer report is dying, not stuck, however
 * long the report takes: crash, with the report kept. */
static void test_slow_sanitizer_report(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "slow_report_subject");
	o.families = 0;
	o.shrink = false;
	run(&o, "250 ok\r\n", &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_CRASH);
	assert_non_null(strstr(sb_str(&f->log), "AddressSanitizer"));
	assert_null(find(&r, CHK_O_HANG));
	chk_result_free(&r);
}

/* A record round-trips; one too big for the area keeps its schedule and
 * detail whole and cuts the long transcript, saying so; an oracle number
 * out of range and lengths past the area are refused. */
static void test_channel_record(void **state)
{
	(void)state;
	struct sbx_shared *sh = sbx_create(300);
	struct chk_record in, out;

	assert_non_null(sh);
	chk_record_init(&in);
	in.oracle = CHK_O_SPLIT;
	in.prefix = 7;
	sb_adds(&in.sched, "3,5");
	sb_adds(&in.detail, "why");
	sb_adds(&in.expected, "reply 250");
	assert_true(chk_record_put(sh, &in));
	assert_int_equal(chk_record_get(sh, &out), CHK_REC_OK);
	assert_int_equal(out.oracle, CHK_O_SPLIT);
	assert_int_equal(out.prefix, 7);
	assert_string_equal(sb_str(&out.sched), "3,5");
	assert_string_equal(sb_str(&out.expected), "reply 250");
	assert_string_equal(sb_str(&out.actual), "");
	assert_int_equal(out.stream.len, 0);
	chk_record_free(&out);

	/* A stream of the family's own comes back byte for byte. */
	sh->result_len = 0;
	sb_add(&in.stream, "250 \0x\r\n", 8);
	assert_true(chk_record_put(sh, &in));
	assert_int_equal(chk_record_get(sh, &out), CHK_REC_OK);
	assert_int_equal(out.stream.len, 8);
	assert_memory_equal(out.stream.s, "250 \0x\r\n", 8);
	chk_record_free(&out);
	sb_clear(&in.stream);

	sh->result_len = 0;
	for (int i = 0; i < 100; i++)
		sb_adds(&in.actual, "reply 250\n");
	assert_true(chk_record_put(sh, &in));
	assert_int_equal(chk_record_get(sh, &out), CHK_REC_OK);
	assert_string_equal(sb_str(&out.sched), "3,5");
	assert_string_equal(sb_str(&out.detail), "why");
	assert_true(out.actual.len < in.actual.len);
	assert_non_null(strstr(sb_str(&out.actual), "[cut:"));
	chk_record_free(&out);

	/* An oracle number the subject scribbled (the child's memory is
	 * its): refused, never used as a shift or an index. */
	static const int32_t bad_oracles[] = {-1, CHK_O_COUNT + 1, 100000};
	for (size_t i = 0; i < 3; i++) {
		sh->result_len = 0;
		assert_true(chk_record_put(sh, &in));
		/* the header: a 4-byte magic, then the oracle */
		memcpy(sh->result + 4, &bad_oracles[i], sizeof(int32_t));
		assert_int_equal(chk_record_get(sh, &out), CHK_REC_BAD);
		chk_record_free(&out);
	}

	sh->result_len = sh->result_cap + 1;
	assert_int_equal(chk_record_get(sh, &out), CHK_REC_BAD);
	sh->result_len = 0;
	assert_int_equal(chk_record_get(sh, &out), CHK_REC_NONE);
	chk_record_free(&in);
	sbx_destroy(sh);
}

/* The subject wrote over the result area mid-family: a crash named as
 * such, the parent unharmed, the other families' verdicts kept. */
static void test_scribbled_result(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "scribble_subject");
	o.shrink = false;
	run(&o, "250 ok\r\n", &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_CRASH);
	assert_int_equal(f->family, CHK_F_SINGLE);
	assert_int_equal(r.error.len, 0);
	assert_null(find(&r, CHK_O_SPLIT));
	chk_result_free(&r);
}

static void test_lazy_reply(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "lazy_reply");
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_PROMPT);
	assert_non_null(strstr(f->detail.s, "end-of-input"));
	assert_true(f->stream.len <= 6);
	chk_result_free(&r);
}

static void test_read_past_piece(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "read_past_piece");
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_CRASH);
	/* The piece ends with a CR: the peek past it hits the guard page. */
	assert_int_equal(f->sched.ncuts, 1);
	assert_int_equal(f->stream.s[f->sched.cuts[0].at - 1], '\r');
	chk_result_free(&r);
}

static void test_rescan(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "rescan");
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_WORK);
	assert_non_null(strstr(f->detail.s, "byte by byte"));
	/* Its output is right however it is cut. */
	assert_null(find(&r, CHK_O_SPLIT));
	chk_result_free(&r);
}

static void test_no_final_line(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "no_final_line");
	o.deadline_ms = 200;
	run(&o, "250\r\n", &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_HANG);
	assert_non_null(strstr(f->detail.s, "no progress"));
	chk_result_free(&r);
}

static void test_bad_reset(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	opts(&o, "bad_reset");
	run(&o, kb_stream, &r);
	expect(&o, &r, CHK_O_REUSE);
	assert_null(find(&r, CHK_O_SPLIT));
	chk_result_free(&r);
}

static void test_expected_transcript(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r = {0};
	struct chk_input in = {"t",  (const unsigned char *)"250 ok\r\n",
			       8,    "reply 250 esc=-\n  \"ok\"\nend\n",
			       NULL, NULL};

	opts(&o, "reference");
	o.families = 0;
	chk_stream(&o, &in, &r);
	assert_int_equal(r.nfail, 0);
	in.expected = "reply 250 esc=-\n  \"OK\"\nend\n";
	chk_stream(&o, &in, &r);
	expect(&o, &r, CHK_O_EXPECTED);
	chk_result_free(&r);
}

/* ---- reproducing ---------------------------------------------------------
 */

/* Run a shell command; its exit status, and its output in out. */
static int shell(const char *cmd, struct strbuf *out)
{
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		sb_add(out, buf, n);
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A fresh file for a JSON report: path is a "...XXXXXX.json" template. */
static void temp_report(char *path)
{
	int fd = mkstemps(path, 5);

	assert_true(fd >= 0);
	close(fd);
}

/* The report at path, appended to out; the file is removed. */
static void read_report(const char *path, struct strbuf *out)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_add(out, buf, n);
	fclose(f);
	unlink(path);
	assert_true(out->len > 0);
}

/* The printed command, run as printed. */
static void test_reproduce_command(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;
	struct strbuf cmd = {0}, out = {0};

	opts(&o, SUBJECT_DIR "/kb912341_reader.so");
	o.prog = SMTP_SPLIT_DIR "/smtp-split";
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_SPLIT);
	report_repro(&o, "test", NULL, f, &cmd);
	assert_non_null(strstr(cmd.s, "--cuts 6"));
	assert_int_equal(shell(cmd.s, &out), 1);
	assert_non_null(strstr(out.s, "FAIL split (fd shape)"));
	assert_non_null(strstr(out.s, "stream:   \"354-\\r\\n354 \\r\\n\""));
	sb_free(&cmd);
	sb_free(&out);
	chk_result_free(&r);
}

/* A saved case file is replayed by smtp-split and fails the same way. */
static void test_case_file(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;
	struct strbuf text = {0}, cmd = {0}, out = {0}, err = {0};
	char path[] = "/tmp/srh-case-XXXXXX.case";

	opts(&o, SUBJECT_DIR "/crlf_split.so");
	run(&o, kb_stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_SPLIT);
	report_case_file(&o, f, &text);

	struct report_case c;
	assert_true(report_case_read(text.s, text.len, &c, &err));
	assert_int_equal(c.stream.len, f->stream.len);
	assert_memory_equal(c.stream.s, f->stream.s, f->stream.len);
	assert_int_equal(c.shape, CHK_PUSH);
	report_case_free(&c);

	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text.s, text.len), (ssize_t)text.len);
	close(fd);
	sb_addf(&cmd,
		"%s/smtp-split --subject %s/crlf_split.so --families "
		"none %s",
		SMTP_SPLIT_DIR, SUBJECT_DIR, path);
	assert_int_equal(shell(cmd.s, &out), 1);
	assert_non_null(strstr(out.s, "found by: pinned"));
	unlink(path);
	sb_free(&text);
	sb_free(&cmd);
	sb_free(&out);
	sb_free(&err);
	chk_result_free(&r);
}

/* The JSON report names each failure and how to reproduce it. */
static void test_json_report(void **state)
{
	(void)state;
	struct strbuf cmd = {0}, out = {0}, json = {0};
	char path[] = "/tmp/srh-report-XXXXXX.json";

	temp_report(path);
	sb_addf(&cmd,
		"%s/smtp-split --quiet --subject %s/kb912341_reader.so "
		"--families single --json %s --stream '354-Line 1\\r\\n354 "
		"Send message\\r\\n'",
		SMTP_SPLIT_DIR, SUBJECT_DIR, path);
	assert_int_equal(shell(cmd.s, &out), 1);
	read_report(path, &json);
	assert_non_null(strstr(json.s, "\"subject\":\"kb912341-reader\""));
	assert_non_null(strstr(json.s, "\"oracle\":\"split\""));
	assert_non_null(strstr(json.s, "\"cuts\":\"6\""));
	assert_non_null(strstr(json.s, "\"reproduce\":"));
	sb_free(&cmd);
	sb_free(&out);
	sb_free(&json);
}

/* --stop-on ends the run after the input where that oracle failed, and
 * --no-corpus leaves the generated streams alone; each refuses nonsense. */
static void test_stop_on(void **state)
{
	(void)state;
	struct strbuf cmd = {0}, out = {0}, json = {0};
	char path[] = "/tmp/srh-stop-XXXXXX.json";

	/* atoi_code fails the model oracle on some generated stream k: the
	 * run stops there, 150 - k left. */
	temp_report(path);
	sb_addf(&cmd,
		"%s/smtp-split --quiet --subject %s/atoi_code.so --no-corpus "
		"--generate 150 --stop-on model --json %s",
		SMTP_SPLIT_DIR, SUBJECT_DIR, path);
	assert_int_equal(shell(cmd.s, &out), 1);
	const char *at = strstr(out.s, "input:    generated stream ");
	assert_non_null(at);
	int k = atoi(at + strlen("input:    generated stream "));
	assert_true(k >= 1 && k < 150);
	char want[160];
	snprintf(want, sizeof want, "streams %d, ", k);
	assert_non_null(strstr(out.s, want));
	snprintf(want, sizeof want,
		 "stopped at a failure of model (--stop-on): %d input(s) not "
		 "checked",
		 150 - k);
	assert_non_null(strstr(out.s, want));
	/* The report says the run was cut short, and by what. */
	read_report(path, &json);
	snprintf(want, sizeof want,
		 "\"streams\":%d,\"inputs\":150,\"stopped_by\":\"stop-on\"", k);
	assert_non_null(strstr(json.s, want));
	/* Another oracle named: the run goes on to the end. */
	sb_free(&out);
	sb_clear(&cmd);
	sb_addf(&cmd,
		"%s/smtp-split --quiet --subject %s/atoi_code.so --no-corpus "
		"--generate 12 --stop-on hang,crash",
		SMTP_SPLIT_DIR, SUBJECT_DIR);
	assert_int_equal(shell(cmd.s, &out), 1);
	assert_non_null(strstr(out.s, "streams 12, "));
	assert_null(strstr(out.s, "stopped "));
	sb_free(&out);
	sb_clear(&cmd);
	sb_addf(&cmd, "%s/smtp-split --stop-on split,nothing 2>&1",
		SMTP_SPLIT_DIR);
	assert_int_equal(shell(cmd.s, &out), 2);
	assert_non_null(strstr(out.s, "bad value 'split,nothing'"));
	sb_free(&out);
	sb_clear(&cmd);
	sb_addf(&cmd, "%s/smtp-split --no-corpus 2>&1", SMTP_SPLIT_DIR);
	assert_int_equal(shell(cmd.s, &out), 2);
	assert_non_null(strstr(out.s, "--no-corpus: nothing to check"));
	sb_free(&cmd);
	sb_free(&out);
	sb_free(&json);
}

/* ---- the pieces ----------------------------------------------------------
 */

/* One reply "ok" reported after fed bytes, then the end. */
static void one_reply_at(struct tr_transcript *t, uint32_t fed)
{
	tr_init(t);
	t->fed = fed;
	srh_line(&t->rec, "ok", 2);
	srh_reply(&t->rec, 250, NULL);
	t->fed = TR_FED_EOF;
	srh_end(&t->rec);
}

/* Promptness says which way an event was off: early is as wrong as
 * late, and was once worded "later". */
static void test_prompt_early_or_late(void **state)
{
	(void)state;
	struct chk_ctx c = {0};
	struct tr_transcript t;
	struct sched s = {0};
	struct strbuf why = {0};
	uint32_t due[] = {8, TR_FED_EOF}; /* byte by byte: with byte 8 */

	c.n = 8;
	c.shape = CHK_PUSH;
	c.tags_ok = true;
	c.due = due;
	c.ndue = 2;
	one_reply_at(&c.t0, 8);

	sched_add(&s, 4, 0, false); /* "250 ok\r\n" as 4 + 4 bytes */
	one_reply_at(&t, 8);
	assert_true(chk_tags_fine(&c, &t, &s, &why));
	tr_free(&t);
	one_reply_at(&t, 4);
	assert_false(chk_tags_fine(&c, &t, &s, &why));
	assert_non_null(strstr(why.s, "event 1 was reported early, after 4 "
				      "bytes were fed; it was due once 8 "
				      "were"));
	tr_free(&t);

	/* due once 4 were, under cuts at 4 and 6, reported with 6 */
	due[0] = 3;
	sched_add(&s, 6, 0, false);
	sb_clear(&why);
	one_reply_at(&t, 6);
	assert_false(chk_tags_fine(&c, &t, &s, &why));
	assert_non_null(strstr(why.s, "event 1 was reported late, after 6 "
				      "bytes were fed; it was due once 4 "
				      "were"));
	tr_free(&t);
	tr_free(&c.t0);
	sched_free(&s);
	sb_free(&why);
}

/* ---- the resource families: time, memory, alloc, faults -----------------
 */

static const char two_replies[] = "250-a\r\n250 b\r\n221 bye\r\n";

/* Only the resource families, on a short stream of two replies. */
static void resource_run(const char *name, unsigned families,
			 struct chk_opts *o, struct chk_result *r)
{
	opts(o, name);
	o->families = families;
	run(o, two_replies, r);
}

static void test_time_family(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	resource_run("reparse_buffer", CHK_TIME, &o, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_TIME);
	assert_int_equal(f->family, CHK_F_TIME);
	assert_non_null(strstr(f->detail.s, "CPU time fed byte by byte"));
	/* Its own long input, not the stream given, at most 64 KiB. */
	assert_true(f->stream.len > 1000 && f->stream.len <= 65536);
	/* Right replies however it is cut: nothing else finds it. */
	assert_int_equal(r.nfail, 1);
	chk_result_free(&r);

	/* A linear parser passes, and a second stream does not rerun it. */
	resource_run("my_subject", CHK_TIME, &o, &r);
	assert_int_equal(r.nfail, 0);
	assert_true(r.stats.once_done[CHK_PUSH] & CHK_TIME);
	chk_result_free(&r);
}

static void test_memory_family(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	resource_run("keeps_everything", CHK_MEMORY, &o, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_MEMORY);
	assert_int_equal(f->family, CHK_F_MEMORY);
	assert_non_null(strstr(f->detail.s, "past the bound of 1048576"));
	/* Shrunk from the 4 MiB flood to about what exceeds the bound. */
	assert_true(f->stream.len < ((size_t)2 << 20));
	assert_true(f->stream.len > ((size_t)256 << 10));
	chk_result_free(&r);

	/* A subject that holds 4 KiB for each 8-byte reply: the flood stops
	 * at the first read past the bound, so the verdict is memory (not a
	 * hang nor the harness's own memory limit, 2 GiB later). */
	resource_run("reply_queue", CHK_MEMORY, &o, &r);
	f = expect(&o, &r, CHK_O_MEMORY);
	assert_non_null(strstr(f->detail.s, "endless pipelined replies"));
	assert_non_null(strstr(f->detail.s, "times what it has read"));
	assert_int_equal(f->stream.len, SRH_FLOOD_PIECE);
	assert_int_equal(r.nfail, 1);
	chk_result_free(&r);

	/* The endless line of a parser without a line limit. */
	resource_run("unbounded_lines", CHK_MEMORY, &o, &r);
	f = expect(&o, &r, CHK_O_MEMORY);
	assert_non_null(strstr(f->detail.s, "an endless line"));
	chk_result_free(&r);

	/* Unchecked (--heap-limit 0), and a bounded parser: no finding. */
	opts(&o, "keeps_everything");
	o.families = CHK_MEMORY;
	o.heap_limit = 0;
	run(&o, two_replies, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
	resource_run("my_subject", CHK_MEMORY, &o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
	resource_run("robust_fd_subject", CHK_MEMORY, &o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
}

static void test_alloc_family(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	/* Allocation 1 is create()'s: NULL from it is a fine answer. The
	 * second, the line buffer's, is written through unchecked. */
	resource_run("alloc_unchecked", CHK_ALLOC, &o, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_ALLOC);
	assert_int_equal(f->family, CHK_F_ALLOC);
	assert_non_null(strstr(f->detail.s, "alloc 2"));
	assert_null(find(&r, CHK_O_CRASH));
	chk_result_free(&r);

	/* A parser that reports an error when its buffer cannot grow. */
	resource_run("unbounded_lines", CHK_ALLOC, &o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
	resource_run("robust_fd_subject", CHK_ALLOC, &o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
}

static void test_faults_family(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	resource_run("eintr_ends", CHK_FAULTS, &o, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_FAULTS);
	assert_int_equal(f->shape, CHK_FD);
	assert_non_null(strstr(f->detail.s, "'eintr'"));
	chk_result_free(&r);

	/* Every fault survived: retried, waited out, or an error at a reset
	 * (the stream's replies all reported before it). */
	resource_run("robust_fd_subject", CHK_FAULTS, &o, &r);
	print_all(&o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
}

/* ---- the contract's declarations (subject ABI 2) ------------------------
 */

static void test_abi1_loads(void **state)
{
	(void)state;
	const struct srh_subject *s = subject("abi1_subject");
	assert_int_equal(s->abi, SRH_SUBJECT_ABI);
	assert_string_equal(s->name, "abi-1");
	assert_int_equal(s->limits.line_octets, 0);
	assert_int_equal(s->limits.heap_octets, 0);

	struct chk_opts o;
	struct chk_result r;
	opts(&o, "abi1_subject");
	o.families = CHK_SINGLE | CHK_PREFIX;
	run(&o, cve_stream, &r);
	print_all(&o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
}

/* A 700-octet line, then a reply of 11 lines. */
static char *policy_stream(void)
{
	struct strbuf b = {0};
	sb_adds(&b, "250 ");
	for (int i = 0; i < 694; i++)
		sb_adds(&b, "x");
	sb_adds(&b, "\r\n");
	for (int i = 0; i < 10; i++)
		sb_adds(&b, "250-line\r\n");
	sb_adds(&b, "250 last\r\n");
	return b.s;
}

static void test_declared_limits(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;
	char *stream = policy_stream();

	/* By its declarations: the long line is fine, the 11th line a
	 * limit error, which it reports as a syntax error (no kind). */
	opts(&o, "declared_subject");
	o.families = CHK_SINGLE;
	run(&o, stream, &r);
	print_all(&o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);

	/* The same parser declaring nothing: diff says so. */
	struct srh_subject plain = *o.subject;
	memset(&plain.limits, 0, sizeof plain.limits);
	o.subject = &plain;
	run(&o, stream, &r);
	expect(&o, &r, CHK_O_DIFF);
	chk_result_free(&r);
	plain.limits = subject("declared_subject")->limits;
	plain.reports = 0; /* limits, but kinds compared */
	run(&o, stream, &r);
	const struct chk_failure *f = expect(&o, &r, CHK_O_DIFF);
	assert_non_null(strstr(f->expected.s, "limit"));
	chk_result_free(&r);
	free(stream);

	/* A declared heap bound is the memory family's. */
	struct srh_subject tight = *subject("keeps_everything");
	chk_opts_init(&o, &tight);
	tight.limits.heap_octets = 64 << 20;
	chk_opts_init(&o, &tight);
	assert_int_equal(o.heap_limit, 64 << 20);
}

static void test_oracles_selected(void **state)
{
	(void)state;
	struct chk_opts o;
	struct chk_result r;

	/* first_line_only reports a reply per line: pipeline and diff. */
	opts(&o, "first_line_only");
	o.families = CHK_SINGLE | CHK_PREFIX;
	run(&o, "250-a\r\n250 b\r\n", &r);
	assert_true(r.nfail > 0);
	chk_result_free(&r);
	/* Cut-independence alone: its policy is its own business. */
	o.oracles = 1u << CHK_O_SPLIT | 1u << CHK_O_PROMPT;
	run(&o, "250-a\r\n250 b\r\n", &r);
	print_all(&o, &r);
	assert_int_equal(r.nfail, 0);
	chk_result_free(&r);
	/* A split bug is still found so. */
	opts(&o, "crlf_split");
	o.oracles = 1u << CHK_O_SPLIT | 1u << CHK_O_PROMPT;
	run(&o, kb_stream, &r);
	expect(&o, &r, CHK_O_SPLIT);
	assert_null(find(&r, CHK_O_DIFF));
	chk_result_free(&r);
}

static void test_schedule_text(void **state)
{
	(void)state;
	struct sched s = {0};
	struct strbuf out = {0}, err = {0};

	assert_true(sched_parse(&s, "13i,12,30@50", 40, &err));
	sched_format(&s, &out);
	assert_string_equal(out.s, "12,13i,30@50");
	assert_int_equal(s.cuts[2].delay_ms, 50);
	assert_true(sched_parse(&s, "none", 40, &err));
	assert_int_equal(s.ncuts, 0);
	assert_false(sched_parse(&s, "0", 40, &err));
	assert_false(sched_parse(&s, "40", 40, &err));
	assert_false(sched_parse(&s, "3;4", 40, &err));
	assert_false(sched_parse(&s, "3@70000", 40, &err));
	assert_false(sched_parse(&s, "x", 40, &err));

	/* The buffer form, cut short as snprintf cuts. */
	char buf[8];
	assert_true(sched_parse(&s, "13i,12,30@50", 40, &err));
	assert_int_equal(sched_format_buf(&s, buf, sizeof buf), 12);
	assert_string_equal(buf, "12,13i,");
	assert_int_equal(sched_format_buf(&s, buf, 1), 12);
	assert_string_equal(buf, "");
	sched_clear(&s);
	assert_int_equal(sched_format_buf(&s, buf, sizeof buf), 4);
	assert_string_equal(buf, "none");

	/* Every byte its own piece, with no list of cuts behind it. */
	size_t start, end;
	assert_true(sched_parse(&s, "bytes", 40, &err));
	assert_int_equal(s.every, 1);
	assert_int_equal(s.ncuts, 0);
	assert_int_equal(sched_pieces(&s, 40), 40);
	assert_int_equal(sched_ncuts(&s, 40), 39);
	struct sched_cut c = sched_piece(&s, 40, 7, &start, &end);
	assert_int_equal(start, 7);
	assert_int_equal(end, 8);
	assert_int_equal(c.at, 7);
	assert_int_equal(sched_pieces(&s, 1), 1);
	sched_piece(&s, 1, 0, &start, &end);
	assert_int_equal(end, 1);
	sb_clear(&out);
	sched_format(&s, &out);
	assert_string_equal(out.s, "bytes");
	sched_expand(&s, 5);
	assert_int_equal(s.every, 0);
	sb_clear(&out);
	sched_format(&s, &out);
	assert_string_equal(out.s, "1,2,3,4");
	/* Pieces of 3 bytes: the last one shorter. */
	assert_true(sched_parse(&s, "every:3", 40, &err));
	assert_int_equal(sched_pieces(&s, 10), 4);
	sched_piece(&s, 10, 3, &start, &end);
	assert_int_equal(start, 9);
	assert_int_equal(end, 10);
	sb_clear(&out);
	sched_format(&s, &out);
	assert_string_equal(out.s, "every:3");
	sched_expand(&s, 10);
	sb_clear(&out);
	sched_format(&s, &out);
	assert_string_equal(out.s, "3,6,9");
	assert_false(sched_parse(&s, "every:0", 40, &err));
	assert_false(sched_parse(&s, "every:", 40, &err));
	assert_false(sched_parse(&s, "every:2x", 40, &err));
	sched_clear(&s);
	sched_piece(&s, 40, 0, &start, &end);
	assert_int_equal(end, 40);
	sched_free(&s);
	sb_free(&out);
	sb_free(&err);
}

static void test_escape_round_trip(void **state)
{
	(void)state;
	struct strbuf e = {0}, back = {0};
	unsigned char all[256];
	size_t bad;

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	sb_add_escaped(&e, all, sizeof all);
	assert_null(memchr(e.s, '\n', e.len));
	assert_true(sb_unescape(&back, e.s, &bad));
	assert_int_equal(back.len, 256);
	assert_memory_equal(back.s, all, 256);
	sb_clear(&back);
	assert_false(sb_unescape(&back, "a\\q", &bad));
	assert_int_equal(bad, 1);
	assert_false(sb_unescape(&back, "\\x4", &bad));
	sb_free(&e);
	sb_free(&back);
}

static void test_interesting_points(void **state)
{
	(void)state;
	const char *in = "250-a\r\n250 b\r\n";
	uint32_t pts[64];
	size_t n = sched_interesting((const unsigned char *)in, strlen(in), pts,
				     64);
	/* After each code digit and the separator of both lines, around
	 * every CR and LF. */
	const uint32_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
	assert_int_equal(n, sizeof want / sizeof want[0]);
	assert_memory_equal(pts, want, sizeof want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_passes),
		cmocka_unit_test(test_exhaustive_partitions),
		cmocka_unit_test(test_guard_rewind),
		cmocka_unit_test(test_guard_refused),
		cmocka_unit_test(test_guard_many),
		cmocka_unit_test(test_guard_shadow),
		cmocka_unit_test(test_kb912341_reader),
		cmocka_unit_test(test_busy_reader_gets_pieces_apart),
		cmocka_unit_test(test_crlf_split),
		cmocka_unit_test(test_static_buffer),
		cmocka_unit_test(test_short_timeout),
		cmocka_unit_test(test_crash_3byte),
		cmocka_unit_test(test_slow_sanitizer_report),
		cmocka_unit_test(test_channel_record),
		cmocka_unit_test(test_scribbled_result),
		cmocka_unit_test(test_lazy_reply),
		cmocka_unit_test(test_read_past_piece),
		cmocka_unit_test(test_rescan),
		cmocka_unit_test(test_no_final_line),
		cmocka_unit_test(test_bad_reset),
		cmocka_unit_test(test_expected_transcript),
		cmocka_unit_test(test_reproduce_command),
		cmocka_unit_test(test_case_file),
		cmocka_unit_test(test_json_report),
		cmocka_unit_test(test_stop_on),
		cmocka_unit_test(test_schedule_text),
		cmocka_unit_test(test_prompt_early_or_late),
		cmocka_unit_test(test_time_family),
		cmocka_unit_test(test_memory_family),
		cmocka_unit_test(test_alloc_family),
		cmocka_unit_test(test_faults_family),
		cmocka_unit_test(test_abi1_loads),
		cmocka_unit_test(test_declared_limits),
		cmocka_unit_test(test_oracles_selected),
		cmocka_unit_test(test_escape_round_trip),
		cmocka_unit_test(test_interesting_points),
	};
	return cmocka_run_group_tests_name("smtp_split", tests, NULL, NULL);
}
