/*
 * short_timeout.c - planted bug: a read timeout shorter than the server's
 * pause ends the reply.
 *
 * Origin: Microsoft KB912341 again: the failure was "more likely to occur
 * when there is a delay introduced between the first line and the last
 * line"; curl #14801-style waits for a terminator cut short by a timer.
 * Mechanism: it polls with a 20 ms timeout and, timing out with part of a
 * reply in hand, takes what it has for the whole reply.
 * Caught by: split (fd), only with a pause of 50 ms inside a reply.
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "subject.h"

static void emit(struct srh_recorder *rec, const char *buf, size_t n)
{
	unsigned code = n >= 3 ? (unsigned)(buf[0] - '0') * 100 +
					 (unsigned)(buf[1] - '0') * 10 +
					 (unsigned)(buf[2] - '0')
			       : 0;
	for (size_t at = 0; at < n;) {
		const char *nl = memchr(buf + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - buf) : n;
		size_t len = end - at;
		if (len && buf[at + len - 1] == '\r')
			len--;
		srh_line(rec, buf + at + (len > 4 ? 4 : len),
			 len > 4 ? len - 4 : 0);
		at = end + 1;
	}
	srh_reply(rec, code, NULL);
}

/* Does buf end with a last line ("NNN " or "NNN\r\n")? */
static bool reply_complete(const char *buf, size_t n)
{
	if (n < 2 || buf[n - 1] != '\n')
		return false;
	size_t start = n - 1;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	return n - start >= 5 && buf[start + 3] != '-';
}

static void st_read_fd(int fd, struct srh_recorder *rec)
{
	char buf[8192];
	size_t have = 0;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, 20);
		if (r == 0) {
			if (have) { /* the bug: silence ends the reply */
				emit(rec, buf, have);
				have = 0;
			}
			continue;
		}
		ssize_t n = read(fd, buf + have, sizeof buf - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		if (reply_complete(buf, have)) {
			emit(rec, buf, have);
			have = 0;
		}
	}
	if (have)
		srh_error(rec, SRH_ERROR_TRUNCATED, SRH_OFFSET_UNKNOWN,
			  "partial reply");
	else
		srh_end(rec);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "short-timeout",
	.description = "a 20 ms read timeout ends the reply",
	.read_fd = st_read_fd,
};

SRH_SUBJECT_EXPORT(subject)
