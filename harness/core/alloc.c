/*
 * alloc.c - see alloc.h.
 */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>

void *srh_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *srh_zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

void *srh_realloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		abort();
	size_t total = n * size;
	p = realloc(p, total ? total : 1);
	if (!p)
		abort();
	return p;
}

void *srh_grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			abort();
		c *= 2;
	}
	p = srh_realloc(p, c, size);
	*cap = c;
	return p;
}
