/*
 * naive_parser.c - see naive_parser.h. Written the way a client's reply
 * loop usually is (strstr for the line end, a copy, atoi), not to be slow.
 */
#include "naive_parser.h"

#include <stdlib.h>
#include <string.h>

void naive_init(struct naive_parser *n)
{
	n->len = 0;
	n->replies = n->lines = 0;
	n->last_code = 0;
}

int naive_feed(struct naive_parser *n, const char *data, size_t len)
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
