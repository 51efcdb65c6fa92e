/*
 * subjects.h - subjects built into smtp-split, selectable by name.
 */
#ifndef SRH_SUBJECTS_H
#define SRH_SUBJECTS_H

#include "subject.h"

extern const struct srh_subject srh_reference_subject;

#endif
