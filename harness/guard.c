/*
 * guard.c - see guard.h. Pieces are carved out of large no-access
 * reservations, each piece's pages made accessible while it is fed: two
 * mprotect calls a piece, however small. Poisoned pieces stay reserved
 * until guard_release() or a guard_rewind() past them, so their addresses
 * are not reused by a later piece while a retained pointer could still
 * silently read new data through them.
 */
#define _DEFAULT_SOURCE
#include "guard.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 ? (size_t)ps : 4096;
}

void guard_init(struct guard *g, bool enabled)
{
	memset(g, 0, sizeof *g);
	g->enabled = enabled;
}

static void remember(struct guard *g, void *base, size_t size)
{
	if (g->nmaps == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->maps = realloc(g->maps, g->cap * sizeof *g->maps);
		if (!g->maps)
			abort();
	}
	g->maps[g->nmaps].base = base;
	g->maps[g->nmaps].size = size;
	g->nmaps++;
}

#define RESERVE (16u << 20)

unsigned char *guard_piece(struct guard *g, const void *data, size_t len)
{
	if (!g->enabled) {
		unsigned char *p = malloc(len ? len : 1);
		if (!p)
			abort();
		if (len)
			memcpy(p, data, len);
		return p;
	}
	size_t ps = page_size();
	size_t data_pages = (len + ps - 1) / ps;
	size_t need = (data_pages + 1) * ps; /* the data, then a guard */
	if (g->left < need) {
		size_t size = need > RESERVE ? need : RESERVE;
		unsigned char *base = mmap(
			NULL, size, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (base == MAP_FAILED)
			abort();
		remember(g, base, size);
		g->next = base;
		g->left = size;
	}
	unsigned char *slot = g->next;
	g->next += need;
	g->left -= need;
	if (data_pages &&
	    mprotect(slot, data_pages * ps, PROT_READ | PROT_WRITE) != 0)
		abort();
	unsigned char *piece = slot + data_pages * ps - len;
	if (len)
		memcpy(piece, data, len);
	return piece;
}

void guard_retire(struct guard *g, unsigned char *piece, size_t len)
{
	if (!g->enabled) {
		free(piece);
		return;
	}
	size_t ps = page_size();
	uintptr_t start = (uintptr_t)piece & ~(uintptr_t)(ps - 1);
	uintptr_t end = (uintptr_t)piece + len;
	if (end > start)
		mprotect((void *)start, end - start, PROT_NONE);
}

void guard_release(struct guard *g)
{
	for (size_t i = 0; i < g->nmaps; i++)
		munmap(g->maps[i].base, g->maps[i].size);
	free(g->maps);
	guard_init(g, g->enabled);
}

struct guard_mark guard_mark(const struct guard *g)
{
	struct guard_mark m = {g->nmaps, g->next, g->left};
	return m;
}

void guard_recycle(struct guard *g)
{
	if (!g->enabled || g->nmaps == 0)
		return;
	/* Used up, or a big piece made more reservations: start over in the
	 * first, the others unmapped. */
	size_t ps = page_size();
	if (g->nmaps > 1 || g->left < 64 * ps) {
		struct guard_mark m = {1, g->maps[0].base, g->maps[0].size};
		guard_rewind(g, m);
	}
}

void guard_rewind(struct guard *g, struct guard_mark m)
{
	/* Reservations made since: unmapped. The one the mark is in: its
	 * pieces are no-access already and are made accessible on reuse. */
	while (g->nmaps > m.nmaps) {
		g->nmaps--;
		munmap(g->maps[g->nmaps].base, g->maps[g->nmaps].size);
	}
	g->next = m.next;
	g->left = m.left;
}
