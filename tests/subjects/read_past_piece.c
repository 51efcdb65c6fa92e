/*
 * read_past_piece.c - broken on purpose: peeks one byte past the piece.
 *
 * To tell "\r\n" from a lone CR it looks at the byte after a CR, even when
 * the CR is the last byte it was given: a read past the caller's buffer,
 * like OpenSMTPD's CVE-2020-8794 read past a short line. Inside a larger
 * I/O buffer the stray read is silent; the harness puts every piece right
 * before an inaccessible page, so it faults.
 * Caught by: crash (memory safety per piece), with a cut right after a CR.
 */
#include "line_parser.h"

static void *rp_create(struct srh_recorder *rec)
{
	struct lp *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void rp_feed(void *self, const unsigned char *buf, size_t len)
{
	struct lp *p = self;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\r' && buf[i + 1] != '\n') /* the bug */
			p->failed = true;
		lp_byte(p, buf[i]);
	}
}

static void rp_finish(void *self)
{
	lp_finish(self);
}

static void rp_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "read-past-piece",
	.description = "peeks at the byte after a CR, past the piece",
	.create = rp_create,
	.feed = rp_feed,
	.finish = rp_finish,
	.destroy = rp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
