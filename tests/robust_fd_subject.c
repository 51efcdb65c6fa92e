/*
 * robust_fd_subject.c - a correct fd subject for the faults family: the
 * strict line parser of the planted bugs behind a read loop that retries
 * EINTR, waits out EAGAIN, takes short reads as they come and reports any
 * other read error as the stream's end in error.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "line_parser.h"

static void rf_read_fd(int fd, struct srh_recorder *rec)
{
	struct lp p = {.rec = rec};
	unsigned char buf[1024];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			lp_bytes(&p, buf, (size_t)n, lp_line);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd w = {fd, POLLIN, 0};
			poll(&w, 1, -1);
			continue;
		}
		if (!p.failed)
			lp_fail(&p, SRH_ERROR_TRUNCATED, "read failed");
		return;
	}
	lp_finish(&p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "robust-fd",
	.description = "a read loop that survives every read() fault",
	.read_fd = rf_read_fd,
};

SRH_SUBJECT_EXPORT(subject)
