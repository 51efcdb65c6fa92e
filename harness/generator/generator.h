/*
 * generator.h - random reply streams from a structured description, and
 * the transcript a correct parser must give for them, computed from the
 * description alone (never by running a parser).
 *
 * A description is a list of replies, each a list of lines; a line is the
 * code as written (normally three digits), a separator, the text and the
 * line ending. At most one defect is planted, at a random place; the model
 * knows at which byte a strict parser must stop, with which kind of error,
 * and which leniency (if any) makes the defect acceptable.
 *
 * Choices come from a source: a seeded PRNG, or bytes (a fuzzer's input),
 * where running out of bytes gives the smallest choice every time, so a
 * shorter input means a simpler stream.
 */
#ifndef SRH_GENERATOR_H
#define SRH_GENERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "subject.h"
#include "transcript.h"

/* The limits the model assumes: the reference parser's defaults. */
#define GEN_MAX_LINE  512u
#define GEN_MAX_LINES 128u
#define GEN_MAX_REPLY 65536u /* octets, endings included */

#define GEN_DEFECTS(X)                                            \
	X(NONE, "none")                                           \
	X(BAD_DIGIT, "a code digit that is no digit")             \
	X(CODE_RANGE, "a code digit out of range")                \
	X(SHORT_CODE, "a code of two digits")                     \
	X(LONG_CODE, "a code of four digits")                     \
	X(BAD_SEPARATOR, "neither SP nor '-' after the code")     \
	X(BARE_LF, "a line ended by LF alone")                    \
	X(BARE_CR, "a CR inside the text")                        \
	X(NUL, "a NUL byte in the text")                          \
	X(EIGHT_BIT, "bytes above 0x7F in the text")              \
	X(CONTROL, "a control byte in the text")                  \
	X(CODE_MISMATCH, "a continuation line with another code") \
	X(EMPTY_LINE, "an empty line inside a reply")             \
	X(LONG_LINE, "a line over 512 octets")                    \
	X(TOO_MANY_LINES, "a reply of more than 128 lines")       \
	X(TRUNCATED, "the stream ends inside a reply")

enum gen_defect {
#define GEN_DEFECT_ENUM(id, what) GEN_##id,
	GEN_DEFECTS(GEN_DEFECT_ENUM)
#undef GEN_DEFECT_ENUM
		GEN_DEFECT_COUNT
};

const char *gen_defect_name(enum gen_defect d);

struct gen_line {
	char code[5]; /* as written: "250", "2x0", "25", "2500" */
	char sep;     /* ' ', '-', another byte, or 0 for none */
	struct strbuf text;
	bool bare_lf; /* ends with LF alone */
};

struct gen_reply {
	struct gen_line *lines;
	size_t nlines;
};

struct gen_stream {
	struct gen_reply *replies;
	size_t nreplies;
	enum gen_defect defect;
	size_t defect_reply, defect_line; /* where it is */
	size_t defect_at;		  /* its offset within that line */
	size_t truncate; /* GEN_TRUNCATED: bytes kept of the last reply */
};

/* Where choices come from. */
struct gen_source {
	const uint8_t *data; /* bytes, or NULL to use rng */
	size_t len, pos;
	uint64_t rng;
};

void gen_source_seed(struct gen_source *s, uint64_t seed);
void gen_source_bytes(struct gen_source *s, const uint8_t *data, size_t len);
/* A choice in [0, bound); 0 once the bytes run out. */
size_t gen_draw(struct gen_source *s, size_t bound);

struct gen_opts {
	size_t max_replies;  /* pipelined replies, >= 1 */
	unsigned defect_pct; /* streams with a defect, percent */
	unsigned aim_pct;    /* replies sized to a buffer size (boundary.h) */
};

void gen_opts_init(struct gen_opts *o);
void gen_free(struct gen_stream *g);
void gen_copy(struct gen_stream *dst, const struct gen_stream *src);

/* A new random description. */
void gen_generate(struct gen_stream *g, struct gen_source *src,
		  const struct gen_opts *o);

/* The bytes on the wire. */
void gen_serialize(const struct gen_stream *g, struct strbuf *out);

/* What a parser accepting the given srh_leniency bits must report. */
void gen_expect(const struct gen_stream *g, unsigned leniency,
		struct tr_transcript *t);

/* How many replies the stream answers before its defect stops a strict
 * parser: the number of pipelined commands it answers. */
size_t gen_replies_expected(const struct gen_stream *g, unsigned leniency);

/* One line describing the stream: "3 replies, 7 lines, defect: ..." */
void gen_describe(const struct gen_stream *g, struct strbuf *out);

/* Simplifications for shrinking; each returns false when it does not
 * apply. i counts candidates: call with 0, 1, 2... until false. */
bool gen_simplify(const struct gen_stream *g, size_t i, struct gen_stream *out);

#endif
