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

#define TR_FED_EOF UINT64_MAX
/* Beyond these a subject is reporting without bound: an "overflow" event
 * ends the transcript. */
#define TR_MAX_EVENTS 100000u
#define TR_MAX_TEXT   (16u << 20)

enum tr_kind { TR_REPLY, TR_ERROR, TR_END, TR_OVERFLOW };

struct tr_event {
	enum tr_kind kind;
	unsigned code;		 /* TR_REPLY */
	char esc[16];		 /* TR_REPLY: "" when none */
	size_t lines_at, nlines; /* TR_REPLY: its lines in the text store */
	enum srh_error_kind err; /* TR_ERROR */
	uint64_t offset;	 /* TR_ERROR */
	uint64_t fed;		 /* tag: bytes fed when reported */
};

/* A recorder and the transcript it builds. */
struct tr_transcript {
	struct srh_recorder rec; /* hand &t->rec to the subject */
	struct tr_event *ev;
	size_t nev, cap;
	struct strbuf text; /* line texts: 4-byte length, then bytes */
	size_t nlines;	    /* lines stored (a line's index = its order) */
	size_t *line_at;    /* offset in text of each line */
	size_t line_cap;
	size_t pending;	      /* lines reported since the last reply */
	uint64_t fed;	      /* set by the runner before each feed */
	struct strbuf detail; /* the first error's detail, for display */
};

/* A point to truncate back to (prefix sharing). */
struct tr_mark {
	size_t nev, text_len, nlines, pending;
};

void tr_init(struct tr_transcript *t);
void tr_free(struct tr_transcript *t);
void tr_clear(struct tr_transcript *t);
struct tr_mark tr_mark(const struct tr_transcript *t);
void tr_truncate(struct tr_transcript *t, struct tr_mark m);

/* The text form (see above); with_tags adds " fed=N" or " fed=eof". */
void tr_format(const struct tr_transcript *t, struct strbuf *out,
	       bool with_tags);
/* Same events, ignoring tags and error details. */
bool tr_equal(const struct tr_transcript *a, const struct tr_transcript *b);
/* Event i of a equals event j of b (ignoring tags and details). */
bool tr_event_equal(const struct tr_transcript *a, size_t i,
		    const struct tr_transcript *b, size_t j);
/* Replies reported, and whether the transcript ends with an error. */
size_t tr_replies(const struct tr_transcript *t);
const struct tr_event *tr_last(const struct tr_transcript *t);

/* Text of line i of reply event e. */
const char *tr_line(const struct tr_transcript *t, const struct tr_event *e,
		    size_t i, size_t *len);

const char *tr_error_kind_name(enum srh_error_kind k);

/* Copy a transcript into flat bytes (same program image only) and back:
 * how a child process hands one to its parent. */
void tr_serialize(const struct tr_transcript *t, struct strbuf *out);
/* Reads what tr_serialize wrote at *p (advancing it); false if short or
 * malformed (an index or a length out of range). */
bool tr_deserialize(struct tr_transcript *t, const char **p, const char *end);
#endif
