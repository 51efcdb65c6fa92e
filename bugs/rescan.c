/*
 * rescan.c - planted bug: every feed rescans the whole pending line.
 *
 * Origin: libexpat CVE-2023-52425 (reparsing a token on every small
 * chunk) and hiredis readLine(), which searches for CR LF from the line
 * start on every call.
 * Mechanism: each piece makes it search again from the start of the line,
 * so a long line arriving in small pieces costs quadratic time. Its output
 * is right however it is cut; only the cost betrays it (it counts work).
 * Caught by: work (push).
 */
#include "line_parser.h"

struct rescan {
	struct lp lp;
	uint64_t work;
};

static void *rs_create(struct srh_recorder *rec)
{
	struct rescan *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void rs_feed(void *self, const unsigned char *buf, size_t len)
{
	struct rescan *p = self;

	lp_bytes(&p->lp, buf, len, lp_line);
	p->work += len;
	for (size_t i = 0; i < p->lp.len; i++) /* the bug */
		p->work++;
}

static uint64_t rs_work(const void *self)
{
	return ((const struct rescan *)self)->work;
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "rescan",
	.description = "rescans the pending line on every feed",
	.create = rs_create,
	.feed = rs_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
	.work = rs_work,
};

SRH_SUBJECT_EXPORT(subject)
