/*
 * report.h - how failures are shown and kept: the counterexample printed
 * for a person, the command that reproduces it, and the case file that the
 * regression corpus replays.
 */
#ifndef SRH_REPORT_H
#define SRH_REPORT_H

#include "check.h"
#include "strbuf.h"

/* The longest stream, escaped, that a reproduce command gives on its
 * command line (one argument may hold 128 KiB on Linux, and a person
 * must be able to read it); a longer one is replayed from its case file. */
#define REPORT_STREAM_MAX 4096

/* Stream, schedule, both transcripts side by side, reproduce line.
 * case_file: where f was saved (--save), or NULL. */
void report_failure(const struct chk_opts *o, const char *input,
		    const char *case_file, const struct chk_failure *f,
		    struct strbuf *out);
/* The shell command that reproduces f, as printed; for a stream over
 * REPORT_STREAM_MAX, the case file's replay (or, with none, how to get
 * one). */
void report_repro(const struct chk_opts *o, const char *input,
		  const char *case_file, const struct chk_failure *f,
		  struct strbuf *out);
/* A case file: comments, then "key value" lines (see case_read). */
void report_case_file(const struct chk_opts *o, const struct chk_failure *f,
		      struct strbuf *out);
/* f as one JSON object (no trailing newline). */
void report_json(const struct chk_opts *o, const char *input,
		 const char *case_file, const struct chk_failure *f,
		 struct strbuf *out);

/* A case file read back. */
struct report_case {
	struct strbuf stream;
	struct strbuf cuts; /* schedule text, "" when absent */
	int shape;	    /* -1: any */
	long prefix;	    /* -1: none */
};
/* Parse a case file's n bytes of text (NUL-terminated too); false with a
 * message naming the line in err: a NUL byte, a key given twice, a line
 * that is no case line, a bad escape or prefix, no stream; c then holds
 * nothing (report_case_free is harmless either way). */
bool report_case_read(const char *text, size_t n, struct report_case *c,
		      struct strbuf *err);
void report_case_free(struct report_case *c);

#endif
