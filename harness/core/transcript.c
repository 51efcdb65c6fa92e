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

static bool full(const struct tr_transcript *t)
{
	return t->nev > 0 && t->ev[t->nev - 1].kind == TR_OVERFLOW;
}

static struct tr_event *add_event(struct tr_transcript *t, enum tr_kind kind)
{
	if (full(t))
		return NULL;
	if (t->nev + 1 >= TR_MAX_EVENTS || t->text.len > TR_MAX_TEXT)
		kind = TR_OVERFLOW;
	t->ev = srh_grow(t->ev, &t->cap, t->nev + 1, sizeof *t->ev);
	struct tr_event *e = &t->ev[t->nev++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->fed = t->fed;
	return kind == TR_OVERFLOW ? NULL : e;
}

static void rec_line(struct srh_recorder *rec, const char *text, size_t len)
{
	struct tr_transcript *t = of(rec);
	uint32_t n = len > TR_MAX_TEXT ? TR_MAX_TEXT : (uint32_t)len;

	if (full(t))
		return;
	if (t->text.len > TR_MAX_TEXT) {
		add_event(t, TR_OVERFLOW);
		return;
	}
	t->line_at = srh_grow(t->line_at, &t->line_cap, t->nlines + 1,
			      sizeof *t->line_at);
	t->line_at[t->nlines++] = t->text.len;
	sb_add(&t->text, &n, sizeof n);
	sb_add(&t->text, text, n);
	t->pending++;
}

static void rec_reply(struct srh_recorder *rec, unsigned code, const char *esc)
{
	struct tr_transcript *t = of(rec);
	struct tr_event *e = add_event(t, TR_REPLY);

	if (!e)
		return;
	e->code = code;
	if (esc) {
		strncpy(e->esc, esc, sizeof e->esc - 1);
		e->esc[sizeof e->esc - 1] = '\0';
	}
	e->nlines = t->pending;
	e->lines_at = t->nlines - t->pending;
	t->pending = 0;
}

static void rec_error(struct srh_recorder *rec, enum srh_error_kind kind,
		      uint64_t offset, const char *detail)
{
	struct tr_transcript *t = of(rec);
	struct tr_event *e = add_event(t, TR_ERROR);

	t->pending = 0;
	if (!e)
		return;
	e->err = kind;
	e->offset = offset;
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
}

void tr_free(struct tr_transcript *t)
{
	free(t->ev);
	free(t->line_at);
	sb_free(&t->text);
	sb_free(&t->detail);
	tr_init(t);
}

void tr_clear(struct tr_transcript *t)
{
	t->nev = 0;
	t->nlines = 0;
	t->pending = 0;
	t->fed = 0;
	sb_clear(&t->text);
	sb_clear(&t->detail);
}

struct tr_mark tr_mark(const struct tr_transcript *t)
{
	struct tr_mark m = {t->nev, t->text.len, t->nlines, t->pending};
	return m;
}

void tr_truncate(struct tr_transcript *t, struct tr_mark m)
{
	t->nev = m.nev;
	t->text.len = m.text_len;
	if (t->text.s)
		t->text.s[m.text_len] = '\0';
	t->nlines = m.nlines;
	t->pending = m.pending;
}

const char *tr_line(const struct tr_transcript *t, const struct tr_event *e,
		    size_t i, size_t *len)
{
	size_t at = t->line_at[e->lines_at + i];
	uint32_t n;

	memcpy(&n, t->text.s + at, sizeof n);
	*len = n;
	return t->text.s + at + sizeof n;
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

static void format_tag(struct strbuf *out, uint64_t fed)
{
	if (fed == TR_FED_EOF)
		sb_adds(out, " fed=eof");
	else
		sb_addf(out, " fed=%llu", (unsigned long long)fed);
}

void tr_format(const struct tr_transcript *t, struct strbuf *out,
	       bool with_tags)
{
	sb_adds(out, "");
	for (size_t i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];
		switch (e->kind) {
		case TR_REPLY:
			sb_addf(out, "reply %03u esc=%s", e->code,
				e->esc[0] ? e->esc : "-");
			break;
		case TR_ERROR:
			sb_addf(out, "error %s", tr_error_kind_name(e->err));
			if (e->offset == SRH_OFFSET_UNKNOWN)
				sb_adds(out, " @?");
			else
				sb_addf(out, " @%llu",
					(unsigned long long)e->offset);
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
		for (size_t l = 0; e->kind == TR_REPLY && l < e->nlines; l++) {
			size_t len;
			const char *s = tr_line(t, e, l, &len);
			sb_adds(out, "  \"");
			sb_add_escaped(out, s, len);
			sb_adds(out, "\"\n");
		}
	}
}

static bool same_event(const struct tr_transcript *a, const struct tr_event *x,
		       const struct tr_transcript *b, const struct tr_event *y)
{
	if (x->kind != y->kind)
		return false;
	if (x->kind == TR_ERROR)
		return x->err == y->err && x->offset == y->offset;
	if (x->kind != TR_REPLY)
		return true;
	if (x->code != y->code || strcmp(x->esc, y->esc) != 0 ||
	    x->nlines != y->nlines)
		return false;
	for (size_t l = 0; l < x->nlines; l++) {
		size_t n1, n2;
		const char *s1 = tr_line(a, x, l, &n1);
		const char *s2 = tr_line(b, y, l, &n2);
		if (n1 != n2 || memcmp(s1, s2, n1) != 0)
			return false;
	}
	return true;
}

bool tr_event_equal(const struct tr_transcript *a, size_t i,
		    const struct tr_transcript *b, size_t j)
{
	return same_event(a, &a->ev[i], b, &b->ev[j]);
}

bool tr_equal(const struct tr_transcript *a, const struct tr_transcript *b)
{
	if (a->nev != b->nev)
		return false;
	for (size_t i = 0; i < a->nev; i++)
		if (!same_event(a, &a->ev[i], b, &b->ev[i]))
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

void tr_serialize(const struct tr_transcript *t, struct strbuf *out)
{
	size_t h[3] = {t->nev, t->nlines, t->text.len};

	sb_add(out, h, sizeof h);
	sb_add(out, t->ev, t->nev * sizeof *t->ev);
	sb_add(out, t->line_at, t->nlines * sizeof *t->line_at);
	sb_add(out, t->text.s, t->text.len);
}

static bool take(const char **p, const char *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(dst, *p, n);
	*p += n;
	return true;
}

/* Every index and length in range: the events came from a child the
 * subject ran in, and tr_format or tr_line will follow them. */
static bool well_formed(const struct tr_transcript *t)
{
	for (size_t i = 0; i < t->nlines; i++) {
		uint32_t n;
		size_t at = t->line_at[i];
		if (at > t->text.len || t->text.len - at < sizeof n)
			return false;
		memcpy(&n, t->text.s + at, sizeof n);
		if (n > t->text.len - at - sizeof n)
			return false;
	}
	for (size_t i = 0; i < t->nev; i++) {
		const struct tr_event *e = &t->ev[i];
		if ((unsigned)e->kind > TR_OVERFLOW ||
		    memchr(e->esc, '\0', sizeof e->esc) == NULL)
			return false;
		if (e->kind == TR_REPLY &&
		    (e->lines_at > t->nlines ||
		     e->nlines > t->nlines - e->lines_at))
			return false;
		if (e->kind == TR_ERROR &&
		    (unsigned)e->err > SRH_ERROR_TRUNCATED)
			return false;
	}
	return true;
}

bool tr_deserialize(struct tr_transcript *t, const char **p, const char *end)
{
	size_t h[3];

	tr_clear(t);
	if (!take(p, end, h, sizeof h))
		return false;
	/* The bytes come from a child process: check the counts first. */
	size_t left = (size_t)(end - *p);
	if (h[0] > left / sizeof *t->ev || h[1] > left / sizeof *t->line_at ||
	    h[2] > left)
		return false;
	t->ev = srh_grow(t->ev, &t->cap, h[0] + 1, sizeof *t->ev);
	t->line_at = srh_grow(t->line_at, &t->line_cap, h[1] + 1,
			      sizeof *t->line_at);
	if (!take(p, end, t->ev, h[0] * sizeof *t->ev) ||
	    !take(p, end, t->line_at, h[1] * sizeof *t->line_at) ||
	    (size_t)(end - *p) < h[2])
		return false;
	t->nev = h[0];
	t->nlines = h[1];
	sb_add(&t->text, *p, h[2]);
	*p += h[2];
	if (!well_formed(t)) {
		tr_clear(t);
		return false;
	}
	return true;
}
