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
bool srh_adapter_start(const char *command, struct strbuf *err);

/* The reference parser, accepting the given srh_leniency bits, over a
 * whole stream in one piece (in this process: it is our own code). */
void srh_reference_run(const unsigned char *in, size_t n, unsigned leniency,
		       struct srh_recorder *rec);

#endif
