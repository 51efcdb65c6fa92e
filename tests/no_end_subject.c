/*
 * no_end_subject.c - a subject that breaks the contract rather than the
 * grammar: it reads replies right (bugs/line_parser.h) but never reports
 * the end of the stream, nor a truncation. The parse target's contract
 * oracle must catch it (ctest fuzz_catches_no_end_subject).
 */
#include "line_parser.h"

static void ne_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, lp_line);
}

static void ne_finish(void *self)
{
	(void)self; /* the bug: neither srh_end() nor srh_error() */
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "no-end",
	.description = "never reports the end of the stream",
	.create = lp_create,
	.feed = ne_feed,
	.finish = ne_finish,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
