/*
 * bad_reset.c - broken on purpose: reset forgets the reply state but not
 * the partial line.
 *
 * The buffered-input family of curl CVE-2021-22947, Exim CVE-2021-38371
 * and MailKit 24c8b305: state that should have been cleared when the
 * connection changed survives, and old bytes become part of new replies.
 * Caught by: reuse.
 */
#include "line_parser.h"

static void *br_create(struct srh_recorder *rec)
{
	struct lp *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void br_feed(void *self, const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		lp_byte(self, buf[i]);
}

static void br_finish(void *self)
{
	lp_finish(self);
}

static void br_destroy(void *self)
{
	free(self);
}

static void br_reset(void *self)
{
	struct lp *p = self;

	p->in_reply = false;
	p->failed = false; /* the bug: p->len stays */
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "bad-reset",
	.description = "reset keeps the partial line",
	.create = br_create,
	.feed = br_feed,
	.finish = br_finish,
	.destroy = br_destroy,
	.reset = br_reset,
};

SRH_SUBJECT_EXPORT(subject)
