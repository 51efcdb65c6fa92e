/*
 * strbuf.h - growable NUL-terminated byte strings, and the escaping that
 * every report and file of the harness uses for stream bytes.
 *
 * Escaped form: printable ASCII stays, except '"' and '\' which get a
 * backslash; CR, LF and HT are \r \n \t; any other byte is \xNN. It reads
 * back exactly with sb_unescape().
 */
#ifndef SRH_STRBUF_H
#define SRH_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s; /* NUL-terminated; NULL until something is added */
	size_t len, cap;
};

void sb_free(struct strbuf *b);
void sb_clear(struct strbuf *b);		  /* length 0, memory kept */
void sb_swap(struct strbuf *a, struct strbuf *b); /* no copying */
void sb_add(struct strbuf *b, const void *data, size_t n);
void sb_adds(struct strbuf *b, const char *s);
void sb_addf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append data escaped (see above), without quotes. */
void sb_add_escaped(struct strbuf *b, const void *data, size_t n);
/* Append data as a JSON string, quotes included (bytes outside printable
 * ASCII as \u00XX). */
void sb_add_json_string(struct strbuf *b, const void *data, size_t n);
/* Append s single-quoted for a POSIX shell. */
void sb_add_shell_quoted(struct strbuf *b, const char *s);
/* The length of the well-formed UTF-8 character at p[0, n): 1 for
 * ASCII, 2 to 4 for a sequence (no overlong form, no surrogate, nothing
 * past U+10FFFF); 0 when it is none. */
size_t sb_utf8_len(const void *p, size_t n);
/* The string, "" when empty. */
const char *sb_str(const struct strbuf *b);

/* Decode the escaped form in s into b (bytes appended). False, with *bad
 * set to the offending position, on a malformed escape. */
bool sb_unescape(struct strbuf *b, const char *s, size_t *bad);

#endif
