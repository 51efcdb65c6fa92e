/*
 * transcript.h - what a subject reported, as events, and their normalized
 * text form: one event per line, stable and diffable.
 *
 *   reply 250 esc=2.0.0
 *     "mx.example.org"
 *     "2.0.0 SIZE 10240000"
 *   error syntax @20
 *   end
 *
 * Each event also carries a tag that the text form leaves out: how many
 * bytes had been fed when it was reported (TR_FED_EOF: by the end-of-input
 * call). The split tester compares tags to check promptness.
 */
#ifndef SRH_TRANSCRIPT_H
#define SRH_TRANSCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"
#include "subject.h"

#define TR_FED_EOF UINT32_MAX /* streams are far shorter (SRH_INPUT_MAX) */
/* Beyond these a subject is reporting without bound: an "overflow" event
 * ends the transcript. tr_fit raises them for a long stream, so that a
 * right answer to it always fits (an event takes a byte at least, and a
 * line's text is the stream's). */
#define TR_MAX_EVENTS 100000u
#define TR_MAX_TEXT   (16u << 20)

enum tr_kind { TR_REPLY, TR_ERROR, TR_END, TR_OVERFLOW };

/* 20 bytes: a transcript of a stream of short replies is some three
 * times the stream, not tens of times. */
struct tr_event {
	uint32_t fed; /* tag: bytes fed when reported */
	union {
		struct {		  /* TR_REPLY */
			uint32_t text_at; /* its lines, then its esc */
			uint32_t nlines;
		};
		uint32_t off[2]; /* TR_ERROR: its offset (tr_offset) */
	};
	uint32_t code; /* TR_REPLY */
	uint8_t kind;  /* enum tr_kind */
	uint8_t err;   /* TR_ERROR: enum srh_error_kind */
};

/* A TR_ERROR's offset, or SRH_OFFSET_UNKNOWN. */
static inline uint64_t tr_offset(const struct tr_event *e)
{
	return (uint64_t)e->off[1] << 32 | e->off[0];
}

/* A recorder and the transcript it builds. */
struct tr_transcript {
	struct srh_recorder rec; /* hand &t->rec to the subject */
	struct tr_event *ev;
	size_t nev, cap;
	/* line texts and each reply's esc after them, as records: a length
	 * (a varint), then the bytes */
	struct strbuf text;
	size_t pending, pending_at; /* lines since the last reply; where */
	size_t max_events, max_text;
	uint32_t fed;	      /* set by the runner before each feed */
	struct strbuf detail; /* the first error's detail, for display */
};

/* A point to truncate back to (prefix sharing). */
struct tr_mark {
	size_t nev, text_len, pending, pending_at;
};

void tr_init(struct tr_transcript *t);
void tr_free(struct tr_transcript *t);
/* Empty again, keeping its limits. */
void tr_clear(struct tr_transcript *t);
/* Limits that a right answer to a stream of n bytes fits in. */
void tr_fit(struct tr_transcript *t, size_t n);
/* Whether it ended in an overflow event. */
bool tr_overflowed(const struct tr_transcript *t);
struct tr_mark tr_mark(const struct tr_transcript *t);
void tr_truncate(struct tr_transcript *t, struct tr_mark m);

/* The text form (see above); with_tags adds " fed=N" or " fed=eof". */
void tr_format(const struct tr_transcript *t, struct strbuf *out,
	       bool with_tags);
/* Same events, ignoring tags and error details. */
bool tr_equal(const struct tr_transcript *a, const struct tr_transcript *b);
/* Event i of a equals event j of b (ignoring tags and details; and the
 * replies' esc unless esc). */
bool tr_event_equal(const struct tr_transcript *a, size_t i,
		    const struct tr_transcript *b, size_t j);
bool tr_event_match(const struct tr_transcript *a, size_t i,
		    const struct tr_transcript *b, size_t j, bool esc);
/* Replies reported, and whether the transcript ends with an error. */
size_t tr_replies(const struct tr_transcript *t);
const struct tr_event *tr_last(const struct tr_transcript *t);

/* Reply e's lines in order: *at = tr_lines(t, e), then each
 * tr_next_line(t, &at, &len) gives the next one's text. */
size_t tr_lines(const struct tr_transcript *t, const struct tr_event *e);
const char *tr_next_line(const struct tr_transcript *t, size_t *at,
			 size_t *len);
/* Reply e's enhanced status code, "" when none. */
const char *tr_esc(const struct tr_transcript *t, const struct tr_event *e,
		   size_t *len);

const char *tr_error_kind_name(enum srh_error_kind k);

/* Copy a transcript into flat bytes (same program image only) and back:
 * how a child process hands one to its parent. put gets the bytes in
 * parts; false from it stops (and is returned). */
bool tr_serialize(const struct tr_transcript *t,
		  bool (*put)(void *arg, const void *p, size_t n), void *arg);
/* Reads what tr_serialize wrote at *p (advancing it); false if short or
 * malformed (an index or a length out of range). */
bool tr_deserialize(struct tr_transcript *t, const char **p, const char *end);
/* The same without a copy: t reads those bytes in place, for as long as
 * they stay; never record into, clear or free it. False as well when *p
 * is not aligned for events. */
bool tr_view(struct tr_transcript *t, const char **p, const char *end);
#endif
