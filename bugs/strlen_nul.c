/*
 * strlen_nul.c - planted bug: the line is measured with strlen(), so a NUL
 * cuts it short instead of being rejected.
 *
 * Origin: curl 2f8fb98c, "pingpong: reject nul byte in server response
 * line"; catalogue SR-X02.
 * Mechanism: after a length-delimited read the line is handled as a C
 * string: "250 ok\0X-Injected: 1" becomes "250 ok", and what follows the
 * NUL vanishes silently.
 * Caught by: model (push).
 */
#include "line_parser.h"

static void sn_line(struct lp *p, const char *l, size_t n)
{
	char copy[LP_MAX_LINE + 1];

	memcpy(copy, l, n);
	copy[n] = '\0';
	lp_line(p, copy, strlen(copy)); /* the bug */
}

static void sn_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, sn_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "strlen-nul",
	.description = "strlen() on a line holding a NUL (curl 2f8fb98c)",
	.create = lp_create,
	.feed = sn_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
