/*
 * no_end_subject.c - a subject that breaks the contract rather than the
 * grammar: it reads replies right but never reports the end of the
 * stream. The parse target's contract oracle must catch it (ctest).
 */
#include <stdlib.h>
#include <string.h>

#include "subject.h"

struct ne {
	struct srh_recorder *rec;
	char line[520];
	size_t len;
};

static void *ne_create(struct srh_recorder *rec)
{
	struct ne *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void ne_feed(void *self, const unsigned char *buf, size_t len)
{
	struct ne *p = self;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (p->len < sizeof p->line)
				p->line[p->len++] = (char)buf[i];
			continue;
		}
		size_t n = p->len && p->line[p->len - 1] == '\r' ? p->len - 1
								 : p->len;
		srh_line(p->rec, n > 4 ? p->line + 4 : "", n > 4 ? n - 4 : 0);
		if (n < 4 || p->line[3] != '-')
			srh_reply(p->rec,
				  n >= 3 ? (unsigned)strtoul(
						   (char[]){p->line[0],
							    p->line[1],
							    p->line[2], 0},
						   NULL, 10)
					 : 0,
				  NULL);
		p->len = 0;
	}
}

static void ne_finish(void *self)
{
	(void)self; /* the bug: neither srh_end nor srh_error */
}

static void ne_destroy(void *self)
{
	free(self);
}

static const struct srh_subject ne = {
	.abi = SRH_SUBJECT_ABI,
	.name = "no-end",
	.description = "never reports the end of the stream",
	.create = ne_create,
	.feed = ne_feed,
	.finish = ne_finish,
	.destroy = ne_destroy,
};

SRH_SUBJECT_EXPORT(ne)
