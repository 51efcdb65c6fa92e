/*
 * verdict.h - what smtp-torture says of one client run: a set of flags,
 * each a verdict, judged from the run, the one-piece run it is compared
 * with, and the client's own report (its outcome line).
 */
#ifndef SRH_VERDICT_H
#define SRH_VERDICT_H

#include <stdbool.h>

#include "strbuf.h"
#include "wire.h"

/* In rising order of harm: a run's verdict is its worst flag. */
#define VERDICTS(X)                                                         \
	X(OK, "ok", "as the one-piece run")                                 \
	X(DIFFERS, "differs", "delivered once, but other commands or body") \
	X(FAIL, "fail", "nothing accepted, and the client says so")         \
	X(EARLY, "early-talk", "talked while a reply was incomplete")       \
	X(NO_OUTCOME, "no-outcome",                                         \
	  "no outcome line, a malformed one, or several")                   \
	X(MISREPORT, "misreport",                                           \
	  "told its caller what the server never said")                     \
	X(LOST, "lost", "nothing accepted, yet the client says it sent")    \
	X(FALSE, "false-failure",                                           \
	  "accepted, yet the client says it failed: a retry duplicates it") \
	X(DUPLICATE, "duplicate", "accepted more than once")                \
	X(HANG, "hang", "past the deadline")

enum verdict {
#define VERDICT_ENUM(id, name, what) V_##id,
	VERDICTS(VERDICT_ENUM)
#undef VERDICT_ENUM
		V_COUNT
};

const char *verdict_name(enum verdict v);
/* The flag of a verdict name, or V_COUNT when there is none. */
enum verdict verdict_by_name(const char *name);

struct verdict_opts {
	const struct wire_outcome *base; /* NULL: this is the one-piece run */
	bool have_status;		 /* the client's exit status counts */
	bool expect_outcome;		 /* the driver prints an outcome line */
};

/* The flags of run r; why (may be NULL) gets what the client misreported
 * or why its outcome line is missing. */
unsigned verdict_flags(const struct wire_outcome *r,
		       const struct verdict_opts *o, struct strbuf *why);
enum verdict verdict_worst(unsigned flags);

/* Does the scenario's script take the message as RFC 5321 says a server
 * does: every reply of the dialogue one valid reply (UTF-8 text allowed)
 * with nothing after it, no hang-up, and the greeting, EHLO, MAIL, DATA,
 * the end of data and at least one recipient accepted? */
bool verdict_script_accepts(const struct scn *s);

/* The flags that are findings when script s is the truth (--generate,
 * --replay): every harm; fail where the script takes the message for every
 * recipient (a client on a valid server has failed); but no false-failure
 * or duplicate where the script broke the protocol before its reply to
 * the end of data was out. */
unsigned verdict_findings(unsigned flags, const struct scn *s);
/* "worst (+other, other)". */
void verdict_text(unsigned flags, struct strbuf *out);

#endif
