/*
 * eintr_ends.c - planted bug: a read interrupted by a signal is taken for
 * the end of the stream.
 *
 * Origin: Python before PEP 475 (3.5), whose socket reads failed with
 * InterruptedError on EINTR instead of retrying, so smtplib gave up on a
 * connection a signal handler had merely interrupted.
 * Mechanism: a correct line parser reading with read() until it returns
 * 0 or -1, whatever errno says; EINTR ends its stream early, cutting the
 * reply it was reading. Only an injected fault shows it.
 * Caught by: faults (fd).
 */
#include <unistd.h>

#include "line_parser.h"

static void ee_read_fd(int fd, struct srh_recorder *rec)
{
	struct lp p = {.rec = rec};
	unsigned char buf[1024];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) /* the bug: -1 ends it */
		lp_bytes(&p, buf, (size_t)n, lp_line);
	lp_finish(&p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "eintr-ends",
	.description = "takes a read interrupted by EINTR for the end",
	.read_fd = ee_read_fd,
};

SRH_SUBJECT_EXPORT(subject)
