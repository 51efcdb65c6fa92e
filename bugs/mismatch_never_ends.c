/*
 * mismatch_never_ends.c - planted bug: a last line with another code does
 * not end the reply.
 *
 * Origin: Go net/textproto ReadResponse (golang/go #10230; verified: the
 * mismatching line is absorbed as text) and Thunderbird's nsSmtpProtocol
 * (catalogue SR-T05).
 * Mechanism: only a last line with the first line's code ends the reply;
 * "250-a\r\n550 b\r\n" keeps waiting, and the next reply is swallowed.
 * Caught by: model (push).
 */
#include "line_parser.h"

static void mne_line(struct lp *p, const char *l, size_t n)
{
	if (p->in_reply && lp_code_ok(l, n) && lp_code(l) != p->reply_code) {
		if (++p->lines > LP_MAX_LINES) {
			lp_fail(p, SRH_ERROR_LIMIT, "too many lines");
			return;
		}
		/* The bug: not this reply's end; keep it as text. */
		srh_line(p->rec, n > 4 ? l + 4 : "", n > 4 ? n - 4 : 0);
		return;
	}
	lp_line(p, l, n);
}

static void mne_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, mne_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "mismatch-never-ends",
	.description = "a last line with another code is text (Go)",
	.create = lp_create,
	.feed = mne_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
