/*
 * short_line_overread.c - planted bug: the text of a last line is taken
 * at line + 4, even when the line is only the three-digit code.
 *
 * Origin: OpenSMTPD CVE-2020-8794 (fixed in 6.6.4p1; Qualys advisory): a
 * 3-byte final line made mta_session.c read past it, and the bytes that
 * followed (attacker's) ended up in the envelope: root command execution.
 * Mechanism: the parser works in the caller's buffer; for "250\r\n" the
 * text starts past the line end and runs to the end of the piece, so it
 * holds the LF and the bytes of the next reply.
 * Caught by: model (push), and diff on the corpus.
 */
#include "line_parser.h"

static void slo_feed(void *self, const unsigned char *buf, size_t len)
{
	struct lp *p = self;
	size_t at = 0;

	while (at < len && !p->failed) {
		const unsigned char *nl = memchr(buf + at, '\n', len - at);
		if (!nl || p->len) { /* a line across pieces: the slow way */
			size_t end = nl ? (size_t)(nl - buf) + 1 : len;
			lp_bytes(p, buf + at, end - at, lp_line);
			at = end;
			continue;
		}
		size_t end = (size_t)(nl - buf);
		const char *l = (const char *)buf + at;
		size_t n = end - at - (end > at && buf[end - 1] == '\r');
		if (n == 3 && end > at && buf[end - 1] == '\r' &&
		    lp_check(p, l, n)) {
			/* The bug: line + 4, to the end of what we were given.
			 */
			srh_line(p->rec, l + 4, len - at - 4);
			srh_reply(p->rec, lp_code(l), NULL);
			p->in_reply = false;
			p->lines = 0;
		} else {
			lp_bytes(p, buf + at, end + 1 - at, lp_line);
		}
		at = end + 1;
	}
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "short-line-overread",
	.description = "text at line + 4 on a 3-byte line (CVE-2020-8794)",
	.create = lp_create,
	.feed = slo_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
