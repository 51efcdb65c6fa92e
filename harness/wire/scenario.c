/*
 * scenario.c - see scenario.h.
 */
#include "scenario.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *verb, *reply;
} defaults[] = {
	{"EHLO", "250-torture.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
		 "250 SIZE 10485760\r\n"},
	{"HELO", "250 torture.example\r\n"},
	{"MAIL", "250 2.1.0 ok\r\n"},
	{"RCPT", "250 2.1.5 ok\r\n"},
	{"DATA", "354 go ahead\r\n"},
	{".", "250 2.0.0 queued\r\n"},
	{"RSET", "250 2.0.0 ok\r\n"},
	{"NOOP", "250 2.0.0 ok\r\n"},
	{"QUIT", "221 2.0.0 bye\r\n"},
};

void scn_init(struct scn *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "default");
	sb_adds(&s->greeting, "220 torture.example ESMTP smtp-torture\r\n");
	sb_adds(&s->unknown, "502 5.5.2 not implemented\r\n");
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		struct scn_verb *v = &s->verbs[s->nverbs++];
		snprintf(v->verb, sizeof v->verb, "%s", defaults[i].verb);
		sb_adds(&v->reply[0], defaults[i].reply);
		v->nreplies = 1;
	}
	s->deadline_ms = SCN_DEFAULT_DEADLINE_MS;
}

void scn_free(struct scn *s)
{
	sb_free(&s->about);
	sb_free(&s->greeting);
	sb_free(&s->unknown);
	sched_free(&s->greeting_cuts);
	for (size_t i = 0; i < s->nverbs; i++) {
		for (size_t j = 0; j < SCN_MAX_REPLIES; j++)
			sb_free(&s->verbs[i].reply[j]);
		sched_free(&s->verbs[i].cuts);
	}
	memset(s, 0, sizeof *s);
}

const struct scn_verb *scn_find(const struct scn *s, const char *verb,
				size_t len)
{
	for (size_t i = 0; i < s->nverbs; i++)
		if (strlen(s->verbs[i].verb) == len &&
		    strncasecmp(s->verbs[i].verb, verb, len) == 0)
			return &s->verbs[i];
	return NULL;
}

/* ---- parsing ------------------------------------------------------------ */

struct lexer {
	const char *p;
	struct strbuf *err;
	const char *path;
	unsigned line;
};

static bool fail(struct lexer *lx, const char *what)
{
	sb_addf(lx->err, "%s:%u: %s", lx->path, lx->line, what);
	return false;
}

static void skip_space(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
	if (*lx->p == '#')
		lx->p += strlen(lx->p);
}

/* A bare word into out (at most size - 1 bytes); "." may be quoted. */
static bool word(struct lexer *lx, char *out, size_t size)
{
	size_t n = 0;

	skip_space(lx);
	while (*lx->p && !isspace((unsigned char)*lx->p)) {
		if (n + 1 >= size)
			return fail(lx, "word too long");
		out[n++] = *lx->p++;
	}
	out[n] = '\0';
	if (n >= 2 && out[0] == '"' && out[n - 1] == '"') {
		memmove(out, out + 1, n - 2);
		out[n - 2] = '\0';
		n -= 2;
	}
	return n > 0 || fail(lx, "a word is missing");
}

/* One quoted string, unescaped, appended to out. */
static bool quoted(struct lexer *lx, struct strbuf *out)
{
	struct strbuf raw = {0};
	size_t bad = 0;

	if (*lx->p != '"')
		return fail(lx, "a quoted string is missing");
	const char *q = ++lx->p;
	while (*q && *q != '"')
		q += q[0] == '\\' && q[1] ? 2 : 1;
	if (*q != '"')
		return fail(lx, "unterminated string");
	sb_add(&raw, lx->p, (size_t)(q - lx->p));
	bool ok = sb_unescape(out, sb_str(&raw), &bad);
	sb_free(&raw);
	lx->p = q + 1;
	return ok || fail(lx, "bad escape in string");
}

/* A reply: "a" + "b"*3 + ... */
static bool reply(struct lexer *lx, struct strbuf *out)
{
	for (;;) {
		struct strbuf part = {0};
		skip_space(lx);
		if (!quoted(lx, &part)) {
			sb_free(&part);
			return false;
		}
		unsigned long times = 1;
		skip_space(lx);
		if (*lx->p == '*') {
			lx->p++;
			skip_space(lx);
			/* Digits only, and never more than a reply holds. */
			times = 0;
			while (isdigit((unsigned char)*lx->p) &&
			       times <= SCN_MAX_REPLY)
				times = times * 10 + (unsigned)(*lx->p++ - '0');
			if (times == 0 || times > SCN_MAX_REPLY ||
			    isdigit((unsigned char)*lx->p)) {
				sb_free(&part);
				return fail(lx, "'*' wants a count from 1 to "
						"the reply bound");
			}
		}
		if (part.len && times > SCN_MAX_REPLY / part.len) {
			sb_free(&part);
			return fail(lx, "reply too long");
		}
		for (unsigned long i = 0; i < times; i++)
			sb_add(out, part.s, part.len);
		sb_free(&part);
		if (out->len > SCN_MAX_REPLY)
			return fail(lx, "reply too long");
		skip_space(lx);
		if (*lx->p != '+')
			return true;
		lx->p++;
	}
}

static struct scn_verb *verb_entry(struct scn *s, struct lexer *lx,
				   const char *verb)
{
	struct scn_verb *v = (struct scn_verb *)scn_find(s, verb, strlen(verb));
	if (v)
		return v;
	if (s->nverbs == SCN_MAX_VERBS) {
		fail(lx, "too many verbs");
		return NULL;
	}
	v = &s->verbs[s->nverbs++];
	for (size_t i = 0; verb[i]; i++)
		v->verb[i] = (char)toupper((unsigned char)verb[i]);
	return v;
}

static bool statement(struct scn *s, struct lexer *lx)
{
	char kw[16], verb[SCN_MAX_VERB_LEN + 1];

	skip_space(lx);
	if (!*lx->p)
		return true;
	if (!word(lx, kw, sizeof kw))
		return false;
	if (strcmp(kw, "name") == 0)
		return word(lx, s->name, sizeof s->name);
	if (strcmp(kw, "about") == 0) {
		sb_clear(&s->about);
		skip_space(lx);
		return quoted(lx, &s->about);
	}
	if (strcmp(kw, "greeting") == 0) {
		sb_clear(&s->greeting);
		return reply(lx, &s->greeting);
	}
	if (strcmp(kw, "deadline") == 0) {
		char num[16], *end;
		if (!word(lx, num, sizeof num))
			return false;
		unsigned long ms = strtoul(num, &end, 10);
		if (*end || ms == 0 || ms > 600000)
			return fail(lx, "deadline: 1 to 600000 ms");
		s->deadline_ms = (unsigned)ms;
		return true;
	}
	if (strcmp(kw, "on") == 0) {
		if (!word(lx, verb, sizeof verb))
			return false;
		if (strcmp(verb, "*") == 0) {
			sb_clear(&s->unknown);
			return reply(lx, &s->unknown);
		}
		struct scn_verb *v = verb_entry(s, lx, verb);
		if (!v)
			return false;
		for (size_t i = 0; i < SCN_MAX_REPLIES; i++)
			sb_clear(&v->reply[i]);
		v->nreplies = 0;
		do {
			if (v->nreplies == SCN_MAX_REPLIES)
				return fail(lx, "too many chained replies");
			if (!reply(lx, &v->reply[v->nreplies++]))
				return false;
			skip_space(lx);
		} while (*lx->p == '"');
		return true;
	}
	if (strcmp(kw, "cut") == 0) {
		char text[256];
		if (!word(lx, verb, sizeof verb) ||
		    !word(lx, text, sizeof text))
			return false;
		bool greet = strcmp(verb, "greeting") == 0;
		struct scn_verb *v = greet ? NULL : verb_entry(s, lx, verb);
		if (!greet && !v)
			return false;
		const struct strbuf *r = greet ? &s->greeting : &v->reply[0];
		struct sched *dst = greet ? &s->greeting_cuts : &v->cuts;
		struct strbuf why = {0};
		if (dst->ncuts)
			return fail(lx, "a second cut for the same reply (give "
					"all its cuts on one line: 6,12@300)");
		bool ok = sched_parse(dst, text, r->len, &why);
		if (!ok)
			sb_addf(lx->err, "%s:%u: cut %s: %s", lx->path,
				lx->line, verb, sb_str(&why));
		sb_free(&why);
		return ok;
	}
	sb_addf(lx->err, "%s:%u: unknown statement \"%s\"", lx->path, lx->line,
		kw);
	return false;
}

bool scn_load(struct scn *s, const char *path, struct strbuf *err)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	struct lexer lx = {NULL, err, path, 0};
	const char *base = strrchr(path, '/');

	scn_init(s);
	if (!f) {
		sb_addf(err, "%s: cannot open", path);
		return false;
	}
	/* The name defaults to the file's, without directory or suffix. */
	snprintf(s->name, sizeof s->name, "%s", base ? base + 1 : path);
	char *dot = strrchr(s->name, '.');
	if (dot && dot != s->name)
		*dot = '\0';
	bool ok = true;
	while (ok && fgets(line, sizeof line, f)) {
		lx.line++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			ok = fail(&lx, "line too long");
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		lx.p = line;
		ok = statement(s, &lx);
		skip_space(&lx);
		if (ok && *lx.p)
			ok = fail(&lx,
				  "unexpected text at the end of the line");
	}
	fclose(f);
	/* Cuts must still fit the replies they cut, if one was redefined
	 * after its cut. */
	if (ok && s->greeting_cuts.ncuts &&
	    s->greeting_cuts.cuts[s->greeting_cuts.ncuts - 1].at >=
		    s->greeting.len) {
		sb_addf(err, "%s: cut greeting: beyond the greeting", path);
		ok = false;
	}
	for (size_t i = 0; ok && i < s->nverbs; i++) {
		const struct scn_verb *v = &s->verbs[i];
		if (v->nreplies == 0) {
			sb_addf(err, "%s: cut %s: no \"on %s\" reply", path,
				v->verb, v->verb);
			ok = false;
		} else if (v->cuts.ncuts &&
			   v->cuts.cuts[v->cuts.ncuts - 1].at >=
				   v->reply[0].len) {
			sb_addf(err, "%s: cut %s: beyond its reply", path,
				v->verb);
			ok = false;
		}
	}
	return ok;
}
