/*
 * line_parser.h - the small line-at-a-time reply parser that several of
 * the deliberately broken subjects share, so each of them differs from a
 * working parser only by its one planted bug.
 */
#ifndef LINE_PARSER_H
#define LINE_PARSER_H

#include <stdlib.h>
#include <string.h>

#include "subject.h"

struct lp {
	struct srh_recorder *rec;
	char line[1024];
	size_t len;
	bool in_reply, failed;
};

/* A complete line (without its LF) in p->line: report it. */
static inline void lp_line_done(struct lp *p)
{
	size_t n = p->len && p->line[p->len - 1] == '\r' ? p->len - 1 : p->len;
	const char *l = p->line;

	p->len = 0;
	if (n < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '5' ||
	    l[2] < '0' || l[2] > '9' || (n > 3 && l[3] != ' ' && l[3] != '-')) {
		srh_error(p->rec, SRH_ERROR_SYNTAX, SRH_OFFSET_UNKNOWN,
			  "bad line");
		p->failed = true;
		return;
	}
	srh_line(p->rec, l + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0);
	p->in_reply = n > 3 && l[3] == '-';
	if (!p->in_reply)
		srh_reply(p->rec, (unsigned)atoi(l), NULL);
}

static inline void lp_byte(struct lp *p, unsigned char c)
{
	if (p->failed)
		return;
	if (c == '\n')
		lp_line_done(p);
	else if (p->len < sizeof p->line)
		p->line[p->len++] = (char)c;
}

static inline void lp_finish(struct lp *p)
{
	if (p->failed)
		return;
	if (p->len || p->in_reply)
		srh_error(p->rec, SRH_ERROR_TRUNCATED, SRH_OFFSET_UNKNOWN,
			  "partial reply");
	else
		srh_end(p->rec);
}

#endif
