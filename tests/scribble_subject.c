/*
 * scribble_subject.c - a hostile subject: when fed a piece of exactly
 * three bytes (never in the baselines of an 8-byte stream, always under
 * some single cut) it fills every shared writable mapping of its process
 * with 0xa5, the sandbox's result area among them. smtp-split must call
 * that a crash of the subject and carry on, never trust what it finds
 * there (tests/test_smtp_split.c, test_scribbled_result).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "line_parser.h"

static void scribble(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];

	if (!maps)
		return;
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		char perm[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perm) == 3 &&
		    strcmp(perm, "rw-s") == 0)
			memset((void *)lo, 0xa5, hi - lo);
	}
	fclose(maps);
}

static void sc_feed(void *self, const unsigned char *buf, size_t len)
{
	if (len == 3)
		scribble();
	lp_bytes(self, buf, len, lp_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "scribble",
	.description = "writes over the shared memory it can find",
	.create = lp_create,
	.feed = sc_feed,
	.finish = lp_finish_subject,
	.destroy = lp_destroy,
};

SRH_SUBJECT_EXPORT(subject)
