/*
 * cli.c - see cli.h: smtp-split's usage text and options.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "loader.h"
#include "subjects.h"

/* clang-format off */
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
	"                     at 13 an empty feed first; 50 ms before 30),\n"
	"                     none (one piece) or bytes (every byte);\n"
	"                     with --stream, only it unless --families\n"
	"  --families LIST    of the families below, all or none\n"
	"  --generate N       also check N generated streams (seeds SEED..),\n"
	"                     each against the generator's model\n"
	"  --gen-families L   families for generated streams (single,random)\n"
	"  --gen-replies N    at most N pipelined replies a stream (4)\n"
	"  --gen-defects PCT  streams with one planted defect (50)\n"
	"  --gen-aim PCT      replies sized to hit a buffer size: a line,\n"
	"                     a reply's text or bytes, the stream (33)\n"
	"  --no-differential  do not compare with the reference parser\n"
	"  --pairs-max N      pairs of cuts for streams up to N bytes (" SRH_STR(SRH_PAIRS_MAX) ")\n"
	"  --exhaustive-max N all partitions up to N bytes (12)\n"
	"  --every-max N      single, idle, uniform, prefix at every offset\n"
	"                     up to N bytes (" SRH_STR(SRH_EVERY_MAX) "); longer: " SRH_STR(SRH_SPREAD_OFFSETS) " spread over it\n"
	"  --random N         random schedules per stream (" SRH_STR(SRH_RANDOM) ")\n"
	"  --quick            fewer of both: --pairs-max " SRH_STR(SRH_QUICK_PAIRS_MAX) " --random " SRH_STR(SRH_QUICK_RANDOM) ",\n"
	"                     the corpus budget of the tests and of ./run\n"
	"  --random-cuts N    at most N cuts each (8)\n"
	"  --delays LIST      fd pauses in ms (0,1,50)\n"
	"  --deadline MS      a subject silent this long hangs (" SRH_STR(SRH_DEADLINE_MS) ")\n"
	"  --memory-limit MIB a subject holding more than this beyond the\n"
	"                     harness's own fails as memory (" SRH_STR(SRH_MEMORY_LIMIT_MIB) "; 0: none)\n"
	"  --heap-limit KIB   the memory family: the live heap a subject may\n"
	"                     hold on a flood (" SRH_STR(SRH_HEAP_LIMIT_KIB) "; 0: unchecked)\n"
	"  --seed N           for the random schedules (1)\n"
	"  --budget SECONDS   start no new work after this (0: none)\n"
	"  --no-shrink        report failures as found\n"
	"  --max-failures N   stop after N failures (20; 0: no limit)\n"
	"  --stop-on LIST     stop after the input where one of these\n"
	"                     oracles failed (crash,hang,split,...)\n"
	"  --oracles LIST     judge only these (crash and hang always); e.g.\n"
	"                     cut-independence alone: split,prompt,prefix\n"
	"  --no-corpus        with no FILE, only --stream or --generate\n"
	"  --shrink-runs N    at most N runs to shrink a failure (" SRH_STR(SRH_SHRINK_RUNS) ")\n"
	"  --no-guard         plain heap pieces instead of guarded ones\n"
	"  --guard-pages      guard with mprotect only, not protection keys\n"
	"                     or ASan's shadow (the default where both the\n"
	"                     harness and the subject are built with ASan)\n"
	"  --no-clone         do not share prefixes through the subject's\n"
	"                     clone (every partition from the start)\n"
	"  --save DIR         write each failure as DIR/<subject>-<oracle>-N.case\n"
	"  --json FILE        write a JSON report\n"
	"  --progress         progress on stderr even when it is no terminal\n"
	"  --quiet            no progress\n"
	"  --list-subjects    the built-in subjects\n"
	"  -h, --help         this text\n";
/* clang-format on */

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

static bool adapter_gone(void *pid, struct strbuf *why)
{
	return srh_adapter_gone(pid, why);
}

int cli_parse(int argc, char **argv, struct cli *cli)
{
	enum {
		O_SUBJECT = 256,
		O_SHAPE,
		O_STREAM,
		O_CUTS,
		O_FAMILIES,
		O_PAIRS,
		O_EVERY,
		O_EXH,
		O_RANDOM,
		O_RANDOM_CUTS,
		O_DELAYS,
		O_DEADLINE,
		O_MEMORY_LIMIT,
		O_HEAP_LIMIT,
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
		O_GEN_AIM,
		O_NO_DIFF,
		O_MAX_FAILURES,
		O_STOP_ON,
		O_ORACLES,
		O_NO_CORPUS,
		O_QUICK,
	};
	static const struct option longopts[] = {
		{"subject", required_argument, NULL, O_SUBJECT},
		{"shape", required_argument, NULL, O_SHAPE},
		{"stream", required_argument, NULL, O_STREAM},
		{"cuts", required_argument, NULL, O_CUTS},
		{"families", required_argument, NULL, O_FAMILIES},
		{"pairs-max", required_argument, NULL, O_PAIRS},
		{"every-max", required_argument, NULL, O_EVERY},
		{"exhaustive-max", required_argument, NULL, O_EXH},
		{"random", required_argument, NULL, O_RANDOM},
		{"random-cuts", required_argument, NULL, O_RANDOM_CUTS},
		{"delays", required_argument, NULL, O_DELAYS},
		{"deadline", required_argument, NULL, O_DEADLINE},
		{"memory-limit", required_argument, NULL, O_MEMORY_LIMIT},
		{"heap-limit", required_argument, NULL, O_HEAP_LIMIT},
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
		{"gen-aim", required_argument, NULL, O_GEN_AIM},
		{"no-differential", no_argument, NULL, O_NO_DIFF},
		{"max-failures", required_argument, NULL, O_MAX_FAILURES},
		{"stop-on", required_argument, NULL, O_STOP_ON},
		{"oracles", required_argument, NULL, O_ORACLES},
		{"no-corpus", no_argument, NULL, O_NO_CORPUS},
		{"quick", no_argument, NULL, O_QUICK},
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
		case O_EVERY:
			ok = parse_num(optarg, SRH_INPUT_MAX, &v);
			o->every_max = (size_t)v;
			break;
		case O_EXH:
			ok = parse_num(optarg, 24, &v);
			o->exhaustive_max = (size_t)v;
			break;
		case O_RANDOM:
			ok = parse_num(optarg, 1u << 30, &v);
			o->random_count = (size_t)v;
			break;
		case O_QUICK:
			o->pairs_max = SRH_QUICK_PAIRS_MAX;
			o->random_count = SRH_QUICK_RANDOM;
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
		case O_MEMORY_LIMIT:
			ok = parse_num(optarg, 1u << 20, &v);
			o->memory_limit = (size_t)v << 20;
			break;
		case O_HEAP_LIMIT:
			ok = parse_num(optarg, 1u << 30, &v);
			o->heap_limit = (size_t)v << 10;
			cli->heap_limit_given = true;
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
		case O_GEN_AIM:
			ok = parse_num(optarg, 100, &v);
			cli->gen.aim_pct = (unsigned)v;
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
		case O_ORACLES:
			ok = strcmp(optarg, "all") == 0
				     ? (o->oracles = (1u << CHK_O_COUNT) - 1,
					true)
				     : parse_oracles(optarg, &o->oracles);
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
		if (!srh_adapter_start(subject + 8, &cli->adapter_pid,
				       &cli->adapter, &err)) {
			fprintf(stderr, "smtp-split: %s\n", sb_str(&err));
			sb_free(&err);
			return 2;
		}
		load = "adapter";
		o->subject_gone = adapter_gone;
		o->gone_arg = &cli->adapter_pid;
	}
	const struct srh_subject *s = loader_open(load, &err);
	if (!s) {
		fprintf(stderr, "smtp-split: subject %s: %s\n", subject,
			sb_str(&err));
		sb_free(&err);
		return 2;
	}
	if (cli->adapter_pid > 0)
		s = &cli->adapter; /* with what it declared */
	double start = o->start_s;
	struct chk_opts keep = *o;
	chk_opts_init(o, s);
	/* Keep what the options set, take subject and shapes from s. */
	keep.subject = s;
	keep.subject_arg = subject;
	keep.prog = argv[0];
	keep.shapes = o->shapes;
	keep.start_s = start;
	if (!cli->heap_limit_given)
		keep.heap_limit = o->heap_limit;
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
