/*
 * smtp_split.c - smtp-split: prove, or refute with a minimal counterexample,
 * that an SMTP reply parser's result does not depend on where the byte
 * stream was cut or how long the pieces took to arrive.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "alloc.h"
#include "cli.h"
#include "defaults.h"
#include "inputs.h"
#include "loader.h"
#include "report.h"
#include "subjects.h"

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
	if (o->oracles != (1u << CHK_O_COUNT) - 1) {
		printf("  judged: only");
		for (int i = 0, first = 1; i < CHK_O_COUNT; i++)
			if (chk_judges(o, i)) {
				printf("%s%s", first ? " " : ",",
				       chk_oracle_name(i));
				first = 0;
			}
		printf(" (--oracles)\n");
	}
	if (r->stats.capped_spread)
		printf("  capped: single, idle, uniform and prefix at %u "
		       "offsets "
		       "spread over each of %llu stream shape(s) longer than "
		       "%zu bytes, not at every one (--every-max)\n",
		       SRH_SPREAD_OFFSETS,
		       (unsigned long long)r->stats.capped_spread,
		       o->every_max);
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

/* The subject's name as a file-name part: letters, digits, '.', '-' and
 * '_' kept, every other byte '_', no leading '.': a name cannot steer
 * where a file goes. */
static void add_file_name(struct strbuf *b, const char *name)
{
	for (const char *p = name; *p; p++) {
		char c = *p;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    (c == '.' && p != name);
		sb_add(b, keep ? &c : "_", 1);
	}
	if (!*name)
		sb_adds(b, "subject");
}

/* text into a new file: the first of path.case, path-2.case, ... that
 * does not exist (an earlier run's cases are never overwritten). */
static bool write_new(const char *stem, const struct strbuf *text,
		      struct strbuf *path)
{
	for (unsigned n = 1; n <= 1000; n++) {
		sb_clear(path);
		sb_adds(path, stem);
		if (n > 1)
			sb_addf(path, "-%u", n);
		sb_adds(path, ".case");
		FILE *out = fopen(path->s, "wx");
		if (!out && errno == EEXIST)
			continue;
		if (!out)
			return false;
		bool ok = fwrite(text->s, 1, text->len, out) == text->len;
		int e = errno;
		if (fclose(out) != 0 && ok)
			return false;
		errno = e;
		return ok;
	}
	errno = EEXIST;
	return false;
}

/* The case file saved for a failure, or NULL. */
static const char *case_of(const struct strbuf *saved)
{
	return saved->len ? saved->s : NULL;
}

/* f as the next case file of --save, as soon as it is found (a run
 * killed later keeps it); its path in path. */
static bool save_case(const struct cli *cli, const struct chk_failure *f,
		      size_t nth, struct strbuf *path)
{
	struct strbuf stem = {0}, text = {0};
	sb_addf(&stem, "%s/", cli->save_dir);
	add_file_name(&stem, cli->o.subject->name);
	sb_addf(&stem, "-%s-%zu", chk_oracle_name(f->oracle), nth);
	report_case_file(&cli->o, f, &text);
	bool ok = write_new(stem.s, &text, path);
	if (!ok) {
		fprintf(stderr, "smtp-split: --save: %s: %s\n", path->s,
			strerror(errno));
		sb_clear(path);
	}
	sb_free(&stem);
	sb_free(&text);
	return ok;
}

/* Before the run: the report can be written and the case folder made
 * (with its parents' existence checked), so that hours of checking are
 * not lost to a typo found at the end. */
static bool outputs_ready(const struct cli *cli)
{
	if (cli->json_path) {
		FILE *f = fopen(cli->json_path, "a");
		if (!f || fclose(f) != 0) {
			fprintf(stderr, "smtp-split: --json: %s: %s\n",
				cli->json_path, strerror(errno));
			return false;
		}
	}
	if (cli->save_dir) {
		struct stat st;
		if (mkdir(cli->save_dir, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "smtp-split: --save: %s: %s\n",
				cli->save_dir, strerror(errno));
			return false;
		}
		if (stat(cli->save_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    access(cli->save_dir, W_OK | X_OK) != 0) {
			fprintf(stderr,
				"smtp-split: --save: %s: not a folder this "
				"user can write into\n",
				cli->save_dir);
			return false;
		}
	}
	return true;
}

/* stopped: NULL when every input was checked, else the option that
 * stopped the run early. */
static bool write_json(const struct cli *cli, const struct chk_result *r,
		       const char *const *names, const struct strbuf *saved,
		       size_t ninputs, size_t total, const char *stopped)
{
	struct strbuf j = {0};
	const struct chk_stats *st = &r->stats;

	sb_adds(&j, "{\"subject\":");
	sb_add_json_string(&j, cli->o.subject->name,
			   strlen(cli->o.subject->name));
	sb_addf(&j,
		",\"seed\":%llu,\"streams\":%zu,"
		"\"inputs\":%zu,\"stopped_by\":%s%s%s,"
		"\"schedules\":%llu,\"seconds\":%.6f,\"capped_pairs\":%llu,"
		"\"capped_exhaustive\":%llu,\"capped_spread\":%llu,"
		"\"budget_hit\":%s,\"failures\":[",
		(unsigned long long)cli->o.seed, ninputs, total,
		stopped ? "\"" : "", stopped ? stopped : "null",
		stopped ? "\"" : "", (unsigned long long)st->schedules,
		chk_now() - cli->o.start_s,
		(unsigned long long)st->capped_pairs,
		(unsigned long long)st->capped_exhaustive,
		(unsigned long long)st->capped_spread,
		st->budget_hit ? "true" : "false");
	for (size_t i = 0; i < r->nfail; i++) {
		if (i)
			sb_adds(&j, ",");
		report_json(&cli->o, names[i], case_of(&saved[i]), &r->fail[i],
			    &j);
	}
	sb_adds(&j, "]}\n");
	/* A regular file is replaced whole (a run killed while writing
	 * leaves the last report); anything else, /dev/stdout say, is
	 * written to. */
	struct stat fs;
	struct strbuf tmp = {0};
	bool replace = stat(cli->json_path, &fs) == 0 && S_ISREG(fs.st_mode);
	if (replace)
		sb_addf(&tmp, "%s.%ld.tmp", cli->json_path, (long)getpid());
	const char *path = replace ? tmp.s : cli->json_path;
	FILE *f = fopen(path, "w");
	bool ok = f && fwrite(j.s, 1, j.len, f) == j.len;
	int e = errno;
	if (f && fclose(f) != 0 && ok) { /* /dev/full says so here */
		ok = false;
		e = errno;
	}
	if (ok && replace && rename(tmp.s, cli->json_path) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok && replace)
		unlink(tmp.s);
	if (!ok)
		fprintf(stderr, "smtp-split: --json: %s: %s\n", cli->json_path,
			strerror(e));
	sb_free(&tmp);
	sb_free(&j);
	return ok;
}

/* The one mutable global: a signal handler can only set a flag. The
 * first SIGINT or SIGTERM lets the current stream finish, then the run
 * stops and writes what it found; a second one ends it at once. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
	signal(sig, SIG_DFL);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	struct inputs in = {0};
	struct chk_result r = {0};
	struct strbuf errors = {0};
	const char **fail_input = NULL;
	struct strbuf *saved = NULL; /* each failure's case file, or "" */
	bool ok = true, written = true;

#ifdef __GLIBC__
	/* Big arrays (transcripts of long streams) in their own mappings:
	 * grown by mremap, not copied, and given back when freed. glibc's
	 * moving threshold would put them on the heap after the first free. */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
#endif
	int rc = cli_parse(argc, argv, &cli);
	if (rc >= 0)
		goto done;
	rc = 2; /* the harness's own errors, until the inputs are checked */
	if (!outputs_ready(&cli))
		goto done;
	if (cli.stream) {
		struct input *x = inputs_add(&in, "<stream>");
		size_t bad;
		if (!sb_unescape(&x->bytes, cli.stream, &bad)) {
			fprintf(stderr,
				"smtp-split: --stream: bad escape at "
				"character %zu\n",
				bad);
			goto done;
		}
		sb_adds(&x->bytes, "");
	}
	for (int i = optind; i < argc; i++)
		ok &= inputs_load(&in, argv[i], &errors);
	if (!cli.stream && optind == argc && !cli.no_corpus)
		ok &= inputs_load(&in, SRH_DEFAULT_CORPUS, &errors);
	for (const char *p = sb_str(&errors), *e; (e = strchr(p, '\n'));
	     p = e + 1)
		fprintf(stderr, "smtp-split: %.*s\n", (int)(e - p), p);
	for (size_t k = 0; k < cli.generate; k++) {
		char name[64];
		struct gen_source src;
		uint64_t seed = cli.o.seed + k;
		snprintf(name, sizeof name, "generated stream %zu (seed %llu)",
			 k + 1, (unsigned long long)seed);
		struct input *x = inputs_add(&in, name);
		x->model = srh_zalloc(1, sizeof *x->model);
		gen_source_seed(&src, seed);
		gen_generate(x->model, &src, &cli.gen);
		gen_serialize(x->model, &x->bytes);
	}
	if (!ok)
		goto done;
	if (in.n == 0 && cli.no_corpus) {
		fputs("smtp-split: --no-corpus: nothing to check (give a FILE, "
		      "--stream or --generate)\n",
		      stderr);
		goto done;
	}
	if (in.n == 0) { /* exit 0 would pass a run that tested nothing */
		fputs("smtp-split: no stream in the inputs given: nothing to "
		      "check\n",
		      stderr);
		goto done;
	}
	if (cli.cuts) {
		for (size_t i = 0; i < in.n; i++) {
			struct strbuf err = {0};
			if (!sched_parse(&in.v[i].pinned, cli.cuts,
					 in.v[i].bytes.len, &err)) {
				fprintf(stderr, "smtp-split: --cuts: %s: %s\n",
					in.v[i].name, sb_str(&err));
				sb_free(&err);
				goto done;
			}
			in.v[i].has_pinned = true;
			sb_free(&err);
		}
	}

	size_t checked = 0;
	int stopped_on = -1; /* the --stop-on oracle that failed */
	/* Sandbox children have process groups of their own: a terminal's
	 * ^C reaches this process only. */
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (size_t i = 0; i < in.n && stopped_on < 0 && !interrupted; i++) {
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
		/* What was found before a harness error is reported too. */
		fail_input = srh_realloc(fail_input, r.nfail + 1,
					 sizeof *fail_input);
		saved = srh_realloc(saved, r.nfail + 1, sizeof *saved);
		for (size_t k = before; k < r.nfail; k++) {
			struct strbuf b = {0};
			fail_input[k] = x->name;
			memset(&saved[k], 0, sizeof saved[k]);
			if (cli.save_dir)
				written &= save_case(&cli, &r.fail[k], k + 1,
						     &saved[k]);
			progress(&cli, i + 1, in.n, &r, true);
			report_failure(&o, x->name, case_of(&saved[k]),
				       &r.fail[k], &b);
			fputs(b.s, stdout);
			fputs("\n", stdout);
			fflush(stdout);
			sb_free(&b);
			if (stopped_on < 0 &&
			    (cli.stop_on >> r.fail[k].oracle & 1))
				stopped_on = (int)r.fail[k].oracle;
		}
		if (r.error.len) {
			fprintf(stderr, "smtp-split: %s: %s\n", x->name,
				sb_str(&r.error));
			break;
		}
		progress(&cli, i + 1, in.n, &r, i + 1 == in.n);
		/* The report as it stands, after each input that found
		 * something: a run killed later loses none of it. */
		if (cli.json_path && r.nfail > before && i + 1 < in.n)
			written &= write_json(&cli, &r, fail_input, saved,
					      checked, in.n, "unfinished");
	}
	summary(&cli, &r, checked);
	const char *stopped = checked == in.n	? NULL
			      : interrupted	? "interrupted"
			      : stopped_on >= 0 ? "stop-on"
						: "max-failures";
	if (interrupted && checked < in.n)
		printf("  interrupted (%s): %zu input(s) not checked\n",
		       interrupted == SIGINT ? "SIGINT" : "SIGTERM",
		       in.n - checked);
	else if (stopped_on >= 0 && checked < in.n)
		printf("  stopped at a failure of %s (--stop-on): %zu "
		       "input(s) not checked\n",
		       chk_oracle_name((enum chk_oracle)stopped_on),
		       in.n - checked);
	else if (stopped)
		printf("  stopped after %zu failures (--max-failures): %zu "
		       "input(s) not checked\n",
		       r.nfail, in.n - checked);
	/* A report or a case that could not be written is a lost finding:
	 * the harness's failure (2), whatever was found. */
	if (cli.json_path)
		written &= write_json(&cli, &r, fail_input, saved, checked,
				      in.n, stopped);
	/* Interrupted with nothing found is no clean pass: 2. */
	rc = r.error.len || !written	     ? 2
	     : r.nfail			     ? 1
	     : interrupted && checked < in.n ? 2
					     : 0;
done:
	srh_adapter_stop(cli.adapter_pid);
	for (size_t k = 0; k < r.nfail && saved; k++)
		sb_free(&saved[k]);
	free(saved);
	free(fail_input);
	chk_result_free(&r);
	inputs_free(&in);
	sb_free(&errors);
	return rc;
}
