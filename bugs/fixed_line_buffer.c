/*
 * fixed_line_buffer.c - planted bug: lines are copied into a fixed buffer
 * without a bound.
 *
 * Origin: Exim 4.31 ChangeLog #22 (callout buffer 1024 -> 4096, "hosts send
 * humungous responses to HELO/EHLO"); the fixed reply buffers of
 * OpenSMTPD's mta_session.c and msmtp; smtplib CVE-2013-1752 for the
 * unbounded kind.
 * Mechanism: a 256-byte buffer in the parser's struct takes every line
 * byte with no length check, so a long line runs over the fields after
 * it, the recorder pointer first, and the next report jumps through it.
 * Caught by: crash (push).
 */
#include "line_parser.h"

struct flb {
	char line[256]; /* "enough for any reply line" */
	struct lp lp;	/* right after it: its recorder pointer first */
	size_t len;
};

static void *flb_create(struct srh_recorder *rec)
{
	struct flb *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void flb_feed(void *self, const unsigned char *buf, size_t len)
{
	struct flb *p = self;

	for (size_t i = 0; i < len && !p->lp.failed; i++) {
		if (buf[i] != '\n') {
			p->line[p->len++] = (char)buf[i]; /* the bug */
			continue;
		}
		size_t n = p->len;
		p->len = 0;
		lp_bytes(&p->lp, (const unsigned char *)p->line, n, lp_line);
		lp_bytes(&p->lp, (const unsigned char *)"\n", 1, lp_line);
	}
}

static void flb_finish(void *self)
{
	struct flb *p = self;
	if (p->len && !p->lp.failed)
		p->lp.len = 1; /* a partial line: truncated */
	lp_finish(&p->lp);
}

static void flb_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "fixed-line-buffer",
	.description = "lines copied into a 256-byte buffer, no bound",
	.create = flb_create,
	.feed = flb_feed,
	.finish = flb_finish,
	.destroy = flb_destroy,
};

SRH_SUBJECT_EXPORT(subject)
