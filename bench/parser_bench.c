/*
 * parser_bench.c - the reference parser's throughput, side by side in one
 * run with the physical limit (a memchr scan for line ends over the same
 * bytes) and with the naive line-buffered reader real clients write
 * (naive_parser.c), on a realistic mix and on adversarial shapes, fed in
 * one piece and in chunks. Also: the parser's state size, and the heap
 * calls made while it parses (there must be none).
 *
 *   parser_bench [--mb N] [--reps R] [--shape S] [--sweep] [--json] CORPUS_DIR
 *
 * Shapes: mix (the corpus's reply streams in a random order, N MB), longlines
 * (10-line replies of 8000-octet lines), manylines (replies of 5000
 * continuation lines). Each repetition times every method once, back to
 * back, so that ratios are taken between neighbours; medians are printed.
 * --sweep: also chunks of 8 to 1024 bytes, in the same turns, to find the
 * chunk size from which feeding stays within 2x of one piece.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "naive_parser.h"
#include "smtp_reply.h"
#include "strbuf.h"

/* ---- heap calls: malloc and friends interposed ----
 * A counter has no other home than a global: malloc takes no context. */
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
static unsigned long heap_calls;

void *malloc(size_t n)
{
	heap_calls++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	heap_calls++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	heap_calls++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		heap_calls++;
	__libc_free(p);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define MAX_REPS    51
#define MAX_METHODS 16
/* Methods take turns on slices this big: side by side in time. */
#define SLICE ((size_t)1 << 20)

/* ---- the methods ----
 * Each one reads the input slice by slice, keeping its state between
 * slices, so that all of them can take turns on every slice. */

enum kind { M_SRP, M_MEMCHR, M_NAIVE, M_STRSTR };

struct method {
	const char *name;
	size_t chunk; /* bytes a call; 0: a whole slice */
	enum kind kind;
	double secs[MAX_REPS];
	unsigned long replies, heap_calls;
	bool ok;
	union {
		struct srp_parser srp;
		struct naive_parser naive;
		struct strstr_parser strstr;
	} u;
};

static void run_begin(struct method *m, const struct srp_config *cfg)
{
	m->replies = 0;
	m->ok = true;
	if (m->kind == M_SRP)
		srp_init(&m->u.srp, cfg);
	else if (m->kind == M_NAIVE)
		naive_init(&m->u.naive);
	else if (m->kind == M_STRSTR)
		strstr_init(&m->u.strstr);
}

/* The reference parser: every reply counted, stopping at an error. */
static void srp_chunk(struct method *m, const char *s, size_t n)
{
	for (size_t pos = 0; pos < n && m->ok;) {
		size_t used;
		enum srp_status st =
			srp_feed(&m->u.srp, s + pos, n - pos, &used);
		pos += used;
		m->replies += st == SRP_REPLY;
		m->ok = st != SRP_ERROR;
	}
}

/* The physical limit: find every line end (counted as "replies"). */
static void memchr_slice(struct method *m, const char *s, size_t len)
{
	const char *end = s + len;

	for (const char *q = s; (q = memchr(q, '\n', (size_t)(end - q)));) {
		m->replies++;
		q++;
	}
}

static void run_slice(struct method *m, const char *s, size_t len)
{
	if (m->kind == M_MEMCHR) {
		memchr_slice(m, s, len);
		return;
	}
	for (size_t off = 0; off < len && m->ok;) {
		size_t n =
			m->chunk && len - off > m->chunk ? m->chunk : len - off;
		if (m->kind == M_SRP)
			srp_chunk(m, s + off, n);
		else if (m->kind == M_NAIVE)
			m->ok = naive_feed(&m->u.naive, s + off, n) == 0;
		else
			m->ok = strstr_feed(&m->u.strstr, s + off, n) == 0;
		off += n;
	}
}

static void run_end(struct method *m)
{
	if (m->kind == M_SRP)
		m->ok = m->ok && srp_finish(&m->u.srp) == SRP_END;
	else if (m->kind == M_NAIVE) {
		m->replies = m->u.naive.replies;
		m->ok = m->ok && m->u.naive.line_len == 0;
		naive_free(&m->u.naive);
	} else if (m->kind == M_STRSTR) {
		m->replies = m->u.strstr.replies;
		m->ok = m->ok && m->u.strstr.len == 0;
	}
}

static bool parses(const struct srp_config *cfg, const char *s, size_t len)
{
	struct method m = {.kind = M_SRP};

	run_begin(&m, cfg);
	run_slice(&m, s, len);
	run_end(&m);
	return m.ok;
}

/* ---- the inputs ---- */

/* The corpus's streams that the strict parser accepts, in a random order
 * (a fixed seed), to want bytes. Not the corpus repeated as it is: a cycle
 * of a few KB would let the branch predictor learn it by heart. */
static void build_mix(struct strbuf *b, const char *dir, size_t want,
		      const struct srp_config *cfg)
{
	struct strbuf all = {0};
	size_t start[4096], count = 0;
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		perror(dir);
		exit(2);
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t l = strlen(nm);
		char path[4096];
		if (count + 1 == sizeof start / sizeof start[0]) {
			fprintf(stderr,
				"parser_bench: %s: more than %zu "
				"streams\n",
				dir, count);
			exit(2);
		}
		if (l > 5 && strcmp(nm + l - 5, ".smtp") == 0 &&
		    snprintf(path, sizeof path, "%s/%s", dir, nm) <
			    (int)sizeof path) {
			FILE *f = fopen(path, "rb");
			struct strbuf one = {0};
			char buf[4096];
			size_t k;
			while (f && (k = fread(buf, 1, sizeof buf, f)) > 0)
				sb_add(&one, buf, k);
			if (f)
				fclose(f);
			if (one.len && parses(cfg, one.s, one.len)) {
				start[count++] = all.len;
				sb_add(&all, one.s, one.len);
			}
			sb_free(&one);
		}
		free(names[i]);
	}
	free(names);
	if (!count) {
		fprintf(stderr, "parser_bench: %s: no stream parses\n", dir);
		exit(2);
	}
	start[count] = all.len;
	for (uint64_t x = 1; b->len < want;) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		size_t k = (size_t)(x >> 33) % count;
		sb_add(b, all.s + start[k], start[k + 1] - start[k]);
	}
	sb_free(&all);
}

static void build_lines(struct strbuf *b, size_t want, size_t text,
			size_t lines)
{
	char *line = malloc(text + 6);
	if (!line)
		exit(2);
	memcpy(line, "250-", 4);
	memset(line + 4, 'x', text);
	memcpy(line + 4 + text, "\r\n", 2);
	while (b->len < want) {
		for (size_t i = 0; i + 1 < lines; i++)
			sb_add(b, line, text + 6);
		line[3] = ' ';
		sb_add(b, line, text + 6);
		line[3] = '-';
	}
	free(line);
}

/* ---- measuring ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	double c[MAX_REPS];
	memcpy(c, v, sizeof(double) * (size_t)n);
	qsort(c, (size_t)n, sizeof c[0], cmp_double);
	return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

/* Median over the repetitions of a[i] / b[i]. */
static double median_ratio(const double *a, const double *b, int n)
{
	double r[MAX_REPS];
	for (int i = 0; i < n; i++)
		r[i] = a[i] / b[i];
	return median(r, n);
}

static void usage(void)
{
	fprintf(stderr, "usage: parser_bench [--mb N] [--reps R] "
			"[--shape mix|longlines|manylines] [--sweep] "
			"[--json] CORPUS_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double mb = 32;
	int reps = 5;
	const char *shape = "mix", *dir = NULL;
	bool json = false, sweep = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--shape") && i + 1 < argc)
			shape = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--sweep"))
			sweep = true;
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			usage();
	}
	if (mb <= 0 || reps < 1 || reps > MAX_REPS)
		usage();

	struct srp_config cfg;
	srp_config_init(&cfg);
	struct strbuf in = {0};
	size_t want = (size_t)(mb * 1e6);
	if (!strcmp(shape, "mix")) {
		if (!dir)
			usage();
		build_mix(&in, dir, want, &cfg);
	} else if (!strcmp(shape, "longlines")) {
		cfg.flags |= SRP_LENIENT_LONG_LINES;
		cfg.max_line = SRP_LINE_CAPACITY;
		cfg.max_reply = SIZE_MAX;
		build_lines(&in, want, 8000, 10);
	} else if (!strcmp(shape, "manylines")) {
		cfg.max_lines = 5000;
		cfg.max_reply = SIZE_MAX;
		build_lines(&in, want, 20, 5000);
	} else {
		usage();
	}

	/* Chunks: a read buffer, one TCP segment (MSS 1448), a small piece,
	 * a byte. The yardsticks read 4096 bytes at a time. */
	struct method m[MAX_METHODS] = {
		{.name = "srp in 1 MiB pieces", .chunk = 0, .kind = M_SRP},
		{.name = "srp 4096-byte chunks", .chunk = 4096, .kind = M_SRP},
		{.name = "srp 1448-byte chunks", .chunk = 1448, .kind = M_SRP},
		{.name = "srp 64-byte chunks", .chunk = 64, .kind = M_SRP},
		{.name = "srp 1-byte chunks", .chunk = 1, .kind = M_SRP},
		{.name = "memchr line scan", .chunk = 0, .kind = M_MEMCHR},
		{.name = "naive reader (msmtp-like)",
		 .chunk = 4096,
		 .kind = M_NAIVE},
		{.name = "strstr reader", .chunk = 4096, .kind = M_STRSTR},
	};
	int nm = 8, one = 0, limit = 5, naive = 6;
	/* The sweep: also chunks doubling from 8 to 1024 bytes (64 is in
	 * already), taking turns with the rest. */
	char sweep_names[8][32];
	for (size_t c = 8, k = 0; sweep && c <= 1024; c *= 2) {
		if (c == 64)
			continue;
		snprintf(sweep_names[k], sizeof sweep_names[0],
			 "srp %zu-byte chunks", c);
		m[nm++] = (struct method){
			.name = sweep_names[k++], .chunk = c, .kind = M_SRP};
	}

	/* Each repetition: every method reads the whole input, taking turns
	 * slice by slice (in a rotating order), so that a slow spell of the
	 * machine falls on all of them alike; times summed per method. */
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < nm; k++) {
			m[k].secs[r] = 0;
			run_begin(&m[k], &cfg);
		}
		for (size_t off = 0, turn = 0; off < in.len;
		     off += SLICE, turn++) {
			size_t n = in.len - off < SLICE ? in.len - off : SLICE;
			for (int j = 0; j < nm; j++) {
				int k = (int)((turn + (size_t)j) % (size_t)nm);
				unsigned long before = heap_calls;
				double t = now();
				run_slice(&m[k], in.s + off, n);
				m[k].secs[r] += now() - t;
				m[k].heap_calls += heap_calls - before;
			}
		}
		for (int k = 0; k < nm; k++)
			run_end(&m[k]);
	}

	/* The counter must see the naive reader's strdup() calls, or a zero
	 * for the parser would prove nothing. */
	unsigned long heap_in_srp = 0;
	for (int k = 0; k < nm; k++)
		if (m[k].kind == M_SRP)
			heap_in_srp += m[k].heap_calls;

	double size_mb = (double)in.len / 1e6;
	if (json)
		printf("{\"shape\": \"%s\", \"bytes\": %zu, \"lines\": %lu, "
		       "\"reps\": %d, \"state_bytes\": %zu, "
		       "\"heap_calls_parsing\": %lu, "
		       "\"heap_calls_naive\": %lu, \"methods\": [",
		       shape, in.len, m[limit].replies, reps,
		       sizeof(struct srp_parser), heap_in_srp,
		       m[naive].heap_calls);
	else
		printf("shape %s: %.1f MB, %d repetitions, medians; parser "
		       "state %zu bytes; heap calls while parsing: %lu (naive "
		       "reader: %lu)\n%-30s %9s %11s %9s %9s %9s\n",
		       shape, size_mb, reps, sizeof(struct srp_parser),
		       heap_in_srp, m[naive].heap_calls, "method", "MB/s",
		       "replies/s", "x memchr", "x 1 piece", "x naive");
	for (int k = 0; k < nm; k++) {
		double s = median(m[k].secs, reps);
		/* memchr counts lines, not replies: no replies/s. */
		double rps =
			m[k].kind == M_MEMCHR ? -1 : (double)m[k].replies / s;
		/* Ratios of times within each repetition, then the median. */
		double vs_limit = median_ratio(m[limit].secs, m[k].secs, reps);
		double vs_one = median_ratio(m[one].secs, m[k].secs, reps);
		double vs_naive = median_ratio(m[naive].secs, m[k].secs, reps);
		if (json)
			printf("%s{\"name\": \"%s\", \"chunk\": %zu, "
			       "\"seconds\": %.9f, \"mb_s\": %.1f, "
			       "\"replies_s\": %.0f, \"ok\": %s, "
			       "\"vs_memchr\": %.4f, \"vs_one_piece\": %.4f, "
			       "\"vs_naive\": %.4f}",
			       k ? ", " : "", m[k].name, m[k].chunk, s,
			       size_mb / s, rps, m[k].ok ? "true" : "false",
			       vs_limit, vs_one, vs_naive);
		else
			printf("%-30s %9.1f %11.0f %9.3f %9.3f %9.3f%s\n",
			       m[k].name, size_mb / s, rps, vs_limit, vs_one,
			       vs_naive, m[k].ok ? "" : "  (failed)");
	}
	if (json)
		printf("]}\n");

	/* Every method must have read it all, and the readers must agree
	 * with the parser on the reply count. */
	int bad = heap_in_srp != 0 || m[naive].heap_calls == 0;
	for (int k = 0; k < nm; k++)
		bad |= !m[k].ok || (m[k].kind != M_MEMCHR &&
				    m[k].replies != m[one].replies);
	if (bad)
		fprintf(stderr, "parser_bench: a method failed or miscounted, "
				"the parser allocated, or the heap counter "
				"missed the naive reader's allocations\n");
	sb_free(&in);
	return bad;
}
