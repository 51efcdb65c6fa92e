/*
 * fuzz_model.c - the input is the generator's choices (generator.h): it
 * becomes a reply stream, perhaps with one planted defect, and the model's
 * transcript for it. The subject, fed the stream in one piece, must report
 * what the model says a parser with its declared leniencies reports.
 * Coverage of the generator itself guides the search through kinds of
 * streams and defects; the shortest input is the simplest stream.
 */
#include "fuzz.h"
#include "generator.h"
#include "subjects.h"

FUZZ_TARGET("model")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_env *e = fuzz_env("model");
	struct gen_source src;
	struct gen_opts go;
	struct gen_stream g = {0};
	struct strbuf bytes = {0}, why = {0};
	struct tr_transcript want, got;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	gen_source_bytes(&src, data, size);
	gen_opts_init(&go);
	gen_generate(&g, &src, &go);
	gen_serialize(&g, &bytes);
	tr_init(&want);
	tr_init(&got);
	if (srh_declares_limits(e->subject)) /* the model knows only 512 */
		srh_reference_run((const unsigned char *)bytes.s, bytes.len,
				  e->subject, &want.rec);
	else
		gen_expect(&g, e->subject->leniency, &want);
	fuzz_run(e, (const unsigned char *)bytes.s, bytes.len, NULL, &got);
	enum chk_oracle bad = chk_conform(&got, &want, e->subject->reports,
					  CHK_O_MODEL, &why);
	if (bad != CHK_O_COUNT) {
		struct strbuf d = {0};
		gen_describe(&g, &d);
		sb_addf(&d, "; %s", sb_str(&why));
		fuzz_fail(e, bad, (const unsigned char *)bytes.s, bytes.len,
			  NULL, &want, &got, sb_str(&d));
	}
	gen_free(&g);
	sb_free(&bytes);
	sb_free(&why);
	tr_free(&want);
	tr_free(&got);
	return 0;
}
