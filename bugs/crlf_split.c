/*
 * crlf_split.c - planted bug: a CR that ends one piece ends the line.
 *
 * Origin: JavaMail LineInputStream (a lone CR ends a line) and curl's
 * bare-code test (lib/smtp.c, len == 5), seen only when CR and LF come in
 * different reads.
 * Mechanism: a CR at the very end of a piece is taken for CR LF, so the LF
 * that starts the next piece makes an empty line of its own.
 * Caught by: split (push), with one cut between a CR and its LF.
 */
#include "line_parser.h"

static void crlf_feed(void *self, const unsigned char *buf, size_t len)
{
	struct lp *p = self;

	if (len && buf[len - 1] == '\r') { /* the bug */
		lp_bytes(p, buf, len - 1, lp_line);
		lp_bytes(p, (const unsigned char *)"\r\n", 2, lp_line);
		return;
	}
	lp_bytes(p, buf, len, lp_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "crlf-split",
	.description = "a CR at the end of a piece ends the line",
	.create = lp_create,
	.feed = crlf_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
