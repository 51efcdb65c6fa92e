/*
 * verdict.c - see verdict.h.
 */
#include "verdict.h"

#include <string.h>

#include "outcome.h"
#include "smtp_reply.h"

static const char *const names[V_COUNT] = {
#define VERDICT_NAME(id, name, what) name,
	VERDICTS(VERDICT_NAME)
#undef VERDICT_NAME
};

const char *verdict_name(enum verdict v)
{
	return v < V_COUNT ? names[v] : "?";
}

enum verdict verdict_by_name(const char *name)
{
	for (int i = 0; i < V_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return (enum verdict)i;
	return V_COUNT;
}

/* The outcome line against the run: no flag, V_NO_OUTCOME or
 * V_MISREPORT. */
static unsigned outcome_flags(const struct wire_outcome *r, bool expect,
			      struct strbuf *why)
{
	struct strbuf err = {0};
	struct outcome oc;
	unsigned f = 0;

	if (r->hung || (!expect && r->outcome_lines == 0))
		return 0;
	if (r->outcome_lines == 0) {
		if (why)
			sb_adds(why, "the client printed no outcome line");
		return 1u << V_NO_OUTCOME;
	}
	if (r->outcome_lines > 1) {
		if (why)
			sb_addf(why, "the client printed %u outcome lines",
				r->outcome_lines);
		return 1u << V_NO_OUTCOME;
	}
	if (!outcome_parse(&oc, sb_str(&r->outcome_line), r->outcome_line.len,
			   &err)) {
		if (why)
			sb_addf(why, "a malformed outcome line: %s",
				sb_str(&err));
		f = 1u << V_NO_OUTCOME;
	} else if (!outcome_check(&oc, r, &err)) {
		if (why)
			sb_add(why, sb_str(&err), err.len);
		f = 1u << V_MISREPORT;
	}
	outcome_free(&oc);
	sb_free(&err);
	return f;
}

unsigned verdict_flags(const struct wire_outcome *r,
		       const struct verdict_opts *o, struct strbuf *why)
{
	const struct wire_outcome *base = o->base;
	unsigned f = 0;

	if (r->hung)
		f |= 1u << V_HANG;
	if (r->accepted > 1)
		f |= 1u << V_DUPLICATE;
	if (r->early)
		f |= 1u << V_EARLY;
	if (o->have_status && !r->hung) {
		if (r->accepted && r->status != 0)
			f |= 1u << V_FALSE;
		if (!r->accepted && !r->unsure && r->status == 0)
			f |= 1u << V_LOST;
		if (!r->accepted && r->status != 0)
			f |= 1u << V_FAIL;
	}
	if (base && !r->hung &&
	    (strcmp(sb_str(&r->commands), sb_str(&base->commands)) != 0 ||
	     r->bodies.len != base->bodies.len ||
	     memcmp(sb_str(&r->bodies), sb_str(&base->bodies), r->bodies.len) !=
		     0))
		f |= 1u << V_DIFFERS;
	return f | outcome_flags(r, o->expect_outcome, why);
}

enum verdict verdict_worst(unsigned flags)
{
	enum verdict v = V_OK;
	for (int i = 0; i < V_COUNT; i++)
		if (flags >> i & 1)
			v = (enum verdict)i;
	return v;
}

void verdict_text(unsigned flags, struct strbuf *out)
{
	enum verdict w = verdict_worst(flags);

	sb_adds(out, names[w]);
	bool more = false;
	for (int i = V_COUNT - 1; i > V_OK; i--) {
		if (i == (int)w || !(flags >> i & 1))
			continue;
		sb_adds(out, more ? ", " : " (+");
		sb_adds(out, names[i]);
		more = true;
	}
	if (more)
		sb_adds(out, ")");
}

/* One reply, valid, whole, with nothing after it; its code in *code. */
static bool one_valid_reply(const struct strbuf *r, unsigned *code)
{
	struct srp_parser p;
	struct srp_config cfg;
	size_t at = 0, used;
	bool done = false;

	if (!r->len || !outcome_utf8_valid(sb_str(r), r->len))
		return false;
	srp_config_init(&cfg);
	cfg.flags = SRP_LENIENT_8BIT;
	srp_init(&p, &cfg);
	while (at < r->len && !done) {
		enum srp_status st =
			srp_feed(&p, sb_str(r) + at, r->len - at, &used);
		at += used;
		if (st == SRP_ERROR)
			return false;
		if (st == SRP_REPLY) {
			*code = srp_reply(&p)->code;
			done = true;
		}
	}
	return done && at == r->len;
}

/* The script's verdict on the message; with_quit false: the session up to
 * the end of data's reply alone; every_rcpt: no recipient refused. */
static bool script_takes(const struct scn *s, bool with_quit, bool every_rcpt)
{
	static const struct {
		const char *verb;
		unsigned lo, hi;
	} flow[] = {{"EHLO", 200, 299},
		    {"MAIL", 200, 299},
		    {"DATA", 354, 354},
		    {".", 200, 299},
		    {"QUIT", 200, 299}};
	unsigned code;

	if (s->greeting_close || !one_valid_reply(&s->greeting, &code) ||
	    code / 100 != 2)
		return false;
	for (size_t i = 0; i < sizeof flow / sizeof *flow - !with_quit; i++) {
		const struct scn_verb *v =
			scn_find(s, flow[i].verb, strlen(flow[i].verb));
		if (!v || v->close_after ||
		    !one_valid_reply(&v->reply[0], &code) ||
		    code < flow[i].lo || code > flow[i].hi)
			return false;
	}
	const struct scn_verb *rcpt = scn_find(s, "RCPT", 4);
	bool some = false;
	for (size_t i = 0; rcpt && i < s->nrecipients; i++) {
		/* Past the chain, the last reply answers again. */
		size_t k = i < rcpt->nreplies ? i : rcpt->nreplies - 1;
		if (rcpt->close_after == k + 1 ||
		    !one_valid_reply(&rcpt->reply[k], &code))
			return false;
		some |= code / 100 == 2;
		if (every_rcpt && code / 100 != 2)
			return false;
	}
	return some;
}

bool verdict_script_accepts(const struct scn *s)
{
	return script_takes(s, true, false);
}

unsigned verdict_findings(unsigned flags, const struct scn *s)
{
	unsigned harm = flags & ~(1u << V_OK | 1u << V_DIFFERS | 1u << V_FAIL);
	/* A client may give up a message that a recipient refused (curl,
	 * Ruby, msmtp do by default): fail is a finding only where every
	 * recipient was taken. */
	if (script_takes(s, true, true))
		harm |= flags & 1u << V_FAIL;
	/* A server that broke the protocol before its reply to the end of
	 * data was out (a malformed or unsolicited reply, a hang-up) gives a
	 * client every right to doubt that reply: doubting it is no finding. */
	if (!script_takes(s, false, false))
		harm &= ~(1u << V_FALSE | 1u << V_DUPLICATE);
	return harm;
}
