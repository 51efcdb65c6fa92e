/*
 * alloc.h - the harness's own memory. Running out of it is the one failure
 * the harness's library code does not return: a report of it would need
 * memory too, and every caller would carry a path no test reaches. These
 * never return NULL; they abort (SIGABRT, nothing printed) instead, also
 * on a size that overflows. A subject's allocations are its own business:
 * these are for the harness's.
 */
#ifndef SRH_ALLOC_H
#define SRH_ALLOC_H

#include <stddef.h>

/* malloc(n); n == 0 allocates one byte. */
void *srh_alloc(size_t n);
/* calloc(n, size), zeroed. */
void *srh_zalloc(size_t n, size_t size);
/* realloc(p, n * size); the product checked. */
void *srh_realloc(void *p, size_t n, size_t size);
/* p with room for need items of size, *cap grown by doubling (from 16). */
void *srh_grow(void *p, size_t *cap, size_t need, size_t size);

#endif
