/*
 * fuzz_diff.c - differential: the input is one reply stream, fed to the
 * subject in one piece and to the reference parser configured with the
 * leniencies the subject declares. Replies, lines, codes and error kinds
 * must agree; enhanced status codes and error offsets too when the
 * subject declares it reports them (subject.h, srh_reports).
 */
#include "fuzz.h"
#include "subjects.h"

FUZZ_TARGET("diff")

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_env *e = fuzz_env("diff");
	struct tr_transcript want, got;
	struct strbuf why = {0};

	if (size > FUZZ_MAX_INPUT)
		return 0;
	tr_init(&want);
	tr_init(&got);
	fuzz_run(e, data, size, NULL, &got);
	srh_reference_run(data, size, e->subject, &want.rec);
	enum chk_oracle bad =
		chk_conform(&got, &want, e->subject->reports, CHK_O_DIFF, &why);
	if (bad != CHK_O_COUNT)
		fuzz_fail(e, bad, data, size, NULL, &want, &got, sb_str(&why));
	sb_free(&why);
	tr_free(&want);
	tr_free(&got);
	return 0;
}
