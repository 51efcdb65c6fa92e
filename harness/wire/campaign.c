/*
 * campaign.c - see campaign.h.
 */
#define _GNU_SOURCE
#include "campaign.h"
#include "alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hostile.h"
#include "verdict.h"
#include "wire.h"

#define CAMPAIGN_MAX_JOBS 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A distinct finding: its verdict and minimal deviations. */
struct finding {
	enum verdict verdict;
	struct strbuf key;  /* "misreport | reply RCPT#2 5xx valid, ..." */
	struct strbuf desc; /* the minimal deviations, in full */
	struct strbuf why, path, repro;
	unsigned flags, sessions, first;
	size_t shrunk_from, ndev;
	bool reproduced;
};

struct shared {
	const struct campaign_opts *o;
	FILE *report;
	pthread_mutex_t mu;
	unsigned next, runs, sessions_run, with_findings;
	double start;
	bool stop, client_missing;
	struct strbuf err;
	struct finding *f;
	size_t nf;
};

/* One run of a session's scenario; its findings, or false when the run
 * could not be set up (the reason is kept in sh->err). */
static bool play(struct shared *sh, const struct scn *s,
		 struct wire_outcome *out, unsigned *flags, unsigned *findings)
{
	const struct campaign_opts *o = sh->o;
	struct wire_opts wo = {.scn = s,
			       .argv = o->argv,
			       .ipv6 = o->ipv6,
			       .deadline_ms = o->deadline_ms ? o->deadline_ms
							     : s->deadline_ms,
			       .scripted = true};
	struct sched none = {0};
	struct strbuf err = {0};
	struct verdict_opts v = {NULL, true, o->expect_outcome};

	bool ok = wire_run(&wo, &none, out, &err);
	pthread_mutex_lock(&sh->mu);
	sh->runs++;
	if (!ok && !sh->stop) {
		sh->stop = true;
		sb_add(&sh->err, sb_str(&err), err.len);
	}
	/* A driver that cannot run here (clients/README.md) is no finding. */
	if (ok && out->connections == 0 &&
	    (out->status == 2 || out->status == 126 || out->status == 127) &&
	    !sh->stop) {
		sh->stop = sh->client_missing = true;
		sb_addf(&sh->err, "the client did not start (exit %d):\n%s",
			out->status, sb_str(&out->client_out));
	}
	pthread_mutex_unlock(&sh->mu);
	sb_free(&err);
	if (!ok)
		return false;
	*flags = verdict_flags(out, &v, NULL);
	*findings = verdict_findings(*flags, s);
	return true;
}

static bool runs_left(struct shared *sh)
{
	pthread_mutex_lock(&sh->mu);
	bool yes = !sh->stop && sh->runs < sh->o->max_runs;
	pthread_mutex_unlock(&sh->mu);
	return yes;
}

/* Play h; its worst finding (V_OK: none), the run kept in out. */
static enum verdict play_session(struct shared *sh,
				 const struct hostile_session *h,
				 struct wire_outcome *out, unsigned *flags)
{
	struct scn s;
	unsigned findings = 0;

	hostile_build(h, &s, NULL);
	*flags = 0;
	if (!play(sh, &s, out, flags, &findings))
		findings = 0;
	scn_free(&s);
	return verdict_worst(findings);
}

/* Fewer deviations while the same verdict stays. */
static void shrink(struct shared *sh, struct hostile_session *h,
		   enum verdict want, struct wire_outcome *keep,
		   unsigned *keep_flags)
{
	unsigned budget = sh->o->shrink_runs, used = 0;

	for (size_t i = h->ndev; i-- > 0 && used < budget && runs_left(sh);) {
		struct hostile_session t;
		struct wire_outcome o;
		unsigned f;
		hostile_without(h, i, &t);
		used++;
		if (play_session(sh, &t, &o, &f) == want) {
			*h = t;
			wire_outcome_free(keep);
			*keep = o;
			*keep_flags = f;
		} else
			wire_outcome_free(&o);
	}
}

static void repro(const struct campaign_opts *o, const char *path,
		  struct strbuf *out)
{
	sb_add_shell_quoted(out, o->prog);
	sb_adds(out, " --replay --scenario ");
	sb_add_shell_quoted(out, path);
	if (o->deadline_ms)
		sb_addf(out, " --deadline %u", o->deadline_ms);
	if (o->ipv6)
		sb_adds(out, " --ipv6");
	if (o->expect_outcome)
		sb_adds(out, " --expect-outcome");
	sb_adds(out, " --");
	for (char *const *a = o->argv; *a; a++) {
		sb_adds(out, " ");
		sb_add_shell_quoted(out, *a);
	}
}

static bool write_file(const char *path, const struct strbuf *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fwrite(sb_str(text), 1, text->len, f) == text->len;
	if (f)
		ok &= fclose(f) == 0;
	return ok;
}

/* The scenario of a finding, with what found it; its path in path (kept
 * under o->out_dir), or its text in the report when there is none. */
static void keep_scenario(struct shared *sh, const struct hostile_session *h,
			  const struct scn *s, unsigned flags,
			  struct finding *f, struct strbuf *report)
{
	const struct campaign_opts *o = sh->o;
	struct strbuf text = {0}, v = {0};

	verdict_text(flags, &v);
	sb_addf(&text,
		"# %s.scn - found by smtp-torture --generate %u --seed %llu "
		"(session %u): %s\n# against:",
		s->name, o->sessions, (unsigned long long)h->seed, h->index,
		sb_str(&v));
	for (char *const *a = o->argv; *a; a++)
		sb_addf(&text, " %s", *a);
	sb_adds(&text, "\n");
	scn_format(s, &text);
	if (o->out_dir) {
		sb_addf(&f->path, "%s/%s.scn", o->out_dir, s->name);
		if (!write_file(sb_str(&f->path), &text)) {
			sb_addf(report, "  (cannot write %s: %s)\n",
				sb_str(&f->path), strerror(errno));
			sb_clear(&f->path);
		}
	}
	if (!f->path.len) {
		sb_adds(report, "  scenario:\n");
		wire_indent(report, sb_str(&text));
	} else
		sb_addf(report, "  scenario: %s\n", sb_str(&f->path));
	repro(o, f->path.len ? sb_str(&f->path) : "SCENARIO.scn", &f->repro);
	sb_addf(report, "  reproduce: %s\n", sb_str(&f->repro));
	sb_free(&text);
	sb_free(&v);
}

/* A finding's report: what it did, why that is wrong, and what it took. */
static void describe(const struct wire_outcome *out, unsigned flags,
		     bool expect, struct strbuf *why, struct strbuf *report)
{
	struct verdict_opts vo = {NULL, true, expect};

	verdict_flags(out, &vo, why);
	sb_adds(report, "  this run: ");
	wire_summary(out, report);
	sb_adds(report, "\n");
	if (out->early)
		sb_addf(report, "  early talk: %s\n", sb_str(&out->early_what));
	if (out->outcome_lines) {
		sb_adds(report, "  outcome line: ");
		sb_add(report, sb_str(&out->outcome_line),
		       out->outcome_line.len < 600 ? out->outcome_line.len
						   : 600);
		sb_adds(report, "\n");
	}
	if (why->len)
		sb_addf(report, "  %s\n", sb_str(why));
	if ((flags & 1u << V_FAIL) && !why->len)
		sb_adds(report, "  the client failed, where every reply of "
				"the script was valid and it took the "
				"message\n");
	sb_adds(report, "  transcript (S> server, C> client; seconds):\n");
	wire_indent(report, sb_str(&out->transcript));
	if (out->client_out.len) {
		sb_adds(report, "  client output:\n");
		wire_indent(report, sb_str(&out->client_out));
	}
}

/* A session with a finding: shrink it, replay the minimal one, and keep
 * it unless a finding with the same verdict and deviations is kept. */
static void found(struct shared *sh, struct hostile_session *h,
		  enum verdict want, struct wire_outcome *out, unsigned flags)
{
	const struct campaign_opts *o = sh->o;
	size_t from = h->ndev;
	struct strbuf key = {0}, desc = {0}, report = {0}, why = {0};
	struct scn s;

	shrink(sh, h, want, out, &flags);
	/* Once more: a finding that does not come back is said so. */
	bool reproduced = true;
	if (runs_left(sh)) {
		struct wire_outcome again;
		unsigned again_flags;
		reproduced = play_session(sh, h, &again, &again_flags) == want;
		wire_outcome_free(&again);
	}
	hostile_build(h, &s, &desc);
	sb_addf(&key, "%s | ", verdict_name(want));
	hostile_key(h, &key);

	pthread_mutex_lock(&sh->mu);
	sh->with_findings++;
	struct finding *f = NULL;
	for (size_t i = 0; i < sh->nf && !f; i++)
		if (strcmp(sb_str(&sh->f[i].key), sb_str(&key)) == 0)
			f = &sh->f[i];
	if (f) {
		f->sessions++;
		if (!o->quiet)
			fprintf(sh->report,
				"  %s: %s again (as gen-%llu-%u): %s\n", s.name,
				verdict_name(want), (unsigned long long)h->seed,
				f->first, sb_str(&desc));
		pthread_mutex_unlock(&sh->mu);
		goto out;
	}
	sh->f = srh_realloc(sh->f, sh->nf + 1, sizeof *sh->f);
	f = &sh->f[sh->nf++];
	memset(f, 0, sizeof *f);
	f->verdict = want;
	f->flags = flags;
	f->sessions = 1;
	f->first = h->index;
	f->shrunk_from = from;
	f->ndev = h->ndev;
	f->reproduced = reproduced;
	sb_add(&f->key, sb_str(&key), key.len);
	sb_add(&f->desc, sb_str(&desc), desc.len);
	struct strbuf v = {0};
	verdict_text(flags, &v);
	sb_addf(&report, "FINDING %s: %s%s\n  deviations: %s", s.name,
		sb_str(&v),
		reproduced ? ""
			   : " (did not come back when "
			     "replayed once)",
		desc.len ? sb_str(&desc) : "none");
	if (from != h->ndev)
		sb_addf(&report, " (shrunk from %zu to %zu)", from, h->ndev);
	sb_adds(&report, "\n");
	sb_free(&v);
	describe(out, flags, o->expect_outcome, &why, &report);
	sb_add(&f->why, sb_str(&why), why.len);
	keep_scenario(sh, h, &s, flags, f, &report);
	fputs(sb_str(&report), sh->report);
	fflush(sh->report);
	pthread_mutex_unlock(&sh->mu);
out:
	scn_free(&s);
	sb_free(&key);
	sb_free(&desc);
	sb_free(&report);
	sb_free(&why);
}

static void *worker(void *arg)
{
	struct shared *sh = arg;
	const struct campaign_opts *o = sh->o;

	for (;;) {
		pthread_mutex_lock(&sh->mu);
		bool over = sh->stop || sh->next >= o->sessions ||
			    sh->runs >= o->max_runs ||
			    (o->budget_s && now_s() - sh->start >= o->budget_s);
		unsigned i = sh->next++;
		if (!over)
			sh->sessions_run++;
		pthread_mutex_unlock(&sh->mu);
		if (over)
			break;
		struct hostile_session h;
		struct wire_outcome out;
		unsigned flags;
		hostile_draw(&h, o->seed, i);
		enum verdict v = play_session(sh, &h, &out, &flags);
		if (!o->quiet) {
			struct strbuf line = {0}, desc = {0}, t = {0};
			struct scn s;
			hostile_build(&h, &s, &desc);
			verdict_text(flags, &t);
			sb_addf(&line, "  [%u/%u] %s: %s: %s\n", i + 1,
				o->sessions, s.name, sb_str(&t), sb_str(&desc));
			pthread_mutex_lock(&sh->mu);
			fputs(sb_str(&line), sh->report);
			fflush(sh->report);
			pthread_mutex_unlock(&sh->mu);
			scn_free(&s);
			sb_free(&line);
			sb_free(&desc);
			sb_free(&t);
		}
		if (v != V_OK && runs_left(sh))
			found(sh, &h, v, &out, flags);
		wire_outcome_free(&out);
	}
	return NULL;
}

static bool make_dirs(const char *path, struct strbuf *err)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof buf) {
		sb_addf(err, "%s: path too long", path);
		return false;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
			sb_addf(err, "cannot make %s: %s", buf,
				strerror(errno));
			return false;
		}
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		sb_addf(err, "%s is not a folder", path);
		return false;
	}
	return true;
}

static int by_verdict(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	if (x->verdict != y->verdict)
		return x->verdict > y->verdict ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void json_summary(const struct shared *sh, double secs, struct strbuf *j)
{
	const struct campaign_opts *o = sh->o;

	sb_adds(j, "{\n  \"command\": [");
	for (char *const *a = o->argv; *a; a++) {
		sb_adds(j, a == o->argv ? "" : ", ");
		sb_add_json_string(j, *a, strlen(*a));
	}
	sb_addf(j,
		"],\n  \"seed\": %llu,\n  \"sessions\": %u,\n  "
		"\"sessions_run\": %u,\n  \"with_findings\": %u,\n  "
		"\"runs\": %u,\n  \"seconds\": %.1f,\n  \"findings\": [",
		(unsigned long long)o->seed, o->sessions, sh->sessions_run,
		sh->with_findings, sh->runs, secs);
	for (size_t i = 0; i < sh->nf; i++) {
		const struct finding *f = &sh->f[i];
		sb_adds(j, i ? ",\n    {" : "\n    {");
		sb_addf(j, "\"verdict\": \"%s\", \"flags\": [",
			verdict_name(f->verdict));
		bool first = true;
		for (int k = V_COUNT - 1; k > 0; k--)
			if (f->flags >> k & 1) {
				sb_addf(j, "%s\"%s\"", first ? "" : ", ",
					verdict_name((enum verdict)k));
				first = false;
			}
		sb_addf(j,
			"], \"sessions\": %u, \"first\": %u, "
			"\"deviations\": %zu, \"shrunk_from\": %zu, "
			"\"reproduced\": %s, \"key\": ",
			f->sessions, f->first, f->ndev, f->shrunk_from,
			f->reproduced ? "true" : "false");
		sb_add_json_string(j, sb_str(&f->key), f->key.len);
		sb_adds(j, ", \"minimal\": ");
		sb_add_json_string(j, sb_str(&f->desc), f->desc.len);
		sb_adds(j, ", \"why\": ");
		sb_add_json_string(j, sb_str(&f->why), f->why.len);
		sb_adds(j, ", \"scenario\": ");
		if (f->path.len)
			sb_add_json_string(j, sb_str(&f->path), f->path.len);
		else
			sb_adds(j, "null");
		sb_adds(j, ", \"reproduce\": ");
		sb_add_json_string(j, sb_str(&f->repro), f->repro.len);
		sb_adds(j, "}");
	}
	sb_adds(j, sh->nf ? "\n  ]\n}\n" : "]\n}\n");
}

int campaign_run(const struct campaign_opts *o, FILE *report,
		 struct strbuf *json, struct strbuf *err)
{
	struct shared sh = {.o = o, .report = report, .start = now_s()};
	pthread_t th[CAMPAIGN_MAX_JOBS];
	unsigned jobs = o->jobs < 1		      ? 1
			: o->jobs > CAMPAIGN_MAX_JOBS ? CAMPAIGN_MAX_JOBS
						      : o->jobs;
	unsigned started = 0;

	if (o->out_dir && !make_dirs(o->out_dir, err))
		return -1;
	pthread_mutex_init(&sh.mu, NULL);
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, &sh) != 0)
			break;
	if (started == 0)
		worker(&sh);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&sh.mu);
	double secs = now_s() - sh.start;
	int rc = (int)sh.nf;
	if (sh.stop && sh.err.len) {
		sb_add(err, sb_str(&sh.err), sh.err.len);
		rc = -1;
	}
	qsort(sh.f, sh.nf, sizeof *sh.f, by_verdict);
	fprintf(report,
		"campaign: %u of %u sessions in %.0f s (%u client runs), %u "
		"with findings, %zu distinct%s\n",
		sh.sessions_run, o->sessions, secs, sh.runs, sh.with_findings,
		sh.nf,
		sh.sessions_run < o->sessions
			? (sh.stop		    ? " (stopped)"
			   : sh.runs >= o->max_runs ? " (--max-runs reached)"
						    : " (--budget reached)")
			: "");
	for (size_t i = 0; i < sh.nf; i++)
		fprintf(report, "  %-13s x%-3u %s%s%s\n",
			verdict_name(sh.f[i].verdict), sh.f[i].sessions,
			sb_str(&sh.f[i].desc), sh.f[i].path.len ? "  -> " : "",
			sb_str(&sh.f[i].path));
	if (json)
		json_summary(&sh, secs, json);
	for (size_t i = 0; i < sh.nf; i++) {
		sb_free(&sh.f[i].key);
		sb_free(&sh.f[i].desc);
		sb_free(&sh.f[i].why);
		sb_free(&sh.f[i].path);
		sb_free(&sh.f[i].repro);
	}
	free(sh.f);
	sb_free(&sh.err);
	return rc;
}

int campaign_replay(const struct campaign_opts *o, const char *path,
		    const struct scn *s, FILE *report, struct strbuf *err)
{
	struct shared sh = {.o = o, .report = report};
	struct wire_outcome out;
	unsigned flags = 0, findings = 0;
	struct strbuf r = {0}, why = {0}, v = {0};

	pthread_mutex_init(&sh.mu, NULL);
	bool ok = play(&sh, s, &out, &flags, &findings);
	pthread_mutex_destroy(&sh.mu);
	if (!ok || sh.stop) {
		sb_add(err, sb_str(&sh.err), sh.err.len);
		if (ok)
			wire_outcome_free(&out);
		sb_free(&sh.err);
		return -1;
	}
	verdict_text(flags, &v);
	sb_addf(&r, "%s: %s: %s (%s)\n", s->name, findings ? "FINDING" : "ok",
		sb_str(&v),
		verdict_script_accepts(s) ? "the script takes the message"
					  : "the script does not take the "
					    "message, or is not valid");
	if (findings || !o->quiet)
		describe(&out, flags, o->expect_outcome, &why, &r);
	if (findings) {
		sb_adds(&r, "  reproduce: ");
		repro(o, path, &r);
		sb_adds(&r, "\n");
	}
	fputs(sb_str(&r), report);
	wire_outcome_free(&out);
	sb_free(&r);
	sb_free(&why);
	sb_free(&v);
	sb_free(&sh.err);
	return findings ? 1 : 0;
}
