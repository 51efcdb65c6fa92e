/*
 * reply_queue.c - planted bug: every reply is queued in a fixed 4 KiB
 * record for the caller to take, and nothing drops what is never taken.
 *
 * Origin: pipelining clients that queue parsed replies for the commands
 * waiting on them, each reply in a record sized for the longest text, and
 * trust the server to send no more replies than commands.
 * Mechanism: a correct parser; each reply it reports is also copied into
 * a 4096-byte record on a queue that lives as long as the instance. An
 * 8-byte "250 ok" holds 4 KiB: a few hundred replies pass the 1 MiB bound,
 * so inputs as short as the fuzz targets take show it too.
 * Caught by: memory (push), and the fuzz targets' heap bound.
 */
#include "line_parser.h"

#define RQ_RECORD 4096

struct rq_record {
	struct rq_record *next;
	unsigned code;
	char text[RQ_RECORD - sizeof(void *) - sizeof(unsigned)];
};

struct rq {
	struct lp lp;
	struct rq_record *queue;
};

static void *rq_create(struct srh_recorder *rec)
{
	struct rq *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void rq_line(struct lp *lp, const char *l, size_t n)
{
	struct rq *p = (struct rq *)lp;

	if (!lp_check(lp, l, n))
		return;
	lp_report(lp, l, n);
	if (lp->in_reply)
		return;
	struct rq_record *r = malloc(sizeof *r); /* the bug: never taken */
	if (!r)
		return;
	r->code = lp_code(l);
	size_t len = n > 4 ? n - 4 : 0;
	memcpy(r->text, n > 4 ? l + 4 : "", len);
	r->text[len] = 0;
	r->next = p->queue;
	p->queue = r;
}

static void rq_feed(void *self, const unsigned char *buf, size_t n)
{
	struct rq *p = self;
	lp_bytes(&p->lp, buf, n, rq_line);
}

static void rq_destroy(void *self)
{
	struct rq *p = self;
	while (p->queue) {
		struct rq_record *r = p->queue;
		p->queue = r->next;
		free(r);
	}
	free(p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "reply-queue",
	.description = "queues every reply in a 4 KiB record, never dropped",
	.create = rq_create,
	.feed = rq_feed,
	.finish = lp_finish_subject,
	.destroy = rq_destroy,
};

SRH_SUBJECT_EXPORT(subject)
