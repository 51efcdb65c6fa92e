/*
 * several_replies_one_read.c - planted bug: of the replies in one read,
 * only the first is handled.
 *
 * Origin: curl 796333bc (7.34.0), "smtp: Fixed processing of more than one
 * response when sent in same packet".
 * Mechanism: after each read() it handles one complete reply from its
 * buffer and goes back to read(); the replies behind it wait for more
 * bytes, and at end of stream they are never handled: the client loses
 * count of its pipelined commands without any error.
 * Caught by: pipeline (fd).
 */
#include <unistd.h>

#include "line_parser.h"

/* Handle the first complete reply in buf; returns the bytes it used. */
static size_t one_reply(struct lp *p, const char *buf, size_t n)
{
	size_t used = 0;

	while (used < n && !p->failed) {
		const char *nl = memchr(buf + used, '\n', n - used);
		if (!nl)
			break;
		size_t end = (size_t)(nl - buf) + 1;
		lp_bytes(p, (const unsigned char *)buf + used, end - used,
			 lp_line);
		used = end;
		if (!p->in_reply)
			break; /* one reply done: back to read() */
	}
	return used;
}

static void srr_read_fd(int fd, struct srh_recorder *rec)
{
	struct lp p = {.rec = rec};
	char buf[16384];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof buf - have)) > 0) {
		have += (size_t)n;
		size_t used = one_reply(&p, buf, have); /* the bug: once */
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (!p.failed && !p.in_reply)
		srh_end(rec); /* what is left in buf is forgotten */
	else
		lp_finish(&p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "several-replies-one-read",
	.description = "one reply handled per read (curl 796333bc)",
	.read_fd = srr_read_fd,
};

SRH_SUBJECT_EXPORT(subject)
