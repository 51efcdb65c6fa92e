/*
 * smtp_torture.c - smtp-torture: play a scripted SMTP dialogue to a real
 * client over loopback, cutting and delaying the replies, and judge every
 * run against the run where each reply left in one piece.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "alloc.h"
#include "scenario.h"
#include "schedule.h"
#include "strbuf.h"
#include "verdict.h"
#include "wire.h"

static const char usage[] =
	"usage: smtp-torture --scenario FILE [options] -- COMMAND [ARG...]\n"
	"       smtp-torture --scenario FILE --wait [options]\n"
	"       smtp-torture --generate N [--seed S] [options] -- COMMAND...\n"
	"       smtp-torture --replay --scenario FILE [options] -- COMMAND...\n"
	"Serves FILE's dialogue on 127.0.0.1 and runs COMMAND once per "
	"schedule;\n"
	"\"{port}\" in an argument (and $SRH_TORTURE_PORT) is the port.\n"
	"  --scenario FILE    the dialogue (harness/wire/scenarios/*.scn)\n"
	"  --cuts SCHED       run this one schedule (e.g. \"12@500\") only\n"
	"  --families LIST    scripted,lines,single,delays,random "
	"(scripted,lines)\n"
	"  --pause MS         pause of the lines and delays families (200)\n"
	"  --random N         schedules of the random family (20)\n"
	"  --seed N           of the random family (1)\n"
	"  --max-runs N       client runs in all, shrinking aside (200)\n"
	"  --shrink-runs N    runs to shrink a failure (24; 0: none)\n"
	"  --deadline MS      per run (the scenario's, or 20000)\n"
	"  --ipv6             listen on ::1\n"
	"  --port N           listen on N (0: any free port)\n"
	"  --wait             no command: wait for your own client, once per\n"
	"                     schedule\n"
	"Generated hostile servers (judged against their own script):\n"
	"  --generate N       play N generated sessions (seeded by --seed)\n"
	"  --jobs N           sessions at once (2)\n"
	"  --budget SECONDS   start no session after this (0: none)\n"
	"  --out DIR          keep each finding's scenario in DIR (made if "
	"need be)\n"
	"  --replay           play FILE once with its own cuts, judged so\n"
	"  --expect-outcome   the client prints an outcome line "
	"(clients/README.md);\n"
	"                     without one a run is no-outcome (default: "
	"when the\n"
	"                     one-piece run printed one)\n"
	"  --json FILE        write the verdicts as JSON\n"
	"  --quiet            only failures and the summary\n"
	"  -h, --help         this text\n"
	"Verdicts: ok, differs, fail, early-talk, no-outcome, misreport, "
	"lost,\n"
	"false-failure, duplicate, hang. Exit status: 0 every schedule as the "
	"one-piece run, "
	"1 not, 2 error or nothing tested (the client never connected).\n";

/* The shortest pause shrinking leaves (see shrink()). */
#define SHRINK_MIN_PAUSE_MS 10

/* ---- the session ------------------------------------------------------------
 */

enum family {
	F_SCRIPTED = 1u << 0,
	F_LINES = 1u << 1,
	F_SINGLE = 1u << 2,
	F_DELAYS = 1u << 3,
	F_RANDOM = 1u << 4,
};

struct cli {
	const char *prog; /* argv[0], for reproduce commands */
	const char *scenario_path;
	const char *cuts;
	unsigned families;
	unsigned pause_ms, random_count, max_runs, shrink_runs;
	unsigned long long seed;
	const char *json_path;
	bool quiet, wait, expect_outcome, replay;
	unsigned deadline_ms;
	unsigned generate, jobs, budget_s;
	const char *out_dir;
	char **argv; /* the client command */
};

struct failure {
	const char *family;
	struct sched sched, original;
	unsigned flags;
	struct wire_outcome outcome;
};

struct session {
	const struct cli *cli;
	struct wire_opts wo;
	struct scn scn;
	struct wire_outcome base;
	unsigned base_flags;
	unsigned runs, shrink_runs_done;
	struct failure *fail;
	size_t nfail;
	unsigned worst_flags; /* over every schedule */
	bool expect_outcome;  /* every run must print an outcome line */
};

static struct verdict_opts judging(const struct session *s, bool baseline)
{
	struct verdict_opts v = {baseline ? NULL : &s->base, s->wo.argv != NULL,
				 s->expect_outcome};
	return v;
}

/* Run one schedule; its flags, the outcome kept in out. */
static unsigned judge(struct session *s, const struct sched *sc,
		      struct wire_outcome *out)
{
	struct strbuf err = {0};

	if (!wire_run(&s->wo, sc, out, &err)) {
		fprintf(stderr, "smtp-torture: %s\n", sb_str(&err));
		exit(2);
	}
	sb_free(&err);
	struct verdict_opts v = judging(s, false);
	return verdict_flags(out, &v, NULL);
}

/* Does sc still fail as f did (the same worst verdict)? */
static bool still_fails(struct session *s, const struct sched *sc,
			enum verdict want, struct wire_outcome *keep)
{
	struct wire_outcome o;
	unsigned f = judge(s, sc, &o);
	s->shrink_runs_done++;
	bool yes = f != s->base_flags && verdict_worst(f) == want;
	if (yes) {
		wire_outcome_free(keep);
		*keep = o;
	} else
		wire_outcome_free(&o);
	return yes;
}

/* Fewer cuts, then shorter pauses, while it fails the same way. */
static void shrink(struct session *s, struct failure *f)
{
	enum verdict want = verdict_worst(f->flags);
	unsigned budget = s->cli->shrink_runs, used = 0;
	struct sched t = {0};

	for (size_t i = f->sched.ncuts; i-- > 0 && used < budget;) {
		sched_clear(&t);
		for (size_t k = 0; k < f->sched.ncuts; k++)
			if (k != i)
				sched_add(&t, f->sched.cuts[k].at,
					  f->sched.cuts[k].delay_ms, false);
		used++;
		if (still_fails(s, &t, want, &f->outcome))
			sched_copy(&f->sched, &t);
	}
	/* Pauses halve down to SHRINK_MIN_PAUSE_MS, no lower: a shorter one
	 * bites or not by luck of scheduling, and would not reproduce. */
	for (size_t i = 0; i < f->sched.ncuts && used < budget; i++) {
		while (f->sched.cuts[i].delay_ms > SHRINK_MIN_PAUSE_MS &&
		       used < budget) {
			sched_copy(&t, &f->sched);
			uint16_t d = t.cuts[i].delay_ms;
			t.cuts[i].delay_ms = d / 2 < SHRINK_MIN_PAUSE_MS
						     ? SHRINK_MIN_PAUSE_MS
						     : d / 2;
			used++;
			if (!still_fails(s, &t, want, &f->outcome))
				break;
			sched_copy(&f->sched, &t);
		}
	}
	sched_free(&t);
	struct verdict_opts v = judging(s, false);
	f->flags = verdict_flags(&f->outcome, &v, NULL);
}

static void repro(const struct session *s, const struct sched *sc,
		  struct strbuf *out)
{
	sb_add_shell_quoted(out, s->cli->prog);
	sb_adds(out, " --scenario ");
	sb_add_shell_quoted(out, s->cli->scenario_path);
	sb_adds(out, " --cuts ");
	sched_format(sc, out);
	if (s->cli->deadline_ms)
		sb_addf(out, " --deadline %u", s->cli->deadline_ms);
	if (s->wo.ipv6)
		sb_adds(out, " --ipv6");
	if (s->wo.port)
		sb_addf(out, " --port %u", s->wo.port);
	if (!s->wo.argv) {
		sb_adds(out, " --wait");
		return;
	}
	sb_adds(out, " --");
	for (char *const *a = s->wo.argv; *a; a++) {
		sb_adds(out, " ");
		sb_add_shell_quoted(out, *a);
	}
}

/* What the client reported, and what the judging made of it. */
static void outcome_report(const struct session *s,
			   const struct wire_outcome *o, bool baseline,
			   struct strbuf *out)
{
	struct verdict_opts v = judging(s, baseline);
	struct strbuf why = {0};

	verdict_flags(o, &v, &why);
	if (o->outcome_lines) {
		sb_adds(out, "  outcome line: ");
		sb_add_escaped(out, sb_str(&o->outcome_line),
			       o->outcome_line.len < 600 ? o->outcome_line.len
							 : 600);
		sb_adds(out, "\n");
	}
	if (why.len)
		sb_addf(out, "  %s\n", sb_str(&why));
	sb_free(&why);
}

static void report(const struct session *s, const struct failure *f,
		   struct strbuf *out)
{
	struct strbuf v = {0}, b = {0};

	verdict_text(f->flags, &v);
	verdict_text(s->base_flags, &b);
	sb_addf(out, "FAIL %s: %s, where the one-piece run was %s\n",
		s->scn.name, sb_str(&v), sb_str(&b));
	sb_addf(out, "  family:   %s\n  schedule: ", f->family);
	sched_format(&f->sched, out);
	if (f->sched.ncuts != f->original.ncuts ||
	    memcmp(f->sched.cuts, f->original.cuts,
		   f->sched.ncuts * sizeof *f->sched.cuts) != 0) {
		sb_adds(out, " (shrunk from ");
		sched_format(&f->original, out);
		sb_adds(out, ")");
	}
	sb_adds(out, "\n  this run: ");
	wire_summary(&f->outcome, out);
	sb_adds(out, "\n  one piece: ");
	wire_summary(&s->base, out);
	sb_adds(out, "\n");
	if (f->outcome.early)
		sb_addf(out, "  early talk: %s\n",
			sb_str(&f->outcome.early_what));
	outcome_report(s, &f->outcome, false, out);
	if (f->flags >> V_DIFFERS & 1) {
		sb_adds(out, "  commands, one piece:\n");
		wire_indent(out, sb_str(&s->base.commands));
		sb_adds(out, "  commands, this run:\n");
		wire_indent(out, sb_str(&f->outcome.commands));
	}
	sb_adds(out, "  transcript (S> server, C> client; seconds):\n");
	wire_indent(out, sb_str(&f->outcome.transcript));
	if (f->outcome.client_out.len) {
		sb_adds(out, "  client output:\n");
		wire_indent(out, sb_str(&f->outcome.client_out));
	}
	sb_adds(out, "  reproduce: ");
	repro(s, &f->sched, out);
	sb_adds(out, "\n");
	sb_free(&v);
	sb_free(&b);
}

/* Run sc; a failure is kept (and shrunk) when it differs from the
 * one-piece run. False once the run budget is spent. */
static bool visit(struct session *s, const char *family, const struct sched *sc)
{
	if (s->runs >= s->cli->max_runs)
		return false;
	s->runs++;
	struct wire_outcome o;
	unsigned f = judge(s, sc, &o);
	s->worst_flags |= f;
	if (!s->cli->quiet) {
		struct strbuf line = {0};
		sb_addf(&line, "  %-8s ", family);
		sched_format(sc, &line);
		sb_adds(&line, ": ");
		verdict_text(f, &line);
		printf("%s\n", sb_str(&line));
		fflush(stdout);
		sb_free(&line);
	}
	if (f == s->base_flags) {
		/* The one schedule asked for: show it even when it passes. */
		if (!s->cli->quiet && strcmp(family, "given") == 0) {
			struct strbuf t = {0};
			wire_indent(&t, sb_str(&o.transcript));
			printf("  transcript:\n%s", sb_str(&t));
			sb_free(&t);
		}
		wire_outcome_free(&o);
		return true;
	}
	s->fail = srh_realloc(s->fail, s->nfail + 1, sizeof *s->fail);
	struct failure *x = &s->fail[s->nfail++];
	memset(x, 0, sizeof *x);
	x->family = family;
	sched_copy(&x->sched, sc);
	sched_copy(&x->original, sc);
	x->flags = f;
	x->outcome = o;
	/* Shrink the first failure of each verdict; the rest repeat it. */
	bool seen = false;
	for (size_t i = 0; i + 1 < s->nfail; i++)
		seen |= verdict_worst(s->fail[i].flags) == verdict_worst(f);
	if (!seen && s->cli->shrink_runs)
		shrink(s, x);
	struct strbuf r = {0};
	report(s, x, &r);
	fputs(sb_str(&r), stdout);
	fflush(stdout);
	sb_free(&r);
	return true;
}

/* Line ends inside a reply: where KB912341 cut. */
static void family_lines(struct session *s)
{
	struct sched sc = {0};
	const struct wire_outcome *b = &s->base;

	for (size_t i = 0; i < b->nreplies; i++) {
		const char *r = sb_str(&b->stream) + b->replies[i].at;
		for (uint32_t k = 0; k + 1 < b->replies[i].len; k++) {
			if (r[k] != '\n')
				continue;
			sched_clear(&sc);
			sched_add(&sc, b->replies[i].at + k + 1,
				  (uint16_t)s->cli->pause_ms, false);
			if (!visit(s, "lines", &sc))
				goto out;
		}
	}
out:
	sched_free(&sc);
}

static void family_points(struct session *s, bool pause)
{
	const struct strbuf *st = &s->base.stream;
	uint32_t *pts = srh_zalloc(st->len + 1, sizeof *pts);
	struct sched sc = {0};

	size_t n = sched_interesting((const unsigned char *)sb_str(st), st->len,
				     pts, st->len);
	for (size_t i = 0; i < n; i++) {
		sched_clear(&sc);
		sched_add(&sc, pts[i], pause ? (uint16_t)s->cli->pause_ms : 0,
			  false);
		if (!visit(s, pause ? "delays" : "single", &sc))
			break;
	}
	free(pts);
	sched_free(&sc);
}

static void family_random(struct session *s)
{
	const struct strbuf *st = &s->base.stream;
	uint32_t *pts = srh_zalloc(st->len + 1, sizeof *pts);
	uint64_t rng = s->cli->seed;
	const uint16_t delays[] = {0, 20, (uint16_t)s->cli->pause_ms};
	struct sched sc = {0};

	size_t n = sched_interesting((const unsigned char *)sb_str(st), st->len,
				     pts, st->len);
	for (unsigned i = 0; st->len > 1 && i < s->cli->random_count; i++) {
		sched_random(&sc, &rng, st->len, pts, n, 4, 0, delays, 3, 50);
		if (!visit(s, "random", &sc))
			break;
	}
	free(pts);
	sched_free(&sc);
}

static void json_flags(struct strbuf *out, unsigned flags)
{
	sb_addf(out, "\"verdict\": \"%s\", \"flags\": [",
		verdict_name(verdict_worst(flags)));
	bool first = true;
	for (int i = V_COUNT - 1; i >= 0; i--)
		if (flags >> i & 1) {
			sb_addf(out, "%s\"%s\"", first ? "" : ", ",
				verdict_name((enum verdict)i));
			first = false;
		}
	sb_adds(out, "]");
}

static void json_outcome(struct strbuf *out, const struct wire_outcome *o)
{
	sb_addf(out,
		"\"status\": %d, \"hung\": %s, \"accepted\": %u, "
		"\"unsure\": %u, \"connections\": %u, \"early\": %u, "
		"\"seconds\": %.3f",
		o->status, o->hung ? "true" : "false", o->accepted, o->unsure,
		o->connections, o->early, o->seconds);
}

/* The misreport or missing outcome, and the outcome line itself. */
static void json_why(struct strbuf *out, const struct session *s,
		     const struct wire_outcome *o, bool baseline)
{
	struct verdict_opts v = judging(s, baseline);
	struct strbuf why = {0};

	verdict_flags(o, &v, &why);
	sb_adds(out, ", \"why\": ");
	sb_add_json_string(out, sb_str(&why), why.len);
	sb_adds(out, ", \"outcome_line\": ");
	if (o->outcome_lines)
		sb_add_json_string(out, sb_str(&o->outcome_line),
				   o->outcome_line.len);
	else
		sb_adds(out, "null");
	sb_free(&why);
}

static bool write_json(const struct session *s, const char *path)
{
	struct strbuf j = {0}, t = {0};

	sb_adds(&j, "{\n  \"scenario\": ");
	sb_add_json_string(&j, s->scn.name, strlen(s->scn.name));
	sb_adds(&j, ",\n  \"about\": ");
	sb_add_json_string(&j, s->scn.about.s ? s->scn.about.s : "",
			   s->scn.about.len);
	sb_adds(&j, ",\n  \"command\": [");
	for (char *const *a = s->wo.argv; a && *a; a++) {
		sb_adds(&j, a == s->wo.argv ? "" : ", ");
		sb_add_json_string(&j, *a, strlen(*a));
	}
	sb_adds(&j, "],\n  \"baseline\": {");
	json_flags(&j, s->base_flags);
	sb_adds(&j, ", ");
	json_outcome(&j, &s->base);
	json_why(&j, s, &s->base, true);
	sb_addf(&j,
		"},\n  \"runs\": %u,\n  \"shrink_runs\": %u,\n  \"worst\": {",
		s->runs, s->shrink_runs_done);
	json_flags(&j, s->worst_flags);
	sb_adds(&j, "},\n  \"failures\": [");
	for (size_t i = 0; i < s->nfail; i++) {
		const struct failure *f = &s->fail[i];
		sb_adds(&j, i ? ",\n    {" : "\n    {");
		json_flags(&j, f->flags);
		sb_addf(&j, ", \"family\": \"%s\", \"schedule\": \"",
			f->family);
		sched_format(&f->sched, &j);
		sb_adds(&j, "\", \"original\": \"");
		sched_format(&f->original, &j);
		sb_adds(&j, "\", ");
		json_outcome(&j, &f->outcome);
		json_why(&j, s, &f->outcome, false);
		sb_adds(&j, ", \"reproduce\": ");
		sb_clear(&t);
		repro(s, &f->sched, &t);
		sb_add_json_string(&j, sb_str(&t), t.len);
		sb_adds(&j, "}");
	}
	sb_adds(&j, s->nfail ? "\n  ]\n}\n" : "]\n}\n");
	FILE *fp = fopen(path, "w");
	bool ok = fp && fwrite(j.s, 1, j.len, fp) == j.len;
	if (fp)
		ok &= fclose(fp) == 0;
	sb_free(&j);
	sb_free(&t);
	return ok;
}

/* A free loopback port, kept for every run of --wait. */
static bool pick_port(struct wire_opts *wo, struct strbuf *err)
{
	int fd = wire_listen(wo, &wo->port, err);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* ---- options ----------------------------------------------------------------
 */

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	*out = strtoull(s, &end, 10);
	return !*end && *out <= max;
}

static bool parse_families(const char *s, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"scripted", F_SCRIPTED},
		     {"lines", F_LINES},
		     {"single", F_SINGLE},
		     {"delays", F_DELAYS},
		     {"random", F_RANDOM}};
	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ","), i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == n &&
			    strncmp(s, names[i].name, n) == 0)
				break;
		if (i == sizeof names / sizeof names[0])
			return false;
		*out |= names[i].bit;
		s += n + (s[n] == ',');
	}
	return *out != 0;
}

static int parse_cli(int argc, char **argv, struct cli *c, struct wire_opts *wo)
{
	enum {
		O_SCENARIO = 256,
		O_CUTS,
		O_FAMILIES,
		O_PAUSE,
		O_RANDOM,
		O_SEED,
		O_MAX_RUNS,
		O_SHRINK_RUNS,
		O_DEADLINE,
		O_IPV6,
		O_PORT,
		O_WAIT,
		O_JSON,
		O_QUIET,
		O_EXPECT_OUTCOME,
		O_GENERATE,
		O_JOBS,
		O_BUDGET,
		O_OUT,
		O_REPLAY,
	};
	static const struct option longopts[] = {
		{"scenario", required_argument, NULL, O_SCENARIO},
		{"cuts", required_argument, NULL, O_CUTS},
		{"families", required_argument, NULL, O_FAMILIES},
		{"pause", required_argument, NULL, O_PAUSE},
		{"random", required_argument, NULL, O_RANDOM},
		{"seed", required_argument, NULL, O_SEED},
		{"max-runs", required_argument, NULL, O_MAX_RUNS},
		{"shrink-runs", required_argument, NULL, O_SHRINK_RUNS},
		{"deadline", required_argument, NULL, O_DEADLINE},
		{"ipv6", no_argument, NULL, O_IPV6},
		{"port", required_argument, NULL, O_PORT},
		{"wait", no_argument, NULL, O_WAIT},
		{"json", required_argument, NULL, O_JSON},
		{"quiet", no_argument, NULL, O_QUIET},
		{"expect-outcome", no_argument, NULL, O_EXPECT_OUTCOME},
		{"generate", required_argument, NULL, O_GENERATE},
		{"jobs", required_argument, NULL, O_JOBS},
		{"budget", required_argument, NULL, O_BUDGET},
		{"out", required_argument, NULL, O_OUT},
		{"replay", no_argument, NULL, O_REPLAY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int opt;

	memset(c, 0, sizeof *c);
	c->prog = argv[0];
	c->families = F_SCRIPTED | F_LINES;
	c->pause_ms = 200;
	c->random_count = 20;
	c->max_runs = 200;
	c->shrink_runs = 24;
	c->seed = 1;
	c->jobs = 2;
	/* "+": options end at the first non-option, the client command. */
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		bool ok = true;
		switch (opt) {
		case O_SCENARIO:
			c->scenario_path = optarg;
			break;
		case O_CUTS:
			c->cuts = optarg;
			break;
		case O_FAMILIES:
			ok = parse_families(optarg, &c->families);
			break;
		case O_PAUSE:
			ok = parse_uint(optarg, 60000, &v);
			c->pause_ms = (unsigned)v;
			break;
		case O_RANDOM:
			ok = parse_uint(optarg, 100000, &v);
			c->random_count = (unsigned)v;
			break;
		case O_SEED:
			ok = parse_uint(optarg, ~0ull, &c->seed);
			break;
		case O_MAX_RUNS:
			ok = parse_uint(optarg, 1000000, &v);
			c->max_runs = (unsigned)v;
			break;
		case O_SHRINK_RUNS:
			ok = parse_uint(optarg, 10000, &v);
			c->shrink_runs = (unsigned)v;
			break;
		case O_DEADLINE:
			ok = parse_uint(optarg, 600000, &v) && v > 0;
			c->deadline_ms = (unsigned)v;
			break;
		case O_IPV6:
			wo->ipv6 = true;
			break;
		case O_PORT:
			ok = parse_uint(optarg, 65535, &v);
			wo->port = (unsigned)v;
			break;
		case O_WAIT:
			c->wait = true;
			break;
		case O_JSON:
			c->json_path = optarg;
			break;
		case O_QUIET:
			c->quiet = true;
			break;
		case O_EXPECT_OUTCOME:
			c->expect_outcome = true;
			break;
		case O_GENERATE:
			ok = parse_uint(optarg, 1000000, &v) && v > 0;
			c->generate = (unsigned)v;
			break;
		case O_JOBS:
			ok = parse_uint(optarg, 64, &v) && v > 0;
			c->jobs = (unsigned)v;
			break;
		case O_BUDGET:
			ok = parse_uint(optarg, 1000000, &v);
			c->budget_s = (unsigned)v;
			break;
		case O_OUT:
			c->out_dir = optarg;
			break;
		case O_REPLAY:
			c->replay = true;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			ok = false;
		}
		if (!ok) {
			if (optarg)
				fprintf(stderr,
					"smtp-torture: bad value \"%s\"\n",
					optarg);
			fputs(usage, stderr);
			return 2;
		}
	}
	c->argv = argv + optind;
	bool modes_clash = (c->generate && (c->scenario_path || c->wait ||
					    c->replay || c->cuts)) ||
			   (c->replay && (c->wait || c->cuts));
	if (modes_clash || (!c->scenario_path && !c->generate) ||
	    (!c->wait && optind >= argc) || (c->wait && optind < argc)) {
		fputs(usage, stderr);
		return 2;
	}
	return 0;
}

static void campaign_options(const struct cli *c, const struct wire_opts *wo,
			     struct campaign_opts *co)
{
	memset(co, 0, sizeof *co);
	co->argv = c->argv;
	co->prog = c->prog;
	co->ipv6 = wo->ipv6;
	co->quiet = c->quiet;
	co->expect_outcome = c->expect_outcome;
	co->seed = c->seed;
	co->sessions = c->generate;
	co->jobs = c->jobs;
	co->max_runs = c->max_runs;
	co->shrink_runs = c->shrink_runs;
	co->budget_s = c->budget_s;
	co->deadline_ms = c->deadline_ms;
	co->out_dir = c->out_dir;
}

/* --generate: the campaign; exit 1 when it found anything. */
static int generate(const struct cli *c, const struct wire_opts *wo)
{
	struct campaign_opts co;
	struct strbuf err = {0}, json = {0};
	int rc;

	campaign_options(c, wo, &co);
	/* --max-runs counts every run here: room for the sessions and for
	 * shrinking some, unless it was given. */
	if (c->max_runs == 200 && c->generate > 100)
		co.max_runs = c->generate * 3;
	int found =
		campaign_run(&co, stdout, c->json_path ? &json : NULL, &err);
	if (found < 0) {
		fprintf(stderr, "smtp-torture: %s\n", sb_str(&err));
		rc = 2;
	} else
		rc = found ? 1 : 0;
	if (c->json_path && found >= 0) {
		FILE *f = fopen(c->json_path, "w");
		bool ok = f && fwrite(json.s, 1, json.len, f) == json.len;
		if (f)
			ok &= fclose(f) == 0;
		if (!ok) {
			fprintf(stderr, "smtp-torture: cannot write %s\n",
				c->json_path);
			rc = 2;
		}
	}
	sb_free(&err);
	sb_free(&json);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli;
	struct session s = {0};
	struct strbuf err = {0};

	s.cli = &cli;
	if (parse_cli(argc, argv, &cli, &s.wo))
		return 2;
	if (cli.generate)
		return generate(&cli, &s.wo);
	if (!scn_load(&s.scn, cli.scenario_path, &err)) {
		fprintf(stderr, "smtp-torture: %s\n", sb_str(&err));
		scn_free(&s.scn);
		sb_free(&err);
		return 2;
	}
	if (cli.replay) {
		struct campaign_opts co;
		campaign_options(&cli, &s.wo, &co);
		int r = campaign_replay(&co, cli.scenario_path, &s.scn, stdout,
					&err);
		if (r < 0)
			fprintf(stderr, "smtp-torture: %s\n", sb_str(&err));
		scn_free(&s.scn);
		sb_free(&err);
		return r < 0 ? 2 : r;
	}
	s.wo.scn = &s.scn;
	s.wo.argv = cli.wait ? NULL : cli.argv;
	s.wo.deadline_ms =
		cli.deadline_ms ? cli.deadline_ms : s.scn.deadline_ms;

	struct sched given = {0}, sc = {0};
	bool cuts_ok = !cli.cuts ||
		       sched_parse(&given, cli.cuts, (size_t)~0u >> 1, &err);
	if (cuts_ok && given.every) {
		sb_addf(&err,
			"'%s': give the offsets (the server's stream "
			"is known only once the client runs)",
			cli.cuts);
		cuts_ok = false;
	}
	if (!cuts_ok) {
		fprintf(stderr, "smtp-torture: --cuts: %s\n", sb_str(&err));
		sched_free(&given);
		scn_free(&s.scn);
		sb_free(&err);
		return 2;
	}
	/* Your own client needs one port for every run. */
	if (cli.wait && !s.wo.port && !pick_port(&s.wo, &err)) {
		fprintf(stderr, "smtp-torture: %s\n", sb_str(&err));
		sched_free(&given);
		scn_free(&s.scn);
		sb_free(&err);
		return 2;
	}
	if (cli.wait) {
		printf("smtp-torture: serving %s port %u: connect your client "
		       "once for the one-piece run, then once per schedule "
		       "and per shrinking step (--shrink-runs 0: none); "
		       "without its exit status, fail, lost and "
		       "false-failure are not judged\n",
		       s.wo.ipv6 ? "::1" : "127.0.0.1", s.wo.port);
		fflush(stdout);
	}
	/* The one-piece run: what every schedule is judged against. */
	struct sched none = {0};
	if (!wire_run(&s.wo, &none, &s.base, &err)) {
		fprintf(stderr, "smtp-torture: %s\n", sb_str(&err));
		sched_free(&given);
		scn_free(&s.scn);
		sb_free(&err);
		return 2;
	}
	/* 126, 127: no such program; 2: a driver whose runtime is missing
	 * (clients/README.md). Neither is the client's failure. */
	if (s.wo.argv && s.base.connections == 0 &&
	    (s.base.status == 126 || s.base.status == 127 ||
	     s.base.status == 2)) {
		fprintf(stderr,
			"smtp-torture: the client did not start (exit %d):\n%s",
			s.base.status, sb_str(&s.base.client_out));
		wire_outcome_free(&s.base);
		sched_free(&given);
		scn_free(&s.scn);
		sb_free(&err);
		return 2;
	}
	s.expect_outcome = cli.expect_outcome || s.base.outcome_lines > 0;
	struct verdict_opts bv = judging(&s, true);
	s.base_flags = verdict_flags(&s.base, &bv, NULL);
	s.worst_flags = s.base_flags;
	{
		struct strbuf line = {0};
		verdict_text(s.base_flags, &line);
		sb_adds(&line, " (");
		wire_summary(&s.base, &line);
		sb_adds(&line, ")");
		printf("%s: one piece: %s\n", s.scn.name, sb_str(&line));
		struct strbuf why = {0};
		outcome_report(&s, &s.base, true, &why);
		fputs(sb_str(&why), stdout);
		sb_free(&why);
		if (s.base.hung || !cli.quiet) {
			printf("  transcript:\n");
			struct strbuf t = {0};
			wire_indent(&t, sb_str(&s.base.transcript));
			fputs(sb_str(&t), stdout);
			sb_free(&t);
		}
		sb_free(&line);
	}

	/* A client that never connected tested nothing: no schedule can
	 * tell it apart from the one-piece run, and exit 0 would pass it. */
	bool untested = s.base.connections == 0;
	/* --cuts are offsets in the server's stream: one past its end would
	 * never be applied, and the run would pass on nothing. */
	bool bad_cuts = !untested && cli.cuts && given.ncuts &&
			given.cuts[given.ncuts - 1].at >= s.base.stream.len;
	if (bad_cuts)
		fprintf(stderr,
			"smtp-torture: --cuts: a cut at %lu is past the "
			"server's "
			"stream in the one-piece run (%zu bytes): it would "
			"never be applied\n",
			(unsigned long)given.cuts[given.ncuts - 1].at,
			s.base.stream.len);
	if (untested) {
		if (s.base.hung)
			fprintf(stderr,
				"smtp-torture: %s: the client never connected "
				"and was killed at the deadline (%u ms): "
				"nothing tested\n",
				s.scn.name, s.wo.deadline_ms);
		else
			fprintf(stderr,
				"smtp-torture: %s: the client never connected "
				"(exit %d): nothing tested\n",
				s.scn.name, s.base.status);
	} else if (bad_cuts)
		; /* said above */
	else if (cli.cuts)
		visit(&s, "given", &given);
	else {
		if (cli.families & F_SCRIPTED) {
			wire_scripted(&s.scn, &s.base, &sc);
			if (sc.ncuts)
				visit(&s, "scripted", &sc);
		}
		if (cli.families & F_LINES)
			family_lines(&s);
		if (cli.families & F_SINGLE)
			family_points(&s, false);
		if (cli.families & F_DELAYS)
			family_points(&s, true);
		if (cli.families & F_RANDOM)
			family_random(&s);
	}
	struct strbuf w = {0};
	verdict_text(s.worst_flags, &w);
	printf("%s: %u schedule(s), %zu unlike the one-piece run; worst: "
	       "%s%s\n",
	       s.scn.name, s.runs, s.nfail, sb_str(&w),
	       s.runs >= cli.max_runs ? " (--max-runs reached)" : "");
	sb_free(&w);
	/* A client that hangs with the stream in one piece fails before any
	 * cut: a finding, though no schedule is unlike it. */
	bool base_hung = !untested && s.base.hung;
	if (base_hung)
		printf("%s: the one-piece run hung: the client did not finish "
		       "by the deadline (%u ms) and was killed, with what it "
		       "started\n",
		       s.scn.name, s.wo.deadline_ms);
	int rc = untested || bad_cuts ? 2 : s.nfail || base_hung ? 1 : 0;
	if (cli.json_path && !write_json(&s, cli.json_path)) {
		fprintf(stderr, "smtp-torture: cannot write %s\n",
			cli.json_path);
		rc = 2;
	}
	for (size_t i = 0; i < s.nfail; i++) {
		sched_free(&s.fail[i].sched);
		sched_free(&s.fail[i].original);
		wire_outcome_free(&s.fail[i].outcome);
	}
	free(s.fail);
	sched_free(&sc);
	sched_free(&given);
	wire_outcome_free(&s.base);
	scn_free(&s.scn);
	sb_free(&err);
	return rc;
}
