/*
 * no_final_line.c - planted bug: a code-only last line never ends the
 * reply.
 *
 * Origin: PHPMailer before 6.1.3 (#1683), SwiftMailer and emailjs hung on
 * "250\r\n": their loop waits for a line whose fourth byte is a space.
 * Mechanism: only "NNN " ends a reply, and this reader also retries read()
 * when it returns 0, so at end of stream it never returns.
 * Caught by: hang (fd).
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "subject.h"

static void nf_read_fd(int fd, struct srh_recorder *rec)
{
	char line[1024];
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n <= 0) {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL); /* the bug: "wait for the rest" */
			continue;
		}
		if (c != '\n') {
			if (len < sizeof line)
				line[len++] = c;
			continue;
		}
		if (len && line[len - 1] == '\r')
			len--;
		srh_line(rec, line + (len > 4 ? 4 : len),
			 len > 4 ? len - 4 : 0);
		if (len >= 4 && line[3] == ' ') { /* the bug: "250" alone */
			srh_reply(rec,
				  (unsigned)(line[0] - '0') * 100 +
					  (unsigned)(line[1] - '0') * 10 +
					  (unsigned)(line[2] - '0'),
				  NULL);
		}
		len = 0;
	}
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "no-final-line",
	.description = "waits for a last line with a space, forever",
	.read_fd = nf_read_fd,
};

SRH_SUBJECT_EXPORT(subject)
