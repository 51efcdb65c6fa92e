/*
 * transcript.c - see transcript.h.
 */
#include "transcript.h"
#include "alloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static struct tr_transcript *of(struct srh_recorder *rec)
{
	return (struct tr_transcript *)((char *)rec -
					offsetof(struct tr_transcript, rec));
}

bool tr_overflowed(const struct tr_transcript *t)
{
	return t->nev > 0 && t->ev[t->nev - 1].kind == TR_OVERFLOW;
}

static struct tr_event *add_event(struct tr_transcript *t, enum tr_kind kind)
{
	if (tr_overflowed(t))
		return NULL;
	if (t->nev + 1 >= t->max_events || t->text.len > t->max_text)
		kind = TR_OVERFLOW;
	t->ev = srh_grow(t->ev, &t->cap, t->nev + 1, sizeof *t->ev);
	struct tr_event *e = &t->ev[t->nev++];
	memset(e, 0, sizeof *e);
	e->kind = (uint8_t)kind;
	e->fed = t->fed;
	return kind == TR_OVERFLOW ? NULL : e;
}

/* A text record: its length as a varint (7 bits a byte, low first), then
 * its bytes. Most lines are short: one byte of overhead. */
static void add_record(struct tr_transcript *t, const char *s, size_t n)
{
	unsigned char len[10];
	size_t k = 0, v = n;

	do {
		len[k++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	sb_add(&t->text, len, k);
	sb_add(&t->text, s, n);
}

/* The record at *at: its bytes and length, *at moved past it. The
 * records were checked when read (tr_deserialize) or written here. */
static const char *take_record(const struct tr_transcript *t, size_t *at,
			       size_t *len)
{
	const unsigned char *p = (const unsigned char *)t->text.s + *at;
	size_t v = 0, k = 0;

	do
		v |= (size_t)(p[k] & 0x7f) << (7 * k);
	while (p[k++] & 0x80);
	*len = v;
	*at += k + v;
	return (const char *)p + k;
}

static void rec_line(struct srh_recorder *rec, const char *text, size_t len)
{
	struct tr_transcript *t = of(rec);

	if (tr_overflowed(t))
		return;
	if (t->text.len + len > t->max_text) {
		add_event(t, TR_OVERFLOW);
		return;
	}
	if (t->pending == 0)
		t->pending_at = t->text.len;
	add_record(t, text, len);
	t->pending++;
}

static void rec_reply(struct srh_recorder *rec, unsigned code, const char *esc)
{
	struct tr_transcript *t = of(rec);
	size_t at = t->pending ? t->pending_at : t->text.len;
	size_t n = t->pending;
	size_t elen = 0;

	while (esc && elen < 256 && esc[elen]) /* a subject's: bounded */
		elen++;

	t->pending = 0;
	/* its esc after its lines: the text store is never past 4 GiB */
	if (t->text.len + elen > t->max_text || t->text.len > UINT32_MAX / 2) {
		add_event(t, TR_OVERFLOW);
		return;
	}
	struct tr_event *e = add_event(t, TR_REPLY);
	if (!e)
		return;
	e->code = code;
	e->text_at = (uint32_t)at;
	e->nlines = (uint32_t)n;
	add_record(t, esc ? esc : "", elen);
}

static void rec_error(struct srh_recorder *rec, enum srh_error_kind kind,
		      uint64_t offset, const char *detail)
{
	struct tr_transcript *t = of(rec);
	struct tr_event *e = add_event(t, TR_ERROR);

	t->pending = 0;
	if (!e)
		return;
	e->err = (uint8_t)kind;
	e->off[0] = (uint32_t)offset;
	e->off[1] = (uint32_t)(offset >> 32);
	if (t->detail.len == 0 && detail)
		sb_adds(&t->detail, detail);
}

static void rec_end(struct srh_recorder *rec)
{
	struct tr_transcript *t = of(rec);

	t->pending = 0;
	add_event(t, TR_END);
}

void tr_init(struct tr_transcript *t)
{
	memset(t, 0, sizeof *t);
	t->rec.line = rec_line;
	t->rec.reply = rec_reply;
	t->rec.error = rec_error;
	t->rec.end = rec_end;
	t->max_events = TR_MAX_EVENTS;
	t->max_text = TR_MAX_TEXT;
}

void tr_fit(struct tr_transcript *t, size_t n)
{
	/* An event per byte and an end; each byte's text and a record's
	 * length, twice over. */
	size_t events = n < SIZE_MAX - 2 ? n + 2 : SIZE_MAX;
	size_t text = n < (SIZE_MAX - 64) / 2 ? 2 * n + 64 : SIZE_MAX;
	t->max_events = events > TR_MAX_EVENTS ? events : TR_MAX_EVENTS;
	t->max_text = text > TR_MAX_TEXT ? text : TR_MAX_TEXT;
}

void tr_free(struct tr_transcript *t)
{
	free(t->ev);
	sb_free(&t->text);
	sb_free(&t->detail);
	tr_init(t);
}

void tr_clear(struct tr_transcript *t)
{
	t->nev = 0;
	t->pending = 0;
	t->pending_at = 0;
	t->fed = 0;
	sb_clear(&t->text);
	sb_clear(&t->detail);
}

struct tr_mark tr_mark(const struct tr_transcript *t)
{
	struct tr_mark m = {t->nev, t->text.len, t->pending, t->pending_at};
	return m;
}

void tr_truncate(struct tr_transcript *t, struct tr_mark m)
{
	t->nev = m.nev;
	t->text.len = m.text_len;
	if (t->text.s)
		t->text.s[m.text_len] = '\0';
	t->pending = m.pending;
	t->pending_at = m.pending_at;
}

size_t tr_lines(const struct tr_transcript *t, const struct tr_event *e)
{
	(void)t;
	return e->text_at;
}

const char *tr_next_line(const struct tr_transcript *t, size_t *at, size_t *len)
{
	return take_record(t, at, len);
}

const char *tr_esc(const struct tr_transcript *t, const struct tr_event *e,
		   size_t *len)
{
	size_t at = e->text_at;
	for (uint32_t l = 0; l < e->nlines; l++)
		take_record(t, &at, len);
	return take_record(t, &at, len);
}

const char *tr_error_kind_name(enum srh_error_kind k)
{
	switch (k) {
	case SRH_ERROR_SYNTAX:
		return "syntax";
	case SRH_ERROR_LIMIT:
		return "limit";
	case SRH_ERROR_TRUNCATED:
		return "truncated";
	}
	return "unknown";
}

static void format_tag(struct strbuf *out, uint32_t fed)
{
	if (fed == TR_FED_EOF)
		sb_adds(out, " fed=eof");
	else
		sb_addf(out, " fed=%llu", (unsigned long long)fed);
}

/* Reply e's lines, each as '  "text"' on a line of its own. */
static void format_lines(const struct tr_transcript *t,
			 const struct tr_event *e, struct strbuf *out)
{
	size_t at = tr_lines(t, e), len;

	for (uint32_t l = 0; l < e->nlines; l++) {
		const char *s = tr_next_line(t, &at, &len);
		sb_adds(out, "  \"");
		sb_add_escaped(out, s, len);
		sb_adds(out, "\"\n");
	}
}

void tr_format(const struct tr_transcript *t, struct strbuf *out,
	       bool with_tags)
{
	sb_adds(out, "");
	for (size_t i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];
		size_t elen;
		const char *esc;
		switch (e->kind) {
		case TR_REPLY:
			esc = tr_esc(t, e, &elen);
			sb_addf(out, "reply %03u esc=", e->code);
			if (elen)
				sb_add_escaped(out, esc, elen);
			else
				sb_adds(out, "-");
			break;
		case TR_ERROR:
			sb_addf(out, "error %s", tr_error_kind_name(e->err));
			if (tr_offset(e) == SRH_OFFSET_UNKNOWN)
				sb_adds(out, " @?");
			else
				sb_addf(out, " @%llu",
					(unsigned long long)tr_offset(e));
			break;
		case TR_END:
			sb_adds(out, "end");
			break;
		case TR_OVERFLOW:
			sb_adds(out,
				"overflow (too many events or too much text)");
			break;
		}
		if (with_tags)
			format_tag(out, e->fed);
		sb_adds(out, "\n");
		if (e->kind == TR_REPLY)
			format_lines(t, e, out);
	}
}

static bool same_event(const struct tr_transcript *a, const struct tr_event *x,
		       const struct tr_transcript *b, const struct tr_event *y,
		       bool esc)
{
	if (x->kind != y->kind)
		return false;
	if (x->kind == TR_ERROR)
		return x->err == y->err && tr_offset(x) == tr_offset(y);
	if (x->kind != TR_REPLY)
		return true;
	if (x->code != y->code || x->nlines != y->nlines)
		return false;
	size_t p = tr_lines(a, x), q = tr_lines(b, y), n1, n2;
	for (uint32_t l = 0; l <= x->nlines; l++) { /* the lines, then esc */
		const char *s1 = take_record(a, &p, &n1);
		const char *s2 = take_record(b, &q, &n2);
		if (l == x->nlines && !esc)
			break;
		if (n1 != n2 || memcmp(s1, s2, n1) != 0)
			return false;
	}
	return true;
}

bool tr_event_equal(const struct tr_transcript *a, size_t i,
		    const struct tr_transcript *b, size_t j)
{
	return same_event(a, &a->ev[i], b, &b->ev[j], true);
}

bool tr_event_match(const struct tr_transcript *a, size_t i,
		    const struct tr_transcript *b, size_t j, bool esc)
{
	return same_event(a, &a->ev[i], b, &b->ev[j], esc);
}

bool tr_equal(const struct tr_transcript *a, const struct tr_transcript *b)
{
	if (a->nev != b->nev)
		return false;
	for (size_t i = 0; i < a->nev; i++)
		if (!same_event(a, &a->ev[i], b, &b->ev[i], true))
			return false;
	return true;
}

size_t tr_replies(const struct tr_transcript *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nev; i++)
		n += t->ev[i].kind == TR_REPLY;
	return n;
}

const struct tr_event *tr_last(const struct tr_transcript *t)
{
	return t->nev ? &t->ev[t->nev - 1] : NULL;
}

bool tr_serialize(const struct tr_transcript *t,
		  bool (*put)(void *arg, const void *p, size_t n), void *arg)
{
	size_t h[2] = {t->nev, t->text.len};

	return put(arg, h, sizeof h) &&
	       put(arg, t->ev, t->nev * sizeof *t->ev) &&
	       put(arg, t->text.s, t->text.len);
}

static bool take(const char **p, const char *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(dst, *p, n);
	*p += n;
	return true;
}

/* The record at *at lies inside the text; *at moved past it. */
static bool record_fits(const struct tr_transcript *t, size_t *at)
{
	const unsigned char *s = (const unsigned char *)t->text.s;
	size_t v = 0, k = 0, n = t->text.len;

	for (;;) {
		if (*at + k >= n || k >= 9)
			return false;
		unsigned char c = s[*at + k];
		v |= (size_t)(c & 0x7f) << (7 * k);
		k++;
		if (!(c & 0x80))
			break;
	}
	if (v > n - *at - k)
		return false;
	*at += k + v;
	return true;
}

/* Every index and length in range: the events came from a child the
 * subject ran in, and tr_format or tr_next_line will follow them. */
static bool well_formed(const struct tr_transcript *t)
{
	for (size_t i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];
		if (e->kind > TR_OVERFLOW)
			return false;
		if (e->kind == TR_ERROR && e->err > SRH_ERROR_TRUNCATED)
			return false;
		if (e->kind != TR_REPLY)
			continue;
		size_t at = e->text_at;
		if (e->nlines > t->text.len)
			return false;
		for (uint32_t l = 0; l <= e->nlines; l++)
			if (!record_fits(t, &at))
				return false;
	}
	return true;
}

/* The header at *p, and counts that fit the bytes left after it. */
static bool header(const char **p, const char *end, size_t h[2])
{
	if (!take(p, end, h, 2 * sizeof *h))
		return false;
	/* The bytes come from a child process: check the counts first. */
	size_t left = (size_t)(end - *p);
	return h[0] <= left / sizeof(struct tr_event) &&
	       h[1] <= left - h[0] * sizeof(struct tr_event);
}

bool tr_deserialize(struct tr_transcript *t, const char **p, const char *end)
{
	size_t h[2];

	tr_clear(t);
	if (!header(p, end, h))
		return false;
	t->ev = srh_grow(t->ev, &t->cap, h[0] + 1, sizeof *t->ev);
	take(p, end, t->ev, h[0] * sizeof *t->ev);
	t->nev = h[0];
	sb_add(&t->text, *p, h[1]);
	*p += h[1];
	if (!well_formed(t)) {
		tr_clear(t);
		return false;
	}
	return true;
}

bool tr_view(struct tr_transcript *t, const char **p, const char *end)
{
	size_t h[2];
	const char *at = *p;

	tr_init(t);
	if (!header(&at, end, h) ||
	    (uintptr_t)at % _Alignof(struct tr_event) != 0)
		return false;
	t->ev = (struct tr_event *)(uintptr_t)at;
	t->nev = h[0];
	at += h[0] * sizeof *t->ev;
	t->text.s = (char *)(uintptr_t)at;
	t->text.len = h[1];
	if (!well_formed(t)) {
		tr_init(t);
		return false;
	}
	*p = at + h[1];
	return true;
}
