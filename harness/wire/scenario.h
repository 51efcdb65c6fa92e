/*
 * scenario.h - a scripted SMTP dialogue for smtp-torture: what the server
 * answers to each command, and the scenario's own cuts.
 *
 * File form (one statement a line, '#' starts a comment):
 *   name kb912341
 *   about "a multiline 354 whose second line comes after a pause"
 *   greeting "220 torture.example ESMTP\r\n"
 *   on DATA "354-Line 1\r\n354 Send message\r\n"
 *   on AUTH "334 VXNlcm5hbWU6\r\n" "334 UGFzc3dvcmQ6\r\n" "235 ok\r\n"
 *   cut DATA 12@500
 *   close RCPT 2
 *   recipients b@example.com c@example.com
 *   deadline 15000
 * A reply is strings joined by '+', each optionally repeated: "x"*1990; a
 * line ending in '+' goes on in the next. An empty reply ("") sends nothing.
 * Several replies after "on VERB" answer the command and then the client's
 * next lines, in turn (AUTH challenges). VERB "." is the end of data;
 * "on *" answers any other command (default 502). "cut" takes the schedule text
 * form (schedule.h) with offsets counted from the first byte of that reply
 * ("greeting" for the greeting). "close VERB [N]" closes the connection
 * once the Nth reply of VERB's chain (default 1) is written: a server that
 * hangs up, inside a reply if the reply is cut short. "recipients" are the
 * addresses the client is told to send to ($SRH_TORTURE_RECIPIENTS).
 * "idle MS": the server hangs up when no command comes for MS.
 * A chain ends early at a line that starts with another verb of the
 * scenario: RCPT's second reply is for a second RCPT, not for QUIT.
 */
#ifndef SRH_SCENARIO_H
#define SRH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "schedule.h"
#include "strbuf.h"

/* Bounds on what a scenario file may hold. */
#define SCN_MAX_VERBS		32
#define SCN_MAX_REPLIES		8	   /* replies chained after one verb */
#define SCN_MAX_REPLY		(1u << 20) /* bytes in one reply */
#define SCN_MAX_VERB_LEN	15
#define SCN_MAX_RECIPIENTS	8
#define SCN_MAX_ADDRESS		64
#define SCN_MAX_STATEMENT	(8u << 20) /* a statement's text, joined */
#define SCN_DEFAULT_DEADLINE_MS 20000u	   /* past the clients' own 15 s */

struct scn_verb {
	char verb[SCN_MAX_VERB_LEN + 1]; /* upper case; "." end of data */
	struct strbuf reply[SCN_MAX_REPLIES];
	size_t nreplies;
	struct sched cuts;  /* offsets within reply[0]; none when empty */
	size_t close_after; /* close once reply[close_after - 1] is written; 0:
			       never */
};

struct scn {
	char name[64];
	struct strbuf about;
	struct strbuf greeting;
	struct sched greeting_cuts;
	bool greeting_close;   /* close after the greeting */
	struct strbuf unknown; /* to any other command ("on *") */
	struct scn_verb verbs[SCN_MAX_VERBS]; /* the defaults first */
	size_t nverbs;
	char recipients[SCN_MAX_RECIPIENTS][SCN_MAX_ADDRESS + 1];
	size_t nrecipients; /* 1 at least: "b@example.com" by default */
	unsigned deadline_ms;
	unsigned idle_ms; /* hang up after this long without a command; 0:
			     never ("idle MS") */
};

/* Load a scenario file over the defaults (see scn_init). False, with
 * "file:line: what" in err, on any malformed statement. */
bool scn_load(struct scn *s, const char *path, struct strbuf *err);
/* The same, from text in memory; path names it in errors. */
bool scn_parse(struct scn *s, const char *text, size_t len, const char *path,
	       struct strbuf *err);
/* The default dialogue: a plain ESMTP server that accepts one message. */
void scn_init(struct scn *s);
/* s in the file form, as scn_load reads it back: every verb that differs
 * from the default dialogue, with its cuts and closes. */
void scn_format(const struct scn *s, struct strbuf *out);
/* The recipients as one comma-separated list. */
void scn_recipients(const struct scn *s, struct strbuf *out);
void scn_free(struct scn *s);

/* The entry answering a command line whose first word is verb (any
 * case); NULL: the reply is s->unknown. */
const struct scn_verb *scn_find(const struct scn *s, const char *verb,
				size_t len);

#endif
