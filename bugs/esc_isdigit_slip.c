/*
 * esc_isdigit_slip.c - planted bug: isdigit(*p + 2) for isdigit(p[2]) in
 * the enhanced status code check.
 *
 * Origin: RFC 3463 parsers (catalogue SR-E01), the precedence slip:
 * *p + 2 is the class digit plus two, always a digit, so the first
 * subject character is never checked.
 * Mechanism: "2.x.0 ok" is taken for an enhanced status code. It reports
 * enhanced codes (SRH_REPORTS_ESC), so they are compared with the model's.
 * Caught by: model (push).
 */
#include <ctype.h>
#include <stdio.h>

#include "line_parser.h"

/* Length of the RFC 3463 code starting t, or 0. */
static size_t esc_len(const char *t, size_t n, unsigned code)
{
	const char *p = t;
	size_t i = 3;

	if (n < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') ||
	    (unsigned)(p[0] - '0') != code / 100 || p[1] != '.')
		return 0;
	if (!isdigit(*p + 2)) /* the bug: meant p[2] */
		return 0;
	while (i < n && i < 5 && isdigit((unsigned char)p[i]))
		i++;
	if (i >= n || p[i++] != '.')
		return 0;
	size_t d = i;
	while (i < n && i - d < 4 && isdigit((unsigned char)p[i]))
		i++;
	if (i == d || i - d > 3 || (i < n && p[i] != ' '))
		return 0;
	return i;
}

struct slip {
	struct lp lp;
	char first[LP_MAX_LINE]; /* the reply's first line text */
	size_t first_n;
};

static void slip_line(struct lp *lp, const char *l, size_t n)
{
	struct slip *p = (struct slip *)lp;
	char esc[16] = "";

	if (!lp_check(lp, l, n))
		return;
	const char *text = n > 4 ? l + 4 : "";
	size_t tn = n > 4 ? n - 4 : 0;
	srh_line(lp->rec, text, tn);
	if (!lp->in_reply) { /* a first line */
		memcpy(p->first, text, tn);
		p->first_n = tn;
	}
	lp->in_reply = n > 3 && l[3] == '-';
	lp->reply_code = lp->in_reply ? lp_code(l) : 0;
	if (lp->in_reply)
		return;
	size_t e = esc_len(p->first, p->first_n, lp_code(l));
	if (e && e < sizeof esc)
		memcpy(esc, p->first, e);
	srh_reply(lp->rec, lp_code(l), e ? esc : NULL);
	lp->lines = 0;
}

static void *slip_create(struct srh_recorder *rec)
{
	struct slip *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void slip_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, slip_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "esc-isdigit-slip",
	.description = "isdigit(*p + 2) in the enhanced code check",
	.reports = SRH_REPORTS_ESC,
	.create = slip_create,
	.feed = slip_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
