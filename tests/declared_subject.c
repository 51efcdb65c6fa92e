/*
 * declared_subject.c - a correct parser with a policy of its own, declared
 * (subject ABI 2): lines up to 1000 octets, at most 10 lines a reply, and
 * errors without a kind (each one reported as a syntax error). The model
 * and the reference must judge it by what it declares.
 */
#define LP_MAX_LINE  1000
#define LP_MAX_LINES 10
#include "line_parser.h"

static void relay_error(struct srh_recorder *rec, enum srh_error_kind kind,
			uint64_t offset, const char *detail);

struct ds {
	struct lp lp;
	struct srh_recorder own, *rec;
};

/* Every error as a syntax error: the kind carries nothing. */
static void relay_line(struct srh_recorder *r, const char *t, size_t n)
{
	struct ds *p = (struct ds *)((char *)r - offsetof(struct ds, own));
	srh_line(p->rec, t, n);
}

static void relay_reply(struct srh_recorder *r, unsigned code, const char *e)
{
	struct ds *p = (struct ds *)((char *)r - offsetof(struct ds, own));
	srh_reply(p->rec, code, e);
}

static void relay_error(struct srh_recorder *r, enum srh_error_kind kind,
			uint64_t offset, const char *detail)
{
	struct ds *p = (struct ds *)((char *)r - offsetof(struct ds, own));
	(void)kind;
	srh_error(p->rec, SRH_ERROR_SYNTAX, offset, detail);
}

static void relay_end(struct srh_recorder *r)
{
	struct ds *p = (struct ds *)((char *)r - offsetof(struct ds, own));
	srh_end(p->rec);
}

static void *ds_create(struct srh_recorder *rec)
{
	struct ds *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->rec = rec;
	p->own = (struct srh_recorder){relay_line, relay_reply, relay_error,
				       relay_end};
	p->lp.rec = &p->own;
	return p;
}

static void ds_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, lp_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "declared",
	.description =
		"lines to 1000 octets, 10 lines a reply, kindless errors",
	.reports = SRH_REPORTS_NO_ERROR_KIND,
	.create = ds_create,
	.feed = ds_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
	.limits = {.line_octets = LP_MAX_LINE, .reply_lines = LP_MAX_LINES},
};

SRH_SUBJECT_EXPORT(subject)
