/*
 * report.c - see report.h.
 */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"

#define COLUMN 40

static const char *shape_name(enum chk_shape s)
{
	return s == CHK_PUSH ? "push" : "fd";
}

static void escaped_stream(const struct chk_failure *f, struct strbuf *out)
{
	sb_add_escaped(out, f->stream.s, f->stream.len);
}

void report_repro(const struct chk_opts *o, const char *input,
		  const char *case_file, const struct chk_failure *f,
		  struct strbuf *out)
{
	struct strbuf esc = {0};
	const struct chk_family_row *row = chk_family_row(f->family);
	bool whole = row && (!row->schedules || f->whole_run);

	if (strpbrk(o->prog, " '\"\\$"))
		sb_add_shell_quoted(out, o->prog);
	else
		sb_adds(out, o->prog);
	sb_adds(out, " --subject ");
	sb_add_shell_quoted(out, o->subject_arg);
	if (o->shapes != (1u << f->shape))
		sb_addf(out, " --shape %s", shape_name(f->shape));
	if (o->deadline_ms != SRH_DEADLINE_MS)
		sb_addf(out, " --deadline %u", o->deadline_ms);
	if (o->memory_limit != (size_t)SRH_MEMORY_LIMIT_MIB << 20)
		sb_addf(out, " --memory-limit %zu", o->memory_limit >> 20);
	if (o->heap_limit != (size_t)SRH_HEAP_LIMIT_KIB << 10)
		sb_addf(out, " --heap-limit %zu", o->heap_limit >> 10);
	if (f->oracle == CHK_O_EXPECTED) {
		sb_adds(out, " ");
		sb_add_shell_quoted(out, input);
		return;
	}
	/* Checks that are not one schedule rerun their whole family. */
	if (whole)
		sb_addf(out, " --families %s", row->name);
	/* A family with streams of its own needs none (any will do). */
	if (row && row->cap == CHK_CAP_ONCE) {
		sb_adds(out, " --stream ''");
		return;
	}
	escaped_stream(f, &esc);
	if (esc.len <= REPORT_STREAM_MAX) {
		sb_adds(out, " --stream ");
		sb_add_shell_quoted(out, sb_str(&esc));
		if (!whole) {
			sb_adds(out, " --cuts ");
			sched_format(&f->sched, out);
		}
	} else {
		/* The case file holds the stream and its cuts or prefix. */
		sb_adds(out, " ");
		sb_add_shell_quoted(out,
				    case_file ? case_file : "DIR/NAME.case");
		if (!case_file)
			sb_addf(out,
				"   # the %zu-byte stream is too long for a "
				"command line: --save DIR writes its case file",
				f->stream.len);
	}
	sb_free(&esc);
}

/* The pieces, each escaped, separated by " | ". */
static void pieces(const struct chk_failure *f, struct strbuf *out)
{
	size_t n = f->stream.len, from, to;

	for (size_t i = 0, m = sched_pieces(&f->sched, n); i < m; i++) {
		struct sched_cut c = sched_piece(&f->sched, n, i, &from, &to);
		if (i > 0) {
			sb_adds(out, " |");
			if (c.idle)
				sb_adds(out, " (nothing)");
			if (c.delay_ms)
				sb_addf(out, " (%u ms)", c.delay_ms);
			sb_adds(out, " ");
		}
		sb_adds(out, "\"");
		sb_add_escaped(out, f->stream.s + from, to - from);
		sb_adds(out, "\"");
	}
}

static size_t count_lines(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k + (n > 0 && s[n - 1] != '\n');
}

/* Next line of s at *p, without its newline. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	if (!*p || !**p)
		return false;
	const char *nl = strchr(*p, '\n');
	*line = *p;
	*len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p = nl ? nl + 1 : *p + *len;
	return true;
}

static void cell(struct strbuf *out, const char *s, size_t n)
{
	if (n > COLUMN - 1) {
		sb_add(out, s, COLUMN - 2);
		sb_adds(out, "~ ");
		return;
	}
	sb_add(out, s, n);
	for (size_t i = n; i < COLUMN; i++)
		sb_adds(out, " ");
}

/* Rows shown of a long side-by-side: some before the first difference,
 * and no more than SHOW_ROWS in all (67000 replies are no report). */
#define SHOW_BEFORE 8
#define SHOW_ROWS   64

/* Expected and actual side by side; '*' marks the rows that differ. */
static void side_by_side(const char *e, const char *a, struct strbuf *out)
{
	const char *pe = e, *pa = a, *le = "", *la = "";
	size_t ne = 0, na = 0, row = 0, first = SIZE_MAX, shown = 0;

	/* The first row that differs, to start near it. */
	for (;; row++) {
		bool he = next_line(&pe, &le, &ne);
		bool ha = next_line(&pa, &la, &na);
		if (!he && !ha)
			break;
		if (!(he && ha && ne == na && memcmp(le, la, ne) == 0)) {
			first = row;
			break;
		}
	}
	size_t skip = first != SIZE_MAX && first > SHOW_BEFORE
			      ? first - SHOW_BEFORE
			      : 0;
	sb_adds(out, "    ");
	cell(out, "expected (one piece)", 20);
	sb_adds(out, "  actual\n");
	if (skip)
		sb_addf(out, "    (%zu identical rows)\n", skip);
	pe = e;
	pa = a;
	for (row = 0;; row++) {
		bool he = next_line(&pe, &le, &ne);
		bool ha = next_line(&pa, &la, &na);
		if (!he && !ha)
			break;
		if (row < skip)
			continue;
		if (shown++ == SHOW_ROWS) {
			size_t more = 1;
			while (next_line(&pe, &le, &ne) ||
			       next_line(&pa, &la, &na))
				more++;
			sb_addf(out, "    (%zu more rows)\n", more);
			break;
		}
		if (!he)
			ne = 0;
		if (!ha)
			na = 0;
		bool same = he && ha && ne == na && memcmp(le, la, ne) == 0;
		sb_adds(out, same ? "    " : "  * ");
		cell(out, he ? le : "", ne);
		sb_adds(out, "  ");
		sb_add(out, ha ? la : "", na);
		sb_adds(out, "\n");
	}
}

void report_failure(const struct chk_opts *o, const char *input,
		    const char *case_file, const struct chk_failure *f,
		    struct strbuf *out)
{
	sb_addf(out, "FAIL %s (%s shape): %s\n", chk_oracle_name(f->oracle),
		shape_name(f->shape), chk_oracle_what(f->oracle));
	sb_addf(out, "  subject:  %s\n", o->subject->name);
	size_t lines = count_lines(sb_str(&f->stream), f->stream.len);
	size_t ncuts = sched_ncuts(&f->sched, f->stream.len);
	sb_addf(out, "  input:    %s\n", input);
	sb_addf(out, "  found by: %s", chk_family_name(f->family));
	if (f->shrink_runs)
		sb_addf(out,
			"; shrunk in %zu runs from %zu bytes and %zu cut%s to "
			"%zu byte%s, %zu line%s and %zu cut%s",
			f->shrink_runs, f->orig_len, f->orig_cuts,
			f->orig_cuts == 1 ? "" : "s", f->stream.len,
			f->stream.len == 1 ? "" : "s", lines,
			lines == 1 ? "" : "s", ncuts, ncuts == 1 ? "" : "s");
	sb_adds(out, "\n  stream:   \"");
	/* Each byte escapes alone: a long stream is cut between two. */
	size_t at = out->len, i = 0;
	while (i < f->stream.len && out->len - at < REPORT_STREAM_MAX)
		sb_add_escaped(out, f->stream.s + i++, 1);
	if (i < f->stream.len) /* the case file holds it whole */
		sb_addf(out, "\"... (%zu bytes in all)\n", f->stream.len);
	else
		sb_adds(out, "\"\n");
	if (f->prefix >= 0) {
		sb_addf(out, "  end of input after %ld bytes\n", f->prefix);
	} else if (f->whole_run && chk_family_row(f->family)) {
		sb_adds(out, "  cuts:     unknown (not in one schedule: the "
			     "reproduce command reruns the family)\n");
	} else if (f->oracle != CHK_O_EXPECTED) {
		sb_adds(out, "  cuts:     ");
		sched_format(&f->sched, out);
		if (ncuts <= 16 && f->stream.len <= REPORT_STREAM_MAX / 4) {
			sb_adds(out, "\n  pieces:   ");
			pieces(f, out);
		}
		sb_adds(out, "\n");
	}
	if (f->detail.len)
		sb_addf(out, "  detail:   %s\n", f->detail.s);
	if (f->expected.len || f->actual.len)
		side_by_side(sb_str(&f->expected), sb_str(&f->actual), out);
	if (f->log.len) {
		sb_adds(out, "  the subject's stderr:\n");
		const char *p = f->log.s, *l;
		size_t n, shown = 0;
		while (shown++ < 12 && next_line(&p, &l, &n)) {
			sb_adds(out, "    ");
			sb_add(out, l, n);
			sb_adds(out, "\n");
		}
	}
	if (case_file)
		sb_addf(out, "  saved:    %s\n", case_file);
	sb_adds(out, "  reproduce: ");
	report_repro(o, input, case_file, f, out);
	sb_adds(out, "\n");
}

void report_case_file(const struct chk_opts *o, const struct chk_failure *f,
		      struct strbuf *out)
{
	sb_addf(out, "# smtp-split counterexample: %s (%s shape)\n# %s\n",
		chk_oracle_name(f->oracle), shape_name(f->shape),
		chk_oracle_what(f->oracle));
	sb_addf(out, "# found with subject %s\n", o->subject->name);
	sb_addf(out, "shape %s\n", shape_name(f->shape));
	sb_adds(out, "stream \"");
	escaped_stream(f, out);
	sb_adds(out, "\"\n");
	if (f->prefix >= 0)
		sb_addf(out, "prefix %ld\n", f->prefix);
	else if (sched_ncuts(&f->sched, f->stream.len)) {
		sb_adds(out, "cuts ");
		sched_format(&f->sched, out);
		sb_adds(out, "\n");
	}
}

void report_json(const struct chk_opts *o, const char *input,
		 const char *case_file, const struct chk_failure *f,
		 struct strbuf *out)
{
	struct strbuf s = {0};

	sb_adds(out, "{\"oracle\":");
	sb_add_json_string(out, chk_oracle_name(f->oracle),
			   strlen(chk_oracle_name(f->oracle)));
	sb_addf(out, ",\"shape\":\"%s\",\"family\":\"%s\",\"input\":",
		shape_name(f->shape), chk_family_name(f->family));
	sb_add_json_string(out, input, strlen(input));
	sb_adds(out, ",\"stream\":");
	sb_add_json_string(out, sb_str(&f->stream), f->stream.len);
	sched_format(&f->sched, &s);
	sb_adds(out, ",\"cuts\":");
	sb_add_json_string(out, s.s, s.len);
	sb_addf(out,
		",\"prefix\":%ld,\"found_after\":%llu,\"found_s\":%.3f,"
		"\"shrink_runs\":%zu,\"detail\":",
		f->prefix, (unsigned long long)f->found_after, f->found_s,
		f->shrink_runs);
	sb_add_json_string(out, sb_str(&f->detail), f->detail.len);
	sb_clear(&s);
	report_repro(o, input, case_file, f, &s);
	sb_adds(out, ",\"reproduce\":");
	sb_add_json_string(out, s.s, s.len);
	sb_adds(out, ",\"case_file\":");
	if (case_file)
		sb_add_json_string(out, case_file, strlen(case_file));
	else
		sb_adds(out, "null");
	sb_adds(out, "}");
	sb_free(&s);
}

void report_case_free(struct report_case *c)
{
	sb_free(&c->stream);
	sb_free(&c->cuts);
}

/* The keys of a case file, each allowed once. */
enum case_key { CASE_STREAM, CASE_CUTS, CASE_SHAPE, CASE_PREFIX, CASE_KEYS };
static const char *const case_keys[CASE_KEYS] = {"stream", "cuts", "shape",
						 "prefix"};

static bool case_line(const char *s, size_t len, struct report_case *c,
		      struct strbuf *why)
{
	if (strncmp(s, "stream \"", 8) == 0 && len >= 9 && s[len - 1] == '"') {
		size_t bad = 0;
		struct strbuf body = {0};
		sb_add(&body, s + 8, len - 9);
		bool ok = sb_unescape(&c->stream, sb_str(&body), &bad);
		if (!ok)
			sb_addf(why,
				"a bad escape at character %zu of the stream",
				bad + 1);
		sb_free(&body);
		return ok;
	}
	if (strncmp(s, "cuts ", 5) == 0) {
		sb_add(&c->cuts, s + 5, len - 5);
		return true;
	}
	if (strcmp(s, "shape push") == 0 || strcmp(s, "shape fd") == 0) {
		c->shape = s[6] == 'p' ? CHK_PUSH : CHK_FD;
		return true;
	}
	if (strncmp(s, "prefix ", 7) == 0) {
		char *end;
		errno = 0;
		long v = strtol(s + 7, &end, 10);
		if (s[7] < '0' || s[7] > '9' || *end || errno || v < 0) {
			sb_adds(why, "prefix: not a byte count");
			return false;
		}
		c->prefix = v;
		return true;
	}
	sb_adds(why, "not a case line (stream, cuts, shape or prefix)");
	return false;
}

static bool case_read(const char *text, size_t n, struct report_case *c,
		      struct strbuf *err)
{
	const char *p = text, *line;
	size_t len, lineno = 0, seen[CASE_KEYS] = {0};

	memset(c, 0, sizeof *c);
	c->shape = -1;
	c->prefix = -1;
	const char *nul = memchr(text, '\0', n);
	if (nul) {
		size_t at = (size_t)(nul - text), l = 1;
		for (size_t i = 0; i < at; i++)
			l += text[i] == '\n';
		sb_addf(err, "line %zu: a NUL byte (byte offset %zu)", l, at);
		return false;
	}
	while (next_line(&p, &line, &len)) {
		struct strbuf l = {0}, why = {0};
		lineno++;
		if (len && line[len - 1] == '\r') /* CRLF line ends */
			len--;
		sb_add(&l, line, len);
		const char *s = sb_str(&l);
		bool ok = true;
		if (s[0] != '#' && s[0] != '\0') {
			size_t k = 0;
			while (k < CASE_KEYS &&
			       (strncmp(s, case_keys[k],
					strlen(case_keys[k])) ||
				s[strlen(case_keys[k])] != ' '))
				k++;
			if (k < CASE_KEYS && seen[k]) {
				sb_addf(&why,
					"a second '%s' line (the first is "
					"line %zu)",
					case_keys[k], seen[k]);
				ok = false;
			} else {
				if (k < CASE_KEYS)
					seen[k] = lineno;
				ok = case_line(s, len, c, &why);
			}
		}
		if (!ok) {
			/* The line escaped and cut: it may be binary, or long.
			 */
			sb_addf(err, "line %zu: %s: '", lineno, sb_str(&why));
			sb_add_escaped(err, s, len < 60 ? len : 60);
			sb_adds(err, len > 60 ? "...'" : "'");
		}
		sb_free(&l);
		sb_free(&why);
		if (!ok)
			return false;
	}
	if (!seen[CASE_STREAM]) {
		sb_adds(err, "no 'stream \"...\"' line");
		return false;
	}
	return true;
}

bool report_case_read(const char *text, size_t n, struct report_case *c,
		      struct strbuf *err)
{
	bool ok = case_read(text, n, c, err);
	if (!ok) /* what was read before the bad line is dropped */
		report_case_free(c);
	return ok;
}
