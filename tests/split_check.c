/*
 * split_check.c - see split_check.h.
 */
#include "split_check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The stream read by the second parser in the interleaving check. */
static const char other_stream[] = "220-mx.example.org ESMTP\r\n"
				   "220 ready\r\n"
				   "250-2.1.0 PIPELINING\r\n"
				   "250 2.1.0 OK\r\n";
static const char other_expected[] =
	"L 220 more #1 @0..26 \"mx.example.org ESMTP\"\n"
	"L 220 last #2 @26..37 \"ready\"\n"
	"R 220 lines=2 @0..37 esc=-\n"
	"L 250 more #1 @37..59 \"2.1.0 PIPELINING\"\n"
	"L 250 last #2 @59..73 \"2.1.0 OK\"\n"
	"R 250 lines=2 @37..73 esc=2.1.0\n"
	"END\n";

/* Text bytes in quotes, escaped as everywhere in the harness. */
static void text_quoted(struct strbuf *t, const char *s, size_t n)
{
	sb_adds(t, "\"");
	sb_add_escaped(t, s, n);
	sb_adds(t, "\"");
}

struct runner {
	struct srp_parser p;
	struct strbuf *out;
	bool stopped; /* an error was reported */
};

static void runner_init(struct runner *r, const struct srp_config *cfg,
			struct strbuf *out)
{
	assert_int_equal(srp_init(&r->p, cfg), SRP_E_OK);
	r->out = out;
	r->stopped = false;
}

static void record_error(struct runner *r)
{
	const struct srp_error *e = srp_error(&r->p);

	sb_addf(r->out, "E %s @%llu line=%llu/%zu\n", srp_err_name(e->code),
		(unsigned long long)e->offset, (unsigned long long)e->line,
		e->reply_line);
	assert_int_not_equal(e->code, SRP_E_OK);
	r->stopped = true;
}

static void record_line(struct runner *r, enum srp_status st)
{
	const struct srp_line *l = srp_line(&r->p);
	uint64_t end = srp_offset(&r->p);

	assert_non_null(l->text);
	assert_int_equal(l->last, st == SRP_REPLY);
	sb_addf(r->out, "L %03u %s #%zu @%llu..%llu ", l->code,
		l->last ? "last" : "more", l->number,
		(unsigned long long)l->offset, (unsigned long long)end);
	text_quoted(r->out, l->text, l->len);
	sb_addf(r->out, "\n");
	if (st != SRP_REPLY)
		return;

	const struct srp_reply *rep = srp_reply(&r->p);
	assert_int_equal(rep->offset + rep->size, end);
	assert_int_equal(rep->lines, l->number);
	assert_int_equal(srp_pending(&r->p), 0);
	sb_addf(r->out, "R %03u lines=%zu @%llu..%llu esc=%s\n", rep->code,
		rep->lines, (unsigned long long)rep->offset,
		(unsigned long long)end, rep->has_esc ? rep->esc.text : "-");
}

/* Feed one piece, held in its own exact-size allocation. */
static void runner_piece(struct runner *r, const char *piece, size_t len)
{
	char *copy = malloc(len);
	size_t off = 0, used = 7;

	assert_non_null(copy);
	memcpy(copy, piece, len);

	/* Nothing arrived: a zero-length feed must change nothing. */
	uint64_t before = srp_offset(&r->p);
	enum srp_status st = srp_feed(&r->p, copy, 0, &used);
	assert_int_equal(used, 0);
	assert_int_equal(st, r->stopped ? SRP_ERROR : SRP_NEED_MORE);
	assert_int_equal(srp_offset(&r->p), before);

	while (!r->stopped && off < len) {
		before = srp_offset(&r->p);
		st = srp_feed(&r->p, copy + off, len - off, &used);
		assert_true(used <= len - off);
		assert_int_equal(srp_offset(&r->p), before + used);
		assert_true(srp_work(&r->p) <= 2 * srp_offset(&r->p));
		off += used;
		switch (st) {
		case SRP_NEED_MORE:
			assert_int_equal(off, len);
			break;
		case SRP_LINE:
		case SRP_REPLY:
			assert_true(used > 0);
			record_line(r, st);
			break;
		case SRP_ERROR:
			record_error(r);
			/* Sticky: nothing more is consumed. */
			st = srp_feed(&r->p, copy, len, &used);
			assert_int_equal(st, SRP_ERROR);
			assert_int_equal(used, 0);
			break;
		default:
			fail_msg("srp_feed returned %d", (int)st);
		}
	}
	free(copy);
}

static void runner_end(struct runner *r)
{
	enum srp_status st = srp_finish(&r->p);

	if (r->stopped) {
		assert_int_equal(st, SRP_ERROR);
		return;
	}
	if (st == SRP_END) {
		sb_addf(r->out, "END\n");
		assert_int_equal(srp_finish(&r->p), SRP_END);
		return;
	}
	assert_int_equal(st, SRP_ERROR);
	record_error(r);
	assert_int_equal(srp_finish(&r->p), SRP_ERROR);
}

static void runner_all(struct runner *r, const char *in, size_t n,
		       const size_t *cuts, size_t ncuts)
{
	size_t from = 0;

	for (size_t k = 0; k <= ncuts; k++) {
		size_t to = k < ncuts ? cuts[k] : n;
		assert_true(to >= from && to <= n);
		if (to > from)
			runner_piece(r, in + from, to - from);
		from = to;
	}
	runner_end(r);
}

void sc_run(const struct srp_config *cfg, const char *in, size_t n,
	    const size_t *cuts, size_t ncuts, struct strbuf *out)
{
	struct runner *r = malloc(sizeof *r);

	assert_non_null(r);
	runner_init(r, cfg, out);
	runner_all(r, in, n, cuts, ncuts);
	free(r);
}

static void expect_same(const char *what, const char *in, size_t n,
			const char *expected, const struct strbuf *got)
{
	if (strcmp(expected, got->s ? got->s : "") == 0)
		return;
	struct strbuf esc = {0};
	text_quoted(&esc, in, n);
	print_error("input %s\nfed %s\n--- expected\n%s--- got\n%s", esc.s,
		    what, expected, got->s ? got->s : "");
	sb_free(&esc);
	fail();
}

static void check_cuts(const struct srp_config *cfg, const char *in, size_t n,
		       const size_t *cuts, size_t ncuts, const char *what,
		       const char *expected)
{
	struct strbuf got = {0};

	sc_run(cfg, in, n, cuts, ncuts, &got);
	expect_same(what, in, n, expected, &got);
	sb_free(&got);
}

/* Pieces of `size` bytes. */
static void check_uniform(const struct srp_config *cfg, const char *in,
			  size_t n, size_t size, size_t *cuts,
			  const char *expected)
{
	char what[64];
	size_t ncuts = 0;

	for (size_t at = size; at < n; at += size)
		cuts[ncuts++] = at;
	snprintf(what, sizeof what, "in pieces of %zu bytes", size);
	check_cuts(cfg, in, n, cuts, ncuts, what, expected);
}

/* Byte by byte, alternating with a second parser on other_stream. */
static void check_interleaved(const struct srp_config *cfg, const char *in,
			      size_t n, const char *expected)
{
	struct strbuf got_a = {0}, got_b = {0};
	struct runner *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	size_t nb = sizeof other_stream - 1;

	assert_true(a && b);
	runner_init(a, cfg, &got_a);
	runner_init(b, NULL, &got_b);
	for (size_t i = 0; i < n || i < nb; i++) {
		if (i < n)
			runner_piece(a, in + i, 1);
		if (i < nb)
			runner_piece(b, other_stream + i, 1);
	}
	runner_end(a);
	runner_end(b);
	expect_same("byte by byte, interleaved with a second parser", in, n,
		    expected, &got_a);
	expect_same("as the second parser", other_stream, nb, other_expected,
		    &got_b);
	free(a);
	free(b);
	sb_free(&got_a);
	sb_free(&got_b);
}

/* One piece, on a parser that read another stream and was then reset. */
static void check_reused(const struct srp_config *cfg, const char *in, size_t n,
			 const char *expected)
{
	struct strbuf scratch = {0}, got = {0};
	struct runner *r = malloc(sizeof *r);

	assert_non_null(r);
	runner_init(r, cfg, &scratch);
	runner_all(r, other_stream, 30, NULL, 0); /* ends mid-reply */
	srp_reset(&r->p);
	r->out = &got;
	r->stopped = false;
	runner_all(r, in, n, NULL, 0);
	expect_same("in one piece after srp_reset", in, n, expected, &got);
	free(r);
	sb_free(&scratch);
	sb_free(&got);
}

void sc_check(const struct srp_config *cfg, const char *in, size_t n,
	      const char *expected)
{
	size_t *cuts = malloc((n + 1) * sizeof *cuts);
	char what[64];

	assert_non_null(cuts);
	check_cuts(cfg, in, n, NULL, 0, "in one piece", expected);
	for (size_t at = 1; at < n; at++) {
		snprintf(what, sizeof what, "cut at %zu", at);
		check_cuts(cfg, in, n, &at, 1, what, expected);
	}
	for (size_t size = 1; size <= 3; size++)
		check_uniform(cfg, in, n, size, cuts, expected);
	check_interleaved(cfg, in, n, expected);
	check_reused(cfg, in, n, expected);
	free(cuts);
}
