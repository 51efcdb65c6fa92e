/*
 * naive_parser.h - the reply reader real clients write, as a yardstick for
 * bench/parser_bench.c: append each read to a buffer, and for every CRLF in
 * it copy the line out, atoi() the code and look at the fourth byte. It
 * validates nothing else, and moves the buffer down after each line.
 */
#ifndef SRH_NAIVE_PARSER_H
#define SRH_NAIVE_PARSER_H

#include <stddef.h>

#define NAIVE_BUF 16384

struct naive_parser {
	char buf[NAIVE_BUF];
	size_t len;
	unsigned long replies, lines;
	int last_code;
};

void naive_init(struct naive_parser *n);
/* Returns -1 when a line outgrows the buffer, else 0. */
int naive_feed(struct naive_parser *n, const char *data, size_t len);

#endif
