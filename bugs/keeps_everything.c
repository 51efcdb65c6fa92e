/*
 * keeps_everything.c - planted bug: every byte read is kept for the
 * session's log, never trimmed.
 *
 * Origin: clients that keep the whole conversation for a debug log or for
 * their error messages (a transcript string that only grows), so that a
 * server sending without end makes them hold all of it.
 * Mechanism: a correct parser, but each feed is also appended to a log
 * that lives as long as the instance. Every transcript is right; only its
 * live heap on a flood of pipelined replies betrays it.
 * Caught by: memory (push).
 */
#include "line_parser.h"

struct ke {
	struct lp lp;
	char *log;
	size_t len, cap;
};

static void *ke_create(struct srh_recorder *rec)
{
	struct ke *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void ke_feed(void *self, const unsigned char *buf, size_t n)
{
	struct ke *p = self;

	lp_bytes(&p->lp, buf, n, lp_line);
	if (n == 0)
		return;
	if (p->len + n > p->cap) { /* the bug: the log has no bound */
		size_t cap = (p->len + n) * 2;
		char *log = realloc(p->log, cap);
		if (!log)
			return; /* the log is best effort */
		p->log = log;
		p->cap = cap;
	}
	memcpy(p->log + p->len, buf, n);
	p->len += n;
}

static void ke_destroy(void *self)
{
	struct ke *p = self;
	free(p->log);
	free(p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "keeps-everything",
	.description = "keeps every byte read in a log without bound",
	.create = ke_create,
	.feed = ke_feed,
	.finish = lp_finish_subject,
	.destroy = ke_destroy,
};

SRH_SUBJECT_EXPORT(subject)
