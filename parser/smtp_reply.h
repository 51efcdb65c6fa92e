/*
 * smtp_reply.h - reentrant push parser for SMTP server replies.
 *
 * Reads the server-to-client side of SMTP (RFC 5321 section 4.2,
 * 4.5.3.1.5; RFC 2920 pipelining; RFC 2034/3463 enhanced status codes).
 * Bytes go in in pieces of any size; lines and replies come out one at a
 * time, identical however the stream was cut.
 *
 * Every public name starts with srp_ ("SMTP reply parser").
 *
 * Use:
 *
 *     struct srp_parser p;
 *     srp_init(&p, NULL);                  // NULL: strict RFC 5321 defaults
 *     while ((n = read(fd, buf, sizeof buf)) > 0) {
 *         size_t off = 0;
 *         while (off < (size_t)n) {
 *             size_t used;
 *             enum srp_status st = srp_feed(&p, buf + off, n - off, &used);
 *             off += used;
 *             if (st == SRP_LINE)  ... srp_line(&p) ...     // a '-' line
 *             if (st == SRP_REPLY) ... srp_reply(&p) ...    // reply complete
 *             if (st == SRP_ERROR) ... srp_error(&p) ...    // sticky
 *         }
 *     }
 *     if (srp_finish(&p) == SRP_ERROR) ...  // stream cut inside a reply
 *
 * Guarantees:
 * - All state lives in struct srp_parser, which the caller owns. The parser
 *   keeps no global or static mutable data and never allocates; its memory
 *   is sizeof(struct srp_parser), whatever the input.
 * - srp_feed() stops after every complete line, so the caller always knows
 *   which bytes belong to replies already delivered: bytes after a reply
 *   stay in the caller's buffer, unconsumed (refuse them after STARTTLS).
 * - A line or reply is reported by the call that supplies its last byte.
 * - Stream offsets count from 0 at srp_init()/srp_reset() and do not depend
 *   on how the stream was cut.
 * - Not thread-safe per parser; distinct parsers are fully independent.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CRLF. */
#define SRP_RFC_LINE_MAX 512u
/* Largest max_line a parser accepts; the size of its line buffer. */
#define SRP_LINE_CAPACITY 8192u

/* Defaults of struct srp_config (see srp_config_init). */
#define SRP_DEFAULT_MAX_LINE  SRP_RFC_LINE_MAX
#define SRP_DEFAULT_MAX_LINES 128u
#define SRP_DEFAULT_MAX_REPLY 65536u

/*
 * Leniency flags, each off by default (strict RFC 5321). Each one exists
 * because real servers send it and real clients differ on accepting it.
 */
enum srp_flag {
	/* LF without CR ends a line (Postfix, Exim, smtplib accept it). */
	SRP_LENIENT_BARE_LF = 1u << 0,
	/* Lines longer than 512 octets, up to config.max_line. */
	SRP_LENIENT_LONG_LINES = 1u << 1,
	/* A continuation line may carry a different code; the reply takes
	 * the code of its last line (as Postfix, smtplib and curl do). */
	SRP_LENIENT_CODE_MISMATCH = 1u << 2,
	/* Bytes 0x80-0xFF in the text (SMTPUTF8, servers answering in GBK). */
	SRP_LENIENT_8BIT = 1u << 3,
	/* Control bytes in the text: 0x01-0x1F but CR and LF, and 0x7F (a
	 * line reader that splits at LF passes them on: smtplib, Go
	 * textproto, Net::Cmd). NUL stays an error. */
	SRP_LENIENT_CONTROL = 1u << 4,
	/* A CR inside the text that no LF follows is text (a reader that
	 * splits at LF and trims the CR before it keeps the others:
	 * smtplib, Go textproto, Net::Cmd). Right after the code it is
	 * still an error. */
	SRP_LENIENT_BARE_CR = 1u << 5,
};
/* Every leniency flag: a new one is added here too. */
#define SRP_LENIENT_ALL                                                       \
	(SRP_LENIENT_BARE_LF | SRP_LENIENT_LONG_LINES |                       \
	 SRP_LENIENT_CODE_MISMATCH | SRP_LENIENT_8BIT | SRP_LENIENT_CONTROL | \
	 SRP_LENIENT_BARE_CR)

/*
 * Every error, in one list: name, then message. srp_err_name() and
 * srp_strerror() return these strings.
 */
#define SRP_ERROR_LIST(X)                                                      \
	X(OK, "no error")                                                      \
	X(CONFIG, "invalid configuration (limits out of range, or max_line "   \
		  "above 512 without SRP_LENIENT_LONG_LINES)")                 \
	X(SHORT_LINE, "line ends before its three-digit reply code")           \
	X(CODE_DIGIT, "reply code contains a non-digit")                       \
	X(CODE_RANGE, "reply code out of range (first digit 2-5, second 0-5)") \
	X(CODE_MISMATCH, "line's reply code differs from the reply's code")    \
	X(SEPARATOR, "reply code not followed by SP, '-' or the line end")     \
	X(BARE_LF, "line ends with LF without CR")                             \
	X(BARE_CR, "CR not followed by LF")                                    \
	X(NUL, "NUL byte in reply text")                                       \
	X(CONTROL, "control character in reply text")                          \
	X(EIGHT_BIT, "byte above 0x7F in reply text")                          \
	X(LINE_TOO_LONG, "line longer than the line limit")                    \
	X(TOO_MANY_LINES, "reply has more lines than the line-count limit")    \
	X(REPLY_TOO_LONG, "reply longer than the reply-size limit")            \
	X(TRUNCATED, "stream ended inside a reply")                            \
	X(AFTER_END, "input fed after srp_finish()")

/* clang-format off: it cannot see through the list */
enum srp_err {
#define SRP_ERR_ENUM(name, msg) SRP_E_##name,
	SRP_ERROR_LIST(SRP_ERR_ENUM)
#undef SRP_ERR_ENUM
		SRP_E_COUNT_
};
/* clang-format on */

/* What srp_feed() and srp_finish() report. */
enum srp_status {
	SRP_NEED_MORE, /* every byte given was consumed; no line completed */
	SRP_LINE,      /* a continuation ('-') line completed: srp_line() */
	SRP_REPLY, /* a last line ended the reply: srp_line(), srp_reply() */
	SRP_END,   /* srp_finish(): the stream ended between replies */
	SRP_ERROR, /* malformed input or misuse: srp_error(); sticky */
};

struct srp_config {
	unsigned flags;	  /* enum srp_flag bits */
	size_t max_line;  /* octets per line, line ending included: 5..8192 */
	size_t max_lines; /* lines per reply: >= 1 */
	size_t max_reply; /* octets per reply, line endings included: >= 5 */
};

/* RFC 3463 enhanced status code "class.subject.detail" (RFC 2034). */
struct srp_esc {
	unsigned char cls; /* 2, 4 or 5: always the reply code's first digit */
	unsigned short subject, detail; /* 0..999 */
	char text[10]; /* as sent, NUL-terminated, e.g. "5.7.1" */
};

/* A completed line. Valid until the next call on the parser. */
struct srp_line {
	const char *text; /* without code, separator and line ending; never
			     NULL, not NUL-terminated: use len */
	size_t len;
	uint64_t offset; /* stream offset of the line's first byte */
	size_t number;	 /* 1-based line number within its reply */
	unsigned code;	 /* this line's three-digit code */
	bool last;	 /* true: the line ended the reply */
};

/* A completed reply. Valid until the next call on the parser. */
struct srp_reply {
	unsigned code;	 /* the code of its last line */
	size_t lines;	 /* line count, >= 1 */
	uint64_t offset; /* stream offset of its first byte */
	size_t size;	 /* octets, line endings included */
	bool has_esc;	 /* the first line's text starts with a well-formed
			    enhanced status code whose class is code / 100 */
	struct srp_esc esc;
};

/* Where and why the parser stopped. */
struct srp_error {
	enum srp_err code;
	uint64_t offset;   /* stream offset of the offending byte (for
			      TRUNCATED: the stream length) */
	uint64_t line;	   /* 1-based line number in the stream */
	size_t reply_line; /* 1-based line number within the reply */
};

/*
 * The parser. The caller allocates it (stack, heap, inside its own
 * session struct) and must treat every member as private: use the
 * functions below. srp_copy() copies the parse state.
 */
struct srp_parser {
	struct srp_config cfg;
	unsigned char state;	/* enum in smtp_reply.c */
	unsigned code;		/* digits of the current line so far */
	unsigned reply_code;	/* code of the reply's first line */
	uint64_t offset;	/* bytes consumed since init/reset */
	uint64_t lines_done;	/* complete lines in the stream */
	uint64_t line_offset;	/* offset of the current line's start */
	size_t line_len;	/* octets of the current line so far */
	size_t reply_lines;	/* complete lines in the current reply */
	size_t reply_size;	/* octets of the current reply so far */
	size_t buf_len;		/* text octets held in buf */
	bool line_last;		/* current line ends the reply */
	bool esc_ok;		/* first line began with a well-formed ESC */
	struct srp_esc esc;	/* the first line's ESC when esc_ok */
	struct srp_line line;	/* last completed line */
	struct srp_reply reply; /* last completed reply */
	struct srp_error error; /* sticky error */
	uint64_t work;		/* see srp_work() */
	char buf[SRP_LINE_CAPACITY]; /* text of a line cut across feeds */
};

/* Copy the parse state of src into dst (a distinct parser), which then
 * goes on exactly as src would; srp_line(dst) points into dst. Only the
 * part of the line buffer in use is read, so forking a parse at every
 * byte stays cheap. */
void srp_copy(struct srp_parser *dst, const struct srp_parser *src);

/* Fill *cfg with the strict defaults: no leniency, 512/128/65536. */
void srp_config_init(struct srp_config *cfg);

/*
 * Prepare *p to read a new stream. cfg NULL means srp_config_init()'s
 * defaults; cfg is copied. Returns SRP_E_OK, or SRP_E_CONFIG (and leaves
 * *p in the error state) when the limits are out of range.
 */
enum srp_err srp_init(struct srp_parser *p, const struct srp_config *cfg);

/* Forget the stream and any error; keep the configuration. Offsets and
 * line numbers start again from 0 and 1. A configuration srp_init()
 * refused stays refused: the parser is back in SRP_E_CONFIG. */
void srp_reset(struct srp_parser *p);

/*
 * Feed up to len bytes of the stream. Consumes bytes until a line
 * completes, an error is found, or the bytes run out, and stores in
 * *consumed how many it took (for SRP_ERROR: up to and including the byte
 * that showed the error). Call again with the rest. A zero-length feed
 * changes nothing. buf is not used after the call returns.
 *
 * Returns SRP_LINE, SRP_REPLY, SRP_NEED_MORE or SRP_ERROR. Once it has
 * returned SRP_ERROR it returns SRP_ERROR, consuming nothing, until
 * srp_reset() or srp_init().
 */
enum srp_status srp_feed(struct srp_parser *p, const void *buf, size_t len,
			 size_t *consumed);

/*
 * Signal end of stream. Returns SRP_END when it ended between replies,
 * SRP_ERROR with SRP_E_TRUNCATED when a reply was cut off (inside a line,
 * or after continuation lines with no last line), or the sticky error.
 * After SRP_END, srp_finish() returns SRP_END again and srp_feed() with
 * bytes fails with SRP_E_AFTER_END.
 */
enum srp_status srp_finish(struct srp_parser *p);

/* The line behind the last SRP_LINE or SRP_REPLY. */
const struct srp_line *srp_line(const struct srp_parser *p);
/* The reply behind the last SRP_REPLY. */
const struct srp_reply *srp_reply(const struct srp_parser *p);
/* The error behind SRP_ERROR; code SRP_E_OK when there is none. */
const struct srp_error *srp_error(const struct srp_parser *p);

/* Bytes consumed since srp_init()/srp_reset(). */
uint64_t srp_offset(const struct srp_parser *p);
/* Bytes consumed that belong to a reply not yet complete; 0 exactly at a
 * reply boundary. */
size_t srp_pending(const struct srp_parser *p);
/* Work done since init/reset: one unit per byte examined and per byte
 * copied into the line buffer. Never more than 2 * srp_offset(), however
 * finely the stream was cut; for work-bound tests. */
uint64_t srp_work(const struct srp_parser *p);

/* "CODE_MISMATCH" style name and one-line message; never NULL. */
const char *srp_err_name(enum srp_err err);
const char *srp_strerror(enum srp_err err);

/*
 * Write "offset 57, line 3 (line 2 of reply): <message>" into out (always
 * NUL-terminated when size > 0). Returns what snprintf returns.
 */
int srp_error_format(const struct srp_error *e, char *out, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* SMTP_REPLY_H */
