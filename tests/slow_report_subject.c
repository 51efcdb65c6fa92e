/*
 * slow_report_subject.c - a subject that dies the way a sanitizer makes it
 * die on a loaded machine: it starts a report, goes quiet for longer than
 * the deadline, then aborts. smtp-split must call that a crash, not a
 * hang (tests/test_smtp_split.c, test_slow_sanitizer_report).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "line_parser.h"

static void slow_feed(void *self, const unsigned char *buf, size_t len)
{
	struct timespec pause = {1, 0}; /* beyond the test's 400 ms */

	(void)self;
	(void)buf;
	if (len == 0)
		return;
	fputs("==1==ERROR: AddressSanitizer: (a report that takes its "
	      "time)\n",
	      stderr);
	fflush(stderr);
	nanosleep(&pause, NULL);
	abort();
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "slow-report",
	.description = "starts a sanitizer report, pauses, aborts",
	.create = lp_create,
	.feed = slow_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
