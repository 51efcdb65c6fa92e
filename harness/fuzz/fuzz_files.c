/*
 * fuzz_files.c - the parsers of the files users write and the harness
 * saves: case files (report_case_read) and scenario files (scn_parse).
 * The first byte picks one (even: case, odd: scenario), the rest is the
 * file. The oracles: the sanitizers, and that what a parser accepts it
 * reads back the same once written out (a case file rewritten, a
 * scenario through scn_format, twice). No subject is used.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void broken(const char *what, const struct strbuf *a,
			     const struct strbuf *b)
{
	fprintf(stderr, "fuzz_files: %s\n--- first\n%s\n--- second\n%s\n", what,
		sb_str(a), sb_str(b));
	abort();
}

static void case_file(const char *text, size_t n)
{
	struct report_case c, d;
	struct strbuf err = {0}, out = {0};

	if (report_case_read(text, n, &c, &err)) {
		/* Written out again, read back the same. */
		sb_adds(&out, "stream \"");
		sb_add_escaped(&out, c.stream.s, c.stream.len);
		sb_adds(&out, "\"\n");
		if (c.cuts.len)
			sb_addf(&out, "cuts %s\n", sb_str(&c.cuts));
		if (c.shape >= 0)
			sb_addf(&out, "shape %s\n", c.shape ? "fd" : "push");
		if (c.prefix >= 0)
			sb_addf(&out, "prefix %ld\n", c.prefix);
		sb_clear(&err);
		if (!report_case_read(out.s, out.len, &d, &err))
			broken("a case file it wrote is refused", &out, &err);
		if (d.stream.len != c.stream.len ||
		    memcmp(sb_str(&d.stream), sb_str(&c.stream),
			   c.stream.len) != 0 ||
		    strcmp(sb_str(&d.cuts), sb_str(&c.cuts)) != 0 ||
		    d.shape != c.shape || d.prefix != c.prefix)
			broken("a case file read back differs", &out, &err);
		report_case_free(&d);
		report_case_free(&c);
	} else if (err.len == 0) {
		broken("a case file refused without a reason", &out, &err);
	}
	sb_free(&err);
	sb_free(&out);
}

static void scenario(const char *text, size_t n)
{
	struct scn s, t;
	struct strbuf err = {0}, once = {0}, twice = {0};

	scn_init(&s);
	if (scn_parse(&s, text, n, "input", &err)) {
		scn_format(&s, &once);
		scn_init(&t);
		sb_clear(&err);
		if (!scn_parse(&t, once.s, once.len, "formatted", &err))
			broken("a scenario it formatted is refused", &once,
			       &err);
		scn_format(&t, &twice);
		if (strcmp(sb_str(&once), sb_str(&twice)) != 0)
			broken("a formatted scenario reads back differently",
			       &once, &twice);
		scn_free(&t);
	} else if (err.len == 0) {
		broken("a scenario refused without a reason", &once, &err);
	}
	scn_free(&s);
	sb_free(&err);
	sb_free(&once);
	sb_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* The parsers take NUL-terminated text too. */
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		scenario(text, size - 1);
	else
		case_file(text, size - 1);
	free(text);
	return 0;
}
