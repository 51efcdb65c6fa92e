/*
 * bad_reset.c - planted bug: bytes buffered before STARTTLS survive the
 * switch.
 *
 * Origin: curl CVE-2021-22947 (8ef147c4), Exim CVE-2021-38371, MailKit
 * 24c8b305: bytes received before the TLS handshake were parsed as replies
 * after it (response injection).
 * Mechanism: reset(), which the client calls when the transport changes,
 * clears the reply state but not the partial line already buffered.
 * Caught by: reuse (push).
 */
#include "line_parser.h"

static void br_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, lp_line);
}

static void br_reset(void *self)
{
	struct lp *p = self;

	p->in_reply = false;
	p->failed = false;
	p->lines = 0;
	p->reply_code = 0; /* the bug: p->len, the buffered bytes, stays */
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "bad-reset",
	.description = "a transport switch keeps the buffered bytes",
	.create = lp_create,
	.feed = br_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
	.reset = br_reset,
};

SRH_SUBJECT_EXPORT(subject)
