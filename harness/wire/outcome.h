/*
 * outcome.h - what a client library told its caller, from the driver's
 * outcome line (harness/wire/clients/README.md), checked against what the
 * server said: the misreport verdict.
 *
 * The line is one JSON object:
 *   {"accepted":bool, "code":int|null, "text":string|null, "command":s,
 *    "recipients":[{"address":s, "accepted":bool, "code":..., "text":...}],
 *    "error":string}
 * Unknown members are skipped; the known ones must have these types.
 */
#ifndef SRH_OUTCOME_H
#define SRH_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "wire.h"

#define OUTCOME_MAX_RECIPIENTS 64

struct outcome_item {
	char address[SCN_MAX_ADDRESS + 1]; /* a recipient's; "" for the
					      message */
	bool accepted;
	int code;	    /* -1: not reported */
	bool has_text;	    /* false: not reported (null, absent or "") */
	struct strbuf text; /* UTF-8, as the library gave it */
	/* The message's: the command whose reply the library blames, upper
	 * case ("MAIL", "RCPT", "DATA", "." the end of data, "greeting");
	 * "" when not reported. */
	char command[SCN_MAX_VERB_LEN + 1];
};

struct outcome {
	struct outcome_item message;
	struct outcome_item recipients[OUTCOME_MAX_RECIPIENTS];
	size_t nrecipients;
	struct strbuf error;
};

/* Parse one outcome line (without its prefix). False, with what is wrong
 * and at which byte in err, when it is not the documented object. */
bool outcome_parse(struct outcome *o, const char *json, size_t len,
		   struct strbuf *err);
void outcome_free(struct outcome *o);

/* Does the report fit what the server wrote in run r? False, with the
 * first thing it got wrong in why (a misreport). */
bool outcome_check(const struct outcome *o, const struct wire_outcome *r,
		   struct strbuf *why);

/* Does reported text fit reply, a reply the server wrote (exposed for the
 * tests): every line of text, in order, a line of reply. */
bool outcome_text_fits(const char *text, size_t tlen, const char *reply,
		       size_t rlen);

/* Is it UTF-8 (ASCII included)? */
bool outcome_utf8_valid(const char *p, size_t n);

#endif
