/*
 * afl_mutator.c - the structure-aware edits of mutate.h as an AFL++ custom
 * mutator (AFL_CUSTOM_MUTATOR_LIBRARY). AFL++ still runs its own havoc
 * and dictionary stages; this adds SMTP-shaped edits beside them, and
 * crosses over with the queue entry AFL++ offers. The input format comes
 * from SRH_MUTATOR_FORMAT: stream (default), split or pair, or a target
 * name. Build it without AFL++ instrumentation: afl-fuzz loads it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mutate.h"

struct srh_afl {
	uint64_t rng;
	enum smut_format format;
	uint8_t *buf;
	size_t cap;
};

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct srh_afl *m = calloc(1, sizeof *m);
	int f = smut_format_parse(getenv("SRH_MUTATOR_FORMAT"));

	(void)afl;
	if (!m)
		return NULL;
	m->rng = (uint64_t)seed * 0x9e3779b97f4a7c15u + 1;
	m->format = f < 0 ? SMUT_STREAM : (enum smut_format)f;
	return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
		       uint8_t **out_buf, uint8_t *add_buf, size_t add_buf_size,
		       size_t max_size)
{
	struct srh_afl *m = data;

	if (m->cap < max_size) {
		uint8_t *p = realloc(m->buf, max_size);
		if (!p) {
			*out_buf = buf;
			return buf_size;
		}
		m->buf = p;
		m->cap = max_size;
	}
	m->rng = m->rng * 6364136223846793005u + 1442695040888963407u;
	if (add_buf && add_buf_size && m->rng % 5 == 0) {
		*out_buf = m->buf;
		return smut_crossover(m->format, buf, buf_size, add_buf,
				      add_buf_size, m->buf, max_size, m->rng);
	}
	size_t n = buf_size < max_size ? buf_size : max_size;
	if (n)
		memcpy(m->buf, buf, n);
	uint64_t havoc = m->rng ^ 0x5bd1e995u;
	*out_buf = m->buf;
	return smut_mutate(m->format, m->buf, n, max_size, m->rng, smut_havoc,
			   &havoc);
}

void afl_custom_deinit(void *data)
{
	struct srh_afl *m = data;

	if (m)
		free(m->buf);
	free(m);
}
