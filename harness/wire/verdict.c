/*
 * verdict.c - see verdict.h.
 */
#include "verdict.h"

#include <string.h>

#include "outcome.h"

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
		if (!r->accepted && r->status == 0)
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
