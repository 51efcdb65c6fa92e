/*
 * crlf_split.c - broken on purpose: a CR that ends one piece ends the line.
 *
 * A push parser that looks for CR LF within the bytes it is given; a CR at
 * the very end of a piece is taken for a complete line end, so the LF that
 * starts the next piece begins a line of its own, which then has no code.
 * The same mistake as JavaMail's lone-CR handling and curl's bare-code
 * length test, seen only when CR and LF arrive in different reads.
 * Caught by: split (push), with one cut between a CR and its LF.
 */
#include <stdlib.h>
#include <string.h>

#include "subject.h"

struct crlf {
	struct srh_recorder *rec;
	char line[1024];
	size_t len;
	bool failed, in_reply;
};

static void *crlf_create(struct srh_recorder *rec)
{
	struct crlf *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void line_done(struct crlf *p)
{
	const char *l = p->line;
	size_t n = p->len;

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

static void crlf_feed(void *self, const unsigned char *buf, size_t len)
{
	struct crlf *p = self;

	for (size_t i = 0; i < len && !p->failed; i++) {
		char c = (char)buf[i];
		bool ends =
			c == '\n' || (c == '\r' && i + 1 == len); /* the bug */
		if (c == '\r' && !ends)
			continue; /* the LF follows in this piece */
		if (ends) {
			line_done(p);
			p->len = 0;
			continue;
		}
		if (p->len < sizeof p->line)
			p->line[p->len++] = c;
	}
}

static void crlf_finish(void *self)
{
	struct crlf *p = self;

	if (p->failed)
		return;
	if (p->len || p->in_reply)
		srh_error(p->rec, SRH_ERROR_TRUNCATED, SRH_OFFSET_UNKNOWN,
			  "partial line");
	else
		srh_end(p->rec);
}

static void crlf_destroy(void *self)
{
	free(self);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "crlf-split",
	.description = "a CR at the end of a piece ends the line",
	.create = crlf_create,
	.feed = crlf_feed,
	.finish = crlf_finish,
	.destroy = crlf_destroy,
};

SRH_SUBJECT_EXPORT(subject)
