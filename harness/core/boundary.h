/*
 * boundary.h - the sizes real buffers have: powers of two, the usual
 * segment and line sizes (RFC 5321's 512 octets and its 510 of text and
 * separator, a 1460-byte TCP segment, 1500 of an Ethernet frame). The
 * generator, the random family's cut points and the SMTP mutator aim a
 * line, a reply's text or bytes, or a stream offset at one of these or
 * its neighbours, where an off-by-one in a buffer shows.
 */
#ifndef SRH_BOUNDARY_H
#define SRH_BOUNDARY_H

#include <stddef.h>
#include <stdint.h>

static const uint32_t srh_boundaries[] = {
	64,   128,  256,  500,	510,  512,   1000,  1024,  1460,
	1500, 2048, 4000, 4096, 8192, 16384, 32768, 65536,
};
#define SRH_NBOUNDARIES (sizeof srh_boundaries / sizeof srh_boundaries[0])

/* Boundary i's neighbour d (-2..2), never below 1. */
static inline size_t srh_boundary(size_t i, int d)
{
	size_t b = srh_boundaries[i % SRH_NBOUNDARIES];
	return d < 0 && (size_t)-d >= b ? 1 : (size_t)((long)b + d);
}

#endif
