/*
 * parser_bench.c - the reference parser's throughput, side by side in one
 * run with the physical limit (a memchr scan for line ends over the same
 * bytes) and with the naive line-buffered reader real clients write
 * (naive_parser.c), on a realistic mix and on adversarial shapes, fed in
 * one piece and in chunks. Also: the parser's state size, and the heap
 * calls made while it parses (there must be none).
 *
 *   parser_bench [--mb N] [--reps R] [--shape S] [--json] CORPUS_DIR
 *
 * Shapes: mix (the corpus's reply streams, repeated to N MB), longlines
 * (10-line replies of 8000-octet lines), manylines (replies of 5000
 * continuation lines). Each repetition times every method once, back to
 * back, so that ratios are taken between neighbours; medians are printed.
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

struct bytes {
	char *s;
	size_t len, cap;
};

static void add(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s) {
			perror("parser_bench");
			exit(2);
		}
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the methods ---- */

struct result {
	unsigned long replies;
	bool ok;
};

/* The reference parser, fed `chunk` bytes a call (0: all at once). */
static struct result run_srp(const struct srp_config *cfg, const char *s,
			     size_t len, size_t chunk)
{
	struct srp_parser p;
	struct result r = {0, true};

	srp_init(&p, cfg);
	for (size_t off = 0; off < len;) {
		size_t n = chunk && len - off > chunk ? chunk : len - off;
		size_t pos = 0;
		while (pos < n) {
			size_t used;
			enum srp_status st =
				srp_feed(&p, s + off + pos, n - pos, &used);
			pos += used;
			if (st == SRP_REPLY)
				r.replies++;
			else if (st == SRP_ERROR) {
				r.ok = false;
				return r;
			}
		}
		off += n;
	}
	r.ok = srp_finish(&p) == SRP_END;
	return r;
}

/* The physical limit: find every line end. */
static struct result run_memchr(const char *s, size_t len)
{
	struct result r = {0, true};
	const char *end = s + len;

	for (const char *q = s; (q = memchr(q, '\n', (size_t)(end - q)));) {
		r.replies++; /* lines, here */
		q++;
	}
	return r;
}

static struct result run_naive(const char *s, size_t len, size_t chunk)
{
	static struct naive_parser n; /* 16 KB: not on the stack */
	struct result r = {0, true};

	naive_init(&n);
	for (size_t off = 0; off < len; off += chunk) {
		size_t k = len - off < chunk ? len - off : chunk;
		if (naive_feed(&n, s + off, k) < 0) {
			r.ok = false;
			break;
		}
	}
	r.replies = n.replies;
	return r;
}

/* ---- the inputs ---- */

static bool parses(const struct srp_config *cfg, const char *s, size_t len)
{
	return run_srp(cfg, s, len, 0).ok;
}

/* The corpus's streams that the strict parser accepts, repeated. */
static void build_mix(struct bytes *b, const char *dir, size_t want,
		      const struct srp_config *cfg)
{
	struct bytes once = {0};
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
		if (l > 5 && strcmp(nm + l - 5, ".smtp") == 0 &&
		    snprintf(path, sizeof path, "%s/%s", dir, nm) <
			    (int)sizeof path) {
			FILE *f = fopen(path, "rb");
			struct bytes one = {0};
			char buf[4096];
			size_t k;
			while (f && (k = fread(buf, 1, sizeof buf, f)) > 0)
				add(&one, buf, k);
			if (f)
				fclose(f);
			if (one.len && parses(cfg, one.s, one.len))
				add(&once, one.s, one.len);
			free(one.s);
		}
		free(names[i]);
	}
	free(names);
	if (!once.len) {
		fprintf(stderr, "parser_bench: %s: no stream parses\n", dir);
		exit(2);
	}
	while (b->len < want)
		add(b, once.s, once.len);
	free(once.s);
}

static void build_lines(struct bytes *b, size_t want, size_t text,
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
			add(b, line, text + 6);
		line[3] = ' ';
		add(b, line, text + 6);
		line[3] = '-';
	}
	free(line);
}

/* ---- measuring ---- */

#define MAX_REPS    51
#define MAX_METHODS 8

struct method {
	const char *name;
	size_t chunk; /* 0: one piece */
	int kind;     /* 0 srp, 1 memchr, 2 naive */
	double secs[MAX_REPS];
	unsigned long replies;
	bool ok;
};

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
			"[--shape mix|longlines|manylines] [--json] "
			"CORPUS_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double mb = 32;
	int reps = 5;
	const char *shape = "mix", *dir = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--shape") && i + 1 < argc)
			shape = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			usage();
	}
	if (mb <= 0 || reps < 1 || reps > MAX_REPS)
		usage();

	struct srp_config cfg;
	srp_config_init(&cfg);
	struct bytes in = {0};
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

	struct method m[MAX_METHODS] = {
		{"srp one piece", 0, 0, {0}, 0, false},
		{"srp 4096-byte chunks", 4096, 0, {0}, 0, false},
		{"srp 64-byte chunks", 64, 0, {0}, 0, false},
		{"srp 1-byte chunks", 1, 0, {0}, 0, false},
		{"memchr line scan", 0, 1, {0}, 0, false},
		{"naive reader, 4096-byte reads", 4096, 2, {0}, 0, false},
	};
	int nm = 6;
	unsigned long heap_in_srp = 0;

	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < nm; k++) {
			struct result res;
			unsigned long before = heap_calls;
			double t = now();
			if (m[k].kind == 0)
				res = run_srp(&cfg, in.s, in.len, m[k].chunk);
			else if (m[k].kind == 1)
				res = run_memchr(in.s, in.len);
			else
				res = run_naive(in.s, in.len, m[k].chunk);
			m[k].secs[r] = now() - t;
			if (m[k].kind == 0)
				heap_in_srp += heap_calls - before;
			m[k].replies = res.replies;
			m[k].ok = res.ok;
		}
	}

	double size_mb = (double)in.len / 1e6;
	if (json) {
		printf("{\"shape\": \"%s\", \"mb\": %.3f, \"reps\": %d, "
		       "\"state_bytes\": %zu, \"heap_calls_parsing\": %lu, "
		       "\"methods\": [",
		       shape, size_mb, reps, sizeof(struct srp_parser),
		       heap_in_srp);
		for (int k = 0; k < nm; k++)
			printf("%s{\"name\": \"%s\", \"chunk\": %zu, "
			       "\"seconds\": %.6f, \"mb_s\": %.1f, "
			       "\"replies\": %lu, \"ok\": %s, "
			       "\"vs_memchr\": %.4f, \"vs_one_piece\": %.4f}",
			       k ? ", " : "", m[k].name, m[k].chunk,
			       median(m[k].secs, reps),
			       size_mb / median(m[k].secs, reps), m[k].replies,
			       m[k].ok ? "true" : "false",
			       median_ratio(m[4].secs, m[k].secs, reps),
			       median_ratio(m[0].secs, m[k].secs, reps));
		printf("]}\n");
	} else {
		printf("shape %s: %.1f MB, %d repetitions, medians; parser "
		       "state %zu bytes; heap calls while parsing: %lu\n",
		       shape, size_mb, reps, sizeof(struct srp_parser),
		       heap_in_srp);
		printf("%-32s %10s %12s %10s %12s\n", "method", "MB/s",
		       "replies/s", "x memchr", "x one piece");
		for (int k = 0; k < nm; k++) {
			double s = median(m[k].secs, reps);
			printf("%-32s %10.1f %12.0f %10.3f %12.3f%s\n",
			       m[k].name, size_mb / s,
			       m[k].kind == 1 ? 0.0 : (double)m[k].replies / s,
			       median_ratio(m[4].secs, m[k].secs, reps),
			       median_ratio(m[0].secs, m[k].secs, reps),
			       m[k].ok ? "" : "  (failed)");
		}
	}
	int bad = 0;
	for (int k = 0; k < nm; k++)
		bad |= !m[k].ok;
	bad |= m[0].replies != m[5].replies; /* both count the replies */
	bad |= heap_in_srp != 0;
	free(in.s);
	return bad;
}
