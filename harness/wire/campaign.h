/*
 * campaign.h - smtp-torture --generate: many generated hostile sessions
 * (hostile.h) played to one client, in parallel, each judged against the
 * server's own script (verdict_findings); each finding shrunk to the
 * fewest deviations that still give its verdict, kept as a scenario file,
 * and told apart from the others by its verdict and minimal deviations.
 * Also --replay: one scenario, judged the same way.
 */
#ifndef SRH_CAMPAIGN_H
#define SRH_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"
#include "strbuf.h"

struct campaign_opts {
	char *const *argv; /* the client command, "{port}" in an argument */
	const char *prog;  /* smtp-torture as run, for reproduce commands */
	bool ipv6, quiet, expect_outcome;
	uint64_t seed;
	unsigned sessions;    /* to draw */
	unsigned jobs;	      /* sessions at once */
	unsigned max_runs;    /* client runs in all, shrinking included */
	unsigned shrink_runs; /* per finding */
	unsigned budget_s;    /* no session starts after this; 0: none */
	unsigned deadline_ms; /* per run; 0: the scenario's */
	const char *out_dir;  /* findings' scenarios go here; NULL: none */
};

/* Play the campaign, writing progress, findings and a summary to report
 * and, when json is not NULL, the summary as JSON into it. The number of
 * distinct findings, or -1 with the reason in err (no socket, an output
 * folder that cannot be written). */
int campaign_run(const struct campaign_opts *o, FILE *report,
		 struct strbuf *json, struct strbuf *err);

/* One scenario, with its own cuts, judged as a generated session is: 1
 * when it has a finding, 0 when not, -1 on error (in err). */
int campaign_replay(const struct campaign_opts *o, const char *path,
		    const struct scn *s, FILE *report, struct strbuf *err);

#endif
