/*
 * static_buffer.c - planted bug: parser state in static storage, shared by
 * every instance.
 *
 * Origin: Postfix smtp_chat_resp(), OpenBSD spamd: a static SMTP_RESP, a
 * static continuation flag (safe there: one session per process); curl
 * CVE-2021-22897 shared a static array between handles.
 * Mechanism: two instances fed alternately mix each other's partial lines.
 * Caught by: reentrant (push).
 */
#include <stdlib.h>
#include <string.h>

#include "subject.h"

static char line[1024]; /* the bug: one buffer for all instances */
static size_t line_len;

struct sb {
	struct srh_recorder *rec;
	bool in_reply, failed;
};

static void *sb_create(struct srh_recorder *rec)
{
	struct sb *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void sb_line_done(struct sb *p)
{
	size_t n = line_len && line[line_len - 1] == '\r' ? line_len - 1
							  : line_len;
	line_len = 0;
	if (n < 3 || line[0] < '2' || line[0] > '5' ||
	    (n > 3 && line[3] != ' ' && line[3] != '-')) {
		srh_error(p->rec, SRH_ERROR_SYNTAX, SRH_OFFSET_UNKNOWN,
			  "bad line");
		p->failed = true;
		return;
	}
	srh_line(p->rec, line + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0);
	p->in_reply = n > 3 && line[3] == '-';
	if (!p->in_reply)
		srh_reply(p->rec, (unsigned)atoi(line), NULL);
}

static void sb_feed(void *self, const unsigned char *buf, size_t len)
{
	struct sb *p = self;

	for (size_t i = 0; i < len && !p->failed; i++) {
		if (buf[i] == '\n')
			sb_line_done(p);
		else if (line_len < sizeof line)
			line[line_len++] = (char)buf[i];
	}
}

static void sb_finish(void *self)
{
	struct sb *p = self;

	if (p->failed)
		return;
	if (line_len || p->in_reply)
		srh_error(p->rec, SRH_ERROR_TRUNCATED, SRH_OFFSET_UNKNOWN,
			  "partial reply");
	else
		srh_end(p->rec);
	line_len = 0;
}

static void sb_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "static-buffer",
	.description = "one static line buffer shared by all instances",
	.create = sb_create,
	.feed = sb_feed,
	.finish = sb_finish,
	.destroy = sb_destroy,
};

SRH_SUBJECT_EXPORT(subject)
