/*
 * cli.h - smtp-split's command line: what the options ask for.
 */
#ifndef SRH_CLI_H
#define SRH_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "generator.h"

/* The corpus checked when no FILE is given (CMake sets it). */
#ifndef SRH_DEFAULT_CORPUS
#define SRH_DEFAULT_CORPUS "corpus"
#endif

struct cli {
	struct chk_opts o;
	struct gen_opts gen;
	size_t generate;
	size_t max_failures;
	unsigned stop_on; /* 1 << enum chk_oracle */
	bool no_corpus;
	const char *stream, *cuts, *save_dir, *json_path;
	bool families_given, progress, quiet;
	bool heap_limit_given;	    /* else the subject's declared bound */
	struct srh_subject adapter; /* an adapter, with its declarations */
	unsigned families;
	int shape;	 /* -1: default */
	int adapter_pid; /* the adapter process, 0 when none */
};

/* Parse argv into cli (the FILEs from optind on). -1: go on; otherwise
 * the exit status (0 after --help or --list-subjects, 2 after an error,
 * which it has printed). */
int cli_parse(int argc, char **argv, struct cli *cli);

#endif
