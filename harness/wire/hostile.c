/*
 * hostile.c - see hostile.h.
 */
#include "hostile.h"
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator.h"
#include "schedule.h"

static const struct {
	const char *name;
	unsigned weight;
} kinds[HK_COUNT] = {
#define HOSTILE_KIND_ROW(id, name, weight) {name, weight},
	HOSTILE_KINDS(HOSTILE_KIND_ROW)
#undef HOSTILE_KIND_ROW
};

static const struct {
	const char *verb;
	unsigned code;
	size_t chain; /* its place in the verb's chain of replies */
} slots[HS_COUNT] = {
#define HOSTILE_SLOT_ROW(id, verb, code, chain) {verb, code, chain},
	HOSTILE_SLOTS(HOSTILE_SLOT_ROW)
#undef HOSTILE_SLOT_ROW
};

const char *hostile_kind_name(enum hostile_kind k)
{
	return k < HK_COUNT ? kinds[k].name : "?";
}

const char *hostile_slot_name(enum hostile_slot s)
{
	if (s >= HS_COUNT)
		return "?";
	/* The verb, and which RCPT where there are two. */
	return s == HS_RCPT2 ? "RCPT#2" : slots[s].verb;
}

/* ---- drawing ----------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	/* splitmix64: seeds for sessions and deviations far apart. */
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static bool applies(enum hostile_kind k, enum hostile_slot s, size_t nrcpt)
{
	if (s == HS_RCPT2 && nrcpt < 2)
		return false;
	switch (k) {
	case HK_EARLY:
		return s != HS_GREETING;
	case HK_CUT:
		/* Scenario cuts apply to a verb's first reply. */
		return s != HS_RCPT2;
	default:
		return true;
	}
}

void hostile_draw(struct hostile_session *h, uint64_t seed, unsigned index)
{
	uint64_t rng = mix(seed ^ mix(index));
	unsigned total = 0;

	memset(h, 0, sizeof *h);
	h->seed = seed;
	h->index = index;
	h->nrecipients = 1 + sched_rand_below(&rng, 2);
	for (int k = 0; k < HK_COUNT; k++)
		total += kinds[k].weight;
	size_t n = 1 + sched_rand_below(&rng, 4);
	while (h->ndev < n) {
		unsigned w = (unsigned)sched_rand_below(&rng, total);
		enum hostile_kind k = HK_REPLY;
		while (w >= kinds[k].weight)
			w -= kinds[k++].weight;
		enum hostile_slot s =
			(enum hostile_slot)sched_rand_below(&rng, HS_COUNT);
		if (!applies(k, s, h->nrecipients))
			continue;
		struct hostile_deviation *d = &h->dev[h->ndev++];
		d->kind = k;
		d->slot = s;
		d->seed = sched_rand(&rng);
	}
}

void hostile_without(const struct hostile_session *h, size_t i,
		     struct hostile_session *out)
{
	*out = *h;
	if (i >= h->ndev)
		return;
	memmove(&out->dev[i], &out->dev[i + 1],
		(h->ndev - i - 1) * sizeof out->dev[0]);
	out->ndev--;
}

/* ---- building ---------------------------------------------------------- */

struct build {
	const struct hostile_session *h;
	struct scn *s;
	struct strbuf *desc, *key;
};

static struct scn_verb *verb_of(struct scn *s, enum hostile_slot slot)
{
	return (struct scn_verb *)scn_find(s, slots[slot].verb,
					   strlen(slots[slot].verb));
}

static struct strbuf *reply_of(struct scn *s, enum hostile_slot slot)
{
	if (slot == HS_GREETING)
		return &s->greeting;
	return &verb_of(s, slot)->reply[slots[slot].chain];
}

/* The slot whose reply comes before slot's in the dialogue. */
static enum hostile_slot before(const struct hostile_session *h,
				enum hostile_slot slot)
{
	if (slot == HS_DATA)
		return h->nrecipients == 2 ? HS_RCPT2 : HS_RCPT1;
	return (enum hostile_slot)(slot - 1);
}

static void say(struct build *b, const struct hostile_deviation *d,
		const char *detail, const char *key_detail)
{
	if (b->desc) {
		if (b->desc->len)
			sb_adds(b->desc, "; ");
		sb_addf(b->desc, "%s %s%s%s", kinds[d->kind].name,
			hostile_slot_name(d->slot), *detail ? ": " : "",
			detail);
	}
	if (b->key) {
		if (b->key->len)
			sb_adds(b->key, ", ");
		sb_addf(b->key, "%s %s%s%s", kinds[d->kind].name,
			hostile_slot_name(d->slot), *key_detail ? " " : "",
			key_detail);
	}
}

/* One reply from the generator, with every line's code made code (a
 * defect in the code itself stays, but is kept unlike code). */
static enum gen_defect generated_reply(struct gen_source *src, unsigned code,
				       unsigned defect_pct, bool ehlo,
				       struct strbuf *out, struct strbuf *what)
{
	struct gen_opts o;
	struct gen_stream g = {0};
	char c[8];

	gen_opts_init(&o);
	o.max_replies = 1;
	o.defect_pct = defect_pct;
	/* The end of a connection inside a reply is its own deviation
	 * (close), so that the server hangs up rather than waits. */
	do
		gen_generate(&g, src, &o);
	while (g.defect == GEN_TRUNCATED);
	snprintf(c, sizeof c, "%03u", code);
	struct gen_reply *r = &g.replies[0];
	bool code_defect =
		g.defect == GEN_BAD_DIGIT || g.defect == GEN_CODE_RANGE ||
		g.defect == GEN_SHORT_CODE || g.defect == GEN_LONG_CODE ||
		g.defect == GEN_CODE_MISMATCH;
	for (size_t i = 0; i < r->nlines; i++) {
		struct gen_line *l = &r->lines[i];
		if (code_defect && i == g.defect_line) {
			if (strcmp(l->code, c) == 0) /* a mismatch stays one */
				l->code[2] = (char)(l->code[2] == '9'
							    ? '8'
							    : l->code[2] + 1);
			continue;
		}
		memcpy(l->code, c, 4);
		/* An enhanced status code's class follows the reply's. */
		if (i == 0 && l->text.len > 1 && l->text.s[1] == '.' &&
		    l->text.s[0] >= '2' && l->text.s[0] <= '5')
			l->text.s[0] = c[0];
		/* Extensions nobody knows, so that a client does not try
		 * SIZE, AUTH or STARTTLS because of a random word. */
		if (ehlo && i > 0 && l->text.len) {
			struct strbuf t = {0};
			sb_adds(&t, "X-");
			sb_add(&t, l->text.s, l->text.len);
			sb_free(&l->text);
			l->text = t;
			/* ...within the line limit, unless over it is the
			 * defect: "250-" + text + CRLF. */
			bool long_one =
				g.defect == GEN_LONG_LINE && i == g.defect_line;
			if (!long_one && l->text.len > GEN_MAX_LINE - 6) {
				l->text.len = GEN_MAX_LINE - 6;
				l->text.s[l->text.len] = '\0';
			}
		}
	}
	gen_serialize(&g, out);
	gen_describe(&g, what);
	enum gen_defect d = g.defect;
	gen_free(&g);
	return d;
}

static void dev_reply(struct build *b, const struct hostile_deviation *d,
		      struct gen_source *src)
{
	/* A quarter of them refuse, where a refusal means something. */
	static const unsigned refusals[HS_COUNT][3] = {
		[HS_GREETING] = {554, 421, 554}, [HS_MAIL] = {550, 451, 553},
		[HS_RCPT1] = {550, 450, 551},	 [HS_RCPT2] = {550, 452, 553},
		[HS_DATA] = {554, 451, 503},	 [HS_DOT] = {550, 451, 552},
	};
	unsigned code = slots[d->slot].code;
	if (refusals[d->slot][0] && gen_draw(src, 4) == 0)
		code = refusals[d->slot][gen_draw(src, 3)];
	struct strbuf *r = reply_of(b->s, d->slot), what = {0}, detail = {0};
	sb_clear(r);
	enum gen_defect def =
		generated_reply(src, code, 40, d->slot == HS_EHLO, r, &what);
	sb_addf(&detail, "%u, %s", code, sb_str(&what));
	struct strbuf key = {0};
	sb_addf(&key, "%ux %s", code / 100,
		def == GEN_NONE ? "valid" : gen_defect_name(def));
	say(b, d, sb_str(&detail), sb_str(&key));
	sb_free(&what);
	sb_free(&detail);
	sb_free(&key);
}

/* Where a reply's last line's text ends: before its CRLF or LF. */
static size_t last_text_end(const struct strbuf *r)
{
	size_t n = r->len;
	if (n && r->s[n - 1] == '\n')
		n--;
	if (n && r->s[n - 1] == '\r')
		n--;
	return n;
}

static void dev_utf8(struct build *b, const struct hostile_deviation *d,
		     struct gen_source *src)
{
	static const char *const words[] = {
		"Gr\303\274\303\237e", /* Gruesse: octal, as \x would eat the e
					*/
		"na\xc3\xafve",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		"\xe2\x9c\x93",
		"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
		"\xf0\x9f\x98\x80",
		"\xc3\x9f",
	};
	struct strbuf *r = reply_of(b->s, d->slot), t = {0};
	size_t at = last_text_end(r), n = 1 + gen_draw(src, 3);

	sb_add(&t, sb_str(r), at);
	for (size_t i = 0; i < n; i++) {
		sb_adds(&t, " ");
		sb_adds(&t, words[gen_draw(src, sizeof words / sizeof *words)]);
	}
	sb_add(&t, sb_str(r) + at, r->len - at);
	sb_free(r);
	*r = t;
	say(b, d, "UTF-8 text in its last line", "");
}

static void dev_extra(struct build *b, const struct hostile_deviation *d,
		      struct gen_source *src)
{
	static const char *const junk[] = {"\r\n", "\n", "   \r\n", "250\r\n",
					   "\0\r\n"};
	struct strbuf *r = reply_of(b->s, d->slot), what = {0}, detail = {0};
	size_t pick = gen_draw(src, 10);
	const char *key;

	if (pick < 5) {
		static const unsigned codes[] = {250, 220, 354, 550, 421};
		unsigned code = codes[gen_draw(src, 5)];
		enum gen_defect def =
			generated_reply(src, code, 30, false, r, &what);
		sb_addf(&detail, "a reply more, %u, %s", code, sb_str(&what));
		key = def == GEN_NONE ? "a reply" : "a bad reply";
	} else if (pick < 7) {
		/* The same reply twice, as a confused proxy sends it. */
		struct strbuf copy = {0};
		sb_add(&copy, sb_str(r), r->len);
		sb_add(r, sb_str(&copy), copy.len);
		sb_free(&copy);
		sb_adds(&detail, "the reply again");
		key = "the reply again";
	} else {
		size_t j = gen_draw(src, sizeof junk / sizeof *junk);
		size_t len = j == 4 ? 3 : strlen(junk[j]);
		sb_add(r, junk[j], len);
		sb_adds(&detail, "\"");
		sb_add_escaped(&detail, junk[j], len);
		sb_adds(&detail, "\"");
		key = "bytes";
	}
	say(b, d, sb_str(&detail), key);
	sb_free(&what);
	sb_free(&detail);
}

static void dev_early(struct build *b, const struct hostile_deviation *d)
{
	struct strbuf *r = reply_of(b->s, d->slot);
	struct strbuf *prev = reply_of(b->s, before(b->h, d->slot));

	/* Sent with the reply before it; its command then gets nothing. */
	sb_add(prev, sb_str(r), r->len);
	sb_clear(r);
	say(b, d, "sent with the reply before it", "");
}

static void dev_close(struct build *b, const struct hostile_deviation *d,
		      struct gen_source *src)
{
	struct strbuf *r = reply_of(b->s, d->slot), detail = {0};
	size_t keep = r->len ? gen_draw(src, r->len) : 0;

	r->len = keep;
	if (r->s)
		r->s[keep] = '\0';
	if (d->slot == HS_GREETING)
		b->s->greeting_close = true;
	else
		verb_of(b->s, d->slot)->close_after = slots[d->slot].chain + 1;
	sb_addf(&detail, "hangs up after %zu bytes of it", keep);
	say(b, d, sb_str(&detail), keep ? "inside" : "before");
	sb_free(&detail);
}

static void dev_cut(struct build *b, const struct hostile_deviation *d,
		    struct gen_source *src)
{
	static const uint16_t pauses[] = {0, 10, 50, 200};
	struct strbuf *r = reply_of(b->s, d->slot);
	struct sched *cuts = d->slot == HS_GREETING
				     ? &b->s->greeting_cuts
				     : &verb_of(b->s, d->slot)->cuts;
	struct strbuf detail = {0};

	if (r->len < 2) {
		say(b, d, "none: the reply is too short", "");
		return;
	}
	uint32_t *pts = srh_zalloc(r->len + 1, sizeof *pts);
	size_t n = sched_interesting((const unsigned char *)r->s, r->len, pts,
				     r->len);
	/* Inside a UTF-8 character, too. */
	for (size_t i = 1; i < r->len && n < r->len; i++)
		if (((unsigned char)r->s[i] & 0xC0) == 0x80)
			pts[n++] = (uint32_t)i;
	uint32_t at = n ? pts[gen_draw(src, n)] : 1;
	uint16_t pause = pauses[gen_draw(src, 4)];
	free(pts);
	sched_add(cuts, at, pause, false);
	sched_normalize(cuts);
	sb_addf(&detail, "%u@%u", at, pause);
	say(b, d, sb_str(&detail), "");
	sb_free(&detail);
}

static void build_into(const struct hostile_session *h, struct scn *s,
		       struct strbuf *desc, struct strbuf *key)
{
	struct build b = {h, s, desc, key};

	scn_init(s);
	snprintf(s->name, sizeof s->name, "gen-%llu-%u",
		 (unsigned long long)h->seed, h->index);
	if (h->nrecipients == 2) {
		snprintf(s->recipients[1], sizeof s->recipients[1],
			 "c@example.com");
		s->nrecipients = 2;
		struct scn_verb *rcpt = verb_of(s, HS_RCPT1);
		sb_adds(&rcpt->reply[1], sb_str(&rcpt->reply[0]));
		rcpt->nreplies = 2;
	}
	s->idle_ms = HOSTILE_IDLE_MS;
	/* In an order where each kind sees what the kinds before it made:
	 * replies, then what goes between them, then cuts. */
	static const enum hostile_kind order[] = {HK_REPLY, HK_UTF8,  HK_EXTRA,
						  HK_EARLY, HK_CLOSE, HK_CUT};
	for (size_t o = 0; o < sizeof order / sizeof *order; o++)
		for (size_t i = 0; i < h->ndev; i++) {
			const struct hostile_deviation *d = &h->dev[i];
			struct gen_source src;
			if (d->kind != order[o])
				continue;
			gen_source_seed(&src, d->seed);
			switch (d->kind) {
			case HK_REPLY:
				dev_reply(&b, d, &src);
				break;
			case HK_UTF8:
				dev_utf8(&b, d, &src);
				break;
			case HK_EXTRA:
				dev_extra(&b, d, &src);
				break;
			case HK_EARLY:
				dev_early(&b, d);
				break;
			case HK_CLOSE:
				dev_close(&b, d, &src);
				break;
			case HK_CUT:
				dev_cut(&b, d, &src);
				break;
			case HK_COUNT:
				break;
			}
		}
}

void hostile_build(const struct hostile_session *h, struct scn *out,
		   struct strbuf *desc)
{
	struct strbuf d = {0};

	build_into(h, out, &d, NULL);
	sb_adds(&out->about, "generated: ");
	sb_adds(&out->about, d.len ? sb_str(&d) : "no deviation");
	if (desc)
		sb_add(desc, sb_str(&d), d.len);
	sb_free(&d);
}

void hostile_key(const struct hostile_session *h, struct strbuf *out)
{
	struct scn s;

	build_into(h, &s, NULL, out);
	scn_free(&s);
	if (!h->ndev)
		sb_adds(out, "no deviation");
}
