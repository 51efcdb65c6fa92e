/*
 * scenario.c - see scenario.h.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
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
	snprintf(s->recipients[0], sizeof s->recipients[0], "b@example.com");
	s->nrecipients = 1;
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
	if (strcmp(kw, "idle") == 0) {
		char num[16], *end;
		if (!word(lx, num, sizeof num))
			return false;
		unsigned long ms = strtoul(num, &end, 10);
		if (*end || ms == 0 || ms > 600000)
			return fail(lx, "idle: 1 to 600000 ms");
		s->idle_ms = (unsigned)ms;
		return true;
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
	if (strcmp(kw, "recipients") == 0) {
		s->nrecipients = 0;
		skip_space(lx);
		while (*lx->p) {
			if (s->nrecipients == SCN_MAX_RECIPIENTS)
				return fail(lx, "too many recipients");
			char *a = s->recipients[s->nrecipients++];
			if (!word(lx, a, SCN_MAX_ADDRESS + 1))
				return false;
			if (strchr(a, ',') || !strchr(a, '@'))
				return fail(lx, "a recipient is an address "
						"with '@' and no ','");
			skip_space(lx);
		}
		return s->nrecipients > 0 || fail(lx, "no recipient given");
	}
	if (strcmp(kw, "close") == 0) {
		if (!word(lx, verb, sizeof verb))
			return false;
		unsigned long nth = 1;
		skip_space(lx);
		if (*lx->p) {
			char num[16], *end;
			if (!word(lx, num, sizeof num))
				return false;
			nth = strtoul(num, &end, 10);
			if (*end || nth == 0 || nth > SCN_MAX_REPLIES)
				return fail(lx, "close: the reply's place in "
						"its chain, 1 to 8");
		}
		if (strcmp(verb, "greeting") == 0) {
			if (nth != 1)
				return fail(lx, "close greeting: one reply");
			s->greeting_close = true;
			return true;
		}
		struct scn_verb *v = verb_entry(s, lx, verb);
		if (!v)
			return false;
		v->close_after = nth;
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
		/* Cuts are offsets in the reply: it must come first. */
		if (r->len == 0) {
			sb_addf(lx->err,
				"%s:%u: cut %s: no reply to %s yet (an \"on "
				"%s\" line with bytes must come before its "
				"cut)",
				lx->path, lx->line, verb, verb, verb);
			return false;
		}
		bool ok = sched_parse(dst, text, r->len, &why);
		sched_expand(dst, r->len); /* "bytes": the reply's every byte */
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

/* The next statement of text: a line, joined with the lines after it
 * while it ends in '+' (a reply that goes on). */
static bool next_statement(const char **p, const char *end, struct lexer *lx,
			   struct strbuf *out)
{
	sb_clear(out);
	if (*p >= end)
		return false;
	for (;;) {
		const char *nl = memchr(*p, '\n', (size_t)(end - *p));
		const char *stop = nl ? nl : end;
		size_t n = (size_t)(stop - *p);
		if (n && (*p)[n - 1] == '\r')
			n--;
		sb_add(out, *p, n);
		lx->line++;
		*p = nl ? nl + 1 : end;
		size_t k = out->len;
		while (k > 0 && (out->s[k - 1] == ' ' || out->s[k - 1] == '\t'))
			k--;
		const char *first = sb_str(out) + strspn(sb_str(out), " \t");
		if (k == 0 || out->s[k - 1] != '+' || *first == '#' ||
		    *p >= end || out->len > SCN_MAX_STATEMENT)
			return true;
		out->len = k;
		out->s[k] = '\0';
	}
}

bool scn_parse(struct scn *s, const char *text, size_t len, const char *path,
	       struct strbuf *err)
{
	struct lexer lx = {NULL, err, path, 0};
	const char *p = text, *end = text + len;
	struct strbuf st = {0};
	bool ok = true;

	if (memchr(text, '\0', len)) {
		sb_addf(err, "%s: a NUL byte in the file", path);
		return false;
	}
	while (ok && next_statement(&p, end, &lx, &st)) {
		if (st.len > SCN_MAX_STATEMENT) {
			ok = fail(&lx, "statement too long");
			break;
		}
		lx.p = sb_str(&st);
		ok = statement(s, &lx);
		skip_space(&lx);
		if (ok && *lx.p)
			ok = fail(&lx,
				  "unexpected text at the end of the line");
	}
	sb_free(&st);
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
			sb_addf(err, "%s: cut or close %s: no \"on %s\" reply",
				path, v->verb, v->verb);
			ok = false;
		} else if (v->cuts.ncuts &&
			   v->cuts.cuts[v->cuts.ncuts - 1].at >=
				   v->reply[0].len) {
			sb_addf(err, "%s: cut %s: beyond its reply", path,
				v->verb);
			ok = false;
		} else if (v->close_after > v->nreplies) {
			sb_addf(err,
				"%s: close %s %zu: its chain has %zu "
				"replies",
				path, v->verb, v->close_after, v->nreplies);
			ok = false;
		}
	}
	return ok;
}

bool scn_load(struct scn *s, const char *path, struct strbuf *err)
{
	FILE *f = fopen(path, "rb");
	struct strbuf text = {0};
	char buf[65536];
	size_t n;
	const char *base = strrchr(path, '/');

	scn_init(s);
	if (!f) {
		sb_addf(err, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0 &&
	       text.len <= SCN_MAX_STATEMENT * 2)
		sb_add(&text, buf, n);
	bool ok = !ferror(f);
	fclose(f);
	if (!ok || text.len > SCN_MAX_STATEMENT * 2) {
		sb_addf(err, "%s: %s", path,
			ok ? "file too large" : "cannot read");
		sb_free(&text);
		return false;
	}
	/* The name defaults to the file's, without directory or suffix. */
	snprintf(s->name, sizeof s->name, "%s", base ? base + 1 : path);
	char *dot = strrchr(s->name, '.');
	if (dot && dot != s->name)
		*dot = '\0';
	ok = scn_parse(s, sb_str(&text), text.len, path, err);
	sb_free(&text);
	return ok;
}

/* ---- writing ------------------------------------------------------------ */

/* A reply as quoted strings, long ones over several lines ('+'). */
static void format_reply(struct strbuf *out, const struct strbuf *r)
{
	const size_t chunk = 200;
	size_t at = 0;

	do {
		size_t n = r->len - at < chunk ? r->len - at : chunk;
		if (at)
			sb_adds(out, " +\n    ");
		sb_adds(out, "\"");
		sb_add_escaped(out, sb_str(r) + at, n);
		sb_adds(out, "\"");
		at += n;
	} while (at < r->len);
}

void scn_recipients(const struct scn *s, struct strbuf *out)
{
	for (size_t i = 0; i < s->nrecipients; i++) {
		if (i)
			sb_adds(out, ",");
		sb_adds(out, s->recipients[i]);
	}
}

void scn_format(const struct scn *s, struct strbuf *out)
{
	struct scn d;

	scn_init(&d);
	sb_addf(out, "name %s\n", s->name);
	if (s->about.len) {
		sb_adds(out, "about \"");
		sb_add_escaped(out, s->about.s, s->about.len);
		sb_adds(out, "\"\n");
	}
	if (s->nrecipients != 1 ||
	    strcmp(s->recipients[0], d.recipients[0]) != 0) {
		sb_adds(out, "recipients");
		for (size_t i = 0; i < s->nrecipients; i++)
			sb_addf(out, " %s", s->recipients[i]);
		sb_adds(out, "\n");
	}
	if (s->greeting.len != d.greeting.len ||
	    memcmp(sb_str(&s->greeting), d.greeting.s, d.greeting.len) != 0) {
		sb_adds(out, "greeting ");
		format_reply(out, &s->greeting);
		sb_adds(out, "\n");
	}
	if (s->greeting_cuts.ncuts) {
		sb_adds(out, "cut greeting ");
		sched_format(&s->greeting_cuts, out);
		sb_adds(out, "\n");
	}
	if (s->greeting_close)
		sb_adds(out, "close greeting\n");
	if (s->unknown.len != d.unknown.len ||
	    memcmp(sb_str(&s->unknown), d.unknown.s, d.unknown.len) != 0) {
		sb_adds(out, "on * ");
		format_reply(out, &s->unknown);
		sb_adds(out, "\n");
	}
	for (size_t i = 0; i < s->nverbs; i++) {
		const struct scn_verb *v = &s->verbs[i];
		const struct scn_verb *dv =
			scn_find(&d, v->verb, strlen(v->verb));
		bool same = dv && v->nreplies == 1 &&
			    v->reply[0].len == dv->reply[0].len &&
			    memcmp(sb_str(&v->reply[0]), sb_str(&dv->reply[0]),
				   v->reply[0].len) == 0;
		if (!same) {
			sb_addf(out, "on %s", v->verb);
			for (size_t k = 0; k < v->nreplies; k++) {
				sb_adds(out, " ");
				format_reply(out, &v->reply[k]);
			}
			sb_adds(out, "\n");
		}
		if (v->cuts.ncuts) {
			sb_addf(out, "cut %s ", v->verb);
			sched_format(&v->cuts, out);
			sb_adds(out, "\n");
		}
		if (v->close_after)
			sb_addf(out, "close %s %zu\n", v->verb, v->close_after);
	}
	if (s->deadline_ms != d.deadline_ms)
		sb_addf(out, "deadline %u\n", s->deadline_ms);
	if (s->idle_ms)
		sb_addf(out, "idle %u\n", s->idle_ms);
	scn_free(&d);
}
