/*
 * fuzz.h - what the coverage-guided fuzz targets share: the subject they
 * attack, how an input splits into streams and a schedule, and how a
 * failure is reported: to stderr, then abort(), which libFuzzer, AFL++ and
 * the replay driver all treat as a crash. These helpers are the targets'
 * main side: they alone print and end the process (a misconfigured
 * target exits 2); the harness's libraries they call return errors.
 *
 * Each target (fuzz_*.c) defines LLVMFuzzerTestOneInput and is linked with
 * one engine (libFuzzer, AFL++'s libFuzzer driver, or replay.c, which runs
 * files without a fuzzer) and with one subject: a C file that defines
 * srh_subject() (subject.h). Build: see harness/fuzz/README.md.
 *
 * Input formats. Raw reply bytes come first, so every reply stream is a
 * valid input to every target but model, and corpora stay readable:
 *
 *   parse, diff:  STREAM
 *   split:        STREAM [SEP CUTS]
 *   reentrant:    STREAM [SEP STREAM2 [SEP CUTS]]
 *   model:        the generator's choices (generator.h)
 *
 * SEP is FUZZ_SEP. CUTS is a byte string, one byte a step (fuzz_cuts()):
 * any bytes decode to a valid schedule, so mutations never waste a run.
 */
#ifndef SRH_FUZZ_H
#define SRH_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "defaults.h"
#include "hook.h"
#include "schedule.h"
#include "strbuf.h"
#include "subject.h"
#include "transcript.h"

#define FUZZ_SEP \
	"\xff"   \
	"srh\xff"
#define FUZZ_SEP_LEN 5u

/* Inputs longer than this are skipped: they only slow the search down. */
#define FUZZ_MAX_INPUT 16384u
/* Pauses a schedule may hold (fd subjects), and how long each is: longer
 * than the short read timeouts real clients use. */
#define FUZZ_MAX_PAUSES 2u
#define FUZZ_PAUSE_MS	60u

/* CUTS bytes: the low 6 bits advance the offset by 1..63 and cut there,
 * except 63, which advances 63 without cutting; bit 6 adds an idle step
 * (an empty feed) and bit 7 a pause before the piece. */
#define FUZZ_CUT_SKIP  0x3fu
#define FUZZ_CUT_IDLE  0x40u
#define FUZZ_CUT_PAUSE 0x80u

/* The second stream of a reentrant input that has none. */
#define FUZZ_PARTNER SRH_PARTNER_STREAM

/* Everything a target needs to run the subject; made once. */
struct fuzz_env {
	const struct srh_subject *subject;
	enum chk_shape shape; /* push when the subject has it, else fd;
				 SRH_FUZZ_SHAPE=fd|push overrides */
	struct run_opts run;
	const char *target; /* "split": for reports */
	/* The live heap the subject may hold on any input (the memory
	 * oracle): its declared limits.heap_octets, else SRH_HEAP_LIMIT_KIB;
	 * SRH_FUZZ_HEAP_LIMIT=KIB overrides, 0 unchecked. Seen only when the
	 * subject's object was built with hook.syms (CMake and oss-fuzz/
	 * build.sh do). */
	size_t heap_limit;
};

/* Declares the engine entry points and defines LLVMFuzzerInitialize for a
 * target called name: the subject is checked before the first input. */
#define FUZZ_TARGET(name)                                             \
	int LLVMFuzzerInitialize(int *argc, char ***argv);            \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerInitialize(int *argc, char ***argv)             \
	{                                                             \
		(void)argc;                                           \
		(void)argv;                                           \
		fuzz_env(name);                                       \
		return 0;                                             \
	}

/* The linked subject, checked, with the shape to use. Exits with a
 * message when the subject breaks the contract: each target calls it from
 * LLVMFuzzerInitialize, so that happens before fuzzing, not as a crash. */
const struct fuzz_env *fuzz_env(const char *target);

/* Run stream in[0, n) under schedule sc (NULL: one piece) into t; a run
 * whose live heap peaks over e->heap_limit fails (memory). */
void fuzz_run(const struct fuzz_env *e, const unsigned char *in, size_t n,
	      const struct sched *sc, struct tr_transcript *t);

/* Offset of the first FUZZ_SEP in data[from, size), or size. */
size_t fuzz_sep(const uint8_t *data, size_t size, size_t from);

/* Decode CUTS (see above) for a stream of n bytes. Pauses only when
 * `pauses` (fd subjects), at most FUZZ_MAX_PAUSES. */
void fuzz_cuts(const uint8_t *code, size_t len, size_t n, bool pauses,
	       struct sched *out);
/* Encode a schedule as CUTS. Decoded with pauses allowed, a schedule
 * with cuts inside 1..n-1 and at most FUZZ_MAX_PAUSES pauses comes back
 * the same (pauses of any length as FUZZ_PAUSE_MS). */
void fuzz_cuts_encode(const struct sched *s, struct strbuf *out);

/* A schedule that depends only on the stream's bytes: a few random cuts,
 * half of them where bugs live (sched_interesting()). */
void fuzz_derived_sched(const unsigned char *in, size_t n, struct sched *out);

/* Every byte its own piece. */
void fuzz_bytewise(size_t n, struct sched *out);

/* Report a failure of oracle o and abort(). want/got: the transcripts
 * (either may be NULL); sc: the schedule (NULL: none); why: one line. */
_Noreturn void fuzz_fail(const struct fuzz_env *e, enum chk_oracle o,
			 const unsigned char *in, size_t n,
			 const struct sched *sc,
			 const struct tr_transcript *want,
			 const struct tr_transcript *got, const char *why);

/* Contract checks on a transcript of a stream of n bytes: one terminal
 * event (end or error) and it is the last; error offsets inside the
 * stream; no reply without lines; no unbounded reporting. false with the
 * reason in why. */
bool fuzz_well_formed(const struct tr_transcript *t, size_t n,
		      struct strbuf *why);

#endif
