/*
 * channel.c - the child's side of the parent/child channel: what step it
 * is on (the sandbox's "current" text, read back if it dies), and its
 * first failure written to the result area, as check.c's collect() reads
 * it.
 */
#include <stdio.h>
#include <string.h>

#include "check_impl.h"

void chk_set_current(struct chk_ctx *c, const char *kind, const struct sched *s,
		     long prefix)
{
	/* Called before every schedule: a stack buffer, no allocation. */
	char cur[SBX_CURRENT_MAX];
	size_t size = sizeof cur;
	size_t n = strlen(kind);

	memcpy(cur, kind, n < size ? n : 0);
	if (s && n + 1 >= size)
		n = size; /* too long: never a step without its schedule */
	else if (s) {
		cur[n++] = ' ';
		n += sched_format_buf(s, cur + n, size - n);
	}
	if (prefix >= 0 && n < size)
		n += (size_t)snprintf(cur + n, size - n, " %ld", prefix);
	sbx_set_current(c->sh, cur, n);
}

/* ---- the child's reports ------------------------------------------------
 */

void chk_put_str(struct sbx_shared *sh, const char *s)
{
	size_t n = strlen(s);
	sbx_put(sh, &n, sizeof n);
	sbx_put(sh, s, n);
}

const char *chk_get_str(const char **p, const char *end, struct strbuf *out)
{
	size_t n;

	if ((size_t)(end - *p) < sizeof n)
		return NULL;
	memcpy(&n, *p, sizeof n);
	*p += sizeof n;
	if ((size_t)(end - *p) < n)
		return NULL;
	sb_add(out, *p, n);
	*p += n;
	return sb_str(out);
}

/* The tag an event is due at under schedule s: the end of the piece that
 * holds byte e - 1. */
void chk_report(struct chk_ctx *c, enum chk_oracle oracle,
		const struct sched *s, long prefix,
		const struct tr_transcript *actual, const char *expected,
		const char *detail)
{
	struct strbuf a = {0}, sched = {0}, e = {0};
	int o = (int)oracle;
	bool tags = chk_oracle_tags(oracle);

	if (s)
		sched_format(s, &sched);
	tr_format(actual, &a, tags);
	if (expected)
		sb_adds(&e, expected);
	else
		chk_format_expected(c, s, tags, &e);
	sbx_put(c->sh, &o, sizeof o);
	sbx_put(c->sh, &prefix, sizeof prefix);
	chk_put_str(c->sh, sb_str(&sched));
	chk_put_str(c->sh, sb_str(&e));
	chk_put_str(c->sh, sb_str(&a));
	chk_put_str(c->sh, detail ? detail : "");
	sb_free(&a);
	sb_free(&sched);
	sb_free(&e);
}
