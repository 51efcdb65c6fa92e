/*
 * guard.h - pieces in exact-size buffers that end at an inaccessible page,
 * made inaccessible themselves once the feed that got them returns. A
 * subject that reads past a piece, or keeps a pointer into one and reads
 * it later, faults at once, even without a sanitizer build.
 */
#ifndef SRH_GUARD_H
#define SRH_GUARD_H

#include <stdbool.h>
#include <stddef.h>

struct guard_map {
	void *base;
	size_t size;
};

struct guard {
	bool enabled;		/* false: plain heap copies, freed after use */
	struct guard_map *maps; /* reservations of this run, released at end */
	size_t nmaps, cap;
	unsigned char *next; /* unused part of the last reservation */
	size_t left;
};

void guard_init(struct guard *g, bool enabled);
/* A copy of data[0, len) whose last byte is followed by a no-access page.
 * len 0 gives a pointer to a no-access page. */
unsigned char *guard_piece(struct guard *g, const void *data, size_t len);
/* The feed returned: make the piece inaccessible (or free it). */
void guard_retire(struct guard *g, unsigned char *piece, size_t len);
/* Unmap everything. */
void guard_release(struct guard *g);

/* A point in the carving of pieces. guard_rewind() hands the pieces
 * carved since out again, so that a tree of runs (one piece per node)
 * needs pages for its depth, not for its size. Only rewind once every
 * subject instance that saw those pieces is destroyed: until then a
 * retained pointer must keep faulting, not read a later piece. (A clone
 * that shares state with its original breaks that: a pointer kept in the
 * shared part outlives the copy, and after a rewind reads the next
 * sibling's piece instead of faulting.) */
struct guard_mark {
	size_t nmaps;
	unsigned char *next;
	size_t left;
};
struct guard_mark guard_mark(const struct guard *g);
void guard_rewind(struct guard *g, struct guard_mark m);

/* Between runs, once every instance that saw a piece is destroyed: keep
 * the pages for the next run rather than unmap them. Carving goes on where
 * it was and starts over in the first reservation only once that is used
 * up, so a pointer a destroyed instance left behind still faults for as
 * long as it can; fresh pages cost a fault and zeroing each, reused ones
 * none. */
void guard_recycle(struct guard *g);

#endif
