/*
 * channel.h - the one record a split-tester child sends its parent
 * through the sandbox's result area: its verdict on what it ran.
 *
 *   child:  chk_record_put(sh, &rec);           at most one per run
 *   parent: switch (chk_record_get(sh, &rec)) { ... } chk_record_free(&rec);
 *
 * The parent trusts nothing the child wrote: the subject runs in that
 * child and may have overwritten the area. A record that is cut short,
 * names no oracle or has lengths past the area is CHK_REC_BAD, never read
 * further. Texts too long for the area are cut (and say so) rather than
 * making the record unreadable.
 */
#ifndef SRH_CHANNEL_H
#define SRH_CHANNEL_H

#include "check.h"
#include "strbuf.h"

struct sbx_shared;

struct chk_record {
	enum chk_oracle oracle; /* CHK_O_COUNT: the run passed */
	long prefix;		/* prefix oracle: the cut-off; else -1 */
	struct strbuf sched;	/* the schedule, as sched_format writes it */
	struct strbuf expected, actual, detail;
	/* The stream that failed when the family made its own (a flood, a
	 * long input); empty: the stream the child was given. */
	struct strbuf stream;
};

enum chk_record_read {
	CHK_REC_NONE, /* the child wrote no record */
	CHK_REC_OK,
	CHK_REC_BAD, /* cut short, overwritten or out of range */
};

void chk_record_init(struct chk_record *r);
void chk_record_free(struct chk_record *r);
/* In the child: append r to the result area; false if not even its
 * header fits. */
bool chk_record_put(struct sbx_shared *sh, const struct chk_record *r);
/* In the parent: the record the child wrote, into r (initialised). */
enum chk_record_read chk_record_get(const struct sbx_shared *sh,
				    struct chk_record *r);

#endif
