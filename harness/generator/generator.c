/*
 * generator.c - see generator.h.
 *
 * The model below is written from RFC 5321, 2034 and 3463 and the
 * reference parser's documented limits, independently of parser/: an
 * oracle that shared code with the parser it judges would share its bugs.
 */
#include "generator.h"

#include "boundary.h"
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const defect_names[] = {
#define GEN_DEFECT_NAME(id, what) what,
	GEN_DEFECTS(GEN_DEFECT_NAME)
#undef GEN_DEFECT_NAME
};

const char *gen_defect_name(enum gen_defect d)
{
	return d < GEN_DEFECT_COUNT ? defect_names[d] : "?";
}

/* ---- choices ------------------------------------------------------------ */

void gen_source_seed(struct gen_source *s, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->rng = seed;
}

void gen_source_bytes(struct gen_source *s, const uint8_t *data, size_t len)
{
	memset(s, 0, sizeof *s);
	s->data = data;
	s->len = len;
}

size_t gen_draw(struct gen_source *s, size_t bound)
{
	uint64_t v;

	if (bound <= 1)
		return 0;
	if (s->data) {
		if (s->pos >= s->len)
			return 0;
		v = s->data[s->pos++];
		if (bound > 256 && s->pos < s->len)
			v = v << 8 | s->data[s->pos++];
	} else {
		uint64_t z = (s->rng += 0x9E3779B97F4A7C15u);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
		v = z ^ (z >> 31);
	}
	return (size_t)(v % bound);
}

/* ---- descriptions ------------------------------------------------------- */

void gen_opts_init(struct gen_opts *o)
{
	o->max_replies = 4;
	o->defect_pct = 50;
	o->aim_pct = 33;
}

static void free_line(struct gen_line *l)
{
	sb_free(&l->text);
}

void gen_free(struct gen_stream *g)
{
	for (size_t r = 0; r < g->nreplies; r++) {
		for (size_t l = 0; l < g->replies[r].nlines; l++)
			free_line(&g->replies[r].lines[l]);
		free(g->replies[r].lines);
	}
	free(g->replies);
	memset(g, 0, sizeof *g);
}

static void *xrealloc(void *p, size_t size)
{
	p = srh_realloc(p, size, 1);
	return p;
}

static struct gen_reply *add_reply(struct gen_stream *g)
{
	g->replies =
		xrealloc(g->replies, (g->nreplies + 1) * sizeof *g->replies);
	struct gen_reply *r = &g->replies[g->nreplies++];
	memset(r, 0, sizeof *r);
	return r;
}

/* A new line at index at of reply r. */
static struct gen_line *insert_line(struct gen_reply *r, size_t at)
{
	r->lines = xrealloc(r->lines, (r->nlines + 1) * sizeof *r->lines);
	memmove(&r->lines[at + 1], &r->lines[at],
		(r->nlines - at) * sizeof *r->lines);
	r->nlines++;
	memset(&r->lines[at], 0, sizeof r->lines[at]);
	return &r->lines[at];
}

static void copy_line(struct gen_line *dst, const struct gen_line *src)
{
	*dst = *src;
	memset(&dst->text, 0, sizeof dst->text);
	sb_add(&dst->text, src->text.s, src->text.len);
}

void gen_copy(struct gen_stream *dst, const struct gen_stream *src)
{
	gen_free(dst);
	*dst = *src;
	dst->replies = xrealloc(NULL, src->nreplies * sizeof *dst->replies);
	for (size_t r = 0; r < src->nreplies; r++) {
		const struct gen_reply *s = &src->replies[r];
		struct gen_reply *d = &dst->replies[r];
		d->nlines = s->nlines;
		d->lines = xrealloc(NULL, s->nlines * sizeof *d->lines);
		for (size_t l = 0; l < s->nlines; l++)
			copy_line(&d->lines[l], &s->lines[l]);
	}
}

/* ---- generating --------------------------------------------------------- */

static char pick(struct gen_source *s, const char *set)
{
	return set[gen_draw(s, strlen(set))];
}

/* Text for a line: mostly short, sometimes near the line limit. It never
 * starts with a digit, so only a deliberate ESC looks like one. */
static void gen_text(struct gen_source *s, struct strbuf *t, size_t room)
{
	static const char first[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ<[(";
	static const char rest[] =
		"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789 .-_=<>@:;,/()[]+\"'!?~#%&*\t";
	size_t len;

	switch (gen_draw(s, 32)) {
	case 0:
	case 1:
	case 2:
	case 3:
		len = 0;
		break;
	case 4:
		len = room - gen_draw(s, 4); /* at the limit, or just under */
		break;
	default:
		len = 1 + gen_draw(s, 30);
	}
	if (len > room)
		len = room;
	for (size_t i = 0; i < len; i++) {
		char c = i == 0 ? pick(s, first) : pick(s, rest);
		sb_add(t, &c, 1);
	}
}

/* "C.S.D" of RFC 3463, well formed or (1 in 3) not; or a wrong class. */
static void gen_esc(struct gen_source *s, struct strbuf *t, char cls)
{
	static const char *const bad[] =
		{
			"2.0",	 "5.7.1x", "2..0",   "5.1000.1",
			"4.7.",	 "2,0,0",  ".2.0.0", "5.1.10000",
			"2.x.0", "5.:.1", /* a non-digit where the subject
					     starts */
		};
	char buf[32];

	if (gen_draw(s, 3) == 0) {
		size_t at = t->len;
		sb_adds(t, bad[gen_draw(s, sizeof bad / sizeof bad[0])]);
		if (t->s[at] != '.')
			t->s[at] = cls; /* wrong only in its form */
		return;
	}
	if (gen_draw(s, 4) == 0)
		cls = pick(s, "245");
	size_t subject =
		gen_draw(s, 4) == 0 ? gen_draw(s, 1000) : gen_draw(s, 8);
	size_t detail =
		gen_draw(s, 4) == 0 ? gen_draw(s, 1000) : gen_draw(s, 10);
	snprintf(buf, sizeof buf, "%c.%zu.%zu", cls, subject, detail);
	sb_adds(t, buf);
}

static void gen_reply(struct gen_source *s, struct gen_stream *g)
{
	struct gen_reply *r = add_reply(g);
	char code[4] = {(char)('2' + gen_draw(s, 4)),
			(char)('0' + gen_draw(s, 6)),
			(char)('0' + gen_draw(s, 10)), 0};
	size_t kind = gen_draw(s, 8), n;

	n = kind < 4 ? 1 : kind < 7 ? 2 + gen_draw(s, 5) : 10 + gen_draw(s, 31);
	for (size_t i = 0; i < n; i++) {
		struct gen_line *l = insert_line(r, i);
		bool last = i + 1 == n;
		memcpy(l->code, code, 4);
		l->sep = last ? ' ' : '-';
		size_t style = gen_draw(s, 8);
		if (last && style == 0) {
			l->sep = 0; /* the code alone */
			continue;
		}
		if (style == 1)
			continue; /* "250-" or "250 ": no text */
		if (i == 0 && code[0] != '3' && gen_draw(s, 3) == 0) {
			gen_esc(s, &l->text, code[0]);
			if (gen_draw(s, 4) == 0)
				continue; /* the ESC alone */
			sb_adds(&l->text, " ");
		}
		size_t used = l->text.len;
		gen_text(s, &l->text, GEN_MAX_LINE - 6 - used);
	}
}

static size_t line_size(const struct gen_line *l)
{
	return strlen(l->code) + (l->sep != 0) + l->text.len +
	       (l->bare_lf ? 1 : 2);
}

/* Give the line a separator, so that it has a text part. */
static void need_text(struct gen_line *l)
{
	if (l->sep == 0)
		l->sep = ' ';
}

/* Insert bytes into the text at a random place; returns the line offset
 * of the first inserted byte. */
static size_t insert_text(struct gen_source *s, struct gen_line *l,
			  const char *bytes, size_t n)
{
	struct strbuf t = {0};

	need_text(l);
	while (l->text.len && line_size(l) + n > GEN_MAX_LINE)
		l->text.len--; /* stay within the line limit */
	size_t at = gen_draw(s, l->text.len + 1);
	sb_add(&t, l->text.s, at);
	sb_add(&t, bytes, n);
	sb_add(&t, l->text.s ? l->text.s + at : "", l->text.len - at);
	sb_free(&l->text);
	l->text = t;
	return strlen(l->code) + 1 + at;
}

static void plant(struct gen_source *s, struct gen_stream *g)
{
	size_t ri = gen_draw(s, g->nreplies);
	struct gen_reply *r = &g->replies[ri];
	size_t li = gen_draw(s, r->nlines);
	struct gen_line *l = &r->lines[li];
	char c;

	g->defect = (enum gen_defect)(1 + gen_draw(s, GEN_DEFECT_COUNT - 1));
	g->defect_reply = ri;
	g->defect_line = li;
	switch (g->defect) {
	case GEN_BAD_DIGIT:
		g->defect_at = gen_draw(s, 3);
		l->code[g->defect_at] = pick(s, "x: +/A");
		break;
	case GEN_CODE_RANGE:
		g->defect_at = gen_draw(s, 2);
		l->code[g->defect_at] =
			g->defect_at ? pick(s, "6789") : pick(s, "016789");
		break;
	case GEN_SHORT_CODE:
		l->code[2] = 0;
		g->defect_at = 2;
		break;
	case GEN_LONG_CODE:
		l->code[3] = (char)('0' + gen_draw(s, 10));
		l->code[4] = 0;
		g->defect_at = 3;
		break;
	case GEN_BAD_SEPARATOR:
		l->sep = pick(s, "x_=\t.:");
		g->defect_at = 3;
		break;
	case GEN_BARE_LF:
		l->bare_lf = true; /* defect_at: computed, it moves with text */
		break;
	case GEN_BARE_CR:
		g->defect_at = insert_text(s, l, "\rX", 2);
		break;
	case GEN_NUL:
		g->defect_at = insert_text(s, l, "\0", 1);
		break;
	case GEN_EIGHT_BIT:
		c = (char)(0x80 + gen_draw(s, 0x80));
		g->defect_at = insert_text(s, l, &c, 1);
		break;
	case GEN_CONTROL:
		c = pick(s, "\x01\x07\x08\x0b\x0c\x1b\x1f\x7f");
		g->defect_at = insert_text(s, l, &c, 1);
		break;
	case GEN_CODE_MISMATCH: {
		if (r->nlines == 1) { /* make room for a continuation line */
			struct gen_line *next = insert_line(r, 1);
			l = &r->lines[0];
			copy_line(next, l);
			l->sep = '-';
			next->sep = ' ';
		}
		li = 1 + gen_draw(s, r->nlines - 1);
		l = &r->lines[li];
		g->defect_line = li;
		size_t k = gen_draw(s, 3);
		const char *set = k == 0   ? "2345"
				  : k == 1 ? "012345"
					   : "0123456789";
		char other[11];
		size_t m = 0;
		for (const char *d = set; *d; d++)
			if (*d != l->code[k])
				other[m++] = *d;
		l->code[k] = other[gen_draw(s, m)];
		g->defect_at = k;
		break;
	}
	case GEN_EMPTY_LINE:
		l = insert_line(r, li);
		g->defect_at = 0;
		break;
	case GEN_LONG_LINE: {
		size_t total = GEN_MAX_LINE + 1 + gen_draw(s, 200);
		need_text(l);
		l->bare_lf = false;
		while (line_size(l) < total)
			sb_adds(&l->text, "x");
		g->defect_at = GEN_MAX_LINE;
		break;
	}
	case GEN_TOO_MANY_LINES:
		while (r->nlines <= GEN_MAX_LINES) {
			struct gen_line *more = insert_line(r, 0);
			copy_line(more, &r->lines[r->nlines - 1]);
			more->sep = '-';
			sb_clear(&more->text);
			sb_adds(&more->text, "x");
		}
		g->defect_line = GEN_MAX_LINES;
		g->defect_at = 0;
		break;
	case GEN_TRUNCATED: {
		size_t size = 0;
		g->defect_reply = g->nreplies - 1;
		r = &g->replies[g->defect_reply];
		for (size_t i = 0; i < r->nlines; i++)
			size += line_size(&r->lines[i]);
		g->truncate = 1 + gen_draw(s, size - 1);
		break;
	}
	default:
		break;
	}
}

/* ---- aiming at buffer sizes (boundary.h) ---- */

enum aim {
	AIM_LINE_TEXT,	 /* the last line's text */
	AIM_LINE_OCTETS, /* the last line, code to LF */
	AIM_REPLY_TEXT,	 /* the texts of all the reply's lines */
	AIM_REPLY_BYTES, /* the reply on the wire */
	AIM_STREAM,	 /* the stream up to the reply's end */
	AIM_COUNT
};

static size_t measure(const struct gen_stream *g, size_t r, enum aim what)
{
	const struct gen_reply *rp = &g->replies[r];
	const struct gen_line *last = &rp->lines[rp->nlines - 1];
	size_t sum = 0;

	if (what == AIM_LINE_TEXT)
		return last->text.len;
	if (what == AIM_LINE_OCTETS)
		return line_size(last);
	for (size_t q = what == AIM_STREAM ? 0 : r; q <= r; q++)
		for (size_t l = 0; l < g->replies[q].nlines; l++) {
			const struct gen_line *ln = &g->replies[q].lines[l];
			sum += what == AIM_REPLY_TEXT ? ln->text.len
						      : line_size(ln);
		}
	return sum;
}

/* Text a line can still take. */
static size_t line_room(const struct gen_line *l)
{
	size_t size = line_size(l) + (l->sep == 0);
	return size >= GEN_MAX_LINE ? 0 : GEN_MAX_LINE - size;
}

static void pad(struct gen_line *l, size_t n)
{
	need_text(l);
	for (size_t i = 0; i < n; i++) /* letters: never a digit first */
		sb_add(&l->text, &"abcdefghijklmnopqrstuvwxyz"[i % 26], 1);
}

/* Lengthen or shorten the reply's texts, last lines first (adding lines
 * when they are full), until the measure is target, or near it. */
static void aim(struct gen_source *s, struct gen_stream *g)
{
	size_t r = g->nreplies - 1;
	struct gen_reply *rp = &g->replies[r];
	enum aim what = (enum aim)gen_draw(s, AIM_COUNT);
	static const int near[] = {0, 0, 0, -1, 1, -2, 2};
	size_t target =
		srh_boundary(gen_draw(s, SRH_NBOUNDARIES),
			     near[gen_draw(s, sizeof near / sizeof *near)]);
	size_t one_line =
		what == AIM_LINE_TEXT ? GEN_MAX_LINE - 6 : GEN_MAX_LINE;
	bool line = what <= AIM_LINE_OCTETS;

	if (line && target > one_line)
		target = one_line - gen_draw(s, 3);
	size_t cur = measure(g, r, what);
	for (size_t l = rp->nlines; cur < target && l-- > 0;) {
		struct gen_line *ln = &rp->lines[l];
		size_t room = line_room(ln), n = target - cur;
		pad(ln, n < room ? n : room);
		cur = measure(g, r, what);
		if (line)
			break;
	}
	/* More lines, each full, before the last: within 128 of them, and
	 * the reply within its octet limit with room for a defect. */
	while (!line && cur < target && rp->nlines < GEN_MAX_LINES &&
	       measure(g, r, AIM_REPLY_BYTES) + 2 * GEN_MAX_LINE <=
		       GEN_MAX_REPLY) {
		struct gen_line *ln = insert_line(rp, rp->nlines - 1);
		memcpy(ln->code, rp->lines[rp->nlines - 1].code,
		       sizeof ln->code);
		ln->sep = '-';
		size_t room = line_room(ln), n = target - cur;
		if (what != AIM_REPLY_TEXT && n > 6)
			n -= 6; /* the new line's own code and ending */
		pad(ln, n < room ? n : room);
		cur = measure(g, r, what);
	}
	for (size_t l = rp->nlines; cur > target && l-- > 0;) {
		struct gen_line *ln = &rp->lines[l];
		size_t cut = cur - target;
		ln->text.len -= cut < ln->text.len ? cut : ln->text.len;
		if (ln->text.s)
			ln->text.s[ln->text.len] = '\0';
		cur = measure(g, r, what);
		if (line)
			break;
	}
}

void gen_generate(struct gen_stream *g, struct gen_source *src,
		  const struct gen_opts *o)
{
	gen_free(g);
	size_t n = 1 + gen_draw(src, o->max_replies);
	for (size_t i = 0; i < n; i++) {
		gen_reply(src, g);
		/* Some replies at a buffer size; the smallest choice
		 * (running out of bytes) never. */
		if (o->aim_pct && gen_draw(src, 100) >= 100 - o->aim_pct)
			aim(src, g);
	}
	/* The smallest choice (0) is no defect. */
	if (gen_draw(src, 100) >= 100 - o->defect_pct)
		plant(src, g);
}

/* ---- the wire and the model --------------------------------------------- */

static void line_bytes(const struct gen_line *l, struct strbuf *out)
{
	sb_adds(out, l->code);
	if (l->sep)
		sb_add(out, &l->sep, 1);
	sb_add(out, l->text.s ? l->text.s : "", l->text.len);
	sb_adds(out, l->bare_lf ? "\n" : "\r\n");
}

void gen_serialize(const struct gen_stream *g, struct strbuf *out)
{
	sb_adds(out, "");
	for (size_t r = 0; r < g->nreplies; r++) {
		size_t start = out->len;
		for (size_t l = 0; l < g->replies[r].nlines; l++)
			line_bytes(&g->replies[r].lines[l], out);
		if (g->defect == GEN_TRUNCATED && r == g->defect_reply &&
		    out->len - start > g->truncate) {
			out->len = start + g->truncate;
			out->s[out->len] = '\0';
		}
	}
}

static bool accepted(enum gen_defect d, unsigned lenient)
{
	switch (d) {
	case GEN_NONE:
		return true;
	case GEN_BARE_LF:
		return lenient & SRH_LENIENT_BARE_LF;
	case GEN_EIGHT_BIT:
		return lenient & SRH_LENIENT_8BIT;
	case GEN_CONTROL:
		return lenient & SRH_LENIENT_CONTROL;
	case GEN_BARE_CR:
		return lenient & SRH_LENIENT_BARE_CR;
	case GEN_CODE_MISMATCH:
		return lenient & SRH_LENIENT_CODE_MISMATCH;
	case GEN_LONG_LINE:
		return lenient & SRH_LENIENT_LONG_LINES;
	default:
		return false;
	}
}

static enum srh_error_kind kind_of(enum gen_defect d)
{
	if (d == GEN_LONG_LINE || d == GEN_TOO_MANY_LINES)
		return SRH_ERROR_LIMIT;
	return d == GEN_TRUNCATED ? SRH_ERROR_TRUNCATED : SRH_ERROR_SYNTAX;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 to 3 digits at t[*i]. */
static bool number(const char *t, size_t n, size_t *i)
{
	size_t start = *i;
	while (*i < n && digit(t[*i]))
		(*i)++;
	return *i > start && *i - start <= 3;
}

/* RFC 3463 at the start of the first line's text, class = code / 100
 * (RFC 2034: then SP or the end of the text); its length, or 0. */
static size_t model_esc(const char *t, size_t n, unsigned code)
{
	size_t i = 2;

	if (n < 5 || t[1] != '.' ||
	    (t[0] != '2' && t[0] != '4' && t[0] != '5') ||
	    (unsigned)(t[0] - '0') != code / 100)
		return 0;
	if (!number(t, n, &i) || i >= n || t[i++] != '.' || !number(t, n, &i))
		return 0;
	return i == n || t[i] == ' ' ? i : 0;
}

static unsigned code_value(const char *c)
{
	return (unsigned)(c[0] - '0') * 100 + (unsigned)(c[1] - '0') * 10 +
	       (unsigned)(c[2] - '0');
}

size_t gen_replies_expected(const struct gen_stream *g, unsigned leniency)
{
	if (g->defect == GEN_NONE || accepted(g->defect, leniency))
		return g->nreplies;
	return g->defect_reply;
}

void gen_expect(const struct gen_stream *g, unsigned leniency,
		struct tr_transcript *t)
{
	uint64_t offset = 0;
	struct srh_recorder *rec = &t->rec;

	for (size_t r = 0; r < g->nreplies; r++) {
		const struct gen_reply *rp = &g->replies[r];
		if (r == g->defect_reply && !accepted(g->defect, leniency)) {
			if (g->defect == GEN_TRUNCATED) {
				rec->error(rec, SRH_ERROR_TRUNCATED,
					   offset + g->truncate, "model");
				return;
			}
			for (size_t l = 0; l < g->defect_line; l++)
				offset += line_size(&rp->lines[l]);
			const struct gen_line *d = &rp->lines[g->defect_line];
			size_t at = g->defect == GEN_BARE_LF ? line_size(d) - 1
							     : g->defect_at;
			rec->error(rec, kind_of(g->defect), offset + at,
				   "model");
			return;
		}
		for (size_t l = 0; l < rp->nlines; l++) {
			const struct gen_line *ln = &rp->lines[l];
			rec->line(rec, ln->text.s ? ln->text.s : "",
				  ln->text.len);
			offset += line_size(ln);
		}
		const struct gen_line *first = &rp->lines[0];
		unsigned code = code_value(rp->lines[rp->nlines - 1].code);
		char esc[16] = "";
		size_t e = model_esc(first->text.s ? first->text.s : "",
				     first->text.len, code);
		if (e && e < sizeof esc)
			memcpy(esc, first->text.s, e);
		rec->reply(rec, code, e ? esc : NULL);
	}
	rec->end(rec);
}

void gen_describe(const struct gen_stream *g, struct strbuf *out)
{
	size_t lines = 0;
	for (size_t r = 0; r < g->nreplies; r++)
		lines += g->replies[r].nlines;
	sb_addf(out, "%zu repl%s, %zu line%s, defect: %s", g->nreplies,
		g->nreplies == 1 ? "y" : "ies", lines, lines == 1 ? "" : "s",
		gen_defect_name(g->defect));
	if (g->defect != GEN_NONE)
		sb_addf(out, " (reply %zu, line %zu)", g->defect_reply + 1,
			g->defect_line + 1);
}

/* ---- simplifying -------------------------------------------------------- */

static void drop_reply(struct gen_stream *g, size_t r)
{
	for (size_t l = 0; l < g->replies[r].nlines; l++)
		free_line(&g->replies[r].lines[l]);
	free(g->replies[r].lines);
	memmove(&g->replies[r], &g->replies[r + 1],
		(g->nreplies - r - 1) * sizeof *g->replies);
	g->nreplies--;
	if (g->defect != GEN_NONE && g->defect_reply > r)
		g->defect_reply--;
}

static void drop_line(struct gen_reply *rp, size_t l)
{
	free_line(&rp->lines[l]);
	memmove(&rp->lines[l], &rp->lines[l + 1],
		(rp->nlines - l - 1) * sizeof *rp->lines);
	rp->nlines--;
}

/* Text whose bytes the defect's offset does not depend on. */
static bool text_free(const struct gen_stream *g, size_t r, size_t l)
{
	if (g->defect == GEN_NONE || r != g->defect_reply)
		return true;
	if (g->defect == GEN_TRUNCATED)
		return false;
	return l != g->defect_line;
}

bool gen_simplify(const struct gen_stream *g, size_t i, struct gen_stream *out)
{
	/* Candidates in order: drop a reply, drop a line, empty a text,
	 * halve a text. */
	for (size_t r = 0; r < g->nreplies; r++) {
		bool keep = g->defect != GEN_NONE && r == g->defect_reply;
		if (g->nreplies > 1 && !keep && i-- == 0) {
			gen_copy(out, g);
			drop_reply(out, r);
			return true;
		}
	}
	for (size_t r = 0; r < g->nreplies; r++) {
		const struct gen_reply *rp = &g->replies[r];
		bool fixed = g->defect != GEN_NONE && r == g->defect_reply &&
			     (g->defect == GEN_TOO_MANY_LINES ||
			      g->defect == GEN_TRUNCATED);
		for (size_t l = 0; !fixed && l + 1 < rp->nlines; l++) {
			/* A mismatch needs the line it differs from. */
			bool keep =
				g->defect != GEN_NONE && r == g->defect_reply &&
				(l == g->defect_line ||
				 (g->defect == GEN_CODE_MISMATCH && l == 0));
			if (keep || i-- != 0)
				continue;
			gen_copy(out, g);
			drop_line(&out->replies[r], l);
			if (r == g->defect_reply && l < g->defect_line)
				out->defect_line--;
			return true;
		}
	}
	for (int halve = 0; halve < 2; halve++)
		for (size_t r = 0; r < g->nreplies; r++)
			for (size_t l = 0; l < g->replies[r].nlines; l++) {
				const struct gen_line *ln =
					&g->replies[r].lines[l];
				if (ln->text.len == 0 || !text_free(g, r, l) ||
				    (halve && ln->text.len < 2) || i-- != 0)
					continue;
				gen_copy(out, g);
				struct strbuf *t =
					&out->replies[r].lines[l].text;
				t->len = halve ? t->len / 2 : 0;
				t->s[t->len] = '\0';
				return true;
			}
	return false;
}
