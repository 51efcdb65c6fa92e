/*
 * reference.c - the reference parser (parser/smtp_reply.h) as a subject,
 * in both shapes, with every optional capability. Strict RFC 5321.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp_reply.h"
#include "subject.h"
#include "subjects.h"

_Static_assert((unsigned)SRH_LENIENT_BARE_LF == SRP_LENIENT_BARE_LF &&
		       (unsigned)SRH_LENIENT_LONG_LINES ==
			       SRP_LENIENT_LONG_LINES &&
		       (unsigned)SRH_LENIENT_CODE_MISMATCH ==
			       SRP_LENIENT_CODE_MISMATCH &&
		       (unsigned)SRH_LENIENT_8BIT == SRP_LENIENT_8BIT &&
		       (unsigned)SRH_LENIENT_CONTROL == SRP_LENIENT_CONTROL &&
		       (unsigned)SRH_LENIENT_BARE_CR == SRP_LENIENT_BARE_CR,
	       "subject.h leniency bits are the parser's");

struct ref {
	struct srp_parser p;
	struct srh_recorder *rec;
	bool reported; /* the error was reported: it is sticky */
};

static void report_error(struct ref *r)
{
	const struct srp_error *e = srp_error(&r->p);
	enum srh_error_kind kind = SRH_ERROR_SYNTAX;

	if (r->reported)
		return;
	r->reported = true;
	if (e->code == SRP_E_TRUNCATED)
		kind = SRH_ERROR_TRUNCATED;
	else if (e->code == SRP_E_LINE_TOO_LONG ||
		 e->code == SRP_E_TOO_MANY_LINES ||
		 e->code == SRP_E_REPLY_TOO_LONG)
		kind = SRH_ERROR_LIMIT;
	srh_error(r->rec, kind, e->offset, srp_err_name(e->code));
}

/* The reference configured with the leniencies and limits a subject
 * declares (as NULL: none): long lines go up to the declared limit, or
 * the parser's capacity. */
static void *create_as(struct srh_recorder *rec, const struct srh_subject *as)
{
	struct ref *r = malloc(sizeof *r);
	struct srp_config cfg;
	unsigned leniency = as ? as->leniency : 0;

	if (!r)
		return NULL;
	srp_config_init(&cfg);
	cfg.flags = leniency; /* the same bits as SRP_LENIENT_* */
	if (leniency & SRH_LENIENT_LONG_LINES)
		cfg.max_line = SRP_LINE_CAPACITY;
	if (as)
		srh_reference_limits(&as->limits, &cfg);
	srp_init(&r->p, &cfg);
	r->rec = rec;
	r->reported = false;
	return r;
}

static void *ref_create(struct srh_recorder *rec)
{
	return create_as(rec, NULL);
}

static void ref_feed(void *self, const unsigned char *buf, size_t len)
{
	struct ref *r = self;
	size_t off = 0, used;

	while (off < len) {
		enum srp_status st =
			srp_feed(&r->p, buf + off, len - off, &used);
		off += used;
		if (st == SRP_ERROR) {
			report_error(r);
			return;
		}
		if (st == SRP_LINE || st == SRP_REPLY) {
			const struct srp_line *l = srp_line(&r->p);
			srh_line(r->rec, l->text, l->len);
		}
		if (st == SRP_REPLY) {
			const struct srp_reply *rep = srp_reply(&r->p);
			srh_reply(r->rec, rep->code,
				  rep->has_esc ? rep->esc.text : NULL);
		}
	}
}

static void ref_finish(void *self)
{
	struct ref *r = self;

	if (srp_finish(&r->p) == SRP_END)
		srh_end(r->rec);
	else
		report_error(r);
}

static void ref_destroy(void *self)
{
	free(self);
}

static void *ref_clone(const void *self, struct srh_recorder *rec)
{
	const struct ref *from = self;
	struct ref *r = malloc(sizeof *r);

	if (!r)
		return NULL;
	srp_copy(&r->p, &from->p); /* not the unused 8 KB of line buffer */
	r->rec = rec;
	r->reported = from->reported;
	return r;
}

static void ref_reset(void *self)
{
	struct ref *r = self;

	srp_reset(&r->p);
	r->reported = false;
}

static uint64_t ref_work(const void *self)
{
	return srp_work(&((const struct ref *)self)->p);
}

static void ref_read_fd(int fd, struct srh_recorder *rec)
{
	struct ref *r = ref_create(rec);
	unsigned char buf[4096];
	ssize_t n;

	if (!r)
		return;
	/* Read to the end even after an error, as the contract asks. */
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		ref_feed(r, buf, (size_t)n);
	}
	ref_finish(r);
	ref_destroy(r);
}

const struct srh_subject srh_reference_subject = {
	.abi = SRH_SUBJECT_ABI,
	.name = "reference",
	.description = "the reference parser, strict RFC 5321",
	.reports = SRH_REPORTS_ESC | SRH_REPORTS_OFFSETS,
	.create = ref_create,
	.feed = ref_feed,
	.finish = ref_finish,
	.destroy = ref_destroy,
	.clone = ref_clone,
	.reset = ref_reset,
	.work = ref_work,
	.read_fd = ref_read_fd,
};

bool srh_declares_limits(const struct srh_subject *s)
{
	const struct srh_limits *l = &s->limits;
	return (l->line_octets && l->line_octets != SRP_DEFAULT_MAX_LINE) ||
	       (l->reply_lines && l->reply_lines != SRP_DEFAULT_MAX_LINES) ||
	       (l->reply_octets && l->reply_octets != SRP_DEFAULT_MAX_REPLY);
}

void srh_reference_limits(const struct srh_limits *l, struct srp_config *cfg)
{
	if (l->line_octets)
		cfg->max_line = l->line_octets < SRP_LINE_CAPACITY
					? l->line_octets
					: SRP_LINE_CAPACITY;
	if (cfg->max_line > SRP_RFC_LINE_MAX)
		cfg->flags |= SRP_LENIENT_LONG_LINES;
	if (l->reply_lines)
		cfg->max_lines = l->reply_lines;
	if (l->reply_octets)
		cfg->max_reply = l->reply_octets;
}

void srh_reference_run(const unsigned char *in, size_t n,
		       const struct srh_subject *as, struct srh_recorder *rec)
{
	struct ref *r = create_as(rec, as);

	if (!r)
		abort();
	ref_feed(r, in, n);
	ref_finish(r);
	ref_destroy(r);
}
