/*
 * test_generator.c - the model-based generator: its expected transcripts
 * agree with the reference parser on every stream, in strict mode and under
 * every combination of leniencies; it makes every defect class; it is
 * deterministic and shrinks toward simpler streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "generator.h"
#include "smtp_reply.h"
#include "subjects.h"

/* The model's transcript for g under leniency, against the reference's. */
static void agree(const struct gen_stream *g, unsigned leniency,
		  const char *what)
{
	struct strbuf bytes = {0}, a = {0}, b = {0}, d = {0};
	struct tr_transcript want, got;

	tr_init(&want);
	tr_init(&got);
	gen_serialize(g, &bytes);
	gen_expect(g, leniency, &want);
	struct srh_subject as = {.leniency = leniency};
	srh_reference_run((const unsigned char *)bytes.s, bytes.len, &as,
			  &got.rec);
	if (!tr_equal(&want, &got)) {
		tr_format(&want, &a, false);
		tr_format(&got, &b, false);
		gen_describe(g, &d);
		print_error("%s, leniency %u: %s\nstream \"", what, leniency,
			    d.s);
		sb_clear(&d);
		sb_add_escaped(&d, bytes.s, bytes.len < 300 ? bytes.len : 300);
		print_error("%s\"\n--- model\n%.600s--- reference\n%.600s\n",
			    d.s, a.s, b.s);
		fail();
	}
	assert_int_equal(tr_replies(&got), gen_replies_expected(g, leniency));
	tr_free(&want);
	tr_free(&got);
	sb_free(&bytes);
	sb_free(&a);
	sb_free(&b);
	sb_free(&d);
}

static void test_model_agrees_with_reference(void **state)
{
	(void)state;
	struct gen_opts o;
	struct gen_stream g = {0};
	char what[32];

	gen_opts_init(&o);
	for (uint64_t seed = 0; seed < 3000; seed++) {
		struct gen_source src;
		gen_source_seed(&src, seed);
		gen_generate(&g, &src, &o);
		snprintf(what, sizeof what, "seed %llu",
			 (unsigned long long)seed);
		for (unsigned len = 0; len <= SRP_LENIENT_ALL; len++)
			agree(&g, len, what);
	}
	gen_free(&g);
}

static void test_every_defect_class(void **state)
{
	(void)state;
	struct gen_opts o;
	struct gen_stream g = {0};
	size_t seen[GEN_DEFECT_COUNT] = {0};

	gen_opts_init(&o);
	for (uint64_t seed = 0; seed < 2000; seed++) {
		struct gen_source src;
		gen_source_seed(&src, seed);
		gen_generate(&g, &src, &o);
		seen[g.defect]++;
	}
	for (int d = 0; d < GEN_DEFECT_COUNT; d++)
		if (seen[d] == 0)
			fail_msg("no stream with defect: %s",
				 gen_defect_name((enum gen_defect)d));
	gen_free(&g);
}

static void test_bytes_drive_it(void **state)
{
	(void)state;
	static const uint8_t data[] = {7,   200, 3,  99, 250, 1,  2,
				       3,   4,	 5,  6,	 77,  88, 99,
				       111, 222, 12, 34, 56,  78};
	struct gen_opts o;
	struct gen_stream a = {0}, b = {0};
	struct gen_source src;
	struct strbuf x = {0}, y = {0};

	gen_opts_init(&o);
	gen_source_bytes(&src, data, sizeof data);
	gen_generate(&a, &src, &o);
	gen_source_bytes(&src, data, sizeof data);
	gen_generate(&b, &src, &o);
	gen_serialize(&a, &x);
	gen_serialize(&b, &y);
	assert_string_equal(x.s, y.s);

	/* No bytes: the simplest stream, one line with no defect. */
	gen_source_bytes(&src, NULL, 0);
	src.data = (const uint8_t *)"";
	gen_generate(&a, &src, &o);
	assert_int_equal(a.nreplies, 1);
	assert_int_equal(a.replies[0].nlines, 1);
	assert_int_equal(a.defect, GEN_NONE);
	sb_clear(&x);
	gen_serialize(&a, &x);
	assert_string_equal(x.s, "200\r\n");
	gen_free(&a);
	gen_free(&b);
	sb_free(&x);
	sb_free(&y);
}

/* Every simplification keeps the defect and the model right. */
static void test_simplify(void **state)
{
	(void)state;
	struct gen_opts o;
	struct gen_stream g = {0}, s = {0};
	size_t candidates = 0;

	gen_opts_init(&o);
	for (uint64_t seed = 0; seed < 200; seed++) {
		struct gen_source src;
		gen_source_seed(&src, seed);
		gen_generate(&g, &src, &o);
		for (size_t i = 0; gen_simplify(&g, i, &s); i++) {
			candidates++;
			assert_int_equal(s.defect, g.defect);
			agree(&s, 0, "simplified");
			agree(&s, 15, "simplified");
		}
	}
	assert_true(candidates > 1000);
	gen_free(&g);
	gen_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_agrees_with_reference),
		cmocka_unit_test(test_every_defect_class),
		cmocka_unit_test(test_bytes_drive_it),
		cmocka_unit_test(test_simplify),
	};
	return cmocka_run_group_tests_name("generator", tests, NULL, NULL);
}
