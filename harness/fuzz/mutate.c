/*
 * mutate.c - see mutate.h.
 */
#include "mutate.h"

#include "boundary.h"
#include "alloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "schedule.h"
#include "strbuf.h"

/* Codes servers send, most common first (drawn with a bias to the top). */
static const char *const codes[] = {
	"250", "220", "354", "334", "550", "421", "221", "235", "451", "452",
	"450", "535", "554", "553", "530", "503", "501", "500", "502", "251",
	"252", "211", "214", "504", "521", "552", "555", "432", "454", "556",
};

static const char *const escs[] = {
	"2.0.0",  "2.1.0", "2.1.5", "2.7.0", "4.7.0", "4.2.0",	  "4.4.2",
	"5.1.1",  "5.7.1", "5.7.8", "5.2.2", "5.5.2", "4.7.28",	  "5.7.606",
	"5.1.10", "2.0.",  "5..1",  "5.7",   "9.9.9", "5.1000.1",
};

/* Whole lines from real servers, to splice in. */
static const char *const canned[] = {
	"220 mx.example.com ESMTP Postfix\r\n",
	"220-mx.example.com ESMTP\r\n",
	"250-mx.example.com\r\n",
	"250-PIPELINING\r\n",
	"250-SIZE 52428800\r\n",
	"250-8BITMIME\r\n",
	"250-ENHANCEDSTATUSCODES\r\n",
	"250-AUTH PLAIN LOGIN XOAUTH2\r\n",
	"250-STARTTLS\r\n",
	"250 CHUNKING\r\n",
	"250 2.1.0 Ok\r\n",
	"250 2.0.0 Ok: queued as 4F1AB2C3D4\r\n",
	"354 End data with <CR><LF>.<CR><LF>\r\n",
	"354-Line 1\r\n",
	"354 Send message\r\n",
	"334 VXNlcm5hbWU6\r\n",
	"334 \r\n",
	"235 2.7.0 Authentication successful\r\n",
	"421 4.7.0 Try again later, closing connection.\r\n",
	"450 4.2.0 Greylisted, see http://example.org/\r\n",
	"550-5.1.1 The email account that you tried to reach does not\r\n",
	"550 5.1.1 exist. Please try double-checking the address.\r\n",
	"221 2.0.0 Bye\r\n",
	"250\r\n",
	"550\r\n",
};

static const char *const endings[] = {"\r\n", "\n", "\r", "", "\r\r\n"};

static const uint8_t odd[] = {0x00, 0x80, 0xff, 0xc3, 0x7f, '\r',
			      '\n', '\t', ' ',	'-',  '.'};

/* Text lengths around the limits: 512 octets a line with the code,
 * separator and CRLF is 506 of text; the parser's capacity is 8192. */
static const size_t lengths[] = {0, 1, 505, 506, 507, 508, 1000, 2040, 8200};

struct rng {
	uint64_t s;
};

static size_t below(struct rng *r, size_t n)
{
	return n ? (size_t)sched_rand_below(&r->s, n) : 0;
}

/* Biased to small indexes: the minimum of two draws. */
static size_t low(struct rng *r, size_t n)
{
	size_t a = below(r, n), b = below(r, n);
	return a < b ? a : b;
}

#define PICK(r, table) ((table)[below(r, sizeof(table) / sizeof(table)[0])])

/* ---- the parts of an input ---------------------------------------------
 */

struct parts {
	struct strbuf s[2]; /* STREAM, STREAM2 */
	struct strbuf cuts;
	bool has_s2, has_cuts;
};

static void parts_split(enum smut_format f, const uint8_t *d, size_t n,
			struct parts *p)
{
	memset(p, 0, sizeof *p);
	size_t a = f == SMUT_STREAM ? n : fuzz_sep(d, n, 0);
	sb_add(&p->s[0], d, a);
	if (a == n) {
		/* What the reentrant target reads as the second stream. */
		if (f == SMUT_PAIR)
			sb_adds(&p->s[1], FUZZ_PARTNER);
		return;
	}
	size_t from = a + FUZZ_SEP_LEN;
	if (f == SMUT_SPLIT) {
		p->has_cuts = true;
		sb_add(&p->cuts, d + from, n - from);
		return;
	}
	size_t b = fuzz_sep(d, n, from);
	p->has_s2 = true;
	sb_add(&p->s[1], d + from, b - from);
	if (b < n) {
		p->has_cuts = true;
		sb_add(&p->cuts, d + b + FUZZ_SEP_LEN, n - b - FUZZ_SEP_LEN);
	}
}

static size_t parts_join(enum smut_format f, struct parts *p, uint8_t *out,
			 size_t max)
{
	struct strbuf b = {0};
	size_t rest = 0;

	/* Too long: the first stream gives way, so the parts after it stay. */
	if (f == SMUT_PAIR && (p->has_s2 || p->has_cuts))
		rest += FUZZ_SEP_LEN + p->s[1].len;
	if (f != SMUT_STREAM && p->has_cuts)
		rest += FUZZ_SEP_LEN + p->cuts.len;
	if (p->s[0].len + rest > max && rest < max)
		p->s[0].len = max - rest;
	sb_add(&b, p->s[0].s, p->s[0].len);
	if (f == SMUT_PAIR && (p->has_s2 || p->has_cuts)) {
		sb_add(&b, FUZZ_SEP, FUZZ_SEP_LEN);
		sb_add(&b, p->s[1].s, p->s[1].len);
	}
	if (f != SMUT_STREAM && p->has_cuts) {
		sb_add(&b, FUZZ_SEP, FUZZ_SEP_LEN);
		sb_add(&b, p->cuts.s, p->cuts.len);
	}
	size_t n = b.len < max ? b.len : max;
	if (n)
		memcpy(out, b.s, n);
	sb_free(&b);
	for (int i = 0; i < 2; i++)
		sb_free(&p->s[i]);
	sb_free(&p->cuts);
	return n;
}

/* ---- lines ---------------------------------------------------------------
 */

struct span {
	size_t at, len; /* the line's bytes, its ending included */
};

/* Lines end after each LF; a last line without one counts too. */
static size_t lines_of(const struct strbuf *s, struct span **out)
{
	size_t n = 0, cap = 16;
	struct span *v = srh_realloc(NULL, cap, sizeof *v);

	for (size_t at = 0; at < s->len;) {
		const char *nl = memchr(s->s + at, '\n', s->len - at);
		size_t end = nl ? (size_t)(nl - s->s) + 1 : s->len;
		v = srh_grow(v, &cap, n + 1, sizeof *v);
		v[n++] = (struct span){at, end - at};
		at = end;
	}
	*out = v;
	return n;
}

/* A line taken apart: code digits, separator, text, ending. */
struct fields {
	struct strbuf code, text;
	int sep; /* -1: none */
	const char *ending;
};

static void fields_of(const char *l, size_t len, struct fields *f)
{
	size_t d = 0, end = len;

	memset(f, 0, sizeof *f);
	f->ending = "";
	if (end && l[end - 1] == '\n') {
		end--;
		f->ending = "\n";
		if (end && l[end - 1] == '\r') {
			end--;
			f->ending = "\r\n";
		}
	}
	while (d < end && d < 4 && l[d] >= '0' && l[d] <= '9')
		d++;
	sb_add(&f->code, l, d);
	sb_add(&f->text, "", 0); /* never NULL, even when empty */
	f->sep = d < end ? (unsigned char)l[d] : -1;
	if (d < end)
		sb_add(&f->text, l + d + 1, end - d - 1);
}

static void fields_put(struct fields *f, struct strbuf *out)
{
	sb_add(out, f->code.s, f->code.len);
	if (f->sep >= 0) {
		char c = (char)f->sep;
		sb_add(out, &c, 1);
	}
	sb_add(out, f->text.s, f->text.len);
	sb_adds(out, f->ending);
	sb_free(&f->code);
	sb_free(&f->text);
}

static void set_str(struct strbuf *b, const char *s)
{
	sb_clear(b);
	sb_adds(b, s);
}

/* ---- edits of one line ----------------------------------------------------
 */

enum edit {
	E_BYTES,
	E_CODE,
	E_SEP,
	E_ENDING,
	E_ESC,
	E_LENGTH,
	E_ODD,
	E_CODE_ONLY,
	E_LINE_EDITS, /* edits above rewrite one line; below, the stream */
	E_DUP = E_LINE_EDITS,
	E_DROP,
	E_MOVE,
	E_SPLICE,
	E_TRUNCATE,
	E_REPLY_AGAIN,
	E_AIM,
	E_COUNT
};

struct ctx {
	struct rng r;
	smut_bytes_fn bytes;
	void *arg;
	size_t max;
};

static void edit_code(struct ctx *c, struct fields *f, const struct strbuf *s,
		      const struct span *v, size_t nl)
{
	char buf[8];

	switch (below(&c->r, 6)) {
	case 0: /* another code, common ones first */
		set_str(&f->code,
			codes[low(&c->r, sizeof codes / sizeof *codes)]);
		break;
	case 1: /* a neighbour's code: a reply made consistent, or not */
		if (nl > 1) {
			size_t j = below(&c->r, nl);
			size_t d = 0;
			while (d < 3 && d < v[j].len &&
			       s->s[v[j].at + d] >= '0' &&
			       s->s[v[j].at + d] <= '9')
				d++;
			sb_clear(&f->code);
			sb_add(&f->code, s->s + v[j].at, d);
		}
		break;
	case 2: /* one digit changed: a mismatch inside a reply */
		if (f->code.len) {
			size_t k = below(&c->r, f->code.len);
			f->code.s[k] = (char)('0' + below(&c->r, 10));
		}
		break;
	case 3: /* two digits or four */
		set_str(&f->code, below(&c->r, 2) ? "25" : "2500");
		break;
	case 4: /* a digit that is none, or out of range */
		memcpy(buf, "250", 4);
		buf[below(&c->r, 3)] = "x:/0 96"[below(&c->r, 7)];
		set_str(&f->code, buf);
		break;
	default:
		set_str(&f->code, below(&c->r, 2) ? "199" : "600");
		break;
	}
}

static void edit_line(struct ctx *c, enum edit e, struct fields *f,
		      const struct strbuf *s, const struct span *v, size_t nl)
{
	switch (e) {
	case E_BYTES: {
		size_t room = f->text.len + 64;
		uint8_t *t = srh_alloc(room);
		if (f->text.len)
			memcpy(t, f->text.s, f->text.len);
		size_t n = c->bytes(t, f->text.len, room, c->arg);
		sb_clear(&f->text);
		sb_add(&f->text, t, n < room ? n : room);
		free(t);
		break;
	}
	case E_CODE:
		edit_code(c, f, s, v, nl);
		break;
	case E_SEP: {
		static const int seps[] = {' ', '-', -1, '\t', '_', '+', '\r'};
		int now = f->sep;
		/* Mostly flip: a reply boundary appears or goes. */
		f->sep = now == ' '   ? '-'
			 : now == '-' ? ' '
				      : PICK(&c->r, seps);
		if (below(&c->r, 4) == 0)
			f->sep = PICK(&c->r, seps);
		break;
	}
	case E_ENDING:
		f->ending = PICK(&c->r, endings);
		break;
	case E_ESC: {
		const char *esc = escs[low(&c->r, sizeof escs / sizeof *escs)];
		struct strbuf t = {0};
		size_t skip = 0;
		/* Replace an ESC already there, else put one in front. */
		while (skip < f->text.len && f->text.s[skip] != ' ' &&
		       memchr("0123456789.", f->text.s[skip], 11))
			skip++;
		sb_adds(&t, esc);
		if (skip == 0 || skip == f->text.len)
			sb_adds(&t, " ");
		sb_add(&t, f->text.s + skip, f->text.len - skip);
		sb_free(&f->text);
		f->text = t;
		if (f->sep < 0)
			f->sep = ' ';
		break;
	}
	case E_LENGTH: {
		size_t want = PICK(&c->r, lengths);
		if (want > c->max)
			want = c->max / 2;
		if (want < f->text.len) {
			f->text.len = want;
		} else {
			while (f->text.len < want)
				sb_add(&f->text,
				       "x-long-text ABCDEFGHIJ 0123456789 ",
				       want - f->text.len < 34
					       ? want - f->text.len
					       : 34);
		}
		if (f->text.s)
			f->text.s[f->text.len] = 0;
		break;
	}
	case E_ODD: {
		size_t at = below(&c->r, f->text.len + 1);
		struct strbuf t = {0};
		sb_add(&t, f->text.s, at);
		sb_add(&t, &odd[below(&c->r, sizeof odd)], 1);
		sb_add(&t, f->text.s + at, f->text.len - at);
		sb_free(&f->text);
		f->text = t;
		break;
	}
	case E_CODE_ONLY:
		sb_clear(&f->text);
		f->sep = below(&c->r, 3) ? -1 : ' ';
		break;
	default:
		break;
	}
}

/* The line after the reply that holds line i ends: its last line is the
 * first from i on whose separator is not '-'. */
static size_t reply_end(const struct strbuf *s, const struct span *v, size_t nl,
			size_t i)
{
	while (i < nl && v[i].len > 3 && s->s[v[i].at + 3] == '-')
		i++;
	return i < nl ? i + 1 : nl;
}

/* Line i's text made longer or shorter so that a size ending with it (the
 * line, its reply's text or bytes, or the stream so far) is a buffer's
 * size or a neighbour (boundary.h); the stream with it into o. */
static void aim(struct ctx *c, const struct strbuf *s, const struct span *v,
		size_t nl, size_t i, struct strbuf *o)
{
	size_t start = i;
	while (start > 0 && v[start - 1].len > 3 &&
	       s->s[v[start - 1].at + 3] == '-')
		start--;
	size_t cur, text = 0;
	for (size_t k = start; k <= i; k++)
		text += v[k].len > 6 ? v[k].len - 6 : 0;
	switch (below(&c->r, 4)) {
	case 0:
		cur = v[i].len; /* the line */
		break;
	case 1:
		cur = text; /* the reply's texts, about */
		break;
	case 2:
		cur = v[i].at + v[i].len - v[start].at; /* the reply */
		break;
	default:
		cur = v[i].at + v[i].len; /* the stream */
	}
	size_t target = srh_boundary(below(&c->r, SRH_NBOUNDARIES),
				     (int)below(&c->r, 5) - 2);
	struct fields f;
	fields_of(s->s + v[i].at, v[i].len, &f);
	if (f.sep < 0)
		f.sep = ' ';
	if (target > cur) {
		size_t n = target - cur;
		if (s->len + n > c->max)
			n = c->max > s->len ? c->max - s->len : 0;
		for (size_t k = 0; k < n; k++)
			sb_add(&f.text, &"abcdefghijklmnopqrstuvwxyz"[k % 26],
			       1);
	} else {
		size_t cut = cur - target;
		f.text.len -= cut < f.text.len ? cut : f.text.len;
	}
	sb_add(o, s->s, v[i].at);
	fields_put(&f, o);
	size_t end = v[i].at + v[i].len;
	sb_add(o, s->s + end, s->len - end);
	(void)nl;
}

static void edit_stream(struct ctx *c, struct strbuf *s)
{
	sb_add(s, "", 0); /* never NULL, even when empty */
	struct span *v;
	size_t nl = lines_of(s, &v);
	struct strbuf o = {0};
	enum edit e = (enum edit)below(&c->r, E_COUNT);

	if (nl == 0 && e != E_SPLICE && e != E_BYTES)
		e = E_SPLICE;
	size_t i = below(&c->r, nl);
	if (e == E_BYTES && nl == 0) {
		uint8_t *t = srh_alloc(64);
		size_t n = c->bytes(t, 0, 64, c->arg);
		sb_add(&o, t, n);
		free(t);
	} else if (e < E_LINE_EDITS) {
		struct fields f;
		sb_add(&o, s->s, v[i].at);
		fields_of(s->s + v[i].at, v[i].len, &f);
		edit_line(c, e, &f, s, v, nl);
		fields_put(&f, &o);
		size_t end = v[i].at + v[i].len;
		sb_add(&o, s->s + end, s->len - end);
	} else if (e == E_DUP) {
		/* Repeat a line: enough copies cross the 128-line limit. */
		static const size_t times[] = {1, 1, 2, 3, 126, 127, 128};
		size_t k = PICK(&c->r, times);
		size_t end = v[i].at + v[i].len;
		sb_add(&o, s->s, end);
		for (size_t j = 0; j < k && o.len + v[i].len <= c->max; j++)
			sb_add(&o, s->s + v[i].at, v[i].len);
		sb_add(&o, s->s + end, s->len - end);
	} else if (e == E_DROP) {
		sb_add(&o, s->s, v[i].at);
		size_t end = v[i].at + v[i].len;
		sb_add(&o, s->s + end, s->len - end);
	} else if (e == E_MOVE) {
		size_t j = below(&c->r, nl);
		for (size_t k = 0; k < nl; k++) {
			if (k == i)
				continue;
			if (k == j && j < i)
				sb_add(&o, s->s + v[i].at, v[i].len);
			sb_add(&o, s->s + v[k].at, v[k].len);
			if (k == j && j > i)
				sb_add(&o, s->s + v[i].at, v[i].len);
		}
		if (j == i)
			sb_add(&o, s->s + v[i].at, v[i].len);
	} else if (e == E_SPLICE) {
		size_t at = nl ? v[i].at : 0;
		sb_add(&o, s->s, at);
		sb_adds(&o,
			canned[below(&c->r, sizeof canned / sizeof *canned)]);
		sb_add(&o, s->s + at, s->len - at);
	} else if (e == E_TRUNCATE) {
		/* Mostly inside a line ending, where readers slip. */
		size_t end = v[i].at + v[i].len;
		size_t at = below(&c->r, 2) && v[i].len >= 2
				    ? end - 1 - below(&c->r, 2)
				    : below(&c->r, s->len + 1);
		sb_add(&o, s->s, at);
	} else if (e == E_AIM) {
		aim(c, s, v, nl, i, &o);
	} else { /* E_REPLY_AGAIN: one more reply, as pipelining gives */
		size_t start = i;
		while (start > 0 && v[start - 1].len > 3 &&
		       s->s[v[start - 1].at + 3] == '-')
			start--;
		size_t end = reply_end(s, v, nl, start);
		size_t from = v[start].at, to = end < nl ? v[end].at : s->len;
		sb_add(&o, s->s, s->len);
		if (o.len + (to - from) <= c->max)
			sb_add(&o, s->s + from, to - from);
	}
	free(v);
	sb_free(s);
	*s = o;
}

/* ---- edits of the schedule --------------------------------------------
 */

static void edit_cuts(struct ctx *c, struct parts *p)
{
	const struct strbuf *s = &p->s[0];
	struct sched sc = {0};
	uint32_t where[256];
	size_t n = s->len;

	fuzz_cuts((const uint8_t *)p->cuts.s, p->cuts.len, n, true, &sc);
	size_t k =
		sched_interesting((const unsigned char *)s->s, n, where, 256);
	if (n < 2) {
		sched_free(&sc);
		return;
	}
	switch (below(&c->r, 7)) {
	case 0: /* a cut where bugs live */
	case 1:
		if (k) {
			sched_add(&sc, where[below(&c->r, k)], 0, false);
			break;
		}
		/* fall through */
	case 2:
		sched_add(&sc, (uint32_t)(1 + below(&c->r, n - 1)), 0, false);
		break;
	case 3:
		if (sc.ncuts) {
			size_t j = below(&c->r, sc.ncuts);
			memmove(&sc.cuts[j], &sc.cuts[j + 1],
				(sc.ncuts - j - 1) * sizeof *sc.cuts);
			sc.ncuts--;
		}
		break;
	case 4: /* an empty feed, or a pause (fd subjects) */
		if (!sc.ncuts)
			sched_add(&sc,
				  k ? where[below(&c->r, k)]
				    : (uint32_t)(1 + below(&c->r, n - 1)),
				  0, false);
		{
			struct sched_cut *cut =
				&sc.cuts[below(&c->r, sc.ncuts)];
			if (below(&c->r, 2))
				cut->idle = !cut->idle;
			else
				cut->delay_ms =
					cut->delay_ms ? 0 : FUZZ_PAUSE_MS;
		}
		break;
	case 5: /* a cut moved by one byte */
		if (sc.ncuts) {
			struct sched_cut *cut =
				&sc.cuts[below(&c->r, sc.ncuts)];
			if (below(&c->r, 2) && cut->at + 1 < n)
				cut->at++;
			else if (cut->at > 1)
				cut->at--;
		}
		break;
	default: /* a cut after every line */
		sched_clear(&sc);
		for (size_t at = 0; at + 1 < n; at++)
			if (s->s[at] == '\n')
				sched_add(&sc, (uint32_t)(at + 1), 0, false);
		break;
	}
	sched_normalize(&sc);
	sb_clear(&p->cuts);
	fuzz_cuts_encode(&sc, &p->cuts);
	p->has_cuts = true;
	sched_free(&sc);
}

size_t smut_mutate(enum smut_format f, uint8_t *data, size_t size, size_t max,
		   uint64_t seed, smut_bytes_fn bytes, void *arg)
{
	struct ctx c = {{seed}, bytes, arg, max};
	struct parts p;

	parts_split(f, data, size, &p);
	unsigned choice = (unsigned)below(&c.r, f == SMUT_STREAM ? 8 : 11);
	if (choice >= 8) {
		edit_cuts(&c, &p);
	} else {
		/* Several edits at once now and then: bugs need two
		 * conditions as often as one. */
		size_t rounds = 1 + (below(&c.r, 4) == 0) * below(&c.r, 4);
		int which = f == SMUT_PAIR && below(&c.r, 4) == 0;
		if (which)
			p.has_s2 = true;
		for (size_t k = 0; k < rounds; k++)
			edit_stream(&c, &p.s[which]);
	}
	return parts_join(f, &p, data, max);
}

size_t smut_crossover(enum smut_format f, const uint8_t *a, size_t na,
		      const uint8_t *b, size_t nb, uint8_t *out, size_t max,
		      uint64_t seed)
{
	struct rng r = {seed};
	struct parts pa, pb;
	struct span *va, *vb;

	parts_split(f, a, na, &pa);
	parts_split(f, b, nb, &pb);
	size_t la = lines_of(&pa.s[0], &va), lb = lines_of(&pb.s[0], &vb);
	size_t i = below(&r, la + 1), j = below(&r, lb + 1);
	struct strbuf s = {0};

	/* a's first lines, then b's last ones: the reply at the seam is
	 * new, with a's code and b's text or the other way round. */
	sb_add(&s, pa.s[0].s, i < la ? va[i].at : pa.s[0].len);
	size_t from = j < lb ? vb[j].at : pb.s[0].len;
	sb_add(&s, pb.s[0].s + from, pb.s[0].len - from);
	sb_free(&pa.s[0]);
	pa.s[0] = s;
	if (f == SMUT_PAIR && below(&r, 2)) {
		sb_free(&pa.s[1]);
		pa.s[1] = pb.s[0];
		pb.s[0] = (struct strbuf){0};
		pa.has_s2 = true;
	}
	free(va);
	free(vb);
	for (int k = 0; k < 2; k++)
		sb_free(&pb.s[k]);
	sb_free(&pb.cuts);
	return parts_join(f, &pa, out, max);
}

size_t smut_havoc(uint8_t *data, size_t size, size_t max, void *arg)
{
	struct rng r = {*(uint64_t *)arg};

	switch (below(&r, 5)) {
	case 0:
		if (size)
			data[below(&r, size)] ^= (uint8_t)(1u << below(&r, 8));
		break;
	case 1:
		if (size)
			data[below(&r, size)] = (uint8_t)below(&r, 256);
		break;
	case 2:
		if (size < max) {
			size_t at = below(&r, size + 1);
			memmove(data + at + 1, data + at, size - at);
			data[at] =
				(uint8_t) " -\r\n0123456789.x"[below(&r, 16)];
			size++;
		}
		break;
	case 3:
		if (size) {
			size_t at = below(&r, size);
			memmove(data + at, data + at + 1, size - at - 1);
			size--;
		}
		break;
	default:
		if (size > 1) {
			size_t from = below(&r, size), to = below(&r, size);
			data[to] = data[from];
		}
		break;
	}
	*(uint64_t *)arg = r.s;
	return size;
}

int smut_format_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "stream") || !strcmp(name, "parse") ||
	    !strcmp(name, "diff"))
		return SMUT_STREAM;
	if (!strcmp(name, "split"))
		return SMUT_SPLIT;
	if (!strcmp(name, "pair") || !strcmp(name, "reentrant"))
		return SMUT_PAIR;
	return -1;
}
