/*
 * crash_3byte.c - planted bug: an unsigned len -= 4 on a short line.
 *
 * Origin: curl 4d0306c6 (7.66.0, OSS-Fuzz 16918): the EHLO handler did
 * "line += 4; len -= 4", and a three-byte line made the length wrap.
 * Mechanism: it copies the text with the same arithmetic, so a code-only
 * line ("250\r\n") makes it copy SIZE_MAX bytes.
 * Caught by: crash (push), in one piece already; shrunk to the line.
 */
#include <stdlib.h>
#include <string.h>

#include "subject.h"

struct c3 {
	struct srh_recorder *rec;
	char line[1024], text[1024];
	size_t len;
	bool in_reply;
};

static void *c3_create(struct srh_recorder *rec)
{
	struct c3 *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void c3_line(struct c3 *p)
{
	size_t len = p->len;

	if (len && p->line[len - 1] == '\r')
		len--;
	len -= 4; /* the bug: len may be 3 */
	memcpy(p->text, p->line + 4, len);
	srh_line(p->rec, p->text, len);
	p->in_reply = p->line[3] == '-';
	if (!p->in_reply)
		srh_reply(p->rec, (unsigned)atoi(p->line), NULL);
}

static void c3_feed(void *self, const unsigned char *buf, size_t len)
{
	struct c3 *p = self;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			c3_line(p);
			p->len = 0;
		} else if (p->len < sizeof p->line) {
			p->line[p->len++] = (char)buf[i];
		}
	}
}

static void c3_finish(void *self)
{
	struct c3 *p = self;

	if (p->len || p->in_reply)
		srh_error(p->rec, SRH_ERROR_TRUNCATED, SRH_OFFSET_UNKNOWN,
			  "partial reply");
	else
		srh_end(p->rec);
}

static void c3_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "crash-3byte",
	.description = "len -= 4 on a three-byte line (curl 4d0306c6)",
	.create = c3_create,
	.feed = c3_feed,
	.finish = c3_finish,
	.destroy = c3_destroy,
};

SRH_SUBJECT_EXPORT(subject)
