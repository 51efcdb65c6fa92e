/*
 * crlf_split.c - broken on purpose: a CR that ends one piece ends the line.
 *
 * A push parser that looks for CR LF within the bytes it is given; a CR at
 * the very end of a piece is taken for a complete line end, so the LF that
 * starts the next piece begins a line of its own, which then has no code.
 * The same mistake as JavaMail's lone-CR handling and curl's bare-code
 * length test, seen only when CR and LF arrive in different reads.
 * Caught by: split (push), with one cut between a CR and its LF.
 */
#include "line_parser.h"

static void *crlf_create(struct srh_recorder *rec)
{
	struct lp *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void crlf_feed(void *self, const unsigned char *buf, size_t len)
{
	struct lp *p = self;

	for (size_t i = 0; i < len && !p->failed; i++) {
		/* The bug: a CR that ends the piece is taken for CR LF. */
		if (buf[i] == '\r' && i + 1 == len)
			lp_byte(p, '\n');
		else
			lp_byte(p, buf[i]);
	}
}

static void crlf_finish(void *self)
{
	lp_finish(self);
}

static void crlf_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "crlf-split",
	.description = "a CR at the end of a piece ends the line",
	.create = crlf_create,
	.feed = crlf_feed,
	.finish = crlf_finish,
	.destroy = crlf_destroy,
};

SRH_SUBJECT_EXPORT(subject)
