/*
 * inputs.h - the streams smtp-split checks: files and folders of reply
 * streams, .case files (report.h: a stream with its shape and schedule),
 * each with the transcript it must give when a FILE.transcript is beside
 * it; and streams made in memory (--stream, --generate).
 */
#ifndef SRH_INPUTS_H
#define SRH_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "generator.h"
#include "schedule.h"
#include "strbuf.h"

struct input {
	char *name; /* path, or a description ("<stream>") */
	struct strbuf bytes;
	struct strbuf expected; /* .transcript beside it, if any */
	bool has_expected;
	struct sched pinned;
	bool has_pinned;
	int shape;		  /* -1: any (case files may say) */
	struct gen_stream *model; /* generated inputs: owned */
};

struct inputs {
	struct input *v;
	size_t n, cap;
};

/* A new, empty input at the end, named name. */
struct input *inputs_add(struct inputs *in, const char *name);
/* A file, or a folder's files (recursively, sorted by name; not dot
 * files, .transcript, .md, .dict, .options files nor fuzz_* folders).
 * Every file that cannot be read or parsed adds "PATH: why\n" to errors
 * and is left out; false if any was. */
bool inputs_load(struct inputs *in, const char *path, struct strbuf *errors);
void inputs_free(struct inputs *in);

#endif
