/*
 * strbuf.c - see strbuf.h. Memory from alloc.h: running out aborts.
 */
#include "strbuf.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grow(struct strbuf *b, size_t extra)
{
	/* An overflowing size asks for SIZE_MAX, which srh_grow refuses. */
	size_t need = extra < SIZE_MAX - b->len ? b->len + extra + 1 : SIZE_MAX;
	b->s = srh_grow(b->s, &b->cap, need, 1);
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

void sb_swap(struct strbuf *a, struct strbuf *b)
{
	struct strbuf t = *a;
	*a = *b;
	*b = t;
}

void sb_clear(struct strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void sb_add(struct strbuf *b, const void *data, size_t n)
{
	grow(b, n);
	if (n)
		memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sb_adds(struct strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_add_escaped(struct strbuf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	char e[5];

	grow(b, n);
	b->s[b->len] = '\0';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		switch (c) {
		case '\r':
			sb_adds(b, "\\r");
			break;
		case '\n':
			sb_adds(b, "\\n");
			break;
		case '\t':
			sb_adds(b, "\\t");
			break;
		case '"':
		case '\\':
			e[0] = '\\';
			e[1] = (char)c;
			sb_add(b, e, 2);
			break;
		default:
			if (c >= 0x20 && c < 0x7F) {
				sb_add(b, &c, 1);
			} else {
				snprintf(e, sizeof e, "\\x%02x", c);
				sb_add(b, e, 4);
			}
		}
	}
}

const char *sb_str(const struct strbuf *b)
{
	return b->s ? b->s : "";
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void sb_add_json_string(struct strbuf *b, const void *data, size_t n)
{
	const unsigned char *p = data;

	sb_adds(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\')
			sb_addf(b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7F)
			sb_add(b, &c, 1);
		else
			sb_addf(b, "\\u%04x", c);
	}
	sb_adds(b, "\"");
}

void sb_add_shell_quoted(struct strbuf *b, const char *s)
{
	sb_adds(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			sb_adds(b, "'\\''");
		else
			sb_add(b, s, 1);
	}
	sb_adds(b, "'");
}

bool sb_unescape(struct strbuf *b, const char *s, size_t *bad)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '\\') {
			sb_add(b, &c, 1);
			continue;
		}
		*bad = i;
		switch (s[++i]) {
		case 'r':
			c = '\r';
			break;
		case 'n':
			c = '\n';
			break;
		case 't':
			c = '\t';
			break;
		case '0':
			c = '\0';
			break;
		case '"':
		case '\\':
			c = (unsigned char)s[i];
			break;
		case 'x': {
			int hi = hex(s[i + 1]),
			    lo = hi < 0 ? -1 : hex(s[i + 2]);
			if (lo < 0)
				return false;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			return false;
		}
		sb_add(b, &c, 1);
	}
	return true;
}

size_t sb_utf8_len(const void *data, size_t n)
{
	const unsigned char *p = data;
	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	size_t k = p[0] >= 0xF0 && p[0] <= 0xF4	  ? 4
		   : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
		   : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
						  : 0;
	if (k == 0 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) ||
	    (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
		return 0;
	return k;
}
