/*
 * schedule.c - see schedule.h.
 */
#include "schedule.h"

#include "boundary.h"
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sched_free(struct sched *s)
{
	free(s->cuts);
	memset(s, 0, sizeof *s);
}

void sched_clear(struct sched *s)
{
	s->ncuts = 0;
	s->every = 0;
}

void sched_every(struct sched *s, uint32_t k)
{
	sched_clear(s);
	s->every = k ? k : 1;
}

void sched_bytewise(struct sched *s)
{
	sched_every(s, 1);
}

void sched_expand(struct sched *s, size_t n)
{
	size_t k = s->every;

	if (!k)
		return;
	sched_clear(s);
	for (size_t at = k; at < n; at += k)
		sched_add(s, (uint32_t)at, 0, false);
}

size_t sched_pieces(const struct sched *s, size_t n)
{
	if (s->every)
		return n > 1 ? (n + s->every - 1) / s->every : 1;
	return s->ncuts + 1;
}

size_t sched_ncuts(const struct sched *s, size_t n)
{
	return sched_pieces(s, n) - 1;
}

struct sched_cut sched_piece(const struct sched *s, size_t n, size_t j,
			     size_t *start, size_t *end)
{
	struct sched_cut none = {0};

	if (s->every) {
		size_t k = s->every;
		*start = j * k;
		*end = *start + k < n ? *start + k : n;
		none.at = (uint32_t)*start;
		return none;
	}
	*start = j == 0 ? 0 : s->cuts[j - 1].at;
	*end = j < s->ncuts ? s->cuts[j].at : n;
	return j == 0 ? none : s->cuts[j - 1];
}

void sched_add(struct sched *s, uint32_t at, uint16_t delay_ms, bool idle)
{
	s->cuts = srh_grow(s->cuts, &s->cap, s->ncuts + 1, sizeof *s->cuts);
	struct sched_cut *c = &s->cuts[s->ncuts++];
	c->at = at;
	c->delay_ms = delay_ms;
	c->idle = idle;
}

void sched_copy(struct sched *dst, const struct sched *src)
{
	sched_clear(dst);
	dst->every = src->every;
	for (size_t i = 0; i < src->ncuts; i++)
		sched_add(dst, src->cuts[i].at, src->cuts[i].delay_ms,
			  src->cuts[i].idle);
}

static int by_offset(const void *a, const void *b)
{
	const struct sched_cut *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

void sched_normalize(struct sched *s)
{
	size_t out = 0;

	if (s->ncuts < 2)
		return;
	qsort(s->cuts, s->ncuts, sizeof *s->cuts, by_offset);
	for (size_t i = 0; i < s->ncuts; i++) {
		if (out > 0 && s->cuts[out - 1].at == s->cuts[i].at) {
			struct sched_cut *k = &s->cuts[out - 1];
			if (s->cuts[i].delay_ms > k->delay_ms)
				k->delay_ms = s->cuts[i].delay_ms;
			k->idle |= s->cuts[i].idle;
			continue;
		}
		s->cuts[out++] = s->cuts[i];
	}
	s->ncuts = out;
}

/* Decimal digits of v into out; returns their count. */
static size_t put_uint(char *out, unsigned v)
{
	char rev[10];
	size_t n = 0;

	do
		rev[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

/* Cut i in text form ("12", ",13i", ",30@50") into out, which has room
 * for CUT_TEXT_MAX bytes; returns its length. No printf: the tester
 * formats the schedule it runs before every run. */
#define CUT_TEXT_MAX 24
static size_t cut_text(const struct sched *s, size_t i, char *out)
{
	const struct sched_cut *c = &s->cuts[i];
	size_t n = 0;

	if (i)
		out[n++] = ',';
	n += put_uint(out + n, c->at);
	if (c->idle)
		out[n++] = 'i';
	if (c->delay_ms) {
		out[n++] = '@';
		n += put_uint(out + n, c->delay_ms);
	}
	return n;
}

void sched_format(const struct sched *s, struct strbuf *out)
{
	char cut[CUT_TEXT_MAX];

	if (s->every == 1)
		sb_adds(out, "bytes");
	else if (s->every)
		sb_addf(out, "every:%u", s->every);
	else if (s->ncuts == 0)
		sb_adds(out, "none");
	for (size_t i = 0; i < s->ncuts; i++)
		sb_add(out, cut, cut_text(s, i, cut));
}

size_t sched_format_buf(const struct sched *s, char *out, size_t size)
{
	char cut[CUT_TEXT_MAX];
	size_t len = 0;

	if (s->every > 1)
		return (size_t)snprintf(out, size, "every:%u", s->every);
	if (s->every || s->ncuts == 0)
		return (size_t)snprintf(out, size, s->every ? "bytes" : "none");
	for (size_t i = 0; i < s->ncuts; i++) {
		size_t n = cut_text(s, i, cut);
		if (len < size) /* what fits, as snprintf cuts short */
			memcpy(out + len, cut, n < size - len ? n : size - len);
		len += n;
	}
	if (size > 0)
		out[len < size ? len : size - 1] = '\0';
	return len;
}

static bool parse_uint(const char **p, unsigned long max, unsigned long *v)
{
	const char *s = *p;
	unsigned long x = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		x = x * 10 + (unsigned long)(*s++ - '0');
		if (x > max)
			return false;
	}
	*v = x;
	*p = s;
	return true;
}

bool sched_parse(struct sched *s, const char *text, size_t n,
		 struct strbuf *err)
{
	const char *p = text;

	sched_clear(s);
	if (strcmp(text, "none") == 0 || text[0] == '\0')
		return true;
	if (strcmp(text, "bytes") == 0) {
		sched_bytewise(s);
		return true;
	}
	if (strncmp(text, "every:", 6) == 0) {
		unsigned long k;
		p += 6;
		if (!parse_uint(&p, UINT32_MAX, &k) || *p || k == 0) {
			sb_addf(err, "'%s': every:K needs a piece size K > 0",
				text);
			return false;
		}
		sched_every(s, (uint32_t)k);
		return true;
	}
	for (;;) {
		unsigned long at, delay = 0;
		bool idle = false;
		if (!parse_uint(&p, UINT32_MAX, &at)) {
			sb_addf(err, "cut %zu of '%s': expected an offset",
				s->ncuts + 1, text);
			return false;
		}
		if (at == 0 || at >= n) {
			sb_addf(err, "cut at %lu is outside 1..%zu", at,
				n ? n - 1 : 0);
			return false;
		}
		if (*p == 'i') {
			idle = true;
			p++;
		}
		if (*p == '@' && (p++, !parse_uint(&p, 60000, &delay))) {
			sb_addf(err, "cut at %lu: delay must be 0..60000 ms",
				at);
			return false;
		}
		sched_add(s, (uint32_t)at, (uint16_t)delay, idle);
		if (*p == '\0')
			break;
		if (*p++ != ',') {
			sb_addf(err, "'%s': cuts are separated by commas",
				text);
			return false;
		}
	}
	sched_normalize(s);
	return true;
}

uint64_t sched_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

uint64_t sched_rand_below(uint64_t *state, uint64_t bound)
{
	return sched_rand(state) % bound;
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Did the line that ends just before `at` continue a reply ("250-")? */
static bool continued(const unsigned char *in, size_t at)
{
	size_t start = at - 1;
	while (start > 0 && in[start - 1] != '\n')
		start--;
	return at - start > 4 && in[start + 3] == '-';
}

size_t sched_interesting(const unsigned char *in, size_t n, uint32_t *out,
			 size_t max)
{
	size_t k = 0, line = 0;

#define ADD(off)                                  \
	do {                                      \
		size_t o_ = (off);                \
		if (o_ >= 1 && o_ < n && k < max) \
			out[k++] = (uint32_t)o_;  \
	} while (0)

	/* Reads that end at a buffer's size (boundary.h): from the stream's
	 * start and from each reply's. */
	for (size_t b = 0; b < SRH_NBOUNDARIES && srh_boundaries[b] < n; b++)
		for (int d = -1; d <= 1; d++)
			ADD(srh_boundary(b, d));
	for (size_t i = 0; i <= n; i++) {
		if (i == line) {
			for (size_t d = 1; d <= 4; d++) /* code digits, sep */
				ADD(line + d);
			ADD(line + 511);
			ADD(line + 512);
			ADD(line + 513);
			bool reply_start =
				line == 0 ||
				(line >= 2 && line < n && !continued(in, line));
			for (size_t b = 0; reply_start && b < SRH_NBOUNDARIES &&
					   line + srh_boundaries[b] < n;
			     b++)
				for (int d = -1; d <= 1; d++)
					ADD(line + srh_boundary(b, d));
		}
		if (i == n)
			break;
		if (in[i] == '\r' || in[i] == '\n') {
			ADD(i);
			ADD(i + 1);
		}
		if (in[i] == '\n')
			line = i + 1; /* also a reply boundary, if final */
	}
#undef ADD
	qsort(out, k, sizeof *out, by_u32);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || out[u - 1] != out[i])
			out[u++] = out[i];
	return u;
}

void sched_random(struct sched *s, uint64_t *rng, size_t n,
		  const uint32_t *interesting, size_t ninteresting,
		  size_t max_cuts, unsigned idle_pct, const uint16_t *delays,
		  size_t ndelays, unsigned delay_pct)
{
	sched_clear(s);
	if (n < 2)
		return;
	size_t k = 1 + sched_rand_below(rng, max_cuts);
	for (size_t i = 0; i < k; i++) {
		uint32_t at;
		if (ninteresting && sched_rand_below(rng, 2))
			at = interesting[sched_rand_below(rng, ninteresting)];
		else
			at = (uint32_t)(1 + sched_rand_below(rng, n - 1));
		bool idle = idle_pct && sched_rand_below(rng, 100) < idle_pct;
		uint16_t delay = 0;
		if (ndelays && sched_rand_below(rng, 100) < delay_pct)
			delay = delays[sched_rand_below(rng, ndelays)];
		sched_add(s, at, delay, idle);
	}
	sched_normalize(s);
}
