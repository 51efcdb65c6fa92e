/*
 * kb912341_reader.c - planted bug: one read is one reply.
 *
 * Origin: Microsoft KB912341: the Windows Server 2003 SMTP service took
 * "354-Line 1" for the whole reply to DATA when "354 Send message" came
 * after a delay; mail was retried until it expired, and duplicated.
 * Mechanism: it reads until it holds at least one complete line, then
 * takes every complete line it holds for the whole reply, whatever '-'.
 * Caught by: split (fd), with one cut right after the first line.
 */
#include <string.h>
#include <unistd.h>

#include "subject.h"

static void report_lines(struct srh_recorder *rec, const char *buf, size_t n)
{
	unsigned code = 0;

	for (size_t at = 0; at < n;) {
		const char *nl = memchr(buf + at, '\n', n - at);
		size_t end = (size_t)(nl - buf);
		size_t len = end - at - (end > at && buf[end - 1] == '\r');
		if (at == 0 && len >= 3)
			code = (unsigned)(buf[0] - '0') * 100 +
			       (unsigned)(buf[1] - '0') * 10 +
			       (unsigned)(buf[2] - '0');
		srh_line(rec, buf + at + (len > 4 ? 4 : len),
			 len > 4 ? len - 4 : 0);
		at = end + 1;
	}
	srh_reply(rec, code, NULL);
}

static void kb_read_fd(int fd, struct srh_recorder *rec)
{
	char buf[8192];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof buf - have)) > 0) {
		have += (size_t)n;
		char *last = NULL;
		for (char *p = buf;
		     (p = memchr(p, '\n', have - (size_t)(p - buf))); p++)
			last = p;
		if (!last)
			continue; /* no complete line yet: read on */
		size_t whole = (size_t)(last - buf) + 1;
		report_lines(rec, buf, whole);
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
	if (have)
		srh_error(rec, SRH_ERROR_TRUNCATED, SRH_OFFSET_UNKNOWN,
			  "partial line at end");
	else
		srh_end(rec);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "kb912341-reader",
	.description = "one read is one reply (Microsoft KB912341)",
	.read_fd = kb_read_fd,
};

SRH_SUBJECT_EXPORT(subject)
