/*
 * guard.h - pieces in exact-size buffers that end where memory becomes
 * inaccessible, made inaccessible themselves once the feed that got them
 * returns. A subject that reads past a piece, or keeps a pointer into one
 * and reads it later, faults at once, even without a sanitizer build.
 *
 * Two ways to get there, with the same guarantees:
 *   GUARD_PAGES  each piece's pages made accessible while it is fed: two
 *                mprotect calls a piece.
 *   GUARD_KEYS   memory protection keys (x86 PKU): pieces of up to a page
 *                go in pages tagged once with one of a few keys, and only
 *                the key of the piece being fed is enabled, by a register
 *                write instead of a system call. The page after a piece
 *                has another key; retired pages whose key comes round
 *                again are made no-access in one mprotect call for every
 *                few pieces. Without PKU (or for bigger pieces) it falls
 *                back to GUARD_PAGES.
 *   GUARD_SHADOW AddressSanitizer's shadow memory, for a subject built
 *                with ASan run by a harness built with it: pieces carved
 *                from a reservation that is poisoned but for the piece
 *                being fed, so an instrumented load outside it is a
 *                use-after-poison report. No system call a piece, on any
 *                CPU; a subject without ASan's checks would read on
 *                unseen, so it is only used where guard_shadow_covers().
 */
#ifndef SRH_GUARD_H
#define SRH_GUARD_H

#include <stdbool.h>
#include <stddef.h>

enum guard_mode {
	GUARD_OFF,    /* plain heap copies, freed after use */
	GUARD_PAGES,  /* mprotect around every piece */
	GUARD_KEYS,   /* protection keys where the CPU has them */
	GUARD_SHADOW, /* ASan poisoning (guard_shadow_covers) */
};

struct guard_map {
	void *base;
	size_t size;
};

#define GUARD_MAX_KEYS 15

struct guard {
	enum guard_mode mode;
	size_t page;
	/* GUARD_PAGES: reservations of this run, released at end */
	struct guard_map *maps;
	size_t nmaps, cap;
	unsigned char *next; /* unused part of the last reservation */
	size_t left;
	/* GUARD_KEYS: one-page slots, slot i tagged keys[i % nkeys], then a
	 * no-access page. nkeys 0: not set up yet; SIZE_MAX: no keys here. */
	int keys[GUARD_MAX_KEYS];
	size_t nkeys;
	unsigned char *slots;
	size_t nslots, ntagged; /* slots [0, ntagged) have their key */
	size_t cur;		/* next slot to use */
	size_t none_end;	/* slots [0, none_end) are no-access */
	int err;		/* the first failure's errno; 0: none */
};

void guard_init(struct guard *g, enum guard_mode mode);
/* A copy of data[0, len) whose last byte is followed by inaccessible
 * memory. len 0 gives a pointer to a no-access page. NULL when the system
 * refused memory or a protection change (guard_error says which errno);
 * then every later call too, until guard_release: that is the harness's
 * own limit, never the subject's failure. */
unsigned char *guard_piece(struct guard *g, const void *data, size_t len);
int guard_error(const struct guard *g);
/* The feed returned: make the piece inaccessible (or free it). */
void guard_retire(struct guard *g, unsigned char *piece, size_t len);
/* Unmap everything, give the keys back. */
void guard_release(struct guard *g);
/* Whether pieces of up to a page are guarded by protection keys (after
 * the first piece; before it, whether they will be is not known). */
bool guard_uses_keys(const struct guard *g);

/* Whether GUARD_SHADOW guards the code at addr (a subject's function):
 * this program is built with ASan and the object holding addr was too
 * (its dynamic symbols name ASan's entry points). */
bool guard_shadow_covers(const void *addr);

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
	size_t cur;
};
struct guard_mark guard_mark(const struct guard *g);
void guard_rewind(struct guard *g, struct guard_mark m);

/* Between runs, once every instance that saw a piece is destroyed: keep
 * the pages for the next run rather than unmap them; fresh pages cost a
 * fault and zeroing each, reused ones none. GUARD_PAGES goes on carving
 * where it was and starts over once the pages are used up, so a pointer a
 * destroyed instance left behind faults for as long as it can.
 * GUARD_KEYS starts over at the first slot: such a pointer still faults,
 * except while a later run's piece in the same slot is being fed (a
 * subject that keeps state across instances is the reentrant family's
 * to catch, whose instances share a run). */
void guard_recycle(struct guard *g);

#endif
