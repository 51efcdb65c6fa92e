/*
 * line_parser.h - a correct, strict line-at-a-time reply parser in small
 * pieces, shared by the planted bugs so that each of them differs from a
 * working parser by its one bug alone. (A subject reports through the
 * recorder; see harness/subject.h.)
 */
#ifndef LINE_PARSER_H
#define LINE_PARSER_H

#include <stdlib.h>
#include <string.h>

#include "subject.h"

#ifndef LP_MAX_LINE
#define LP_MAX_LINE 512 /* octets with CRLF, RFC 5321 4.5.3.1.5 */
#endif
#ifndef LP_MAX_LINES
#define LP_MAX_LINES 128 /* lines per reply */
#endif

struct lp {
	struct srh_recorder *rec;
	char line[LP_MAX_LINE];
	size_t len;	     /* bytes of the line so far, CR included */
	unsigned reply_code; /* of the reply's first line; 0 between replies */
	size_t lines;	     /* lines of the reply so far */
	bool in_reply, failed;
};

static inline void lp_fail(struct lp *p, enum srh_error_kind kind,
			   const char *why)
{
	srh_error(p->rec, kind, SRH_OFFSET_UNKNOWN, why);
	p->failed = true;
}

static inline unsigned lp_code(const char *l)
{
	return (unsigned)(l[0] - '0') * 100 + (unsigned)(l[1] - '0') * 10 +
	       (unsigned)(l[2] - '0');
}

/* The code and separator of a line (without CRLF), strictly. */
static inline bool lp_code_ok(const char *l, size_t n)
{
	return n >= 3 && l[0] >= '2' && l[0] <= '5' && l[1] >= '0' &&
	       l[1] <= '5' && l[2] >= '0' && l[2] <= '9' &&
	       (n == 3 || l[3] == ' ' || l[3] == '-');
}

/* Text: HT and printable US-ASCII. */
static inline bool lp_text_ok(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c != '\t' && (c < 0x20 || c > 0x7E))
			return false;
	}
	return true;
}

/* Every check of a complete line; reports the error and returns false. */
static inline bool lp_check(struct lp *p, const char *l, size_t n)
{
	if (++p->lines > LP_MAX_LINES) {
		lp_fail(p, SRH_ERROR_LIMIT, "too many lines");
		return false;
	}
	if (!lp_code_ok(l, n) || (p->in_reply && lp_code(l) != p->reply_code) ||
	    (n > 4 && !lp_text_ok(l + 4, n - 4))) {
		lp_fail(p, SRH_ERROR_SYNTAX, "bad line");
		return false;
	}
	return true;
}

/* Report a checked line; the reply when it is the last. */
static inline void lp_report(struct lp *p, const char *l, size_t n)
{
	srh_line(p->rec, n > 4 ? l + 4 : "", n > 4 ? n - 4 : 0);
	p->in_reply = n > 3 && l[3] == '-';
	p->reply_code = p->in_reply ? lp_code(l) : 0;
	if (!p->in_reply) {
		srh_reply(p->rec, lp_code(l), NULL);
		p->lines = 0;
	}
}

/* A line ended (its LF seen); l, n: the line without CR LF. */
typedef void (*lp_line_fn)(struct lp *p, const char *l, size_t n);

static inline void lp_line(struct lp *p, const char *l, size_t n)
{
	if (lp_check(p, l, n))
		lp_report(p, l, n);
}

/* Collect lines from bytes; CR only right before LF; at most 512 octets. */
static inline void lp_bytes(struct lp *p, const unsigned char *buf, size_t len,
			    lp_line_fn on_line)
{
	for (size_t i = 0; i < len && !p->failed; i++) {
		char c = (char)buf[i];
		if (c != '\n') {
			if (p->len == LP_MAX_LINE - 1) {
				lp_fail(p, SRH_ERROR_LIMIT, "line too long");
				return;
			}
			p->line[p->len++] = c;
			continue;
		}
		size_t n = p->len;
		p->len = 0;
		if (n == 0 || p->line[n - 1] != '\r' ||
		    memchr(p->line, '\r', n - 1)) {
			lp_fail(p, SRH_ERROR_SYNTAX, "CR and LF apart");
			return;
		}
		on_line(p, p->line, n - 1);
	}
}

/* End of stream: a truncation error inside a reply, else the end. */
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

/* Boilerplate for push subjects whose state is a struct lp. */
static inline void *lp_create(struct srh_recorder *rec)
{
	struct lp *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static inline void lp_destroy(void *self)
{
	free(self);
}

static inline void lp_finish_subject(void *self)
{
	lp_finish(self);
}

#endif
