/*
 * rescan.c - broken on purpose: every feed rescans the whole line so far.
 *
 * libexpat CVE-2023-52425 and hiredis readLine(): each new piece makes the
 * parser search again from the start of the pending token, so a long line
 * arriving in small pieces costs quadratic time. Correct output, however
 * it is cut; only the cost betrays it. It declares a work counter.
 * Caught by: work.
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

	for (size_t i = 0; i < len; i++) {
		lp_byte(&p->lp, buf[i]);
		p->work++;
	}
	/* The bug: look for a line end from the start of the line again. */
	for (size_t i = 0; i < p->lp.len; i++) {
		p->work++;
		if (p->lp.line[i] == '\n')
			break;
	}
}

static void rs_finish(void *self)
{
	lp_finish(&((struct rescan *)self)->lp);
}

static void rs_destroy(void *self)
{
	free(self);
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
	.finish = rs_finish,
	.destroy = rs_destroy,
	.work = rs_work,
};

SRH_SUBJECT_EXPORT(subject)
