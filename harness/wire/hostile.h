/*
 * hostile.h - generated hostile servers for smtp-torture --generate.
 *
 * A session is the default dialogue (scenario.h) plus a few deviations,
 * each one row of a table: a reply drawn from the model-based generator
 * (generator.h: any of its defects, or a valid but unusual shape such as a
 * code-only last line, a long multiline reply, an enhanced status code, or
 * a refusal), UTF-8 text, extra bytes after a reply, a reply sent before
 * its command, the connection closed inside a reply, and cuts with pauses.
 * Each deviation draws its choices from its own seed, so removing one
 * (shrinking) leaves the others as they were. A session is built into a
 * scenario, which is what the server plays and what a finding is kept as
 * (scn_format), so that it replays with `smtp-torture --replay`.
 */
#ifndef SRH_HOSTILE_H
#define SRH_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "strbuf.h"

#define HOSTILE_MAX_DEVIATIONS 6
/* A generated server hangs up after this long without a command: a client
 * that waits for the rest of a reply that never ends then sees the end of
 * the connection, not a server that waits as long as it does. */
#define HOSTILE_IDLE_MS 2000u

/* Where a deviation applies: the replies of the default dialogue. */
#define HOSTILE_SLOTS(X)                \
	X(GREETING, "greeting", 220, 0) \
	X(EHLO, "EHLO", 250, 0)         \
	X(MAIL, "MAIL", 250, 0)         \
	X(RCPT1, "RCPT", 250, 0)        \
	X(RCPT2, "RCPT", 250, 1)        \
	X(DATA, "DATA", 354, 0)         \
	X(DOT, ".", 250, 0)             \
	X(QUIT, "QUIT", 221, 0)

enum hostile_slot {
#define HOSTILE_SLOT_ENUM(id, verb, code, chain) HS_##id,
	HOSTILE_SLOTS(HOSTILE_SLOT_ENUM)
#undef HOSTILE_SLOT_ENUM
		HS_COUNT
};

/* The kinds of deviation: name and weight in a draw. Whether a session
 * is still a valid dialogue is judged from the scenario it builds
 * (verdict_script), not from its kinds. */
#define HOSTILE_KINDS(X)      \
	X(REPLY, "reply", 30) \
	X(UTF8, "utf8", 10)   \
	X(EXTRA, "extra", 15) \
	X(EARLY, "early", 10) \
	X(CLOSE, "close", 10) \
	X(CUT, "cut", 25)

enum hostile_kind {
#define HOSTILE_KIND_ENUM(id, name, weight) HK_##id,
	HOSTILE_KINDS(HOSTILE_KIND_ENUM)
#undef HOSTILE_KIND_ENUM
		HK_COUNT
};

struct hostile_deviation {
	enum hostile_kind kind;
	enum hostile_slot slot;
	uint64_t seed; /* its own choices */
};

struct hostile_session {
	uint64_t seed;
	unsigned index;	    /* in the campaign */
	size_t nrecipients; /* 1 or 2 */
	struct hostile_deviation dev[HOSTILE_MAX_DEVIATIONS];
	size_t ndev;
};

/* Session index of the campaign seeded with seed. */
void hostile_draw(struct hostile_session *h, uint64_t seed, unsigned index);

/* The scenario the server plays; desc (may be NULL) gets one line per
 * deviation, "reply MAIL: 550, 3 lines, defect: ...". */
void hostile_build(const struct hostile_session *h, struct scn *out,
		   struct strbuf *desc);

/* A session without deviation i. */
void hostile_without(const struct hostile_session *h, size_t i,
		     struct hostile_session *out);

/* "extra RCPT, cut DATA": the deviations' kinds and places, for telling
 * findings apart. */
void hostile_key(const struct hostile_session *h, struct strbuf *out);

const char *hostile_kind_name(enum hostile_kind k);
const char *hostile_slot_name(enum hostile_slot s);

#endif
