/*
 * reply_per_chunk.c - planted bug: every piece that arrives is a reply.
 *
 * Origin: emailjs PR #140 (commits 0df79e4e, 423a0d49, 478808f7): a reply
 * that Zoho split across TCP segments was taken for two replies.
 * Mechanism: on each chunk it takes the code from the first digits it
 * buffered and reports everything buffered so far as one reply.
 * Caught by: split (push).
 */
#include "line_parser.h"

struct rpc {
	struct srh_recorder *rec;
	char buf[8192];
	size_t len;
};

static void *rpc_create(struct srh_recorder *rec)
{
	struct rpc *p = calloc(1, sizeof *p);
	if (p)
		p->rec = rec;
	return p;
}

static void rpc_feed(void *self, const unsigned char *buf, size_t len)
{
	struct rpc *p = self;

	if (len == 0)
		return;
	if (len > sizeof p->buf - p->len)
		len = sizeof p->buf - p->len;
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	/* The bug: whatever arrived is the reply. */
	unsigned code = p->len >= 3 ? (unsigned)atoi(p->buf) : 0;
	for (size_t at = 0; at < p->len;) {
		const char *nl = memchr(p->buf + at, '\n', p->len - at);
		size_t end = nl ? (size_t)(nl - p->buf) : p->len;
		size_t n = end - at - (end > at && p->buf[end - 1] == '\r');
		srh_line(p->rec, n > 4 ? p->buf + at + 4 : "",
			 n > 4 ? n - 4 : 0);
		at = end + 1;
	}
	srh_reply(p->rec, code, NULL);
	p->len = 0;
}

static void rpc_finish(void *self)
{
	srh_end(((struct rpc *)self)->rec);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "reply-per-chunk",
	.description = "each chunk is a reply (emailjs PR #140)",
	.create = rpc_create,
	.feed = rpc_feed,
	.finish = rpc_finish,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
