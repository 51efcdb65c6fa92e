/*
 * not_dash_ends.c - planted bug: anything but '-' after the code ends the
 * reply.
 *
 * Origin: OpenSMTPD parse_smtp_response(), Python smtplib, JavaMail and
 * Perl Net::Cmd take "250x ok" for a last line (catalogue SR-T04);
 * RFC 5321 allows only SP, '-' or the line end.
 * Mechanism: final = line[3] != '-', and the separator is never checked.
 * Caught by: model (push).
 */
#include "line_parser.h"

static void nde_line(struct lp *p, const char *l, size_t n)
{
	if (n > 3 && l[3] != '-' && l[3] != ' ') {
		char fixed[LP_MAX_LINE];
		memcpy(fixed, l, n);
		fixed[3] = ' '; /* the bug: any byte there means "last" */
		lp_line(p, fixed, n);
		return;
	}
	lp_line(p, l, n);
}

static void nde_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, nde_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "not-dash-ends",
	.description = "anything but '-' ends the reply",
	.create = lp_create,
	.feed = nde_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
