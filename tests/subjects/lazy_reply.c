/*
 * lazy_reply.c - broken on purpose: a reply is reported only when the
 * next byte arrives (or at end of input).
 *
 * The shape of curl's "several replies in one read, only the first
 * processed" (commit 796333bc) and of its POP3 stall (curl #14201): a
 * complete reply sits undelivered until more input comes, and a client
 * waiting for that reply before it sends anything waits forever.
 * Caught by: prompt.
 */
#include "line_parser.h"

struct lazy {
	struct lp lp;
	bool held; /* a complete line waits in line[] */
};

static void *lazy_create(struct srh_recorder *rec)
{
	struct lazy *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void lazy_feed(void *self, const unsigned char *buf, size_t len)
{
	struct lazy *p = self;

	for (size_t i = 0; i < len; i++) {
		if (p->held) { /* the bug: handled one byte late */
			lp_line_done(&p->lp);
			p->held = false;
		}
		if (buf[i] == '\n')
			p->held = true;
		else
			lp_byte(&p->lp, buf[i]);
	}
}

static void lazy_finish(void *self)
{
	struct lazy *p = self;

	if (p->held)
		lp_line_done(&p->lp);
	lp_finish(&p->lp);
}

static void lazy_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "lazy-reply",
	.description = "a reply is reported only when more bytes come",
	.create = lazy_create,
	.feed = lazy_feed,
	.finish = lazy_finish,
	.destroy = lazy_destroy,
};

SRH_SUBJECT_EXPORT(subject)
