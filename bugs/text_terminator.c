/*
 * text_terminator.c - planted bug: the reply's text is kept with a NUL
 * after it, written one byte past the buffer when the text fills it
 * exactly.
 *
 * Origin: CWE-193, the terminator written one past a buffer that is
 * exactly full: growth tested with `len + n > cap` where `len + n + 1`
 * was needed.
 * Mechanism: a correct parser that also keeps each reply's text (all its
 * lines) in a buffer of 1024 bytes, doubled as needed. When the text so
 * far is exactly 1024, 2048, 4096... bytes, the NUL lands one past the
 * heap block. Only a sanitizer sees it, and only at those exact sizes,
 * which the generator reaches by aiming at buffer sizes (--gen-aim).
 * Caught by: crash (push).
 */
#include "line_parser.h"

struct tt {
	struct lp lp;
	char *text; /* the reply's text so far, NUL-terminated */
	size_t len, cap;
};

static void *tt_create(struct srh_recorder *rec)
{
	struct tt *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void tt_line(struct lp *lp, const char *l, size_t n)
{
	struct tt *p = (struct tt *)lp; /* lp is its first member */
	size_t t = n > 4 ? n - 4 : 0;

	if (!lp_check(lp, l, n))
		return;
	if (p->len + t > p->cap) { /* the bug: no room kept for the NUL */
		size_t cap = p->cap ? p->cap : 1024;
		while (cap < p->len + t)
			cap *= 2;
		char *b = realloc(p->text, cap);
		if (!b) {
			lp_fail(lp, SRH_ERROR_LIMIT, "no memory");
			return;
		}
		p->text = b;
		p->cap = cap;
	}
	if (t)
		memcpy(p->text + p->len, l + 4, t);
	p->len += t;
	if (p->text)
		p->text[p->len] = '\0';
	lp_report(lp, l, n);
	if (!lp->in_reply)
		p->len = 0;
}

static void tt_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, tt_line);
}

static void tt_destroy(void *self)
{
	struct tt *p = self;
	free(p->text);
	free(p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "text-terminator",
	.description = "a NUL one past its text buffer when it is full",
	.create = tt_create,
	.feed = tt_feed,
	.finish = lp_finish_subject,
	.destroy = tt_destroy,
};

SRH_SUBJECT_EXPORT(subject)
