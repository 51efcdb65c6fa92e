/*
 * lazy_reply.c - planted bug: a line is handled only when the next byte
 * arrives (or at end of input).
 *
 * Origin: curl 796333bc ("processing of more than one response when sent
 * in same packet") and curl #14201 / a5598b6f (complete lines left in a
 * buffer until more input came: a 30 s stall).
 * Mechanism: a complete reply sits undelivered until more bytes come, and a
 * client that waits for that reply before it sends anything waits forever.
 * Caught by: prompt (push).
 */
#include "line_parser.h"

struct lazy {
	struct lp lp; /* first: the callbacks get a struct lp pointer */
	char held[LP_MAX_LINE];
	size_t held_n;
	bool has;
};

static void hold(struct lp *p, const char *l, size_t n)
{
	struct lazy *z = (struct lazy *)p;
	memcpy(z->held, l, n);
	z->held_n = n;
	z->has = true;
}

static void release(struct lazy *z)
{
	if (z->has) {
		z->has = false;
		lp_line(&z->lp, z->held, z->held_n);
	}
}

static void *lazy_create(struct srh_recorder *rec)
{
	struct lazy *z = calloc(1, sizeof *z);
	if (z)
		z->lp.rec = rec;
	return z;
}

static void lazy_feed(void *self, const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		release(self); /* the bug: one byte late */
		lp_bytes(self, buf + i, 1, hold);
	}
}

static void lazy_finish(void *self)
{
	release(self);
	lp_finish(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "lazy-reply",
	.description = "a reply is reported only when more bytes come",
	.create = lazy_create,
	.feed = lazy_feed,
	.finish = lazy_finish,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
