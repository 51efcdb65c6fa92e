/*
 * guard.c - see guard.h. GUARD_PAGES carves pieces out of large no-access
 * reservations, each piece's pages made accessible while it is fed.
 * Poisoned pieces stay reserved until guard_release() or a guard_rewind()
 * past them, so their addresses are not reused by a later piece while a
 * retained pointer could still silently read new data through them.
 * GUARD_KEYS does the same for pieces of up to a page with protection
 * keys, falling back to the pages for bigger ones. GUARD_SHADOW carves
 * the same way from readable reservations poisoned in ASan's shadow.
 */
#define _GNU_SOURCE
#include "guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SHADOW 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_SHADOW 1
#endif
#endif
#ifdef HAVE_SHADOW
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Poisoned bytes between two shadow pieces, at least: a read a little
 * past a piece still live beside another one lands in neither. */
#define SHADOW_GAP 16

/* One-page slots in the key reservation, each tagged with its key the
 * first time it is used (a system call a slot, once per process). */
#define KEY_SLOTS 1024
#define NO_KEYS	  SIZE_MAX

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 ? (size_t)ps : 4096;
}

void guard_init(struct guard *g, enum guard_mode mode)
{
	memset(g, 0, sizeof *g);
#ifndef HAVE_SHADOW
	if (mode == GUARD_SHADOW) /* nothing would check the poison */
		mode = GUARD_PAGES;
#endif
	g->mode = mode;
	g->page = page_size();
}

int guard_error(const struct guard *g)
{
	return g->err;
}

/* ---- protection keys ----------------------------------------------------
 */

static void keys_free(struct guard *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pkey_free(g->keys[i]);
}

/* Keys and tagged slots, or NO_KEYS where the CPU or kernel has none. */
static void keys_setup(struct guard *g)
{
	size_t n = 0, ps = g->page;

	while (n < GUARD_MAX_KEYS) {
		int k = pkey_alloc(0, PKEY_DISABLE_ACCESS);
		if (k < 0)
			break;
		g->keys[n++] = k;
	}
	g->nkeys = NO_KEYS;
	if (n < 2) { /* the page after a piece needs another key */
		keys_free(g, n);
		return;
	}
	unsigned char *base =
		mmap(NULL, (KEY_SLOTS + 1) * ps, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		keys_free(g, n);
		return;
	}
	/* Whether the kernel tags pages: the first slot. */
	if (pkey_mprotect(base, ps, PROT_READ | PROT_WRITE, g->keys[0]) != 0) {
		munmap(base, (KEY_SLOTS + 1) * ps);
		keys_free(g, n);
		return;
	}
	g->nkeys = n;
	g->slots = base;
	g->nslots = KEY_SLOTS;
	g->ntagged = 1;
	g->cur = g->none_end = 0;
}

bool guard_uses_keys(const struct guard *g)
{
	return g->mode == GUARD_KEYS && g->nkeys != 0 && g->nkeys != NO_KEYS;
}

static bool in_slots(const struct guard *g, const unsigned char *p)
{
	return guard_uses_keys(g) && p >= g->slots &&
	       p < g->slots + g->nslots * g->page;
}

/* Slots from `from` on are used again: accessible to their keys. */
static void slots_reopen(struct guard *g, size_t from)
{
	size_t ps = g->page;
	if (from < g->none_end) {
		if (mprotect(g->slots + from * ps, (g->none_end - from) * ps,
			     PROT_READ | PROT_WRITE) != 0)
			g->err = errno;
		else
			g->none_end = from;
	}
}

/* No piece: the system's error kept for guard_error(). */
static unsigned char *fail(struct guard *g)
{
	g->err = errno ? errno : ENOMEM;
	return NULL;
}

static unsigned char *slot_piece(struct guard *g, const void *data, size_t len)
{
	size_t ps = g->page, c = g->cur++;

	/* Untagged slots are no-access: a read past the last tagged one
	 * faults as well. */
	if (c == g->ntagged) {
		if (pkey_mprotect(g->slots + c * ps, ps, PROT_READ | PROT_WRITE,
				  g->keys[c % g->nkeys]) != 0)
			return fail(g);
		g->ntagged++;
	}

	/* A retired slot with this slot's key must be no-access: all of
	 * them before c, in one call every nkeys slots. */
	if (c - g->none_end >= g->nkeys) {
		if (mprotect(g->slots + g->none_end * ps,
			     (c - g->none_end) * ps, PROT_NONE) != 0)
			return fail(g);
		g->none_end = c;
	}
	pkey_set(g->keys[c % g->nkeys], 0);
	unsigned char *piece = g->slots + (c + 1) * ps - len;
	memcpy(piece, data, len);
	return piece;
}

/* ---- pages ---------------------------------------------------------------
 */

static bool remember(struct guard *g, void *base, size_t size)
{
	if (g->nmaps == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct guard_map *maps = realloc(g->maps, cap * sizeof *maps);
		if (!maps)
			return false;
		g->maps = maps;
		g->cap = cap;
	}
	g->maps[g->nmaps].base = base;
	g->maps[g->nmaps].size = size;
	g->nmaps++;
	return true;
}

#define RESERVE (16u << 20)

/* A new reservation of at least need bytes to carve from: no-access, or
 * (GUARD_SHADOW) readable and poisoned. */
static bool reserve(struct guard *g, size_t need)
{
	bool shadow = g->mode == GUARD_SHADOW;
	size_t size = need > RESERVE ? need : RESERVE;
	unsigned char *base =
		mmap(NULL, size, shadow ? PROT_READ | PROT_WRITE : PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return false;
	if (!remember(g, base, size)) {
		munmap(base, size);
		errno = ENOMEM;
		return false;
	}
	if (shadow)
		POISON(base, size);
	g->next = base;
	g->left = size;
	return true;
}

static unsigned char *page_piece(struct guard *g, const void *data, size_t len)
{
	size_t ps = g->page;
	size_t data_pages = (len + ps - 1) / ps;
	size_t need = (data_pages + 1) * ps; /* the data, then a guard */
	if (g->left < need && !reserve(g, need))
		return fail(g);
	unsigned char *slot = g->next;
	g->next += need;
	g->left -= need;
	if (data_pages &&
	    mprotect(slot, data_pages * ps, PROT_READ | PROT_WRITE) != 0)
		return fail(g);
	unsigned char *piece = slot + data_pages * ps - len;
	if (len)
		memcpy(piece, data, len);
	return piece;
}

/* ASan tracks 8-byte granules: a piece starting on one can end anywhere,
 * the rest of its last granule poisoned. */
static unsigned char *shadow_piece(struct guard *g, const void *data,
				   size_t len)
{
	size_t need = ((len + 7) & ~(size_t)7) + SHADOW_GAP;
	if (need < len || (g->left < need && !reserve(g, need)))
		return fail(g);
	unsigned char *piece = g->next;
	g->next += need;
	g->left -= need;
	if (len) {
		UNPOISON(piece, len);
		memcpy(piece, data, len);
	}
	return piece;
}

/* Unmapped: poison left behind would fault whatever is mapped there next. */
static void unmap(struct guard *g, void *base, size_t size)
{
	if (g->mode == GUARD_SHADOW)
		UNPOISON(base, size);
	munmap(base, size);
}

unsigned char *guard_piece(struct guard *g, const void *data, size_t len)
{
	if (g->err) /* a failure since that left pages in a wrong state */
		return NULL;
	if (g->mode == GUARD_OFF) {
		unsigned char *p = malloc(len ? len : 1);
		if (!p) {
			errno = ENOMEM;
			return fail(g);
		}
		if (len)
			memcpy(p, data, len);
		return p;
	}
	if (g->mode == GUARD_SHADOW)
		return shadow_piece(g, data, len);
	if (g->mode == GUARD_KEYS && g->nkeys == 0)
		keys_setup(g);
	if (guard_uses_keys(g)) {
		if (len == 0) /* the no-access page after the slots */
			return g->slots + g->nslots * g->page;
		if (len <= g->page && g->cur < g->nslots)
			return slot_piece(g, data, len);
	}
	return page_piece(g, data, len);
}

void guard_retire(struct guard *g, unsigned char *piece, size_t len)
{
	if (g->mode == GUARD_OFF) {
		free(piece);
		return;
	}
	if (g->mode == GUARD_SHADOW) {
		POISON(piece, len);
		return;
	}
	size_t ps = g->page;
	if (in_slots(g, piece)) {
		if (len)
			pkey_set(g->keys[(size_t)(piece - g->slots) / ps %
					 g->nkeys],
				 PKEY_DISABLE_ACCESS);
		return;
	}
	/* The piece ends on a page boundary (page_piece). Its pages are
	 * replaced by fresh no-access ones, in one call as mprotect would:
	 * a stale read still faults, and their memory goes back to the
	 * system, so a long byte-by-byte run keeps no page per byte. */
	uintptr_t start = (uintptr_t)piece & ~(uintptr_t)(ps - 1);
	uintptr_t end = (uintptr_t)piece + len;
	if (end > start &&
	    mmap((void *)start, end - start, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		 0) == MAP_FAILED &&
	    mprotect((void *)start, end - start, PROT_NONE) != 0)
		g->err = errno; /* readable still: no later piece is given */
}

void guard_release(struct guard *g)
{
	for (size_t i = 0; i < g->nmaps; i++)
		unmap(g, g->maps[i].base, g->maps[i].size);
	free(g->maps);
	if (guard_uses_keys(g)) {
		munmap(g->slots, (g->nslots + 1) * g->page);
		keys_free(g, g->nkeys);
	}
	guard_init(g, g->mode);
}

struct guard_mark guard_mark(const struct guard *g)
{
	struct guard_mark m = {g->nmaps, g->next, g->left, g->cur};
	return m;
}

void guard_recycle(struct guard *g)
{
	if (g->mode == GUARD_OFF)
		return;
	size_t ps = g->page;
	struct guard_mark m = guard_mark(g);
	/* Used up, or a big piece made more reservations: start over in the
	 * first, the others unmapped. */
	if (g->nmaps > 1 || (g->nmaps == 1 && g->left < 64 * ps)) {
		m.nmaps = 1;
		m.next = g->maps[0].base;
		m.left = g->maps[0].size;
	}
	/* Slots: from the first again, so that a run of up to nkeys pieces
	 * makes no system call at all. */
	m.cur = 0;
	guard_rewind(g, m);
}

void guard_rewind(struct guard *g, struct guard_mark m)
{
	/* Reservations made since: unmapped. The one the mark is in: its
	 * pieces are no-access already and are made accessible on reuse. */
	while (g->nmaps > m.nmaps) {
		g->nmaps--;
		unmap(g, g->maps[g->nmaps].base, g->maps[g->nmaps].size);
	}
	g->next = m.next;
	g->left = m.left;
	if (guard_uses_keys(g)) {
		slots_reopen(g, m.cur);
		g->cur = m.cur;
	}
}

bool guard_shadow_covers(const void *addr)
{
#ifdef HAVE_SHADOW
	Dl_info info;
	struct link_map *map = NULL;
	if (!dladdr1(addr, &info, (void **)&map, RTLD_DL_LINKMAP) || !map ||
	    !map->l_ld)
		return false;
	const char *strtab = NULL;
	size_t strsz = 0;
	for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_STRTAB)
			strtab = (const char *)d->d_un.d_ptr;
		else if (d->d_tag == DT_STRSZ)
			strsz = d->d_un.d_val;
	}
	if (!strtab || !strsz)
		return false;
	/* Where the loader left the entry unrelocated: an offset. */
	if ((uintptr_t)strtab < map->l_addr)
		strtab += map->l_addr;
	/* An instrumented object calls, or the runtime exports, these. */
	return memmem(strtab, strsz, "__asan_report_load", 18) ||
	       memmem(strtab, strsz, "__asan_init", 11);
#else
	(void)addr;
	return false;
#endif
}
