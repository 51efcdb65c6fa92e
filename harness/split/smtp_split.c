/*
 * smtp_split.c - smtp-split: prove, or refute with a minimal counterexample,
 * that an SMTP reply parser's result does not depend on where the byte
 * stream was cut or how long the pieces took to arrive.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "defaults.h"
#include "loader.h"
#include "report.h"
#include "subjects.h"

#ifndef SRH_DEFAULT_CORPUS
#define SRH_DEFAULT_CORPUS "corpus"
#endif

static const char usage[] =
	"usage: smtp-split [options] [FILE|DIR]...\n"
	"Feed each SMTP reply stream to a parser (the subject) cut in every\n"
	"way below and check that the result never depends on the cuts. With\n"
	"no FILE: the shipped corpus (" SRH_DEFAULT_CORPUS "), unless\n"
	"--no-corpus.\n"
	"Exit status: 0 no failure, 1 failures (each shown shrunk, with the\n"
	"command that reproduces it), 2 usage or I/O error.\n"
	"\n"
	"Inputs: raw stream files; NAME.case files (a shrunk counterexample:\n"
	"stream plus schedule, replayed first); FILE.transcript beside FILE\n"
	"holds the transcript FILE must give. Folders are read recursively,\n"
	"but for fuzz_* ones (the fuzz targets' inputs).\n"
	"\n"
	"  --subject S        built-in name or path of a subject .so\n"
	"                     (default reference; see --list-subjects), or\n"
	"                     adapter:COMMAND, a parser in another process\n"
	"                     (harness/adapters/README.md)\n"
	"  --shape S          push, fd or both (default: what S has)\n"
	"  --stream TEXT      check this stream (escaped: \\r \\n \\xNN)\n"
	"  --cuts LIST        run this schedule: 12,13i,30@50 (cut at 12;\n"
	"                     at 13 an empty feed first; 50 ms before 30);\n"
	"                     with --stream, only it unless --families\n"
	"  --families LIST    of the families below, all or none\n"
	"  --generate N       also check N generated streams (seeds SEED..),\n"
	"                     each against the generator's model\n"
	"  --gen-families L   families for generated streams (single,random)\n"
	"  --gen-replies N    at most N pipelined replies a stream (4)\n"
	"  --gen-defects PCT  streams with one planted defect (50)\n"
	"  --no-differential  do not compare with the reference parser\n"
	"  --pairs-max N      pairs of cuts for streams up to N bytes (160)\n"
	"  --exhaustive-max N all partitions up to N bytes (12)\n"
	"  --random N         random schedules per stream (200)\n"
	"  --random-cuts N    at most N cuts each (8)\n"
	"  --delays LIST      fd pauses in ms (0,1,50)\n"
	"  --deadline MS      a subject silent this long hangs "
	"(" SRH_STR(
		SRH_DEADLINE_MS) ")\n"
				 "  --seed N           for the random "
				 "schedules (1)\n"
				 "  --budget SECONDS   start no new work after "
				 "this (0: none)\n"
				 "  --no-shrink        report failures as "
				 "found\n"
				 "  --max-failures N   stop after N failures "
				 "(20; 0: no limit)\n"
				 "  --stop-on LIST     stop after the input "
				 "where one of these\n"
				 "                     oracles failed "
				 "(crash,hang,split,...)\n"
				 "  --no-corpus        with no FILE, only "
				 "--stream or --generate\n"
				 "  --shrink-runs N    at most N runs to "
				 "shrink a failure "
				 "(" SRH_STR(
					 SRH_SHRINK_RUNS) ")\n"
							  "  --no-guard        "
							  " plain heap pieces "
							  "instead of guarded "
							  "ones\n"
							  "  --guard-pages     "
							  " guard with "
							  "mprotect "
							  "only, not "
							  "protection "
							  "keys\n"
							  "  --no-clone        "
							  " do not share "
							  "prefixes through "
							  "the subject's\n"
							  "                    "
							  " clone (every "
							  "partition from the "
							  "start)\n"
							  "  --save DIR        "
							  " write each failure "
							  "as "
							  "DIR/"
							  "<subject>-<oracle>-"
							  "N.case\n"
							  "  --json FILE       "
							  " write a JSON "
							  "report\n"
							  "  --progress        "
							  " progress on stderr "
							  "even when it is no "
							  "terminal\n"
							  "  --quiet           "
							  " no progress\n"
							  "  --list-subjects   "
							  " the built-in "
							  "subjects\n"
							  "  -h, --help        "
							  " this text\n";

struct input {
	char *name; /* path, or "<stream>" */
	struct strbuf bytes;
	struct strbuf expected; /* .transcript beside it, if any */
	bool has_expected;
	struct sched pinned;
	bool has_pinned;
	int shape;		  /* -1: any (case files may say) */
	struct gen_stream *model; /* generated inputs */
};

struct inputs {
	struct input *v;
	size_t n, cap;
};

static struct input *add_input(struct inputs *in, const char *name)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 16;
		in->v = realloc(in->v, in->cap * sizeof *in->v);
		if (!in->v)
			abort();
	}
	struct input *x = &in->v[in->n++];
	memset(x, 0, sizeof *x);
	x->name = strdup(name);
	x->shape = -1;
	return x;
}

static bool read_file(const char *path, struct strbuf *out)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;

	if (!f)
		return false;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_add(out, buf, n);
	bool ok = !ferror(f);
	fclose(f);
	if (!out->s)
		sb_adds(out, "");
	return ok;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool load_file(struct inputs *in, const char *path)
{
	struct input *x = add_input(in, path);
	struct strbuf text = {0}, err = {0};

	if (!read_file(path, &text)) {
		fprintf(stderr, "smtp-split: %s: %s\n", path, strerror(errno));
		return false;
	}
	if (ends_with(path, ".case")) {
		struct report_case c;
		bool ok = report_case_read(sb_str(&text), &c, &err);
		if (ok) {
			x->bytes = c.stream;
			c.stream = (struct strbuf){0};
			x->shape = c.shape;
			if (c.cuts.len) {
				ok = sched_parse(&x->pinned, c.cuts.s,
						 x->bytes.len, &err);
				x->has_pinned = ok;
			}
		}
		report_case_free(&c);
		if (!ok) {
			fprintf(stderr, "smtp-split: %s: %s\n", path,
				sb_str(&err));
			sb_free(&text);
			sb_free(&err);
			return false;
		}
		sb_free(&text);
	} else {
		x->bytes = text;
	}
	char *tpath = malloc(strlen(path) + 12);
	if (!tpath)
		abort();
	sprintf(tpath, "%s.transcript", path);
	x->has_expected = read_file(tpath, &x->expected);
	free(tpath);
	sb_free(&err);
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files under dir, sorted, recursively; not .transcript or dot files, nor
 * the fuzz targets' own inputs (fuzz_* folders: not plain streams). */
static bool load_dir(struct inputs *in, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	bool ok = true;

	if (!d) {
		fprintf(stderr, "smtp-split: %s: %s\n", dir, strerror(errno));
		return false;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    strncmp(e->d_name, "fuzz_", 5) == 0 ||
		    ends_with(e->d_name, ".transcript") ||
		    ends_with(e->d_name, ".md") ||
		    ends_with(e->d_name, ".dict") ||
		    ends_with(e->d_name, ".options"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				abort();
		}
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[n])
			abort();
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
			ok &= load_dir(in, names[i]);
		else
			ok &= load_file(in, names[i]);
		free(names[i]);
	}
	free(names);
	return ok;
}

static bool load_path(struct inputs *in, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return load_dir(in, path);
	return load_file(in, path);
}

/* The families, from their table (check.h CHK_FAMILIES). */
static void print_families(FILE *out)
{
	static const char *const on[] = {"", "push", "fd", "push, fd"};

	fputs("\nFamilies (in the order they run; the shapes they run on):\n",
	      out);
	for (unsigned f = 0; f < CHK_F_COUNT; f++) {
		const struct chk_family_row *row = chk_family_row(f);
		fprintf(out, "  %-12s %s (%s)\n", row->name, row->what,
			on[row->shapes & 3]);
	}
}

static bool parse_families(const char *list, unsigned *out)
{
	struct strbuf bad = {0};
	bool ok = chk_families_parse(list, out, &bad);

	if (!ok)
		fprintf(stderr, "smtp-split: unknown family '%s'\n",
			sb_str(&bad));
	sb_free(&bad);
	return ok;
}

static bool parse_num(const char *s, unsigned long long max,
		      unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-' && *v <= max;
}

static bool parse_delays(const char *list, struct chk_opts *o)
{
	char *copy = strdup(list), *save = NULL;
	bool ok = true;

	o->ndelays = 0;
	for (char *w = strtok_r(copy, ",", &save); w && ok;
	     w = strtok_r(NULL, ",", &save)) {
		unsigned long long v;
		ok = o->ndelays < sizeof o->delays / sizeof o->delays[0] &&
		     parse_num(w, 60000, &v);
		if (ok)
			o->delays[o->ndelays++] = (uint16_t)v;
	}
	free(copy);
	return ok && o->ndelays > 0;
}

_Static_assert(CHK_O_COUNT <= 32, "--stop-on keeps a bit per oracle");

/* "crash,hang": a bit per oracle named. */
static bool parse_oracles(const char *list, unsigned *mask)
{
	char *copy = strdup(list), *save = NULL;
	bool ok = copy != NULL;

	*mask = 0;
	for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; ok && w;
	     w = strtok_r(NULL, ",", &save)) {
		unsigned o = 0;
		while (o < CHK_O_COUNT && strcmp(w, chk_oracle_name(o)) != 0)
			o++;
		ok = o < CHK_O_COUNT;
		*mask |= ok ? 1u << o : 0;
	}
	free(copy);
	return ok && *mask;
}

struct cli {
	struct chk_opts o;
	struct gen_opts gen;
	size_t generate;
	size_t max_failures;
	unsigned stop_on; /* 1 << enum chk_oracle */
	bool no_corpus;
	const char *stream, *cuts, *save_dir, *json_path;
	bool families_given, progress, quiet;
	unsigned families;
	int shape; /* -1: default */
};

static int parse_args(int argc, char **argv, struct cli *cli)
{
	enum {
		O_SUBJECT = 256,
		O_SHAPE,
		O_STREAM,
		O_CUTS,
		O_FAMILIES,
		O_PAIRS,
		O_EXH,
		O_RANDOM,
		O_RANDOM_CUTS,
		O_DELAYS,
		O_DEADLINE,
		O_SEED,
		O_BUDGET,
		O_NO_SHRINK,
		O_SHRINK_RUNS,
		O_NO_GUARD,
		O_GUARD_PAGES,
		O_NO_CLONE,
		O_SAVE,
		O_JSON,
		O_PROGRESS,
		O_QUIET,
		O_LIST,
		O_GENERATE,
		O_GEN_FAMILIES,
		O_GEN_REPLIES,
		O_GEN_DEFECTS,
		O_NO_DIFF,
		O_MAX_FAILURES,
		O_STOP_ON,
		O_NO_CORPUS,
	};
	static const struct option longopts[] = {
		{"subject", required_argument, NULL, O_SUBJECT},
		{"shape", required_argument, NULL, O_SHAPE},
		{"stream", required_argument, NULL, O_STREAM},
		{"cuts", required_argument, NULL, O_CUTS},
		{"families", required_argument, NULL, O_FAMILIES},
		{"pairs-max", required_argument, NULL, O_PAIRS},
		{"exhaustive-max", required_argument, NULL, O_EXH},
		{"random", required_argument, NULL, O_RANDOM},
		{"random-cuts", required_argument, NULL, O_RANDOM_CUTS},
		{"delays", required_argument, NULL, O_DELAYS},
		{"deadline", required_argument, NULL, O_DEADLINE},
		{"seed", required_argument, NULL, O_SEED},
		{"budget", required_argument, NULL, O_BUDGET},
		{"no-shrink", no_argument, NULL, O_NO_SHRINK},
		{"shrink-runs", required_argument, NULL, O_SHRINK_RUNS},
		{"no-guard", no_argument, NULL, O_NO_GUARD},
		{"guard-pages", no_argument, NULL, O_GUARD_PAGES},
		{"no-clone", no_argument, NULL, O_NO_CLONE},
		{"save", required_argument, NULL, O_SAVE},
		{"json", required_argument, NULL, O_JSON},
		{"progress", no_argument, NULL, O_PROGRESS},
		{"quiet", no_argument, NULL, O_QUIET},
		{"list-subjects", no_argument, NULL, O_LIST},
		{"generate", required_argument, NULL, O_GENERATE},
		{"gen-families", required_argument, NULL, O_GEN_FAMILIES},
		{"gen-replies", required_argument, NULL, O_GEN_REPLIES},
		{"gen-defects", required_argument, NULL, O_GEN_DEFECTS},
		{"no-differential", no_argument, NULL, O_NO_DIFF},
		{"max-failures", required_argument, NULL, O_MAX_FAILURES},
		{"stop-on", required_argument, NULL, O_STOP_ON},
		{"no-corpus", no_argument, NULL, O_NO_CORPUS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *subject = "reference";
	struct chk_opts *o = &cli->o;
	unsigned long long v;
	int c;

	chk_opts_init(o, NULL);
	gen_opts_init(&cli->gen);
	cli->shape = -1;
	cli->max_failures = 20;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case O_SUBJECT:
			subject = optarg;
			break;
		case O_SHAPE:
			cli->shape = strcmp(optarg, "push") == 0   ? CHK_PUSH
				     : strcmp(optarg, "fd") == 0   ? CHK_FD
				     : strcmp(optarg, "both") == 0 ? 2
								   : -2;
			ok = cli->shape != -2;
			break;
		case O_STREAM:
			cli->stream = optarg;
			break;
		case O_CUTS:
			cli->cuts = optarg;
			break;
		case O_FAMILIES:
			ok = parse_families(optarg, &cli->families);
			cli->families_given = true;
			break;
		case O_PAIRS:
			ok = parse_num(optarg, 1u << 20, &v);
			o->pairs_max = (size_t)v;
			break;
		case O_EXH:
			ok = parse_num(optarg, 24, &v);
			o->exhaustive_max = (size_t)v;
			break;
		case O_RANDOM:
			ok = parse_num(optarg, 1u << 30, &v);
			o->random_count = (size_t)v;
			break;
		case O_RANDOM_CUTS:
			ok = parse_num(optarg, 4096, &v) && v > 0;
			o->random_max_cuts = (size_t)v;
			break;
		case O_DELAYS:
			ok = parse_delays(optarg, o);
			break;
		case O_DEADLINE:
			ok = parse_num(optarg, 3600000, &v) && v >= 10;
			o->deadline_ms = (unsigned)v;
			break;
		case O_SEED:
			ok = parse_num(optarg, UINT64_MAX, &v);
			o->seed = v;
			break;
		case O_BUDGET:
			ok = parse_num(optarg, 1u << 30, &v);
			o->budget_s = (double)v;
			break;
		case O_NO_SHRINK:
			o->shrink = false;
			break;
		case O_SHRINK_RUNS:
			ok = parse_num(optarg, 1u << 30, &v);
			o->shrink_max_runs = (unsigned)v;
			break;
		case O_NO_GUARD:
			o->run.guard = GUARD_OFF;
			break;
		case O_GUARD_PAGES:
			o->run.guard = GUARD_PAGES;
			break;
		case O_NO_CLONE:
			o->no_clone = true;
			break;
		case O_SAVE:
			cli->save_dir = optarg;
			break;
		case O_JSON:
			cli->json_path = optarg;
			break;
		case O_PROGRESS:
			cli->progress = true;
			break;
		case O_QUIET:
			cli->quiet = true;
			break;
		case O_LIST: {
			struct strbuf b = {0};
			loader_list(&b);
			fputs(sb_str(&b), stdout);
			sb_free(&b);
			exit(0);
		}
		case O_GENERATE:
			ok = parse_num(optarg, 1u << 24, &v);
			cli->generate = (size_t)v;
			break;
		case O_GEN_FAMILIES:
			ok = parse_families(optarg, &o->gen_families);
			break;
		case O_GEN_REPLIES:
			ok = parse_num(optarg, 64, &v) && v > 0;
			cli->gen.max_replies = (size_t)v;
			break;
		case O_GEN_DEFECTS:
			ok = parse_num(optarg, 100, &v);
			cli->gen.defect_pct = (unsigned)v;
			break;
		case O_NO_DIFF:
			o->differential = false;
			break;
		case O_MAX_FAILURES:
			ok = parse_num(optarg, 1u << 30, &v);
			cli->max_failures = (size_t)v;
			break;
		case O_STOP_ON:
			ok = parse_oracles(optarg, &cli->stop_on);
			break;
		case O_NO_CORPUS:
			cli->no_corpus = true;
			break;
		case 'h':
			fputs(usage, stdout);
			print_families(stdout);
			exit(0);
		default:
			ok = false;
		}
		if (!ok) {
			if (optarg)
				fprintf(stderr,
					"smtp-split: bad value '%s' for "
					"--%s\n",
					optarg, longopts[c - 256].name);
			fputs("run smtp-split --help for the options\n",
			      stderr);
			return 2;
		}
	}

	struct strbuf err = {0};
	/* "adapter:COMMAND": a parser in another process, started once. */
	const char *load = subject;
	if (strncmp(subject, "adapter:", 8) == 0) {
		if (!srh_adapter_start(subject + 8, &err)) {
			fprintf(stderr, "smtp-split: %s\n", sb_str(&err));
			sb_free(&err);
			return 2;
		}
		load = "adapter";
	}
	const struct srh_subject *s = loader_open(load, &err);
	if (!s) {
		fprintf(stderr, "smtp-split: subject %s: %s\n", subject,
			sb_str(&err));
		sb_free(&err);
		return 2;
	}
	double start = o->start_s;
	struct chk_opts keep = *o;
	chk_opts_init(o, s);
	/* Keep what the options set, take subject and shapes from s. */
	keep.subject = s;
	keep.subject_arg = subject;
	keep.prog = argv[0];
	keep.shapes = o->shapes;
	keep.start_s = start;
	*o = keep;
	if (cli->shape >= 0) {
		unsigned want = cli->shape == 2 ? 3u : 1u << cli->shape;
		if ((o->shapes & want) != want) {
			fprintf(stderr,
				"smtp-split: subject %s has no %s shape\n",
				s->name, cli->shape == CHK_FD ? "fd" : "push");
			return 2;
		}
		o->shapes = want;
	}
	if (cli->families_given)
		o->families = cli->families;
	else if (cli->stream && cli->cuts)
		o->families = 0;
	return -1;
}

static void progress(const struct cli *cli, size_t done, size_t total,
		     const struct chk_result *r, bool final)
{
	bool tty = isatty(STDERR_FILENO);
	double secs = chk_now() - cli->o.start_s;

	if (cli->quiet || (!tty && !cli->progress))
		return;
	fprintf(stderr,
		"%sstreams %zu/%zu, schedules %llu (%.0f/s), "
		"failures %zu%s",
		tty ? "\r" : "", done, total,
		(unsigned long long)r->stats.schedules,
		secs > 0 ? (double)r->stats.schedules / secs : 0.0, r->nfail,
		tty && !final ? "   " : "\n");
	fflush(stderr);
}

static void summary(const struct cli *cli, const struct chk_result *r,
		    size_t ninputs)
{
	const struct chk_opts *o = &cli->o;
	double secs = chk_now() - o->start_s;
	size_t by[CHK_O_COUNT] = {0};

	for (size_t i = 0; i < r->nfail; i++)
		by[r->fail[i].oracle]++;
	printf("smtp-split: subject %s (%s%s%s), seed %llu\n", o->subject->name,
	       o->shapes & 1 ? "push" : "", o->shapes == 3 ? "+" : "",
	       o->shapes & 2 ? "fd" : "", (unsigned long long)o->seed);
	printf("  streams %zu, schedules %llu in %.1f s (%.0f/s), "
	       "failures %zu\n",
	       ninputs, (unsigned long long)r->stats.schedules, secs,
	       secs > 0 ? (double)r->stats.schedules / secs : 0.0, r->nfail);
	if (r->nfail) {
		printf("  failures by oracle:");
		for (int i = 0; i < CHK_O_COUNT; i++)
			if (by[i])
				printf(" %s %zu", chk_oracle_name(i), by[i]);
		printf("\n");
	}
	if (r->stats.capped_pairs)
		printf("  capped: pairs of cuts skipped for %llu stream "
		       "shape(s) longer than %zu bytes (--pairs-max)\n",
		       (unsigned long long)r->stats.capped_pairs, o->pairs_max);
	if (r->stats.capped_exhaustive)
		printf("  capped: all partitions skipped for %llu stream "
		       "shape(s) longer than %zu bytes (--exhaustive-max)\n",
		       (unsigned long long)r->stats.capped_exhaustive,
		       o->exhaustive_max);
	if (r->stats.budget_hit)
		printf("  budget: stopped starting new work after %.0f s "
		       "(--budget); some families did not run\n",
		       o->budget_s);
}

static void save_cases(const struct cli *cli, const struct chk_result *r)
{
	for (size_t i = 0; i < r->nfail; i++) {
		struct strbuf path = {0}, text = {0};
		const struct chk_failure *f = &r->fail[i];
		sb_addf(&path, "%s/%s-%s-%zu.case", cli->save_dir,
			cli->o.subject->name, chk_oracle_name(f->oracle),
			i + 1);
		report_case_file(&cli->o, f, &text);
		FILE *out = fopen(path.s, "w");
		if (!out || fwrite(text.s, 1, text.len, out) != text.len)
			fprintf(stderr, "smtp-split: %s: %s\n", path.s,
				strerror(errno));
		else
			printf("saved %s\n", path.s);
		if (out)
			fclose(out);
		sb_free(&path);
		sb_free(&text);
	}
}

/* stopped: NULL when every input was checked, else the option that
 * stopped the run early. */
static void write_json(const struct cli *cli, const struct chk_result *r,
		       const char *const *names, size_t ninputs, size_t total,
		       const char *stopped)
{
	struct strbuf j = {0};
	const struct chk_stats *st = &r->stats;

	sb_addf(&j,
		"{\"subject\":\"%s\",\"seed\":%llu,\"streams\":%zu,"
		"\"inputs\":%zu,\"stopped_by\":%s%s%s,"
		"\"schedules\":%llu,\"seconds\":%.6f,\"capped_pairs\":%llu,"
		"\"capped_exhaustive\":%llu,\"budget_hit\":%s,\"failures\":[",
		cli->o.subject->name, (unsigned long long)cli->o.seed, ninputs,
		total, stopped ? "\"" : "", stopped ? stopped : "null",
		stopped ? "\"" : "", (unsigned long long)st->schedules,
		chk_now() - cli->o.start_s,
		(unsigned long long)st->capped_pairs,
		(unsigned long long)st->capped_exhaustive,
		st->budget_hit ? "true" : "false");
	for (size_t i = 0; i < r->nfail; i++) {
		if (i)
			sb_adds(&j, ",");
		report_json(&cli->o, names[i], &r->fail[i], &j);
	}
	sb_adds(&j, "]}\n");
	FILE *f = fopen(cli->json_path, "w");
	if (!f || fwrite(j.s, 1, j.len, f) != j.len)
		fprintf(stderr, "smtp-split: %s: %s\n", cli->json_path,
			strerror(errno));
	if (f)
		fclose(f);
	sb_free(&j);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct inputs in = {0};
	struct chk_result r = {0};
	bool ok = true;

	int rc = parse_args(argc, argv, &cli);
	if (rc >= 0)
		return rc;
	if (cli.stream) {
		struct input *x = add_input(&in, "<stream>");
		size_t bad;
		if (!sb_unescape(&x->bytes, cli.stream, &bad)) {
			fprintf(stderr,
				"smtp-split: --stream: bad escape at "
				"character %zu\n",
				bad);
			return 2;
		}
		sb_adds(&x->bytes, "");
	}
	for (int i = optind; i < argc; i++)
		ok &= load_path(&in, argv[i]);
	if (!cli.stream && optind == argc && !cli.no_corpus)
		ok &= load_path(&in, SRH_DEFAULT_CORPUS);
	for (size_t k = 0; k < cli.generate; k++) {
		char name[64];
		struct gen_source src;
		uint64_t seed = cli.o.seed + k;
		snprintf(name, sizeof name, "generated stream %zu (seed %llu)",
			 k + 1, (unsigned long long)seed);
		struct input *x = add_input(&in, name);
		x->model = calloc(1, sizeof *x->model);
		if (!x->model)
			abort();
		gen_source_seed(&src, seed);
		gen_generate(x->model, &src, &cli.gen);
		gen_serialize(x->model, &x->bytes);
	}
	if (!ok)
		return 2;
	if (in.n == 0 && cli.no_corpus) {
		fputs("smtp-split: --no-corpus: nothing to check (give a FILE, "
		      "--stream or --generate)\n",
		      stderr);
		return 2;
	}
	if (cli.cuts) {
		for (size_t i = 0; i < in.n; i++) {
			struct strbuf err = {0};
			if (!sched_parse(&in.v[i].pinned, cli.cuts,
					 in.v[i].bytes.len, &err)) {
				fprintf(stderr, "smtp-split: --cuts: %s\n",
					sb_str(&err));
				return 2;
			}
			in.v[i].has_pinned = true;
			sb_free(&err);
		}
	}

	const char **fail_input = NULL;
	size_t checked = 0;
	int stopped_on = -1; /* the --stop-on oracle that failed */
	for (size_t i = 0; i < in.n && stopped_on < 0; i++) {
		if (cli.max_failures && r.nfail >= cli.max_failures)
			break;
		checked++;
		struct input *x = &in.v[i];
		struct chk_opts o = cli.o;
		size_t before = r.nfail;
		if (x->shape >= 0 && (o.shapes >> x->shape & 1))
			o.shapes = 1u << x->shape;
		struct chk_input ci = {
			x->name,
			(const unsigned char *)sb_str(&x->bytes),
			x->bytes.len,
			x->has_expected ? sb_str(&x->expected) : NULL,
			x->has_pinned ? &x->pinned : NULL,
			x->model,
		};
		chk_stream(&o, &ci, &r);
		if (r.error.len) {
			fprintf(stderr, "smtp-split: %s: %s\n", x->name,
				sb_str(&r.error));
			rc = 2;
			break;
		}
		fail_input =
			realloc(fail_input, (r.nfail + 1) * sizeof *fail_input);
		if (!fail_input)
			abort();
		for (size_t k = before; k < r.nfail; k++) {
			struct strbuf b = {0};
			fail_input[k] = x->name;
			progress(&cli, i + 1, in.n, &r, true);
			report_failure(&o, x->name, &r.fail[k], &b);
			fputs(b.s, stdout);
			fputs("\n", stdout);
			fflush(stdout);
			sb_free(&b);
			if (stopped_on < 0 &&
			    (cli.stop_on >> r.fail[k].oracle & 1))
				stopped_on = (int)r.fail[k].oracle;
		}
		progress(&cli, i + 1, in.n, &r, i + 1 == in.n);
	}
	summary(&cli, &r, checked);
	const char *stopped = checked == in.n	? NULL
			      : stopped_on >= 0 ? "stop-on"
						: "max-failures";
	if (stopped_on >= 0 && checked < in.n)
		printf("  stopped at a failure of %s (--stop-on): %zu "
		       "input(s) not checked\n",
		       chk_oracle_name((enum chk_oracle)stopped_on),
		       in.n - checked);
	else if (stopped)
		printf("  stopped after %zu failures (--max-failures): %zu "
		       "input(s) not checked\n",
		       r.nfail, in.n - checked);
	if (cli.save_dir)
		save_cases(&cli, &r);
	if (cli.json_path)
		write_json(&cli, &r, fail_input, checked, in.n, stopped);
	rc = r.error.len ? 2 : r.nfail ? 1 : 0;
	free(fail_input);
	chk_result_free(&r);
	for (size_t i = 0; i < in.n; i++) {
		free(in.v[i].name);
		sb_free(&in.v[i].bytes);
		sb_free(&in.v[i].expected);
		sched_free(&in.v[i].pinned);
		if (in.v[i].model) {
			gen_free(in.v[i].model);
			free(in.v[i].model);
		}
	}
	free(in.v);
	return rc;
}
