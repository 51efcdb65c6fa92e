/*
 * code_only_rejected.c - planted bug: a last line of the code alone
 * ("250\r\n") is rejected.
 *
 * Origin: Go net/textproto "short response" (verified with Go 1.19),
 * msmtp "invalid reply", MailKit before 2.1.4 (#848), .NET
 * System.Net.Mail on "354\r\n" (smtp4j #60); smtp.yandex.ru answers
 * AUTH XOAUTH2 with "334\r\n" (enough_mail #284).
 * Mechanism: it requires a fourth byte after the code; RFC 5321 4.2 says
 * the code alone MUST be accepted.
 * Caught by: model (push), and diff on the corpus.
 */
#include "line_parser.h"

static void cor_line(struct lp *p, const char *l, size_t n)
{
	if (n == 3) { /* the bug */
		lp_fail(p, SRH_ERROR_SYNTAX, "short response");
		return;
	}
	lp_line(p, l, n);
}

static void cor_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, cor_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "code-only-rejected",
	.description = "a code-only last line is an error (Go textproto)",
	.create = lp_create,
	.feed = cor_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
