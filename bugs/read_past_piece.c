/*
 * read_past_piece.c - planted bug: peeks at the byte after a CR, even past
 * the end of the piece.
 *
 * Origin: OpenSMTPD CVE-2020-8794, which read past a short line into the
 * bytes that followed it; the same family as curl's OSS-Fuzz reads past a
 * response buffer.
 * Mechanism: to tell "\r\n" from a lone CR it reads buf[i + 1] when the CR
 * is the last byte it was given. Inside a larger I/O buffer that read is
 * silent; smtp-split ends every piece at an inaccessible page, so it faults.
 * Caught by: crash (push), with a cut right after a CR.
 */
#include "line_parser.h"

static void rp_feed(void *self, const unsigned char *buf, size_t len)
{
	struct lp *p = self;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\r' && buf[i + 1] != '\n') /* the bug */
			p->failed = true;
	lp_bytes(p, buf, len, lp_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "read-past-piece",
	.description = "peeks at the byte after a CR, past the piece",
	.create = lp_create,
	.feed = rp_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
