/*
 * fuzz.c - see fuzz.h.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "loader.h"

const struct fuzz_env *fuzz_env(const char *target)
{
	/* The engines call a target with the input alone, so the subject
	 * and its options live here, set once and never changed after. */
	static struct fuzz_env env;
	static bool ready;

	if (ready)
		return &env;
	struct strbuf err = {0};
	env.subject = srh_subject();
	if (!env.subject || !loader_check(env.subject, &err)) {
		fprintf(stderr,
			"srh-fuzz: the linked subject breaks the "
			"contract: %s\n",
			env.subject ? sb_str(&err) : "srh_subject() is NULL");
		exit(2);
	}
	sb_free(&err);
	env.shape = env.subject->create ? CHK_PUSH : CHK_FD;
	const char *want = getenv("SRH_FUZZ_SHAPE");
	if (want && strcmp(want, "fd") == 0 && env.subject->read_fd)
		env.shape = CHK_FD;
	else if (want && strcmp(want, "push") == 0 && env.subject->create)
		env.shape = CHK_PUSH;
	else if (want && *want) {
		fprintf(stderr,
			"srh-fuzz: SRH_FUZZ_SHAPE=%s: subject %s has "
			"no such shape\n",
			want, env.subject->name);
		exit(2);
	}
	/* ASan catches reads past a piece in exact-size heap copies; guard
	 * pages would cost two system calls a piece. */
	env.run.guard = GUARD_OFF;
	env.run.drain_wait_ms = SRH_DRAIN_WAIT_MS;
	env.run.stop = hook_past_peak; /* past the bound, it has failed */
	env.run.stop_arg = &env.heap_limit;
	env.target = target;
	env.heap_limit = env.subject->limits.heap_octets
				 ? env.subject->limits.heap_octets
				 : (size_t)SRH_HEAP_LIMIT_KIB << 10;
	const char *limit = getenv("SRH_FUZZ_HEAP_LIMIT");
	if (limit && *limit) {
		char *end;
		errno = 0;
		unsigned long long kib = strtoull(limit, &end, 10);
		if (errno || *end || *limit == '-' || kib > SIZE_MAX >> 10) {
			fprintf(stderr,
				"srh-fuzz: SRH_FUZZ_HEAP_LIMIT=%s: not a "
				"count of KiB\n",
				limit);
			exit(2);
		}
		env.heap_limit = (size_t)kib << 10;
	}
	ready = true;
	return &env;
}

void fuzz_run(const struct fuzz_env *e, const unsigned char *in, size_t n,
	      const struct sched *sc, struct tr_transcript *t)
{
	struct sched none = {0};

	tr_clear(t);
	if (!sc)
		sc = &none;
	hook_plan(&(struct hook_plan){.fault_fd = -1});
	if (e->shape == CHK_PUSH)
		run_push(e->subject, &e->run, in, n, sc, t);
	else
		run_fd(e->subject, &e->run, in, n, sc, t);
	struct hook_stats st;
	hook_stats(&st);
	if (e->heap_limit && st.peak > e->heap_limit) {
		char why[160];
		snprintf(why, sizeof why,
			 "the subject's live heap peaked at %zu bytes, over "
			 "its bound of %zu, on a %zu-byte stream",
			 st.peak, e->heap_limit, n);
		fuzz_fail(e, CHK_O_MEMORY, in, n, sc, NULL, t, why);
	}
}

void fuzz_derived_sched(const unsigned char *in, size_t n, struct sched *out)
{
	uint32_t interesting[256];
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a: any stable hash */

	for (size_t i = 0; i < n; i++)
		h = (h ^ in[i]) * 0x100000001b3u;
	sched_clear(out);
	if (n < 2)
		return;
	size_t k = sched_interesting(in, n, interesting, 256);
	sched_random(out, &h, n, interesting, k, 6, 20, NULL, 0, 0);
}

void fuzz_bytewise(size_t n, struct sched *out)
{
	(void)n;
	sched_bytewise(out);
}

bool fuzz_well_formed(const struct tr_transcript *t, size_t n,
		      struct strbuf *why)
{
	for (size_t i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];
		bool last = i + 1 == t->nev;
		switch (e->kind) {
		case TR_OVERFLOW:
			sb_addf(why,
				"more than %u events or %u bytes of text "
				"reported",
				TR_MAX_EVENTS, TR_MAX_TEXT);
			return false;
		case TR_REPLY:
			if (e->nlines == 0) {
				sb_addf(why, "reply %zu has no lines", i + 1);
				return false;
			}
			if (last) {
				sb_adds(why, "neither the end nor an error was "
					     "reported after the last reply");
				return false;
			}
			break;
		case TR_ERROR:
			if (tr_offset(e) != SRH_OFFSET_UNKNOWN &&
			    tr_offset(e) > n) {
				sb_addf(why,
					"error offset %llu is past the end of "
					"the %zu-byte stream",
					(unsigned long long)tr_offset(e), n);
				return false;
			}
			/* fall through */
		case TR_END:
			if (!last) {
				sb_addf(why, "event %zu follows the %s", i + 2,
					e->kind == TR_END ? "end" : "error");
				return false;
			}
			break;
		}
	}
	if (t->nev == 0) {
		sb_adds(why, "neither the end nor an error was reported");
		return false;
	}
	return true;
}

static void show(const char *label, const struct tr_transcript *t)
{
	struct strbuf b = {0};

	if (!t)
		return;
	tr_format(t, &b, false);
	fprintf(stderr, "%s:\n", label);
	for (const char *p = sb_str(&b); *p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		fprintf(stderr, "    %.*s\n", len, p);
		p += len + (nl != NULL);
	}
	sb_free(&b);
}

_Noreturn void fuzz_fail(const struct fuzz_env *e, enum chk_oracle o,
			 const unsigned char *in, size_t n,
			 const struct sched *sc,
			 const struct tr_transcript *want,
			 const struct tr_transcript *got, const char *why)
{
	struct strbuf b = {0};

	/* The first line is what scripts read: target, oracle, subject. */
	fprintf(stderr, "srh-fuzz: %s: oracle %s failed (subject %s, %s)\n",
		e->target, chk_oracle_name(o), e->subject->name,
		e->shape == CHK_PUSH ? "push" : "fd");
	fprintf(stderr, "  %s\n", chk_oracle_what(o));
	if (why && *why)
		fprintf(stderr, "  %s\n", why);
	sb_add_escaped(&b, in, n);
	fprintf(stderr, "  stream (%zu bytes): \"%s\"\n", n, sb_str(&b));
	sb_clear(&b);
	if (sc && n > 2 && sc->ncuts == n - 1)
		fprintf(stderr, "  schedule: every byte its own piece\n");
	else if (sc) {
		sched_format(sc, &b);
		fprintf(stderr, "  schedule: %s\n", sb_str(&b));
	}
	show("  expected", want);
	show("  actual", got);
	if (chk_oracle_judged(o) != CHK_BY_SCHEDULE) {
		sb_free(&b);
		fflush(stderr);
		abort();
	}
	/* The same stream and cuts through the split tester, quoted for a
	 * POSIX shell: '\'' closes, escapes and reopens a quote. */
	sb_clear(&b);
	sb_add_escaped(&b, in, n);
	fprintf(stderr,
		"  the same with smtp-split: --subject SUBJECT.so --shape %s "
		"--stream '",
		e->shape == CHK_PUSH ? "push" : "fd");
	for (const char *p = sb_str(&b); *p; p++)
		fputs(*p == '\'' ? "'\\''" : (char[]){*p, 0}, stderr);
	fputs("'", stderr);
	if (sc && sc->ncuts) {
		sb_clear(&b);
		sched_format(sc, &b);
		fprintf(stderr, " --cuts %s", sb_str(&b));
	}
	fputs("\n", stderr);
	sb_free(&b);
	fflush(stderr);
	abort();
}
