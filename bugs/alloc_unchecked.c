/*
 * alloc_unchecked.c - planted bug: a failed allocation is not checked.
 *
 * Origin: CWE-690, the unchecked malloc() result dereferenced, as in
 * C clients that allocate their line buffer on first use and never test
 * for NULL.
 * Mechanism: a correct parser whose line buffer is allocated at the first
 * feed; when that allocation fails it writes through NULL. Only a failed
 * allocation shows it, which no stream alone brings about.
 * Caught by: alloc (push).
 */
#include "line_parser.h"

struct au {
	struct lp lp;
	char *scratch; /* the first line's copy, allocated on first use */
};

static void *au_create(struct srh_recorder *rec)
{
	struct au *p = calloc(1, sizeof *p);
	if (p)
		p->lp.rec = rec;
	return p;
}

static void au_feed(void *self, const unsigned char *buf, size_t n)
{
	struct au *p = self;

	if (n && !p->scratch) {
		p->scratch = malloc(LP_MAX_LINE);
		p->scratch[0] = (char)buf[0]; /* the bug: no NULL check */
	}
	lp_bytes(&p->lp, buf, n, lp_line);
}

static void au_destroy(void *self)
{
	struct au *p = self;
	free(p->scratch);
	free(p);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "alloc-unchecked",
	.description = "writes through an unchecked malloc() result",
	.create = au_create,
	.feed = au_feed,
	.finish = lp_finish_subject,
	.destroy = au_destroy,
};

SRH_SUBJECT_EXPORT(subject)
