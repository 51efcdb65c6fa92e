/*
 * subjects.h - subjects built into smtp-split, selectable by name.
 */
#ifndef SRH_SUBJECTS_H
#define SRH_SUBJECTS_H

#include "subject.h"

#include <stdbool.h>

#include "strbuf.h"

extern const struct srh_subject srh_reference_subject;

/* A parser in another process (harness/adapters/README.md): start
 * command (through /bin/sh) with fd 3 listening, and point the adapter
 * subject at it. The process ends when this one does. */
extern const struct srh_subject srh_adapter_subject;
/* The exit status of a run whose adapter broke the protocol (garbage for
 * a transcript, a closed connection): the adapter's bug, not a crash of
 * the parser, and not worth shrinking. */
#define SRH_ADAPTER_BREACH 3
/* Start the adapter process for "adapter:COMMAND" (its pid in *pid) and
 * check it answers; false with the reason in err. *decl: the adapter
 * subject with what the adapter declared in its first answer (leniencies,
 * limits, what its errors carry), to run in its place. srh_adapter_stop() ends
 * it: SIGTERM, then SIGKILL to its process group after a second, as an
 * adapter that ignores SIGTERM would otherwise outlive the run and hold
 * our output open. */
bool srh_adapter_start(const char *command, int *pid, struct srh_subject *decl,
		       struct strbuf *err);
/* Is s the adapter subject (or its copy with declarations)? */
bool srh_is_adapter(const struct srh_subject *s);
void srh_adapter_stop(int pid);
/* Has the adapter process *pid exited? Then true, why it did in why,
 * and *pid 0 (nothing left to stop): every later run would fail
 * without the parser being at fault. */
bool srh_adapter_gone(int *pid, struct strbuf *why);

/* The reference parser with the leniencies and limits subject `as`
 * declares (NULL: strict, the defaults) over a whole stream in one piece
 * (in this process: it is our own code). */
void srh_reference_run(const unsigned char *in, size_t n,
		       const struct srh_subject *as, struct srh_recorder *rec);
/* Does s declare limits other than the reference's defaults? Then the
 * generator's model (which knows only those) gives way to the reference
 * configured as s declares. */
bool srh_declares_limits(const struct srh_subject *s);
struct srp_config;
/* The declared limits into a reference configuration (0: kept); a line
 * limit past 512 octets takes SRP_LENIENT_LONG_LINES with it. */
void srh_reference_limits(const struct srh_limits *l, struct srp_config *cfg);

#endif
