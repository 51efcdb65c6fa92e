/*
 * model_seeds.c - writes the model target's seed corpus: for each defect
 * class of the generator, the first input (of a fixed pseudo-random
 * sequence) whose stream carries that defect, named after it, so the
 * fuzzer starts from every kind of stream the model knows.
 *
 *   fuzz_model_seeds DIR     (corpus/fuzz_model)
 */
#include <stdio.h>
#include <stdlib.h>

#include "generator.h"
#include "schedule.h"

#define SEED_LEN 40

static const char *const ids[] = {
#define GEN_DEFECT_ID(id, what) #id,
	GEN_DEFECTS(GEN_DEFECT_ID)
#undef GEN_DEFECT_ID
};

int main(int argc, char **argv)
{
	uint64_t rng = 1;
	uint8_t buf[SEED_LEN];
	int missing = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (int d = 0; d < GEN_DEFECT_COUNT; d++) {
		bool found = false;
		for (int tries = 0; tries < 1000000 && !found; tries++) {
			struct gen_source src;
			struct gen_opts o;
			struct gen_stream g = {0};
			for (size_t i = 0; i < SEED_LEN; i++)
				buf[i] = (uint8_t)sched_rand(&rng);
			gen_source_bytes(&src, buf, SEED_LEN);
			gen_opts_init(&o);
			gen_generate(&g, &src, &o);
			/* Several replies, unless the defect needs none. */
			found = (int)g.defect == d &&
				(d != GEN_NONE || g.nreplies >= 3);
			gen_free(&g);
		}
		if (!found) {
			fprintf(stderr, "no input found for defect %s\n",
				gen_defect_name((enum gen_defect)d));
			missing++;
			continue;
		}
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/defect-", argv[1]);
		if (n < 0 || (size_t)n + 32 >= sizeof path) {
			fprintf(stderr, "%s: path too long\n", argv[1]);
			return 2;
		}
		for (const char *c = ids[d]; *c && n + 2 < (int)sizeof path;
		     c++)
			path[n++] = *c == '_' ? '-' : (char)(*c | 0x20);
		path[n] = 0;
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, SEED_LEN, f) != SEED_LEN ||
		    fclose(f) != 0) {
			perror(path);
			return 2;
		}
		printf("%s: %s\n", path, gen_defect_name((enum gen_defect)d));
	}
	return missing ? 1 : 0;
}
