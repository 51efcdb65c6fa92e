/*
 * naive_parser.c - see naive_parser.h.
 */
#define _DEFAULT_SOURCE /* strdup */
#include "naive_parser.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void naive_init(struct naive_parser *n)
{
	memset(n, 0, sizeof *n);
}

void naive_free(struct naive_parser *n)
{
	for (size_t i = 0; i < n->nlines; i++)
		free(n->lines[i]);
	free(n->lines);
	n->lines = NULL;
	n->nlines = n->cap = 0;
}

/* A complete line in n->line: check it, keep it, end the reply on ' '. */
static int naive_line(struct naive_parser *n)
{
	char *l = n->line;
	size_t len = n->line_len;

	n->line_len = 0;
	if (len < 4 || !isdigit((unsigned char)l[0]) ||
	    !isdigit((unsigned char)l[1]) || !isdigit((unsigned char)l[2]))
		return -1;
	l[--len] = '\0'; /* LF, then CR */
	if (l[len - 1] == '\r')
		l[--len] = '\0';
	if (l[3] == '\0') /* a code-only line ends a reply */
		l[3] = ' ';
	else if (l[3] != ' ' && l[3] != '-')
		return -1;
	if (n->nlines == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 8;
		char **more = realloc(n->lines, n->cap * sizeof *more);
		if (!more)
			return -1;
		n->lines = more;
	}
	if (!(n->lines[n->nlines++] = strdup(l)))
		return -1;
	if (l[3] == ' ') {
		n->last_code = atoi(n->lines[0]);
		n->replies++;
		naive_free(n);
	}
	return 0;
}

int naive_feed(struct naive_parser *n, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (n->line_len == NAIVE_LINE - 1)
			return -1;
		n->line[n->line_len++] = data[i];
		if (data[i] == '\n') {
			n->line[n->line_len] = '\0';
			if (naive_line(n) < 0)
				return -1;
		}
	}
	return 0;
}

void strstr_init(struct strstr_parser *n)
{
	n->len = 0;
	n->replies = n->lines = 0;
	n->last_code = 0;
}

int strstr_feed(struct strstr_parser *n, const char *data, size_t len)
{
	while (len) {
		size_t room = NAIVE_BUF - 1 - n->len;
		size_t take = len < room ? len : room;
		if (take == 0)
			return -1;
		memcpy(n->buf + n->len, data, take);
		n->len += take;
		n->buf[n->len] = '\0';
		data += take;
		len -= take;

		char *start = n->buf, *end;
		while ((end = strstr(start, "\r\n")) != NULL) {
			char line[NAIVE_BUF];
			size_t l = (size_t)(end - start);
			memcpy(line, start, l);
			line[l] = '\0';
			n->last_code = atoi(line);
			n->lines++;
			if (l < 4 || line[3] != '-')
				n->replies++;
			start = end + 2;
		}
		n->len -= (size_t)(start - n->buf);
		memmove(n->buf, start, n->len);
	}
	return 0;
}
