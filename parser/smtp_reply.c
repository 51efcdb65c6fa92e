/*
 * smtp_reply.c - reentrant push parser for SMTP server replies.
 *
 * Grammar (RFC 5321 4.2):
 *   reply  = *( code "-" [ text ] CRLF ) code [ SP [ text ] ] CRLF
 *   code   = %x32-35 %x30-35 %x30-39
 *   text   = *( HT / %x20-7E )
 *
 * One state per position in a line. The text, where nearly all bytes are,
 * is scanned sixteen bytes at a time (eight without SSE2), and a whole
 * line in one feed goes through fast_line() in one pass; every other byte
 * is looked at once, by step().
 * A line that arrives whole in one feed is delivered as a pointer into the
 * caller's buffer; only a line cut across feeds is copied, once, into the
 * parser's own buffer. So each byte costs O(1) whatever the chunking.
 */
#include "smtp_reply.h"

#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum state {
	ST_CODE1, /* expecting the first code digit: a line starts here */
	ST_CODE2,
	ST_CODE3,
	ST_SEP, /* expecting SP, '-', CR or LF */
	ST_TEXT,
	ST_CR, /* saw CR, expecting LF */
	ST_END,
	ST_ERROR,
};

enum byte_class { C_CR, C_LF, C_NUL, C_CONTROL, C_HIGH };

/* What a byte that is not text is. */
static enum byte_class classify(unsigned char c)
{
	if (c == '\r')
		return C_CR;
	if (c == '\n')
		return C_LF;
	if (c == 0)
		return C_NUL;
	return c >= 0x80 ? C_HIGH : C_CONTROL;
}

/* HT, 0x20-0x7E, and 0x80-0xFF when accept_high. */
static bool text_byte(unsigned char c, bool accept_high)
{
	return (c >= 0x20 && c != 0x7F && (c < 0x80 || accept_high)) ||
	       c == '\t';
}

#ifndef __SSE2__

/* True when none of the 8 bytes at s is below 0x20 or above 0x7E.
 * (HT gives a false "no", which the byte loop then accepts.) */
static bool plain8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t high = 0x8080808080808080u;
	uint64_t x;

	memcpy(&x, s, sizeof x);
	uint64_t below = (x - ones * 0x20) & ~x & high;
	uint64_t above = ((x + ones) | x) & high;
	return (below | above) == 0;
}
#endif

#ifdef __SSE2__
/* Bit k set when byte s[k] of the 16 is not plain text (or is HT). */
static unsigned bad_bytes(const unsigned char *s, bool accept_high)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	/* Signed: bytes 0x80-0xFF count as below 0x20 too. */
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
				   _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
	unsigned m = (unsigned)_mm_movemask_epi8(bad);

	return accept_high ? m & ~(unsigned)_mm_movemask_epi8(v) : m;
}

/* scan_text() for the last 1 to 15 bytes, s[i, end). When the buffer has
 * 16 bytes before end, one load ending at end covers them (it starts inside
 * s, never before it); otherwise they are looked at one by one. */
static size_t scan_tail(const unsigned char *s, size_t i, size_t end,
			bool accept_high)
{
	if (end < 16) {
		while (i < end && text_byte(s[i], accept_high))
			i++;
		return i;
	}
	unsigned shift = (unsigned)(16 - (end - i));
	for (unsigned m = bad_bytes(s + end - 16, accept_high) >> shift; m;
	     m &= m - 1) {
		size_t at = i + (unsigned)__builtin_ctz(m);
		if (s[at] != '\t')
			return at;
	}
	return end;
}
#endif

/* Index of the first byte in s[i, end) that is not plain text. s is the
 * start of the caller's buffer: it may read s[end - 16, i) too, but never
 * before s or past end, so the buffer may end at a guard page. */
static size_t scan_text(const unsigned char *s, size_t i, size_t end,
			bool accept_high)
{
#ifdef __SSE2__
	/* Sixteen bytes a step (SSE2 is in every x86-64). */
	while (end - i >= 16) {
		unsigned m = bad_bytes(s + i, accept_high);
		if (!m) {
			i += 16;
			continue;
		}
		i += (size_t)__builtin_ctz(m);
		if (s[i] != '\t')
			return i;
		i++;
	}
	return i == end ? i : scan_tail(s, i, end, accept_high);
#else
	for (;;) {
		while (end - i >= 8 && plain8(s + i))
			i += 8;
		if (i == end || !text_byte(s[i], accept_high))
			return i;
		i++;
	}
#endif
}

/* memcpy() for the short pieces of text a cut line leaves, inline: at
 * most 32 bytes, the usual case, take two to four overlapping loads and
 * no call. */
static void copy_text(char *dst, const void *from, size_t n)
{
	const unsigned char *src = from;
	uint64_t a, b, c, d;

	if (n > 32) {
		memcpy(dst, src, n);
	} else if (n > 16) {
		memcpy(&a, src, 8);
		memcpy(&b, src + 8, 8);
		memcpy(&c, src + n - 16, 8);
		memcpy(&d, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + 8, &b, 8);
		memcpy(dst + n - 16, &c, 8);
		memcpy(dst + n - 8, &d, 8);
	} else if (n >= 8) {
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, src, 4);
		memcpy(&y, src + n - 4, 4);
		memcpy(dst, &x, 4);
		memcpy(dst + n - 4, &y, 4);
	} else if (n > 0) {
		dst[0] = (char)src[0];
		dst[n / 2] = (char)src[n / 2];
		dst[n - 1] = (char)src[n - 1];
	}
}

static const char *const err_names[] = {
#define SRP_ERR_NAME(name, msg) #name,
	SRP_ERROR_LIST(SRP_ERR_NAME)
#undef SRP_ERR_NAME
};

static const char *const err_messages[] = {
#define SRP_ERR_MSG(name, msg) msg,
	SRP_ERROR_LIST(SRP_ERR_MSG)
#undef SRP_ERR_MSG
};

const char *srp_err_name(enum srp_err err)
{
	return (unsigned)err < SRP_E_COUNT_ ? err_names[err] : "UNKNOWN";
}

const char *srp_strerror(enum srp_err err)
{
	return (unsigned)err < SRP_E_COUNT_ ? err_messages[err]
					    : "unknown error";
}

int srp_error_format(const struct srp_error *e, char *out, size_t size)
{
	return snprintf(
		out, size, "offset %llu, line %llu (line %zu of reply): %s",
		(unsigned long long)e->offset, (unsigned long long)e->line,
		e->reply_line, srp_strerror(e->code));
}

void srp_config_init(struct srp_config *cfg)
{
	cfg->flags = 0;
	cfg->max_line = SRP_DEFAULT_MAX_LINE;
	cfg->max_lines = SRP_DEFAULT_MAX_LINES;
	cfg->max_reply = SRP_DEFAULT_MAX_REPLY;
}

static bool config_valid(const struct srp_config *c)
{
	if (c->flags & ~(unsigned)SRP_LENIENT_ALL)
		return false;
	if (c->max_line < 5 || c->max_line > SRP_LINE_CAPACITY)
		return false;
	if (c->max_line > SRP_RFC_LINE_MAX &&
	    !(c->flags & SRP_LENIENT_LONG_LINES))
		return false;
	return c->max_lines >= 1 && c->max_reply >= 5;
}

void srp_reset(struct srp_parser *p)
{
	struct srp_config cfg = p->cfg;

	/* The line buffer needs no clearing: buf_len says what is valid. */
	memset(p, 0, offsetof(struct srp_parser, buf));
	p->cfg = cfg;
	p->state = ST_CODE1;
	p->line.text = p->buf;
	/* Invalid limits stay an error: parsing with them would write past
	 * the line buffer. */
	if (!config_valid(&p->cfg)) {
		p->state = ST_ERROR;
		p->error.code = SRP_E_CONFIG;
		p->error.line = 1;
		p->error.reply_line = 1;
	}
}

void srp_copy(struct srp_parser *dst, const struct srp_parser *src)
{
	/* The buffer holds the line being read, or the last line delivered
	 * when srp_line() points into it. */
	size_t used = src->buf_len;

	if (src->line.text == src->buf && src->line.len > used)
		used = src->line.len;
	memcpy(dst, src, offsetof(struct srp_parser, buf) + used);
	if (src->line.text == src->buf)
		dst->line.text = dst->buf;
}

enum srp_err srp_init(struct srp_parser *p, const struct srp_config *cfg)
{
	memset(p, 0, sizeof *p);
	if (cfg)
		p->cfg = *cfg;
	else
		srp_config_init(&p->cfg);
	srp_reset(p); /* SRP_E_CONFIG when cfg is out of range */
	return p->error.code;
}

/* Enter the sticky error state for the byte at stream offset at. */
static enum srp_status fail(struct srp_parser *p, enum srp_err err, uint64_t at)
{
	p->state = ST_ERROR;
	p->error.code = err;
	p->error.offset = at;
	p->error.line = p->lines_done + 1;
	p->error.reply_line = p->reply_lines + 1;
	return SRP_ERROR;
}

/* The limit, if any, that the next byte of the line would break. */
static enum srp_err limit_hit(const struct srp_parser *p)
{
	if (p->line_len == 0 && p->reply_lines >= p->cfg.max_lines)
		return SRP_E_TOO_MANY_LINES;
	if (p->line_len >= p->cfg.max_line)
		return SRP_E_LINE_TOO_LONG;
	if (p->reply_size >= p->cfg.max_reply)
		return SRP_E_REPLY_TOO_LONG;
	return SRP_E_OK;
}

static unsigned code_digit(unsigned code, unsigned k)
{
	return k == 0 ? code / 100 : k == 1 ? code / 10 % 10 : code % 10;
}

static enum srp_err check_digit(const struct srp_parser *p, unsigned char c,
				unsigned k)
{
	static const unsigned char max_digit[3] = {5, 5, 9};

	if (c == '\r' || c == '\n')
		return SRP_E_SHORT_LINE;
	if (c < '0' || c > '9')
		return SRP_E_CODE_DIGIT;
	unsigned d = c - '0';
	if ((k == 0 && d < 2) || d > max_digit[k])
		return SRP_E_CODE_RANGE;
	if (p->reply_lines > 0 && !(p->cfg.flags & SRP_LENIENT_CODE_MISMATCH) &&
	    d != code_digit(p->reply_code, k))
		return SRP_E_CODE_MISMATCH;
	return SRP_E_OK;
}

/* Parse 1 to 3 digits at t[*i]; false when there are none or more. */
static bool esc_number(const char *t, size_t len, size_t *i,
		       unsigned short *out)
{
	size_t start = *i;
	unsigned v = 0;

	while (*i < len && t[*i] >= '0' && t[*i] <= '9' && *i - start < 4)
		v = v * 10 + (unsigned)(t[(*i)++] - '0');
	*out = (unsigned short)v;
	return *i > start && *i - start <= 3;
}

/* RFC 3463: class "." 1*3digit "." 1*3digit, then SP or end of text. */
static bool parse_esc(const char *t, size_t len, struct srp_esc *esc)
{
	size_t i = 2;

	if (len < 5 || (t[0] != '2' && t[0] != '4' && t[0] != '5') ||
	    t[1] != '.')
		return false;
	if (!esc_number(t, len, &i, &esc->subject) || i >= len || t[i++] != '.')
		return false;
	if (!esc_number(t, len, &i, &esc->detail) || (i < len && t[i] != ' '))
		return false;
	esc->cls = (unsigned char)(t[0] - '0');
	copy_text(esc->text, t, i);
	esc->text[i] = '\0';
	return true;
}

/* A line ended at s[end - 1]; text_start..text_end is the part of its text
 * that lies in this feed's buffer s. */
static enum srp_status complete_line(struct srp_parser *p,
				     const unsigned char *s, size_t text_start,
				     size_t text_end, uint64_t end_offset)
{
	struct srp_line *l = &p->line;
	size_t n = text_end - text_start;

	if (p->buf_len > 0) {
		copy_text(p->buf + p->buf_len, s + text_start, n);
		p->buf_len += n;
		p->work += n;
		l->text = p->buf;
		l->len = p->buf_len;
	} else {
		l->text = n > 0 ? (const char *)s + text_start : p->buf;
		l->len = n;
	}
	p->lines_done++;
	p->reply_lines++;
	l->offset = end_offset - p->line_len;
	l->number = p->reply_lines;
	l->code = p->code;
	l->last = p->line_last;
	if (l->number == 1)
		p->esc_ok = parse_esc(l->text, l->len, &p->esc);

	p->state = ST_CODE1;
	p->code = 0;
	p->line_len = 0;
	p->buf_len = 0;
	if (!l->last)
		return SRP_LINE;

	struct srp_reply *r = &p->reply;
	r->code = l->code;
	r->lines = p->reply_lines;
	r->offset = end_offset - p->reply_size;
	r->size = p->reply_size;
	r->has_esc = p->esc_ok && p->esc.cls == r->code / 100;
	if (r->has_esc)
		r->esc = p->esc;
	else
		memset(&r->esc, 0, sizeof r->esc);
	p->reply_lines = 0;
	p->reply_size = 0;
	p->esc_ok = false;
	return SRP_REPLY;
}

/*
 * The common case in one pass: from a line's first byte, a valid code and
 * separator, then text up to CR LF or to the end of s, all clear of every
 * limit. Returns the bytes taken: the whole line, delivered (*st is
 * SRP_LINE or SRP_REPLY), or all of s, its text kept in the line buffer.
 * Returns 0 for anything else: the general path then takes the line from
 * its first byte and names any fault.
 */
__attribute__((flatten)) static size_t fast_line(struct srp_parser *p,
						 const unsigned char *s,
						 size_t len,
						 enum srp_status *st)
{
	size_t max = p->cfg.max_line;

	if (p->cfg.max_reply - p->reply_size < max)
		max = p->cfg.max_reply - p->reply_size;
	if (len < max)
		max = len;
	if (max < 5 || p->reply_lines >= p->cfg.max_lines)
		return 0;
	unsigned d0 = s[0] - '0', d1 = s[1] - '0', d2 = s[2] - '0';
	if (d0 - 2 > 3 || d1 > 5 || d2 > 9 || (s[3] != ' ' && s[3] != '-'))
		return 0;
	unsigned code = d0 * 100 + d1 * 10 + d2;
	if (p->reply_lines > 0 && code != p->reply_code &&
	    !(p->cfg.flags & SRP_LENIENT_CODE_MISMATCH))
		return 0;
	size_t j = scan_text(s, 4, max, p->cfg.flags & SRP_LENIENT_8BIT);
	bool whole = j + 1 < max && s[j] == '\r' && s[j + 1] == '\n';
	if (!whole && j != len)
		return 0;

	size_t n = whole ? j + 2 : len;
	p->code = code;
	if (p->reply_lines == 0)
		p->reply_code = code;
	p->line_last = s[3] == ' ';
	p->line_len = n;
	p->reply_size += n;
	if (whole) {
		*st = complete_line(p, s, 4, j, p->offset + n);
		return n;
	}
	p->state = ST_TEXT;
	copy_text(p->buf, s + 4, len - 4);
	p->buf_len = len - 4;
	p->work += len - 4;
	*st = SRP_NEED_MORE;
	return n;
}

/* Handle one byte outside the text: a code digit, the separator, or the
 * LF after CR. Returns SRP_NEED_MORE to go on. *text_start and *text_end
 * delimit this feed's part of the text (see complete_line). */
static enum srp_status step(struct srp_parser *p, const unsigned char *s,
			    size_t i, size_t *text_start, size_t *text_end)
{
	uint64_t at = p->offset + i;
	unsigned char c = s[i];
	enum srp_err err = limit_hit(p);

	if (err != SRP_E_OK)
		return fail(p, err, at);
	p->line_len++;
	p->reply_size++;

	switch (p->state) {
	case ST_CODE1:
	case ST_CODE2:
	case ST_CODE3:
		err = check_digit(p, c, p->state - ST_CODE1);
		if (err != SRP_E_OK)
			return fail(p, err, at);
		p->code = p->code * 10 + (unsigned)(c - '0');
		p->state++;
		if (p->state == ST_SEP && p->reply_lines == 0)
			p->reply_code = p->code;
		return SRP_NEED_MORE;
	case ST_SEP:
		p->line_last = c != '-';
		*text_start = *text_end = i + 1;
		if (c == ' ' || c == '-') {
			p->state = ST_TEXT;
		} else if (c == '\r') {
			p->state = ST_CR;
		} else if (c == '\n') {
			if (!(p->cfg.flags & SRP_LENIENT_BARE_LF))
				return fail(p, SRP_E_BARE_LF, at);
			return complete_line(p, s, i, i, at + 1);
		} else {
			return fail(p, SRP_E_SEPARATOR, at);
		}
		return SRP_NEED_MORE;
	default: /* ST_CR */
		if (c != '\n')
			return fail(p, SRP_E_BARE_CR, at - 1);
		return complete_line(p, s, *text_start, *text_end, at + 1);
	}
}

/* Scan the text from s[i]. Returns where scanning stopped; *st becomes
 * SRP_LINE/SRP_REPLY when a bare LF ended the line, SRP_ERROR on error. */
static size_t scan_line_text(struct srp_parser *p, const unsigned char *s,
			     size_t i, size_t len, size_t text_start,
			     size_t *text_end, enum srp_status *st)
{
	size_t line_room = p->cfg.max_line - p->line_len;
	size_t reply_room = p->cfg.max_reply - p->reply_size;
	size_t room = line_room < reply_room ? line_room : reply_room;
	size_t end = len - i < room ? len : i + room;
	size_t j = scan_text(s, i, end, p->cfg.flags & SRP_LENIENT_8BIT);
	uint64_t at = p->offset + j;

	p->line_len += j - i;
	p->reply_size += j - i;
	*text_end = j;
	if (j == len)
		return j; /* out of input, still in the text */
	if (j == end) {
		*st = fail(p, limit_hit(p), at);
		return j + 1;
	}
	switch (classify(s[j])) {
	case C_CR:
		p->line_len++;
		p->reply_size++;
		p->state = ST_CR;
		/* CR LF together, the common case: no step() for the LF. */
		if (j + 1 < len && s[j + 1] == '\n' &&
		    limit_hit(p) == SRP_E_OK) {
			p->line_len++;
			p->reply_size++;
			*st = complete_line(p, s, text_start, j, at + 2);
			return j + 2;
		}
		break;
	case C_LF:
		if (!(p->cfg.flags & SRP_LENIENT_BARE_LF)) {
			*st = fail(p, SRP_E_BARE_LF, at);
			break;
		}
		p->line_len++;
		p->reply_size++;
		*st = complete_line(p, s, text_start, j, at + 1);
		break;
	case C_NUL:
		*st = fail(p, SRP_E_NUL, at);
		break;
	case C_CONTROL:
		if (p->cfg.flags & SRP_LENIENT_CONTROL) {
			/* Text: scanning goes on after it, in this line. */
			p->line_len++;
			p->reply_size++;
			*text_end = j + 1;
			break;
		}
		*st = fail(p, SRP_E_CONTROL, at);
		break;
	default: /* C_HIGH without SRP_LENIENT_8BIT */
		*st = fail(p, SRP_E_EIGHT_BIT, at);
		break;
	}
	return j + 1;
}

/* In ST_CR, with no LF next: is the CR text? Only with the leniency, and
 * only after the separator (the line has code, separator and CR). */
static bool stray_cr(const struct srp_parser *p)
{
	return (p->cfg.flags & SRP_LENIENT_BARE_CR) && p->line_len > 4;
}

enum srp_status srp_feed(struct srp_parser *p, const void *buf, size_t len,
			 size_t *consumed)
{
	const unsigned char *s = buf;
	enum srp_status st = SRP_NEED_MORE;
	size_t i = 0, text_start = 0, text_end = 0;

	/* First, as most calls start a line: fast_line() takes no bytes
	 * from an empty feed (len < 5). */
	if (p->state == ST_CODE1 && (i = fast_line(p, s, len, &st))) {
		p->offset += i;
		p->work += i;
		*consumed = i;
		return st;
	}
	*consumed = 0;
	if (p->state == ST_ERROR)
		return SRP_ERROR;
	if (len == 0)
		return SRP_NEED_MORE;
	if (p->state == ST_END)
		return fail(p, SRP_E_AFTER_END, p->offset);

	while (i < len && st == SRP_NEED_MORE) {
		if (p->state == ST_CR && s[i] != '\n' && stray_cr(p)) {
			/* The CR was text; the line goes on with s[i]. One
			 * from the last feed was not kept with its text. */
			if (i == 0) {
				p->buf[p->buf_len++] = '\r';
				p->work++;
			}
			p->state = ST_TEXT;
			continue;
		}
		if (p->state == ST_TEXT) {
			i = scan_line_text(p, s, i, len, text_start, &text_end,
					   &st);
		} else {
			st = step(p, s, i, &text_start, &text_end);
			i++;
		}
	}

	/* A line cut by the end of this buffer: keep its text from here. */
	if (st == SRP_NEED_MORE && (p->state == ST_TEXT || p->state == ST_CR)) {
		size_t n = (p->state == ST_TEXT ? i : text_end) - text_start;
		copy_text(p->buf + p->buf_len, s + text_start, n);
		p->buf_len += n;
		p->work += n;
	}
	p->offset += i;
	p->work += i;
	*consumed = i;
	return st;
}

enum srp_status srp_finish(struct srp_parser *p)
{
	if (p->state == ST_ERROR)
		return SRP_ERROR;
	if (p->state == ST_CODE1 && p->reply_lines == 0) {
		p->state = ST_END;
		return SRP_END;
	}
	if (p->state == ST_END)
		return SRP_END;
	return fail(p, SRP_E_TRUNCATED, p->offset);
}

const struct srp_line *srp_line(const struct srp_parser *p)
{
	return &p->line;
}

const struct srp_reply *srp_reply(const struct srp_parser *p)
{
	return &p->reply;
}

const struct srp_error *srp_error(const struct srp_parser *p)
{
	return &p->error;
}

uint64_t srp_offset(const struct srp_parser *p)
{
	return p->offset;
}

size_t srp_pending(const struct srp_parser *p)
{
	return p->reply_size;
}

uint64_t srp_work(const struct srp_parser *p)
{
	return p->work;
}
