/*
 * reference_export.c - the reference parser as the one subject of a
 * program: what the fuzz targets link when no other subject is given.
 */
#include "subject.h"
#include "subjects.h"

SRH_SUBJECT_EXPORT(srh_reference_subject)
