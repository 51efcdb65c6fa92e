/*
 * smtp_reply_cli.c - smtp-reply: print the replies in SMTP reply streams.
 *
 *   smtp-reply [--json] [--lenient=LIST] [--max-line=N] [--max-lines=N]
 *              [--max-reply=N] [--chunk=N] [FILE|-]...
 *
 * Each FILE (or standard input) is one server-to-client byte stream. Every
 * complete reply is printed as text, or as one JSON object per line. A
 * malformed stream prints its error with offset and line and makes the exit
 * status 1; 2 means a usage or I/O error.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"
#include "strbuf.h"

#define READ_SIZE 65536

struct options {
	struct srp_config cfg;
	bool json;
	size_t chunk; /* feed at most this many bytes at a time; 0 = as read */
};

/* A growable string: the reply being printed. */
struct out {
	char *s;
	size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->s = realloc(o->s, o->cap);
		if (!o->s) {
			perror("smtp-reply");
			exit(2);
		}
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* Text bytes made printable; for JSON, a valid string body: UTF-8 text
 * as it is, a byte that is not UTF-8 as U+FFFD (JSON strings hold
 * characters, not bytes; the text form shows it as \xNN). */
static void out_escaped(struct out *o, const char *s, size_t n, bool json)
{
	char e[8];

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t seq = json && c >= 0x80 ? sb_utf8_len(s + i, n - i) : 0;
		if (seq) {
			out_add(o, s + i, seq);
			i += seq - 1;
		} else if (json && c >= 0x80)
			out_str(o, "\\ufffd");
		else if (c == '"' && json)
			out_str(o, "\\\"");
		else if (c == '\\')
			out_str(o, "\\\\");
		else if (c >= 0x20 && c < 0x7F)
			out_add(o, (const char *)&c, 1);
		else {
			snprintf(e, sizeof e, json ? "\\u%04x" : "\\x%02x", c);
			out_str(o, e);
		}
	}
}

struct stream {
	const char *name;
	const struct options *opt;
	struct srp_parser parser;
	struct out reply; /* lines of the reply in progress, formatted */
	uint64_t replies;
	char buf[READ_SIZE];
};

static void on_line(struct stream *st, const struct srp_line *l)
{
	char head[32];

	if (st->opt->json) {
		out_str(&st->reply, l->number == 1 ? "\"" : ",\"");
		out_escaped(&st->reply, l->text, l->len, true);
		out_str(&st->reply, "\"");
		return;
	}
	snprintf(head, sizeof head, "%03u%c", l->code, l->last ? ' ' : '-');
	out_str(&st->reply, head);
	out_escaped(&st->reply, l->text, l->len, false);
	out_str(&st->reply, "\n");
}

static void on_reply(struct stream *st, const struct srp_reply *r)
{
	const char *esc = r->has_esc ? r->esc.text : NULL;

	st->replies++;
	if (st->opt->json) {
		printf("{\"file\":\"");
		struct out name = {0};
		out_escaped(&name, st->name, strlen(st->name), true);
		printf("%s\",\"offset\":%" PRIu64 ",\"size\":%zu,\"code\":%u,"
		       "\"esc\":%s%s%s,\"lines\":[%s]}\n",
		       name.s, r->offset, r->size, r->code, esc ? "\"" : "",
		       esc ? esc : "null", esc ? "\"" : "", st->reply.s);
		free(name.s);
	} else {
		/* The name escaped: a newline in it must not end the line. */
		struct out name = {0};
		out_escaped(&name, st->name, strlen(st->name), false);
		printf("# %s reply %" PRIu64
		       ": code %u, %zu line%s, offset %" PRIu64
		       ", %zu bytes, esc %s\n%s",
		       name.s, st->replies, r->code, r->lines,
		       r->lines == 1 ? "" : "s", r->offset, r->size,
		       esc ? esc : "-", st->reply.s);
		free(name.s);
	}
	st->reply.len = 0;
}

static int on_error(struct stream *st)
{
	const struct srp_error *e = srp_error(&st->parser);
	char where[256];

	srp_error_format(e, where, sizeof where);
	fprintf(stderr, "smtp-reply: %s: %s\n", st->name, where);
	if (st->opt->json) {
		struct out name = {0};
		out_escaped(&name, st->name, strlen(st->name), true);
		printf("{\"file\":\"%s\",\"error\":\"%s\",\"message\":\"%s\","
		       "\"offset\":%" PRIu64 ",\"line\":%" PRIu64
		       ",\"reply_line\":%zu}\n",
		       name.s, srp_err_name(e->code), srp_strerror(e->code),
		       e->offset, e->line, e->reply_line);
		free(name.s);
	}
	return 1;
}

/* Feed one piece; returns 1 on a stream error. */
static int feed(struct stream *st, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t used;
		enum srp_status s =
			srp_feed(&st->parser, buf + off, len - off, &used);
		off += used;
		if (s == SRP_ERROR)
			return on_error(st);
		if (s == SRP_LINE || s == SRP_REPLY)
			on_line(st, srp_line(&st->parser));
		if (s == SRP_REPLY)
			on_reply(st, srp_reply(&st->parser));
	}
	return 0;
}

static int run_stream(const char *path, const struct options *opt)
{
	struct stream *st = calloc(1, sizeof *st);
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	int rc = 0;

	if (!st || !f) {
		fprintf(stderr, "smtp-reply: %s: %s\n", path, strerror(errno));
		free(st);
		return 2;
	}
	st->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	st->opt = opt;
	srp_init(&st->parser, &opt->cfg);
	out_str(&st->reply, "");

	size_t n;
	while (rc == 0 && (n = fread(st->buf, 1, sizeof st->buf, f)) > 0) {
		size_t step = opt->chunk ? opt->chunk : n;
		for (size_t at = 0; rc == 0 && at < n; at += step)
			rc = feed(st, st->buf + at,
				  n - at < step ? n - at : step);
	}
	if (rc == 0 && ferror(f)) { /* a folder: EISDIR */
		fprintf(stderr, "smtp-reply: %s: cannot read: %s\n", path,
			strerror(errno));
		rc = 2;
	}
	if (rc == 0 && srp_finish(&st->parser) == SRP_ERROR)
		rc = on_error(st);
	if (f != stdin)
		fclose(f);
	free(st->reply.s);
	free(st);
	return rc;
}

static const char usage[] =
	"usage: smtp-reply [options] [FILE|-]...\n"
	"Print the replies in SMTP server-to-client byte streams (standard\n"
	"input when no FILE). Exit status: 0 all streams well formed, 1 a\n"
	"stream is malformed (the error, its offset and line go to stderr),\n"
	"2 usage or I/O error.\n"
	"\n"
	"  --json            one JSON object per reply (and per error)\n"
	"  --lenient=LIST    accept, comma-separated: bare-lf, long-lines,\n"
	"                    code-mismatch, 8bit, control, bare-cr, or all\n"
	"  --max-line=N      octets per line with its CRLF (default 512;\n"
	"                    above 512 needs --lenient=long-lines)\n"
	"  --max-lines=N     lines per reply (default 128)\n"
	"  --max-reply=N     octets per reply (default 65536)\n"
	"  --chunk=N         feed the parser N bytes at a time\n"
	"  -h, --help        this text\n";

/* A decimal count, digits only (strtoull alone would take " -5"). */
static bool parse_size(const char *opt, const char *s, size_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno || *end || v > SIZE_MAX) {
		fprintf(stderr, "smtp-reply: --%s: '%s' is not a count\n", opt,
			s);
		return false;
	}
	*out = (size_t)v;
	return true;
}

/* What srp_init refuses, said with the options' names. */
static void config_problem(const struct srp_config *c)
{
	if (c->max_line < 5 || c->max_line > SRP_LINE_CAPACITY)
		fprintf(stderr,
			"smtp-reply: --max-line=%zu: out of range (5 to %u)\n",
			c->max_line, SRP_LINE_CAPACITY);
	else if (c->max_line > SRP_RFC_LINE_MAX &&
		 !(c->flags & SRP_LENIENT_LONG_LINES))
		fprintf(stderr,
			"smtp-reply: --max-line=%zu: above %u needs "
			"--lenient=long-lines\n",
			c->max_line, SRP_RFC_LINE_MAX);
	else if (c->max_lines < 1)
		fputs("smtp-reply: --max-lines: at least 1\n", stderr);
	else if (c->max_reply < 5)
		fputs("smtp-reply: --max-reply: at least 5\n", stderr);
	else
		fprintf(stderr, "smtp-reply: %s\n", srp_strerror(SRP_E_CONFIG));
}

static bool parse_lenient(char *list, unsigned *flags)
{
	static const struct {
		const char *name;
		unsigned flag;
	} names[] = {
		{"bare-lf", SRP_LENIENT_BARE_LF},
		{"long-lines", SRP_LENIENT_LONG_LINES},
		{"code-mismatch", SRP_LENIENT_CODE_MISMATCH},
		{"8bit", SRP_LENIENT_8BIT},
		{"control", SRP_LENIENT_CONTROL},
		{"bare-cr", SRP_LENIENT_BARE_CR},
		{"all", SRP_LENIENT_ALL},
	};
	char *save = NULL;

	for (char *w = strtok_r(list, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < sizeof names / sizeof names[0] &&
		       strcmp(w, names[i].name) != 0)
			i++;
		if (i == sizeof names / sizeof names[0]) {
			fprintf(stderr, "smtp-reply: unknown leniency '%s'\n",
				w);
			return false;
		}
		*flags |= names[i].flag;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"lenient", required_argument, NULL, 'l'},
		{"max-line", required_argument, NULL, 'L'},
		{"max-lines", required_argument, NULL, 'N'},
		{"max-reply", required_argument, NULL, 'R'},
		{"chunk", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct options opt = {0};
	int c, rc = 0;

	srp_config_init(&opt.cfg);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'j':
			opt.json = true;
			break;
		case 'l':
			ok = parse_lenient(optarg, &opt.cfg.flags);
			break;
		case 'L':
			ok = parse_size("max-line", optarg, &opt.cfg.max_line);
			break;
		case 'N':
			ok = parse_size("max-lines", optarg,
					&opt.cfg.max_lines);
			break;
		case 'R':
			ok = parse_size("max-reply", optarg,
					&opt.cfg.max_reply);
			break;
		case 'c':
			ok = parse_size("chunk", optarg, &opt.chunk);
			if (ok && opt.chunk == 0) {
				fputs("smtp-reply: --chunk: at least 1\n",
				      stderr);
				ok = false;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			ok = false;
		}
		if (!ok) {
			fputs("run smtp-reply --help for the options\n",
			      stderr);
			return 2;
		}
	}

	struct srp_parser probe;
	if (srp_init(&probe, &opt.cfg) != SRP_E_OK) {
		config_problem(&opt.cfg);
		return 2;
	}
	if (optind == argc)
		rc = run_stream("-", &opt);
	for (int i = optind; i < argc; i++) {
		int r = run_stream(argv[i], &opt);
		rc = r > rc ? r : rc;
	}
	/* Output that did not reach its file (a full disk, a closed pipe) is
	 * an I/O error, not a success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "smtp-reply: standard output: %s\n",
			strerror(errno));
		rc = 2;
	}
	return rc;
}
