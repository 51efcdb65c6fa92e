/*
 * channel.c - the child's side of the parent/child channel: what step it
 * is on (the sandbox's "current" text, read back if it dies), and its
 * verdict as one typed record (channel.h) that the parent validates.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "check_impl.h"

void chk_set_current(struct chk_ctx *c, const char *kind, const struct sched *s,
		     long prefix)
{
	/* Called before every schedule: a stack buffer, no allocation. */
	char cur[SBX_CURRENT_MAX];
	size_t size = sizeof cur;
	size_t n = strlen(kind);

	memcpy(cur, kind, n < size ? n : 0);
	if (s && n + 1 >= size)
		n = size; /* too long: never a step without its schedule */
	else if (s) {
		cur[n++] = ' ';
		n += sched_format_buf(s, cur + n, size - n);
	}
	if (prefix >= 0 && n < size)
		n += (size_t)snprintf(cur + n, size - n, " %ld", prefix);
	sbx_set_current(c->sh, cur, n);
}

/* ---- the record ---------------------------------------------------------
 */

#define REC_MAGIC 0x73726872u /* "srhr": not a stray zeroed area */
#define REC_TEXTS 5

struct rec_head {
	uint32_t magic;
	int32_t oracle;
	int64_t prefix;
	uint64_t len[REC_TEXTS];
};

void chk_record_init(struct chk_record *r)
{
	memset(r, 0, sizeof *r);
	r->oracle = CHK_O_COUNT;
	r->prefix = -1;
}

void chk_record_free(struct chk_record *r)
{
	sb_free(&r->sched);
	sb_free(&r->expected);
	sb_free(&r->actual);
	sb_free(&r->detail);
	sb_free(&r->stream);
	chk_record_init(r);
}

static const char cut_note[] = " [cut: too long for the result area]";

bool chk_record_put(struct sbx_shared *sh, const struct chk_record *r)
{
	const struct strbuf *text[REC_TEXTS] = {
		&r->sched, &r->expected, &r->actual, &r->detail, &r->stream};
	struct rec_head h = {REC_MAGIC, (int32_t)r->oracle, r->prefix, {0}};
	size_t keep[REC_TEXTS], note[REC_TEXTS] = {0};
	size_t room = sh->result_cap - sh->result_len;
	int order[REC_TEXTS];

	if (sh->result_len > sh->result_cap || room < sizeof h)
		return false;
	room -= sizeof h;
	/* Shortest first, each taking at most a fair share of what is left:
	 * a long transcript is cut, the schedule and the detail survive. */
	for (int i = 0; i < REC_TEXTS; i++) {
		int j = i;
		for (; j > 0 && text[order[j - 1]]->len > text[i]->len; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (int k = 0; k < REC_TEXTS; k++) {
		int i = order[k];
		size_t share = room / (size_t)(REC_TEXTS - k);
		keep[i] = text[i]->len;
		if (keep[i] > share) {
			note[i] = share < sizeof cut_note - 1
					  ? share
					  : sizeof cut_note - 1;
			keep[i] = share - note[i];
		}
		h.len[i] = keep[i] + note[i];
		room -= h.len[i];
	}
	sbx_put(sh, &h, sizeof h);
	for (int i = 0; i < REC_TEXTS; i++) {
		if (keep[i]) /* s may be NULL when empty */
			sbx_put(sh, text[i]->s, keep[i]);
		sbx_put(sh, cut_note, note[i]);
	}
	return true;
}

enum chk_record_read chk_record_get(const struct sbx_shared *sh,
				    struct chk_record *r)
{
	struct strbuf *text[REC_TEXTS] = {&r->sched, &r->expected, &r->actual,
					  &r->detail, &r->stream};
	const char *p, *end;
	struct rec_head h;

	chk_record_init(r);
	if (!sbx_result_view(sh, &p, &end))
		return CHK_REC_BAD;
	size_t len = (size_t)(end - p);
	if (len == 0)
		return CHK_REC_NONE;
	if (len < sizeof h)
		return CHK_REC_BAD;
	memcpy(&h, p, sizeof h);
	if (h.magic != REC_MAGIC || h.oracle < 0 || h.oracle > CHK_O_COUNT ||
	    h.prefix < -1)
		return CHK_REC_BAD;
	size_t at = sizeof h;
	for (int i = 0; i < REC_TEXTS; i++) {
		if (h.len[i] > len - at)
			return CHK_REC_BAD;
		at += h.len[i];
	}
	r->oracle = (enum chk_oracle)h.oracle;
	r->prefix = (long)h.prefix;
	at = sizeof h;
	for (int i = 0; i < REC_TEXTS; i++) {
		sb_add(text[i], p + at, h.len[i]);
		at += h.len[i];
	}
	return CHK_REC_OK;
}

/* The child's failure, with the transcripts formatted for the parent. */
void chk_report(struct chk_ctx *c, enum chk_oracle oracle,
		const struct sched *s, long prefix,
		const struct tr_transcript *actual, const char *expected,
		const char *detail)
{
	struct chk_record r;
	bool tags = chk_oracle_tags(oracle);

	chk_record_init(&r);
	r.oracle = oracle;
	r.prefix = prefix;
	if (s)
		sched_format(s, &r.sched);
	tr_format(actual, &r.actual, tags);
	if (expected)
		sb_adds(&r.expected, expected);
	else
		chk_format_expected(c, s, tags, &r.expected);
	sb_adds(&r.detail, detail ? detail : "");
	chk_record_put(c->sh, &r);
	chk_record_free(&r);
}

void chk_report_stream(struct chk_ctx *c, enum chk_oracle oracle,
		       const unsigned char *stream, size_t n,
		       const char *detail)
{
	struct chk_record r;

	chk_record_init(&r);
	r.oracle = oracle;
	sb_add(&r.stream, stream, n);
	sb_adds(&r.detail, detail);
	chk_record_put(c->sh, &r);
	chk_record_free(&r);
}
