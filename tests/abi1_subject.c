/*
 * abi1_subject.c - a subject as a shared object built against subject ABI
 * 1 would be: its struct ends at read_fd. The harness must still load it,
 * with every ABI 2 declaration at its default.
 */
#include "line_parser.h"

/* struct srh_subject as ABI 1 had it. */
struct srh_subject_abi1 {
	unsigned abi;
	const char *name, *description;
	unsigned leniency, reports;
	void *(*create)(struct srh_recorder *rec);
	void (*feed)(void *self, const unsigned char *buf, size_t len);
	void (*finish)(void *self);
	void (*destroy)(void *self);
	void *(*clone)(const void *self, struct srh_recorder *rec);
	void (*reset)(void *self);
	uint64_t (*work)(const void *self);
	void (*read_fd)(int fd, struct srh_recorder *rec);
};

static void a1_feed(void *self, const unsigned char *buf, size_t len)
{
	lp_bytes(self, buf, len, lp_line);
}

static const struct srh_subject_abi1 subject = {
	.abi = 1,
	.name = "abi-1",
	.description = "built for subject ABI 1",
	.create = lp_create,
	.feed = a1_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

__attribute__((visibility("default"))) const struct srh_subject *
srh_subject(void)
{
	return (const struct srh_subject *)(const void *)&subject;
}
