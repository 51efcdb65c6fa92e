/*
 * reparse_buffer.c - planted bug: every read is appended to a buffer and
 * the whole buffer is parsed again.
 *
 * Origin: event-loop clients that append each chunk to a string and split
 * the whole string again on every data event (the quadratic pattern of
 * libexpat CVE-2023-52425, here without a work counter to betray it).
 * Mechanism: the bytes of the unfinished reply are kept and rescanned from
 * their start on every feed, so a long reply in small pieces costs
 * quadratic CPU time. Its replies are right however it is cut, and it
 * counts no work: only the time family sees it.
 * Caught by: time (push).
 */
#include "line_parser.h"

struct rb {
	struct lp lp;
	char *buf; /* bytes since the last whole reply */
	size_t len, cap;
};

static void *rb_create(struct srh_recorder *rec)
{
	struct rb *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

/* Where the first whole reply of buf ends (or where it breaks a limit),
 * found by scanning from the start: 0 if not yet. */
static size_t reply_end(const struct rb *p)
{
	size_t at = 0, lines = 0;

	while (at < p->len) {
		const char *nl = memchr(p->buf + at, '\n', p->len - at);
		size_t end = nl ? (size_t)(nl - p->buf) + 1 : p->len;
		if (end - at > LP_MAX_LINE || ++lines > LP_MAX_LINES)
			return end; /* lp_bytes reports the limit */
		if (!nl)
			return 0;
		if (end - at < 5 || p->buf[at + 3] != '-')
			return end;
		at = end;
	}
	return 0;
}

static void rb_feed(void *self, const unsigned char *in, size_t n)
{
	struct rb *p = self;

	if (p->lp.failed || n == 0)
		return;
	if (p->len + n > p->cap) {
		size_t cap = (p->len + n) * 2;
		char *b = realloc(p->buf, cap);
		if (!b) {
			lp_fail(&p->lp, SRH_ERROR_LIMIT, "no memory");
			return;
		}
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, in, n);
	p->len += n;
	for (size_t end; !p->lp.failed && (end = reply_end(p)) > 0;) {
		lp_bytes(&p->lp, (const unsigned char *)p->buf, end, lp_line);
		memmove(p->buf, p->buf + end, p->len - end);
		p->len -= end;
	}
}

static void rb_finish(void *self)
{
	struct rb *p = self;
	if (!p->lp.failed && p->len)
		lp_bytes(&p->lp, (const unsigned char *)p->buf, p->len,
			 lp_line);
	lp_finish(&p->lp);
}

static void rb_destroy(void *self)
{
	struct rb *p = self;
	free(p->buf);
	free(p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "reparse-buffer",
	.description = "parses its whole buffer again on every read",
	.create = rb_create,
	.feed = rb_feed,
	.finish = rb_finish,
	.destroy = rb_destroy,
};

SRH_SUBJECT_EXPORT(subject)
