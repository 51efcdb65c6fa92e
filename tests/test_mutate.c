/*
 * test_mutate.c - the SMTP-aware mutator (harness/fuzz/mutate.h) and the
 * CUTS encoding of the fuzz inputs (fuzz.h): bounds, determinism, and that
 * each kind of edit it promises really comes out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz.h"
#include "mutate.h"

static const char ehlo[] = "250-mx.example.com\r\n250-PIPELINING\r\n"
			   "250 SIZE 1000\r\n";

/* A stand-in for the engine's byte mutation: flips one byte. */
static size_t flip(uint8_t *d, size_t n, size_t max, void *arg)
{
	(void)max;
	(void)arg;
	if (n)
		d[n / 2] ^= 0x20;
	return n;
}

static size_t mutate(enum smut_format f, const char *in, size_t n, uint8_t *out,
		     size_t max, uint64_t seed)
{
	memcpy(out, in, n);
	return smut_mutate(f, out, n, max, seed, flip, NULL);
}

static void test_bounded_and_deterministic(void **state)
{
	uint8_t a[4096], b[4096];

	(void)state;
	for (uint64_t seed = 0; seed < 20000; seed++) {
		size_t max = 40 + seed % 300;
		enum smut_format f = (enum smut_format)(seed % 3);
		size_t na = mutate(f, ehlo, sizeof ehlo - 1, a, max, seed);
		size_t nb = mutate(f, ehlo, sizeof ehlo - 1, b, max, seed);
		assert_true(na <= max);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na);
	}
}

/* Lines of a stream: does any satisfy pred? */
static bool any_line(const uint8_t *s, size_t n,
		     bool (*pred)(const uint8_t *l, size_t len))
{
	for (size_t at = 0; at < n;) {
		const uint8_t *nl = memchr(s + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - s) + 1 : n;
		if (pred(s + at, end - at))
			return true;
		at = end;
	}
	return false;
}

static bool bare_lf(const uint8_t *l, size_t n)
{
	return n >= 2 && l[n - 1] == '\n' && l[n - 2] != '\r';
}

static bool long_line(const uint8_t *l, size_t n)
{
	(void)l;
	return n > 512;
}

static bool with_esc(const uint8_t *l, size_t n)
{
	return n > 9 && l[4] >= '2' && l[4] <= '5' && l[5] == '.';
}

static bool code_only(const uint8_t *l, size_t n)
{
	return (n == 5 || n == 4) && l[0] >= '0' && l[0] <= '9' &&
	       l[n - 1] == '\n';
}

static bool mismatch(const uint8_t *s, size_t n)
{
	/* Two lines of one reply ('-' between them) with other codes. */
	for (size_t at = 0; at + 4 < n;) {
		const uint8_t *nl = memchr(s + at, '\n', n - at);
		if (!nl)
			break;
		size_t next = (size_t)(nl - s) + 1;
		if (s[at + 3] == '-' && next + 3 <= n &&
		    memcmp(s + at, s + next, 3) != 0)
			return true;
		at = next;
	}
	return false;
}

static size_t count_lines(const uint8_t *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static void test_every_edit_comes_out(void **state)
{
	uint8_t out[16384];
	bool seen_lf = false, seen_long = false, seen_esc = false,
	     seen_only = false, seen_mismatch = false, seen_many = false,
	     seen_flip = false, seen_short = false;

	(void)state;
	for (uint64_t seed = 1; seed < 5000; seed++) {
		size_t n = mutate(SMUT_STREAM, ehlo, sizeof ehlo - 1, out,
				  sizeof out, seed);
		seen_lf |= any_line(out, n, bare_lf);
		seen_long |= any_line(out, n, long_line);
		seen_esc |= any_line(out, n, with_esc);
		seen_only |= any_line(out, n, code_only);
		seen_mismatch |= mismatch(out, n);
		/* within the fuzzers' max_len of 1024: short lines */
		uint8_t small[1024];
		size_t k = mutate(SMUT_STREAM, "250-\r\n250 \r\n", 12, small,
				  sizeof small, seed);
		seen_many |= count_lines(small, k) > 128;
		seen_short |= n < sizeof ehlo - 1 - 10;
		/* the separator flipped: the EHLO reply ends early */
		seen_flip |= n >= 6 && memcmp(out, "250 mx", 6) == 0;
	}
	assert_true(seen_lf);
	assert_true(seen_long);
	assert_true(seen_esc);
	assert_true(seen_only);
	assert_true(seen_mismatch);
	assert_true(seen_many);
	assert_true(seen_short);
	assert_true(seen_flip);
}

static void test_cuts_edits(void **state)
{
	uint8_t out[4096];
	struct sched sc = {0};
	bool cut_in_crlf = false, idle = false, pause = false;

	(void)state;
	for (uint64_t seed = 1; seed < 3000; seed++) {
		size_t n = mutate(SMUT_SPLIT, ehlo, sizeof ehlo - 1, out,
				  sizeof out, seed);
		size_t len = fuzz_sep(out, n, 0);
		if (len == n)
			continue;
		fuzz_cuts(out + len + FUZZ_SEP_LEN, n - len - FUZZ_SEP_LEN, len,
			  true, &sc);
		for (size_t i = 0; i < sc.ncuts; i++) {
			uint32_t at = sc.cuts[i].at;
			assert_true(at > 0 && at < len);
			cut_in_crlf |= out[at - 1] == '\r' && out[at] == '\n';
			idle |= sc.cuts[i].idle;
			pause |= sc.cuts[i].delay_ms > 0;
		}
	}
	assert_true(cut_in_crlf);
	assert_true(idle);
	assert_true(pause);
	sched_free(&sc);
}

static void test_cuts_round_trip(void **state)
{
	struct sched a = {0}, b = {0};
	struct strbuf code = {0};
	uint64_t rng = 7;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = 2 + sched_rand_below(&rng, 2000);
		uint8_t raw[32];
		for (size_t i = 0; i < sizeof raw; i++)
			raw[i] = (uint8_t)sched_rand(&rng);
		fuzz_cuts(raw, sizeof raw, n, true, &a);
		size_t pauses = 0;
		for (size_t i = 0; i < a.ncuts; i++) {
			assert_true(a.cuts[i].at > 0 && a.cuts[i].at < n);
			if (i)
				assert_true(a.cuts[i].at > a.cuts[i - 1].at);
			pauses += a.cuts[i].delay_ms > 0;
		}
		assert_true(pauses <= FUZZ_MAX_PAUSES);
		sb_clear(&code);
		fuzz_cuts_encode(&a, &code);
		fuzz_cuts((const uint8_t *)code.s, code.len, n, true, &b);
		assert_int_equal(a.ncuts, b.ncuts);
		for (size_t i = 0; i < a.ncuts; i++) {
			assert_int_equal(a.cuts[i].at, b.cuts[i].at);
			assert_int_equal(a.cuts[i].idle, b.cuts[i].idle);
			assert_int_equal(a.cuts[i].delay_ms,
					 b.cuts[i].delay_ms);
		}
	}
	/* Far cuts need skip bytes; without pauses allowed, none come. */
	uint8_t far[] = {FUZZ_CUT_SKIP, FUZZ_CUT_SKIP, 0x80 | 3};
	fuzz_cuts(far, sizeof far, 1000, false, &a);
	assert_int_equal(a.ncuts, 1);
	assert_int_equal(a.cuts[0].at, 2 * 63 + 4);
	assert_int_equal(a.cuts[0].delay_ms, 0);
	sched_free(&a);
	sched_free(&b);
	sb_free(&code);
}

static void test_pair_and_crossover(void **state)
{
	uint8_t in[256], out[512];
	size_t n = 0;
	bool second_changed = false;

	(void)state;
	memcpy(in, ehlo, sizeof ehlo - 1);
	n = sizeof ehlo - 1;
	memcpy(in + n, FUZZ_SEP, FUZZ_SEP_LEN);
	n += FUZZ_SEP_LEN;
	memcpy(in + n, "220 ready\r\n", 11);
	n += 11;
	for (uint64_t seed = 1; seed < 2000; seed++) {
		memcpy(out, in, n);
		size_t m = smut_mutate(SMUT_PAIR, out, n, sizeof out, seed,
				       flip, NULL);
		size_t a = fuzz_sep(out, m, 0);
		assert_true(a < m); /* the second stream stays */
		size_t b = fuzz_sep(out, m, a + FUZZ_SEP_LEN);
		second_changed |=
			b - a - FUZZ_SEP_LEN != 11 ||
			memcmp(out + a + FUZZ_SEP_LEN, "220 ready\r\n", 11);
		size_t x =
			smut_crossover(SMUT_PAIR, in, n, out, m, out, 64, seed);
		assert_true(x <= 64);
	}
	assert_true(second_changed);

	/* A raw stream in the pair format: the partner it is read with
	 * stays, unless an edit of that very stream changed it. */
	size_t partner = sizeof FUZZ_PARTNER - 1, kept = 0;
	for (uint64_t seed = 1; seed < 500; seed++) {
		size_t m = mutate(SMUT_PAIR, ehlo, sizeof ehlo - 1, out,
				  sizeof out, seed);
		size_t a = fuzz_sep(out, m, 0);
		if (a == m)
			continue;
		size_t b = fuzz_sep(out, m, a + FUZZ_SEP_LEN);
		kept += b - a - FUZZ_SEP_LEN == partner &&
			memcmp(out + a + FUZZ_SEP_LEN, FUZZ_PARTNER, partner) ==
				0;
	}
	assert_true(kept > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded_and_deterministic),
		cmocka_unit_test(test_every_edit_comes_out),
		cmocka_unit_test(test_cuts_edits),
		cmocka_unit_test(test_cuts_round_trip),
		cmocka_unit_test(test_pair_and_crossover),
	};
	return cmocka_run_group_tests_name("mutate", tests, NULL, NULL);
}
