/*
 * unchecked_continuation.c - planted bug: the codes of continuation lines
 * are never compared.
 *
 * Origin: Exim, qmail-remote (Exim checks buffer[0]), JavaMail, msmtp and
 * SwiftMailer take the first line's code for the whole reply (catalogue
 * SR-C04); vert-x3/vertx-mail-client #81 met "220-..." then "521 ...".
 * Mechanism: the reply's code is the first line's and later lines may say
 * anything; a 250-then-550 reply to RCPT reads as success.
 * Caught by: model (push).
 */
#include "line_parser.h"

static void uc_line(struct lp *p, const char *l, size_t n)
{
	unsigned first = p->in_reply ? p->reply_code : 0;

	if (++p->lines > LP_MAX_LINES) {
		lp_fail(p, SRH_ERROR_LIMIT, "too many lines");
		return;
	}
	if (!lp_code_ok(l, n) || (n > 4 && !lp_text_ok(l + 4, n - 4))) {
		lp_fail(p, SRH_ERROR_SYNTAX, "bad line");
		return;
	}
	srh_line(p->rec, n > 4 ? l + 4 : "", n > 4 ? n - 4 : 0);
	p->in_reply = n > 3 && l[3] == '-';
	if (p->in_reply) {
		p->reply_code = first ? first : lp_code(l);
		return;
	}
	srh_reply(p->rec, first ? first : lp_code(l), NULL); /* the bug */
	p->reply_code = 0;
	p->lines = 0;
}

static void uc_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, uc_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "unchecked-continuation",
	.description = "continuation codes never compared (Exim, qmail)",
	.create = lp_create,
	.feed = uc_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
