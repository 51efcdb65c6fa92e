/*
 * split_check.h - run the reference parser over a byte stream cut in every
 * way the tests need, and compare what comes out.
 *
 * A transcript is plain text, one event per line:
 *   L 250- @0..11 "first"              a continuation line: code, start and
 *                                      end offsets, escaped text
 *   R 250 lines=2 @0..24 esc=2.0.0     a completed reply (after its last L)
 *   E CODE_MISMATCH @14 line=2/2       an error: name, offset, stream line /
 *                                      line within the reply
 *   END                                srp_finish() found a clean end
 * The end offset of an event is how many bytes the parser had consumed
 * when it reported it, so equal transcripts also mean equally prompt.
 */
#ifndef SPLIT_CHECK_H
#define SPLIT_CHECK_H

#include <stddef.h>

#include "smtp_reply.h"
#include "strbuf.h"

/*
 * Feed in[0, n) to a fresh parser configured with cfg (NULL: defaults) in
 * pieces ending at cuts[0..ncuts) (ascending, each in 1..n-1), each piece in
 * its own exact-size heap copy freed right after use, then finish. Appends
 * the transcript to *out. Asserts the API's invariants on every call.
 */
void sc_run(const struct srp_config *cfg, const char *in, size_t n,
	    const size_t *cuts, size_t ncuts, struct strbuf *out);

/*
 * Assert that in[0, n) gives exactly `expected` fed in one piece, under
 * every single cut, byte at a time, in pieces of 2 and 3, and fed byte by
 * byte alternately with a second parser reading another stream.
 */
void sc_check(const struct srp_config *cfg, const char *in, size_t n,
	      const char *expected);

/* sc_check for a NUL-terminated input. */
#define SC_CHECK(cfg, in, expected) \
	sc_check((cfg), (in), strlen(in), (expected))

#endif
