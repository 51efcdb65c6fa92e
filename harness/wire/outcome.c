/*
 * outcome.c - see outcome.h.
 */
#include "outcome.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a small JSON reader ------------------------------------------------ */

#define JSON_MAX_DEPTH 16

struct jp {
	const char *start, *p, *end;
	struct strbuf *err;
	unsigned depth;
};

static bool jfail(struct jp *j, const char *what)
{
	sb_addf(j->err, "%s at byte %zu", what, (size_t)(j->p - j->start));
	return false;
}

static void jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static bool jpeek(struct jp *j, char c)
{
	jws(j);
	return j->p < j->end && *j->p == c;
}

static bool jword(struct jp *j, const char *w)
{
	size_t n = strlen(w);
	jws(j);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return false;
	j->p += n;
	return true;
}

static void put_utf8(struct strbuf *out, uint32_t c)
{
	char b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xC0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xE0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3F));
		b[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3F));
		b[2] = (char)(0x80 | (c >> 6 & 0x3F));
		b[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	sb_add(out, b, n);
}

static bool jhex4(struct jp *j, uint32_t *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++, j->p++) {
		if (j->p >= j->end || !isxdigit((unsigned char)*j->p))
			return jfail(j, "a bad \\u escape");
		char c = (char)tolower((unsigned char)*j->p);
		*out = *out * 16 +
		       (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return true;
}

/* A string, decoded into out (NULL: skipped). */
static bool jstring(struct jp *j, struct strbuf *out)
{
	static const char esc_in[] = "\"\\/bfnrt",
			  esc_out[] = "\"\\/\b\f\n\r\t";

	jws(j);
	if (j->p >= j->end || *j->p != '"')
		return jfail(j, "a string expected");
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20)
			return jfail(j, "a control byte inside a string");
		if (c != '\\') {
			if (out)
				sb_add(out, j->p, 1);
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			break;
		const char *e = strchr(esc_in, *j->p);
		if (*j->p == 'u') {
			uint32_t u, lo;
			j->p++;
			if (!jhex4(j, &u))
				return false;
			/* A surrogate pair makes one character; a lone
			 * surrogate stands for U+FFFD, as decoders do. */
			if (u >= 0xD800 && u < 0xDC00 && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u') {
				const char *back = j->p;
				j->p += 2;
				if (!jhex4(j, &lo))
					return false;
				if (lo >= 0xDC00 && lo < 0xE000)
					u = 0x10000 + ((u - 0xD800) << 10) +
					    (lo - 0xDC00);
				else
					j->p = back;
			}
			if (u >= 0xD800 && u < 0xE000)
				u = 0xFFFD;
			if (out)
				put_utf8(out, u);
			continue;
		}
		if (!e || !*j->p)
			return jfail(j, "a bad escape in a string");
		if (out)
			sb_add(out, &esc_out[e - esc_in], 1);
		j->p++;
	}
	if (j->p >= j->end)
		return jfail(j, "an unterminated string");
	j->p++;
	return true;
}

static bool jnumber(struct jp *j, double *out)
{
	char buf[64], *end;
	size_t n = 0;

	jws(j);
	while (j->p + n < j->end && n + 1 < sizeof buf &&
	       strchr("+-0123456789.eE", j->p[n]))
		n++;
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	if (n == 0 || *end)
		return jfail(j, "a number expected");
	j->p += n;
	return true;
}

static bool jvalue_skip(struct jp *j);

/* The members of an object: each key to fn, which reads its value. */
static bool jobject(struct jp *j,
		    bool (*fn)(struct jp *, const char *key, void *ctx),
		    void *ctx)
{
	struct strbuf key = {0};
	bool ok = false;

	if (++j->depth > JSON_MAX_DEPTH)
		return jfail(j, "nested too deep");
	if (!jword(j, "{")) {
		j->depth--;
		return jfail(j, "an object expected");
	}
	if (jword(j, "}")) {
		ok = true;
		goto out;
	}
	for (;;) {
		sb_clear(&key);
		if (!jstring(j, &key))
			goto out;
		if (!jword(j, ":")) {
			jfail(j, "':' expected");
			goto out;
		}
		if (!fn(j, sb_str(&key), ctx))
			goto out;
		if (jword(j, ","))
			continue;
		if (jword(j, "}"))
			break;
		jfail(j, "',' or '}' expected");
		goto out;
	}
	ok = true;
out:
	j->depth--;
	sb_free(&key);
	return ok;
}

static bool skip_member(struct jp *j, const char *key, void *ctx)
{
	(void)key;
	(void)ctx;
	return jvalue_skip(j);
}

static bool jvalue_skip(struct jp *j)
{
	double d;

	if (jpeek(j, '"'))
		return jstring(j, NULL);
	if (jpeek(j, '{'))
		return jobject(j, skip_member, NULL);
	if (jpeek(j, '[')) {
		if (++j->depth > JSON_MAX_DEPTH)
			return jfail(j, "nested too deep");
		j->p++;
		if (!jword(j, "]")) {
			do {
				if (!jvalue_skip(j))
					return false;
			} while (jword(j, ","));
			if (!jword(j, "]"))
				return jfail(j, "',' or ']' expected");
		}
		j->depth--;
		return true;
	}
	if (jword(j, "true") || jword(j, "false") || jword(j, "null"))
		return true;
	return jnumber(j, &d);
}

/* ---- the outcome object -------------------------------------------------- */

struct item_ctx {
	struct outcome *o;
	struct outcome_item *item;
	bool recipient, have_accepted, have_address;
};

static bool item_member(struct jp *j, const char *key, void *ctx);

static bool recipients(struct jp *j, struct outcome *o)
{
	if (!jword(j, "["))
		return jfail(j, "\"recipients\" must be an array");
	if (jword(j, "]"))
		return true;
	do {
		if (o->nrecipients == OUTCOME_MAX_RECIPIENTS)
			return jfail(j, "too many recipients");
		struct item_ctx c = {o, &o->recipients[o->nrecipients++], true,
				     false, false};
		c.item->code = -1;
		if (!jobject(j, item_member, &c))
			return false;
		if (!c.have_accepted || !c.have_address)
			return jfail(j, "a recipient needs \"address\" and "
					"\"accepted\"");
	} while (jword(j, ","));
	return jword(j, "]") || jfail(j, "',' or ']' expected");
}

static bool item_member(struct jp *j, const char *key, void *ctx)
{
	struct item_ctx *c = ctx;
	struct outcome_item *it = c->item;
	double d;

	if (strcmp(key, "accepted") == 0) {
		c->have_accepted = true;
		if (jword(j, "true"))
			it->accepted = true;
		else if (jword(j, "false"))
			it->accepted = false;
		else
			return jfail(j, "\"accepted\" must be true or false");
		return true;
	}
	if (strcmp(key, "code") == 0) {
		if (jword(j, "null"))
			return true;
		if (!jnumber(j, &d) || d != (int)d || d < 0 || d > 999)
			return jfail(j, "\"code\" must be null or 0 to 999");
		it->code = (int)d;
		return true;
	}
	if (strcmp(key, "text") == 0) {
		if (jword(j, "null"))
			return true;
		sb_clear(&it->text);
		if (!jstring(j, &it->text))
			return jfail(j, "\"text\" must be null or a string");
		it->has_text = it->text.len > 0;
		return true;
	}
	if (c->recipient && strcmp(key, "address") == 0) {
		struct strbuf a = {0};
		bool ok = jstring(j, &a);
		if (ok && a.len <= SCN_MAX_ADDRESS)
			snprintf(it->address, sizeof it->address, "%s",
				 sb_str(&a));
		else if (ok)
			ok = jfail(j, "an address too long");
		sb_free(&a);
		c->have_address = ok;
		return ok;
	}
	if (!c->recipient && strcmp(key, "recipients") == 0)
		return recipients(j, c->o);
	if (!c->recipient && strcmp(key, "command") == 0) {
		struct strbuf v = {0};
		bool ok = jstring(j, &v);
		if (ok && v.len <= SCN_MAX_VERB_LEN && !memchr(v.s, 0, v.len)) {
			for (size_t i = 0; i < v.len; i++)
				it->command[i] =
					(char)toupper((unsigned char)v.s[i]);
			if (strcmp(it->command, "GREETING") == 0)
				strcpy(it->command, "greeting");
		} else if (ok)
			ok = jfail(j, "\"command\" is a verb");
		sb_free(&v);
		return ok;
	}
	if (!c->recipient && strcmp(key, "error") == 0) {
		if (jword(j, "null"))
			return true;
		return jstring(j, &c->o->error);
	}
	return jvalue_skip(j);
}

bool outcome_parse(struct outcome *o, const char *json, size_t len,
		   struct strbuf *err)
{
	struct jp j = {json, json, json + len, err, 0};
	struct item_ctx c = {o, &o->message, false, false, false};

	memset(o, 0, sizeof *o);
	o->message.code = -1;
	if (!jobject(&j, item_member, &c))
		return false;
	if (!c.have_accepted)
		return jfail(&j, "\"accepted\" is missing");
	jws(&j);
	return j.p == j.end || jfail(&j, "text after the object");
}

void outcome_free(struct outcome *o)
{
	sb_free(&o->message.text);
	for (size_t i = 0; i < o->nrecipients; i++)
		sb_free(&o->recipients[i].text);
	sb_free(&o->error);
	memset(o, 0, sizeof *o);
}

/* ---- texts ------------------------------------------------------------- */

struct span {
	const char *p;
	size_t n;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct span trim(struct span s)
{
	while (s.n && blank(s.p[0]))
		s.p++, s.n--;
	while (s.n && blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool is_code(struct span s)
{
	return s.n >= 3 && isdigit((unsigned char)s.p[0]) &&
	       isdigit((unsigned char)s.p[1]) &&
	       isdigit((unsigned char)s.p[2]) &&
	       (s.n == 3 || s.p[3] == ' ' || s.p[3] == '-');
}

/* Past a leading "250 " or "250-" (or a bare "250"). */
static struct span drop_code(struct span s)
{
	if (is_code(s)) {
		size_t k = s.n == 3 ? 3 : 4;
		s.p += k;
		s.n -= k;
	}
	return trim(s);
}

/* Past a leading enhanced status code, "2.1.5 " (RFC 3463). */
static struct span drop_esc(struct span s)
{
	size_t i = 0;
	for (int part = 0; part < 3; part++) {
		size_t d = i;
		while (i < s.n && isdigit((unsigned char)s.p[i]))
			i++;
		if (i == d || (part < 2 && (i >= s.n || s.p[i++] != '.')))
			return s;
	}
	if (i < s.n && s.p[i] != ' ')
		return s;
	s.p += i;
	s.n -= i;
	return trim(s);
}

bool outcome_utf8_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		size_t k = sb_utf8_len(u + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

enum decoding { DEC_RAW, DEC_UTF8, DEC_LATIN1, DEC_COUNT };

/* Server bytes as a library may have decoded them: as they are, as UTF-8
 * with each run of invalid bytes one U+FFFD, or as Latin-1. Reported text
 * goes through DEC_UTF8 too, which folds its runs of U+FFFD into one. */
static void decode(struct span s, enum decoding d, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)s.p;
	bool in_bad = false;

	sb_clear(out);
	for (size_t i = 0; i < s.n;) {
		if (d == DEC_RAW) {
			sb_add(out, p, s.n);
			break;
		}
		if (d == DEC_LATIN1) {
			put_utf8(out, p[i++]);
			continue;
		}
		size_t k = sb_utf8_len(p + i, s.n - i);
		bool fffd = k == 3 && p[i] == 0xEF && p[i + 1] == 0xBF &&
			    p[i + 2] == 0xBD;
		if (k == 0 || fffd) {
			if (!in_bad)
				put_utf8(out, 0xFFFD);
			in_bad = true;
			i += k ? k : 1;
			continue;
		}
		in_bad = false;
		sb_add(out, p + i, k);
		i += k;
	}
	if (!out->s)
		sb_adds(out, "");
}

static bool span_eq(struct span a, struct span b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* Reported line a (UTF-8, folded) against one text of a server line. */
static bool text_fits(struct span a, struct span b)
{
	struct strbuf t = {0};
	bool yes = false;

	b = trim(b);
	for (int d = 0; d < DEC_COUNT && !yes; d++) {
		decode(b, (enum decoding)d, &t);
		struct span s = trim((struct span){t.s, t.len});
		/* A library may drop the enhanced status code, never change
		 * it. */
		yes = span_eq(a, s) || span_eq(a, drop_esc(s));
	}
	sb_free(&t);
	return yes;
}

/* ... against server line b, whose text is what follows its code and
 * separator; where b has no valid code, whatever a lenient parser may
 * have taken for its text: all of it, or after its first 3 or 4 bytes. */
static bool line_fits(struct span a, struct span b)
{
	a = drop_code(a);
	if (is_code(b)) {
		size_t skip = b.n == 3 ? 3 : 4;
		return text_fits(a, (struct span){b.p + skip, b.n - skip});
	}
	for (size_t skip = 0; skip <= 4 && skip <= b.n; skip += skip ? 1 : 3)
		if (text_fits(a, (struct span){b.p + skip, b.n - skip}))
			return true;
	return false;
}

/* The lines of a reply, without their line ends. */
static size_t reply_lines(const char *r, size_t n, struct span *out, size_t max)
{
	size_t k = 0;
	while (n > 0 && k < max) {
		const char *nl = memchr(r, '\n', n);
		size_t len = nl ? (size_t)(nl - r) : n;
		struct span line = {r, len};
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		out[k++] = line;
		r += nl ? len + 1 : len;
		n -= nl ? len + 1 : len;
	}
	return k;
}

#define FIT_MAX_LINES 1024

bool outcome_text_fits(const char *text, size_t tlen, const char *reply,
		       size_t rlen)
{
	struct span *srv = calloc(FIT_MAX_LINES, sizeof *srv);
	struct strbuf folded = {0}, joined = {0};
	bool yes = true;

	if (!srv)
		abort();
	size_t ns = reply_lines(reply, rlen, srv, FIT_MAX_LINES);
	decode((struct span){text, tlen}, DEC_UTF8, &folded);
	struct span t = trim((struct span){folded.s, folded.len});
	/* Every reported line, in order, one of the server's. */
	size_t at = 0;
	while (t.n && yes) {
		const char *nl = memchr(t.p, '\n', t.n);
		struct span line = {t.p, nl ? (size_t)(nl - t.p) : t.n};
		while (at < ns && !line_fits(line, srv[at]))
			at++;
		yes = at < ns;
		at++;
		t.p += nl ? line.n + 1 : line.n;
		t.n -= nl ? line.n + 1 : line.n;
	}
	/* Or all the lines' texts joined by spaces, as some libraries
	 * give them. */
	if (!yes && ns > 1) {
		for (size_t i = 0; i < ns; i++) {
			struct span s = srv[i];
			if (is_code(s)) {
				size_t skip = s.n == 3 ? 3 : 4;
				s.p += skip;
				s.n -= skip;
			}
			s = trim(s);
			if (i)
				sb_adds(&joined, " ");
			sb_add(&joined, s.p, s.n);
		}
		struct span all = trim((struct span){folded.s, folded.len});
		yes = line_fits(all,
				(struct span){sb_str(&joined), joined.len});
	}
	sb_free(&folded);
	sb_free(&joined);
	free(srv);
	return yes;
}

/* ---- checking ---------------------------------------------------------- */

/* The codes of a reply's lines, as a bit per first digit, and whether
 * code is among them. A refusal fits a reply unless every line of it
 * with a code is 2xx: a mixed reply is the server's fault. */
static unsigned reply_classes(const struct strbuf *r, int code, bool *has)
{
	const char *p = sb_str(r);
	size_t n = r->len;
	unsigned classes = 0;

	*has = false;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) + 1 : n;
		struct span line = {p, len};
		if (line.n && line.p[line.n - 1] == '\n')
			line.n--;
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		if (is_code(line)) {
			int c = (line.p[0] - '0') * 100 +
				(line.p[1] - '0') * 10 + (line.p[2] - '0');
			classes |= 1u << (line.p[0] - '0');
			*has |= c == code;
		}
		p += len;
		n -= len;
	}
	return classes;
}

/* Where one complete reply ends in r (its final line's end), or r->len. */
static size_t first_reply_end(const struct strbuf *r)
{
	const char *p = sb_str(r);
	size_t at = 0;

	while (at < r->len) {
		const char *nl = memchr(p + at, '\n', r->len - at);
		size_t end = nl ? (size_t)(nl - p) + 1 : r->len;
		struct span line = {p + at, end - at};
		bool more = line.n >= 4 && is_code(line) && line.p[3] == '-';
		at = end;
		if (!more)
			break;
	}
	return at;
}

/* The reply the server gave command i. An empty one went out early, after
 * the reply before it: then what followed that reply's end. */
static void reply_for(const struct wire_outcome *r, size_t i,
		      struct strbuf *out)
{
	const struct wire_exchange *x = &r->exchanges[i];

	sb_clear(out);
	sb_add(out, sb_str(&x->reply), x->reply.len);
	if (x->reply.len || i == 0 ||
	    r->exchanges[i - 1].connection != x->connection)
		return;
	const struct strbuf *prev = &r->exchanges[i - 1].reply;
	size_t end = first_reply_end(prev);
	sb_add(out, sb_str(prev) + end, prev->len - end);
}

static void say_item(struct strbuf *why, const struct outcome_item *it)
{
	sb_adds(why, it->accepted ? "accepted" : "refused");
	if (it->code >= 0 || it->has_text) {
		sb_adds(why, " (");
		if (it->code >= 0)
			sb_addf(why, "%d%s", it->code, it->has_text ? " " : "");
		if (it->has_text) {
			sb_adds(why, "\"");
			sb_add_escaped(why, it->text.s,
				       it->text.len < 200 ? it->text.len : 200);
			sb_adds(why, "\"");
		}
		sb_adds(why, ")");
	}
}

static void say_reply(struct strbuf *why, const struct strbuf *reply)
{
	sb_adds(why, "\"");
	sb_add_escaped(why, sb_str(reply), reply->len < 300 ? reply->len : 300);
	sb_adds(why, reply->len < 300 ? "\"" : "\"...");
}

/* Does r hold a whole reply: a final line ("250 ..." or "250") that its
 * line end closes? */
/* Is line (its LF gone) a reply's final line, "250 text" or "250"? */
static bool final_line(struct span line)
{
	if (line.n && line.p[line.n - 1] == '\r')
		line.n--;
	return is_code(line) && (line.n == 3 || line.p[3] == ' ');
}

static bool reply_complete(const struct strbuf *r)
{
	const char *p = sb_str(r);
	size_t n = r->len;

	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		if (!nl)
			return false;
		if (final_line((struct span){p, (size_t)(nl - p)}))
			return true;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	return false;
}

/* Does the item fit reply? what: how it does not. */
static bool item_fits(const struct outcome_item *it, const struct strbuf *reply,
		      bool check_accepted, const char **what)
{
	bool has_code;
	unsigned classes = reply_classes(reply, it->code, &has_code);

	/* The server hung up before it finished a reply: a refusal is true,
	 * and its code and text are the library's own (RFC 5321 3.8 tells a
	 * client to take a lost connection as a temporary failure; Net::Cmd
	 * says 421, others raise). */
	if (!it->accepted && !reply_complete(reply))
		return true;

	if (check_accepted && it->accepted && !(classes & 1u << 2)) {
		*what = "accepted, where no line of the reply was 2xx";
		return false;
	}
	if (check_accepted && !it->accepted && classes == 1u << 2) {
		*what = "refused, where the reply was 2xx";
		return false;
	}
	if (it->code >= 0 && !has_code) {
		*what = "a code that no line of the reply had";
		return false;
	}
	if (it->has_text && !outcome_text_fits(it->text.s, it->text.len,
					       sb_str(reply), reply->len)) {
		*what = "a text that the reply did not have";
		return false;
	}
	return true;
}

/* Did the session end with the server hanging up before it finished a
 * reply? Then a library refuses what it had yet to send, with a code of
 * its own. */
static bool ended_short(const struct wire_outcome *r)
{
	struct strbuf reply = {0};

	if (r->nexchanges == 0)
		return false;
	reply_for(r, r->nexchanges - 1, &reply);
	bool yes = !reply_complete(&reply);
	sb_free(&reply);
	return yes;
}

static bool check_recipient(const struct outcome_item *it,
			    const struct wire_outcome *r, struct strbuf *why)
{
	size_t at = r->nexchanges;
	struct strbuf reply = {0};
	const char *what = NULL;

	for (size_t i = 0; i < r->nexchanges; i++)
		if (strcmp(r->exchanges[i].verb, "RCPT") == 0 &&
		    strcasecmp(r->exchanges[i].address, it->address) == 0)
			at = i;
	if (at == r->nexchanges) {
		if (!it->accepted &&
		    ((it->code < 0 && !it->has_text) || ended_short(r)))
			return true;
		sb_addf(why, "recipient <%s> reported ", it->address);
		say_item(why, it);
		sb_addf(why, ", but the client never sent RCPT TO:<%s>",
			it->address);
		return false;
	}
	reply_for(r, at, &reply);
	bool ok = item_fits(it, &reply, true, &what);
	if (!ok) {
		sb_addf(why, "recipient <%s> reported ", it->address);
		say_item(why, it);
		sb_addf(why,
			": %s; the server answered RCPT TO:<%s> on "
			"connection %u with ",
			what, it->address, r->exchanges[at].connection);
		say_reply(why, &reply);
	}
	sb_free(&reply);
	return ok;
}

/* Does reply end in a 2xx? sound: in a final line that is whole and
 * well formed ("250 text" or "250"), one no client may doubt. */
static bool final_2xx(const struct strbuf *reply, bool sound)
{
	unsigned code = wire_final_code(sb_str(reply), reply->len);
	if (code < 200 || code >= 300)
		return false;
	if (!sound)
		return true;
	if (!reply->len || sb_str(reply)[reply->len - 1] != '\n')
		return false;
	size_t end = reply->len - 1, start = end;
	while (start > 0 && sb_str(reply)[start - 1] != '\n')
		start--;
	return final_line((struct span){sb_str(reply) + start, end - start});
}

/* Did a recipient have a 2xx in the transaction that exchange i (an end
 * of data) ends? A message to nobody is no message taken. */
static bool for_someone(const struct wire_outcome *r, size_t i)
{
	unsigned conn = r->exchanges[i].connection;

	while (i-- > 0 && r->exchanges[i].connection == conn) {
		const struct wire_exchange *x = &r->exchanges[i];
		if (strcmp(x->verb, "MAIL") == 0 || strcmp(x->verb, ".") == 0)
			return false;
		if (strcmp(x->verb, "RCPT") == 0) {
			struct strbuf reply = {0};
			reply_for(r, i, &reply);
			bool yes = final_2xx(&reply, false);
			sb_free(&reply);
			if (yes)
				return true;
		}
	}
	return false;
}

static bool check_message(const struct outcome_item *m,
			  const struct wire_outcome *r, struct strbuf *why)
{
	size_t took = r->nexchanges; /* the last end of data taken */
	unsigned last_conn = 0;
	bool last_took = false;
	const char *what = NULL;

	for (size_t i = 0; i < r->nexchanges; i++) {
		const struct wire_exchange *x = &r->exchanges[i];
		if (x->connection != last_conn)
			last_took = false;
		last_conn = x->connection;
		/* An accepted report may rest on any 2xx (one cut short by
		 * a hang-up, or malformed); a refusal is false only after a
		 * sound one. */
		if (strcmp(x->verb, ".") == 0 && final_2xx(&x->reply, false) &&
		    for_someone(r, i)) {
			took = i;
			last_took = final_2xx(&x->reply, true);
		}
	}
	if (m->accepted) {
		if (took == r->nexchanges) {
			sb_adds(why, "the message reported ");
			say_item(why, m);
			sb_adds(why, ", but the server accepted no message");
			return false;
		}
		if (!item_fits(m, &r->exchanges[took].reply, false, &what)) {
			sb_adds(why, "the message reported ");
			say_item(why, m);
			sb_addf(why,
				": %s; the server answered the end of "
				"data on connection %u with ",
				what, r->exchanges[took].connection);
			say_reply(why, &r->exchanges[took].reply);
			return false;
		}
		return true;
	}
	if (last_took) {
		sb_adds(why, "the message reported ");
		say_item(why, m);
		sb_addf(why,
			", but the server accepted it on connection %u "
			"with ",
			last_conn);
		say_reply(why, &r->exchanges[took].reply);
		return false;
	}
	if (m->command[0]) {
		/* Blamed on a command: its reply on the last connection. */
		size_t at = r->nexchanges;
		struct strbuf reply = {0};
		for (size_t i = 0; i < r->nexchanges; i++)
			if (r->exchanges[i].connection == last_conn &&
			    strcmp(r->exchanges[i].verb, m->command) == 0)
				at = i;
		if (at == r->nexchanges) {
			if ((m->code < 0 && !m->has_text) || ended_short(r))
				return true;
			sb_adds(why, "the message reported ");
			say_item(why, m);
			sb_addf(why,
				" by %s, but the client never sent %s on "
				"connection %u",
				m->command, m->command, last_conn);
			return false;
		}
		reply_for(r, at, &reply);
		bool ok = item_fits(m, &reply, false, &what);
		if (!ok) {
			sb_adds(why, "the message reported ");
			say_item(why, m);
			sb_addf(why,
				" by %s: %s; the server answered %s on "
				"connection %u with ",
				m->command, what, m->command, last_conn);
			say_reply(why, &reply);
		}
		sb_free(&reply);
		return ok;
	}
	if ((m->code < 0 && !m->has_text) || ended_short(r))
		return true;
	/* A refusal names one reply of the session, whichever it was. */
	for (size_t i = 0; i < r->nexchanges; i++)
		if (item_fits(m, &r->exchanges[i].reply, false, &what))
			return true;
	sb_adds(why, "the message reported ");
	say_item(why, m);
	sb_adds(why, ": no reply of the session had that code and text");
	return false;
}

bool outcome_check(const struct outcome *o, const struct wire_outcome *r,
		   struct strbuf *why)
{
	for (size_t i = 0; i < o->nrecipients; i++)
		if (!check_recipient(&o->recipients[i], r, why))
			return false;
	return check_message(&o->message, r, why);
}
