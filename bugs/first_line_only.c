/*
 * first_line_only.c - planted bug: only the first line of a multiline
 * reply is taken as the reply.
 *
 * Origin: curl 4a9fe268 (a multi-line greeting handled as "continue"
 * responses); SR-T03 in the catalogue: clients that read one line per
 * reply (KB912341's mechanism without the delay).
 * Mechanism: every line is a reply of its own, "-" or not, so a 3-line
 * EHLO reply counts as three replies and the client runs ahead of the
 * server.
 * Caught by: pipeline (push).
 */
#include "line_parser.h"

static void flo_line(struct lp *p, const char *l, size_t n)
{
	if (!lp_check(p, l, n))
		return;
	srh_line(p->rec, n > 4 ? l + 4 : "", n > 4 ? n - 4 : 0);
	srh_reply(p->rec, lp_code(l), NULL); /* the bug: '-' ignored */
	p->in_reply = false;
	p->lines = 0;
}

static void flo_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, flo_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "first-line-only",
	.description = "each line is a reply of its own",
	.create = lp_create,
	.feed = flo_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
