/*
 * subjects.h - subjects built into smtp-split, selectable by name.
 */
#ifndef SRH_SUBJECTS_H
#define SRH_SUBJECTS_H

#include "subject.h"

extern const struct srh_subject srh_reference_subject;

/* The reference parser, accepting the given srh_leniency bits, over a
 * whole stream in one piece (in this process: it is our own code). */
void srh_reference_run(const unsigned char *in, size_t n, unsigned leniency,
		       struct srh_recorder *rec);

#endif
