/*
 * wire.h - one run of smtp-torture: a loopback SMTP server plays a
 * scenario to a real client process, delivering every reply under a
 * schedule of cuts and pauses, and records what happened on both sides.
 *
 * The schedule's offsets count the bytes the server writes on one
 * connection; each connection of a run (a client that retries opens
 * several) is cut the same way. Every piece leaves as its own TCP segment
 * (TCP_NODELAY). While a reply is incomplete the server watches for client
 * bytes: a client that talks then has taken part of a reply for all of it.
 */
#ifndef SRH_WIRE_H
#define SRH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "schedule.h"
#include "strbuf.h"

/* Bounds of one run. */
#define WIRE_MAX_CONNECTIONS 16		/* a retrying client gets no more */
#define WIRE_MAX_LINE	     4096	/* a command line the server reads */
#define WIRE_MAX_BODY	     (8u << 20) /* one message's data, and all kept */
#define WIRE_MAX_TRANSCRIPT  (256u << 10)
#define WIRE_MAX_CLIENT_OUT  8192u	 /* of the client's output, kept */
#define WIRE_MAX_CLIENT_FILE (16u << 20) /* the client's output, written */
#define WIRE_MAX_STREAM	     (4u << 20)	 /* the first connection's, kept */
#define WIRE_MAX_REPLIES     256	 /* replies remembered per connection */
#define WIRE_MAX_EXCHANGES   256 /* commands remembered, every connection */
#define WIRE_MAX_OUTCOME     (64u << 10) /* one outcome line, kept */
#define WIRE_OUTCOME_PREFIX  "SRH-OUTCOME "

struct wire_opts {
	const struct scn *scn;
	/* The client command, "{port}" in an argument replaced by the port;
	 * NULL: wait for one connection from a client started elsewhere. */
	char *const *argv;
	bool ipv6;	      /* ::1 rather than 127.0.0.1 */
	unsigned port;	      /* 0: one the kernel picks */
	unsigned deadline_ms; /* the whole run, client included */
	/* Apply the scenario's own cuts as each reply goes out (on every
	 * connection, a verb's first reply), besides the run's schedule. */
	bool scripted;
};

/* Where one reply started on the first connection: the offsets that
 * scripted cuts ("cut DATA 12") are counted from. */
struct wire_reply_at {
	char verb[SCN_MAX_VERB_LEN + 1]; /* "greeting" for the greeting */
	uint32_t at, len;
};

/* A command and the reply the server wrote to it: what a client's report
 * is checked against (outcome.h). */
struct wire_exchange {
	unsigned connection;		   /* 1, 2, ... */
	char verb[SCN_MAX_VERB_LEN + 1];   /* upper case; "greeting", "." */
	char address[SCN_MAX_ADDRESS + 1]; /* MAIL's or RCPT's, "" if none */
	struct strbuf reply;		   /* as written, whole */
};

struct wire_outcome {
	bool hung;	      /* the deadline passed; the client was killed */
	int status;	      /* exit code, 128 + signal, or -1 (none) */
	unsigned connections; /* accepted */
	unsigned accepted;    /* messages the server took (a whole 2xx after
				 data) */
	unsigned unsure;      /* messages whose 2xx the server cut short by
				 hanging up: taken or not, no client can tell */
	unsigned early;	      /* times the client talked inside a reply */
	struct strbuf early_what; /* the first of them: where and what */
	struct strbuf commands;	  /* every client line but data, in order */
	struct strbuf bodies;	  /* the accepted messages, each + "\0", without
				     Date: and Message-ID: headers (made anew every
				     run) */
	struct strbuf transcript; /* both sides, timed, escaped */
	struct strbuf client_out; /* the client's stdout and stderr (tail) */
	/* The first connection: what the server wrote, and where each
	 * reply began. */
	struct strbuf stream;
	struct wire_reply_at replies[WIRE_MAX_REPLIES];
	size_t nreplies;
	/* Every command and its reply, in order, bounded. */
	struct wire_exchange exchanges[WIRE_MAX_EXCHANGES];
	size_t nexchanges;
	/* Lines of the client's output that start WIRE_OUTCOME_PREFIX: how
	 * many, and the first without the prefix (cut at WIRE_MAX_OUTCOME). */
	unsigned outcome_lines;
	struct strbuf outcome_line;
	unsigned port; /* the port the run listened on */
	double seconds;
};

void wire_outcome_free(struct wire_outcome *o);

/* The code of a reply's last line, or 0 when it has none. */
unsigned wire_final_code(const char *s, size_t n);

/* Run the client once under schedule sc (offsets per connection).
 * False, with the reason in err, when the run could not be set up (no
 * socket, no fork); a client that fails is an outcome, not an error. */
bool wire_run(const struct wire_opts *o, const struct sched *sc,
	      struct wire_outcome *out, struct strbuf *err);

/* A socket listening on loopback (o->ipv6, o->port: 0 for any free one),
 * its port in *port; -1 with the reason in err. */
int wire_listen(const struct wire_opts *o, unsigned *port, struct strbuf *err);

/* The scenario's own cuts as one schedule over the server's stream,
 * placed by where the baseline's replies began. */
void wire_scripted(const struct scn *s, const struct wire_outcome *baseline,
		   struct sched *out);

/* For reports: text with every line indented by four spaces; and a run in
 * one line ("1 message(s) accepted over 1 connection(s); ..."). */
void wire_indent(struct strbuf *out, const char *text);
void wire_summary(const struct wire_outcome *o, struct strbuf *out);

#endif
