/*
 * atoi_code.c - planted bug: the reply code is read with atoi().
 *
 * Origin: Python smtplib int() (accepts " 25", "+25", "2_5"), Java
 * Integer.parseInt, Go strconv.Atoi (catalogue SR-C02).
 * Mechanism: code = atoi(line), then "is it 200..599"; signs, spaces and
 * short codes slip through, and the fourth byte is then taken as the
 * separator wherever it falls.
 * Caught by: model (push).
 */
#include "line_parser.h"

static void atoi_line(struct lp *p, const char *l, size_t n)
{
	char copy[LP_MAX_LINE + 1];
	memcpy(copy, l, n);
	copy[n] = '\0';
	int code = atoi(copy); /* the bug */
	if (n < 3 || code < 200 || code > 599) {
		lp_fail(p, SRH_ERROR_SYNTAX, "bad code");
		return;
	}
	if (++p->lines > LP_MAX_LINES) {
		lp_fail(p, SRH_ERROR_LIMIT, "too many lines");
		return;
	}
	bool more = n > 3 && l[3] == '-';
	srh_line(p->rec, n > 4 ? l + 4 : "", n > 4 ? n - 4 : 0);
	p->in_reply = more;
	if (!more) {
		srh_reply(p->rec, (unsigned)code, NULL);
		p->lines = 0;
	}
}

static void atoi_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, atoi_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "atoi-code",
	.description = "code = atoi(line) (smtplib int())",
	.create = lp_create,
	.feed = atoi_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
