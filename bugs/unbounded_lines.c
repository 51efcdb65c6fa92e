/*
 * unbounded_lines.c - planted bug: lines are accumulated without a bound.
 *
 * Origin: Python smtplib before CVE-2013-1752 (bpo-16042), Go textproto,
 * JavaMail, nodemailer, Net::Cmd: no limit on a reply line (catalogue
 * SR-R); a hostile server makes the client buffer without end.
 * Mechanism: the line grows as long as the server sends; nothing enforces
 * RFC 5321's 512 octets or any other limit.
 * Caught by: model (push).
 */
#include "line_parser.h"

struct ul {
	struct lp lp;
	char *line;
	size_t len, cap;
};

static void *ul_create(struct srh_recorder *rec)
{
	struct ul *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void ul_line(struct ul *p, const char *l, size_t n)
{
	if (n == 0 || l[n - 1] != '\r' || memchr(l, '\r', n - 1)) {
		lp_fail(&p->lp, SRH_ERROR_SYNTAX, "CR and LF apart");
		return;
	}
	n--;
	if (!lp_check(&p->lp, l, n))
		return;
	lp_report(&p->lp, l, n); /* any length */
}

static void ul_feed(void *self, const unsigned char *buf, size_t len)
{
	struct ul *p = self;

	for (size_t i = 0; i < len && !p->lp.failed; i++) {
		if (buf[i] == '\n') {
			ul_line(p, p->line, p->len);
			p->len = 0;
			continue;
		}
		if (p->len == p->cap) { /* the bug: grow without limit */
			size_t cap = p->cap ? p->cap * 2 : 256;
			char *line = realloc(p->line, cap);
			if (!line) {
				lp_fail(&p->lp, SRH_ERROR_LIMIT, "no memory");
				return;
			}
			p->line = line;
			p->cap = cap;
		}
		p->line[p->len++] = (char)buf[i];
	}
}

static void ul_finish(void *self)
{
	struct ul *p = self;
	if (p->len && !p->lp.failed)
		p->lp.len = 1;
	lp_finish(&p->lp);
}

static void ul_destroy(void *self)
{
	struct ul *p = self;
	free(p->line);
	free(p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "unbounded-lines",
	.description = "no limit on a line (smtplib CVE-2013-1752)",
	.create = ul_create,
	.feed = ul_feed,
	.finish = ul_finish,
	.destroy = ul_destroy,
};

SRH_SUBJECT_EXPORT(subject)
