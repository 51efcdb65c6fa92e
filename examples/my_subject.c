/*
 * my_subject.c - a worked example of a subject: plug your own SMTP reply
 * parser into smtp-split. Copy this file, replace the parser in the middle
 * with yours (or call into your library), and run
 *
 *     ./run --subject my_subject.c
 *
 * which builds it as a shared object and checks it against the shipped
 * corpus, or build it yourself and point smtp-split at the result:
 *
 *     cc -shared -fPIC -I harness my_subject.c -o my_subject.so
 *     smtp-split --subject ./my_subject.so [FILE|DIR]...
 *
 * The parser here is the kind most clients have: it collects one line at a
 * time in a buffer, and a reply ends at a line whose fourth byte is not
 * '-'. It is written to pass every oracle, strict as RFC 5321. The
 * contract is in harness/subject.h; the calls you make are srh_line,
 * srh_reply, srh_error and srh_end. It declares no .reports: it extracts
 * no enhanced status codes, and its error offsets are those of the line,
 * so neither is compared with the model's.
 */
#include <stdlib.h>
#include <string.h>

#include "subject.h"

#define LINE_MAX_OCTETS 512 /* RFC 5321 4.5.3.1.5, with the CRLF */
#define REPLY_MAX_LINES 128 /* a bound of ours, as the reference's */

struct my_parser {
	struct srh_recorder *rec;	/* where to report, given at create */
	char line[LINE_MAX_OCTETS + 1]; /* one more: to tell a 513th */
	size_t len;			/* bytes of the current line so far */
	unsigned reply_code;  /* code of the reply's first line, 0 if none */
	size_t lines;	      /* lines of the current reply so far */
	uint64_t offset;      /* stream bytes seen so far */
	uint64_t line_offset; /* stream offset of line[0] */
	bool failed;	      /* an error was reported: ignore the rest */
};

static void fail(struct my_parser *p, enum srh_error_kind kind, uint64_t offset,
		 const char *why)
{
	srh_error(p->rec, kind, offset, why);
	p->failed = true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Text is HT and printable US-ASCII (RFC 5321 4.2). */
static bool text_ok(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c != '\t' && (c < 0x20 || c > 0x7E))
			return false;
	}
	return true;
}

/* One complete line, without its CRLF. */
static void handle_line(struct my_parser *p, const char *l, size_t n)
{
	if (++p->lines > REPLY_MAX_LINES) {
		fail(p, SRH_ERROR_LIMIT, p->line_offset, "too many lines");
		return;
	}
	if (n < 3 || !is_digit(l[0]) || !is_digit(l[1]) || !is_digit(l[2]) ||
	    l[0] < '2' || l[0] > '5' || l[1] > '5') {
		fail(p, SRH_ERROR_SYNTAX, p->line_offset, "bad reply code");
		return;
	}
	if (n > 3 && l[3] != ' ' && l[3] != '-') {
		fail(p, SRH_ERROR_SYNTAX, p->line_offset + 3, "bad separator");
		return;
	}
	unsigned code = (unsigned)(l[0] - '0') * 100 +
			(unsigned)(l[1] - '0') * 10 + (unsigned)(l[2] - '0');
	if (p->reply_code && code != p->reply_code) {
		fail(p, SRH_ERROR_SYNTAX, p->line_offset, "code changed");
		return;
	}
	if (n > 4 && !text_ok(l + 4, n - 4)) {
		fail(p, SRH_ERROR_SYNTAX, p->line_offset, "bad text byte");
		return;
	}
	/* Report the text of every line; the harness copies it. */
	srh_line(p->rec, n > 4 ? l + 4 : "", n > 4 ? n - 4 : 0);
	if (n > 3 && l[3] == '-') {
		p->reply_code = code; /* more lines to come */
		return;
	}
	/* A last line: the reply is complete, report it now. This parser
	 * does not extract enhanced status codes, so esc is NULL. */
	srh_reply(p->rec, code, NULL);
	p->reply_code = 0;
	p->lines = 0;
}

/* ---- the contract ------------------------------------------------------ */

static void *my_create(struct srh_recorder *rec)
{
	struct my_parser *p = calloc(1, sizeof *p);

	if (p)
		p->rec = rec;
	return p;
}

/* Can c, arriving at position p->len of a line, still be part of a valid
 * line? Checking each byte as it comes reports the first bad one, whatever
 * would have gone wrong later in the line (a limit, say), as the
 * reference parser does. */
static bool next_byte_ok(const struct my_parser *p, char c)
{
	size_t i = p->len;
	unsigned char u = (unsigned char)c;

	if (i > 3 && p->line[i - 1] == '\r')
		return false; /* a CR not followed by its LF */
	if (i < 3) {
		const unsigned div[] = {100, 10, 1};
		if (!is_digit(c) || (i == 0 && (c < '2' || c > '5')) ||
		    (i == 1 && c > '5'))
			return false;
		/* A continuation line repeats the reply's code. */
		return !p->reply_code ||
		       (unsigned)(c - '0') == p->reply_code / div[i] % 10;
	}
	if (i == 3)
		return c == ' ' || c == '-' || c == '\r';
	return c == '\r' || c == '\t' || (u >= 0x20 && u <= 0x7E);
}

/* buf is only valid during this call: keep copies, never pointers. */
static void my_feed(void *self, const unsigned char *buf, size_t len)
{
	struct my_parser *p = self;

	for (size_t i = 0; i < len && !p->failed; i++, p->offset++) {
		char c = (char)buf[i];
		if (c != '\n') {
			/* 512 octets with the LF: a 513th is one too many. */
			if (p->len == LINE_MAX_OCTETS) {
				fail(p, SRH_ERROR_LIMIT, p->offset,
				     "line too long");
				return;
			}
			/* A line beyond the limit: known at its first byte. */
			if (p->len == 0 && p->lines == REPLY_MAX_LINES) {
				fail(p, SRH_ERROR_LIMIT, p->offset,
				     "too many lines");
				return;
			}
			if (!next_byte_ok(p, c)) {
				fail(p, SRH_ERROR_SYNTAX, p->offset,
				     "byte not allowed here");
				return;
			}
			p->line[p->len++] = c;
			continue;
		}
		if (p->len == LINE_MAX_OCTETS) {
			fail(p, SRH_ERROR_LIMIT, p->offset, "line too long");
			return;
		}
		if (p->len == 0 || p->line[p->len - 1] != '\r' ||
		    memchr(p->line, '\r', p->len - 1)) {
			fail(p, SRH_ERROR_SYNTAX, p->offset, "CR and LF apart");
			return;
		}
		handle_line(p, p->line, p->len - 1);
		p->len = 0;
		p->line_offset = p->offset + 1;
	}
}

/* End of stream: between replies is fine, inside one is truncation. */
static void my_finish(void *self)
{
	struct my_parser *p = self;

	if (p->failed)
		return;
	if (p->len > 0 || p->reply_code)
		srh_error(p->rec, SRH_ERROR_TRUNCATED, p->offset,
			  "stream ended inside a reply");
	else
		srh_end(p->rec);
}

static void my_destroy(void *self)
{
	free(self);
}

/* Optional: a copy in the same state lets smtp-split share the work of
 * schedules with a common prefix. Leave it NULL if copying is hard. */
static void *my_clone(const void *self, struct srh_recorder *rec)
{
	struct my_parser *p = malloc(sizeof *p);

	if (p) {
		memcpy(p, self, sizeof *p);
		p->rec = rec;
	}
	return p;
}

static const struct srh_subject my_subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "my-subject",
	.description = "the worked example: a line-buffer reply parser",
	.create = my_create,
	.feed = my_feed,
	.finish = my_finish,
	.destroy = my_destroy,
	.clone = my_clone,
	/* A blocking reader would set .read_fd instead (or as well). */
};

SRH_SUBJECT_EXPORT(my_subject)
