/*
 * naive_parser.h - two readers of the kind real clients write, yardsticks
 * for bench/parser_bench.c. Both check only what clients usually check:
 * three digits and the fourth byte. Neither is written to be slow.
 *
 * naive_*: the shape of msmtp's smtp_get_msg() and many like it. Bytes
 * are read into a buffer; a gets() copies them one at a time into a line
 * buffer up to LF; each line is checked, kept as a strdup() in the
 * reply's list, and the list is freed once the reply is taken (its code
 * by atoi() of the first line). Unlike msmtp it takes a code-only line
 * ("250\r\n") as a last line, so that it reads the whole corpus mix.
 *
 * strstr_*: leaner than most clients: the reads are appended to one
 * buffer, glibc's SIMD strstr() finds each CRLF, and a line is copied out
 * only to atoi() its code; nothing is allocated.
 */
#ifndef SRH_NAIVE_PARSER_H
#define SRH_NAIVE_PARSER_H

#include <stddef.h>

#define NAIVE_BUF 16384
/* Longer lines are an error. msmtp allows 1024 octets; this is more, so
 * that it reads the long-line shape too. */
#define NAIVE_LINE 16384

struct naive_parser {
	char line[NAIVE_LINE];
	size_t line_len;
	char **lines; /* the reply so far: one strdup() per line */
	size_t nlines, cap;
	unsigned long replies;
	int last_code;
};

void naive_init(struct naive_parser *n);
/* Returns -1 on a line that is malformed or too long, else 0. */
int naive_feed(struct naive_parser *n, const char *data, size_t len);
void naive_free(struct naive_parser *n);

struct strstr_parser {
	char buf[NAIVE_BUF];
	size_t len;
	unsigned long replies, lines;
	int last_code;
};

void strstr_init(struct strstr_parser *n);
/* Returns -1 when a line outgrows the buffer, else 0. */
int strstr_feed(struct strstr_parser *n, const char *data, size_t len);

#endif
