/*
 * subject.h - the subject contract: how a parser under test is plugged into
 * the harness (smtp-split and, later, the fuzz targets).
 *
 * A subject is an SMTP reply parser. It comes in one of two shapes, or both:
 *
 *   push:  the harness creates an instance, feeds it chunks, signals the
 *          end of input, destroys it. Like srp_feed(), picohttpparser, a
 *          libevent read callback.
 *   fd:    the harness hands it a file descriptor (one end of a socket pair)
 *          and it reads with read()/recv() until end of stream, with its own
 *          buffer and maybe its own timeouts, as most real clients do.
 *
 * Either way the subject reports what it understood through the recorder
 * the harness passes in: each complete reply (the text of every line, then
 * the code and the enhanced status code if it extracts one), an error, and
 * the clean end of the stream. The harness turns those calls into a
 * transcript and compares transcripts across ways of cutting the stream.
 *
 * Writing your own: copy examples/my_subject.c, fill in the functions,
 * build a shared object and point smtp-split at it:
 *
 *     cc -shared -fPIC -I harness my_subject.c -o my_subject.so
 *     smtp-split --subject ./my_subject.so
 *
 * The shared object exports one function, srh_subject(), returning a
 * pointer to a static struct srh_subject (use SRH_SUBJECT_EXPORT).
 * Everything else is optional; unset members are NULL or 0.
 */
#ifndef SRH_SUBJECT_H
#define SRH_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when struct srh_subject or struct srh_recorder changes. ABI 1
 * subjects (without the declarations below `read_fd`) still load. */
#define SRH_SUBJECT_ABI 2

/* What kind of error a subject reports. */
enum srh_error_kind {
	SRH_ERROR_SYNTAX,    /* the bytes break the reply grammar */
	SRH_ERROR_LIMIT,     /* a line, reply or count limit was exceeded */
	SRH_ERROR_TRUNCATED, /* the stream ended inside a reply */
};

/* The error offset when the subject does not know it. */
#define SRH_OFFSET_UNKNOWN UINT64_MAX

/*
 * The recorder. The harness owns it; the subject only calls these through
 * the helpers below. A subject with several instances must report each
 * instance's events to the recorder that instance was created with.
 */
struct srh_recorder {
	/* One line of the reply being completed, in order. text is copied. */
	void (*line)(struct srh_recorder *rec, const char *text, size_t len);
	/* The reply whose lines were just reported is complete. esc: its
	 * enhanced status code as text ("5.7.1"), or NULL. */
	void (*reply)(struct srh_recorder *rec, unsigned code, const char *esc);
	/* The subject rejects the stream. offset: stream offset of the bad
	 * byte, or SRH_OFFSET_UNKNOWN. detail: free text, shown, not compared.
	 * Lines reported since the last reply are dropped. */
	void (*error)(struct srh_recorder *rec, enum srh_error_kind kind,
		      uint64_t offset, const char *detail);
	/* The stream ended cleanly, between replies. */
	void (*end)(struct srh_recorder *rec);
};

static inline void srh_line(struct srh_recorder *rec, const char *text,
			    size_t len)
{
	rec->line(rec, text, len);
}

static inline void srh_reply(struct srh_recorder *rec, unsigned code,
			     const char *esc)
{
	rec->reply(rec, code, esc);
}

static inline void srh_error(struct srh_recorder *rec, enum srh_error_kind kind,
			     uint64_t offset, const char *detail)
{
	rec->error(rec, kind, offset, detail);
}

static inline void srh_end(struct srh_recorder *rec)
{
	rec->end(rec);
}

/* Leniencies a subject declares (same meaning and values as the reference
 * parser's SRP_LENIENT_* flags); later used to configure the reference for
 * differential testing. */
enum srh_leniency {
	SRH_LENIENT_BARE_LF = 1u << 0,
	SRH_LENIENT_LONG_LINES = 1u << 1,
	SRH_LENIENT_CODE_MISMATCH = 1u << 2,
	SRH_LENIENT_8BIT = 1u << 3,
	SRH_LENIENT_CONTROL = 1u << 4, /* control bytes (not NUL) in text */
	SRH_LENIENT_BARE_CR = 1u << 5, /* a CR that no LF follows, in text */
};

/* The limits a subject declares (ABI 2); 0 in a member: the default. The
 * reference and the model judge its reports by these, and the memory
 * family bounds its heap by heap_octets. */
struct srh_limits {
	size_t line_octets;  /* a line, its CRLF included (512) */
	size_t reply_lines;  /* lines of one reply (128) */
	size_t reply_octets; /* one reply, line endings included (65536) */
	size_t heap_octets;  /* live heap on an endless stream (1 MiB) */
};

/* What a subject's reports hold, beyond replies and error kinds; only
 * what it declares is compared with the model and the reference. */
enum srh_reports {
	SRH_REPORTS_ESC = 1u << 0,	     /* esc in srh_reply (RFC 3463) */
	SRH_REPORTS_OFFSETS = 1u << 1,	     /* error offsets are those of the
						offending byte, as the reference's */
	SRH_REPORTS_NO_ERROR_KIND = 1u << 2, /* its errors carry no kind:
						any error is "an error" */
};

struct srh_subject {
	unsigned abi;		 /* SRH_SUBJECT_ABI */
	const char *name;	 /* short, for reports: "my-client" */
	const char *description; /* one line */
	unsigned leniency;	 /* enum srh_leniency bits */
	unsigned reports;	 /* enum srh_reports bits */

	/* ---- push shape: all four, or none ---- */

	/* A new instance reporting to rec, or NULL on failure. */
	void *(*create)(struct srh_recorder *rec);
	/* Bytes of the stream, in order. buf is valid only during the call:
	 * the harness makes its memory inaccessible afterwards. len may be 0
	 * ("nothing arrived"), which must change nothing. */
	void (*feed)(void *self, const unsigned char *buf, size_t len);
	/* End of stream: report a truncation error or the end. */
	void (*finish)(void *self);
	void (*destroy)(void *self);

	/* ---- push shape, optional capabilities ---- */

	/* An independent copy of self, in the same parse state, reporting
	 * to rec. Lets the tester share the work of common prefixes. */
	void *(*clone)(const void *self, struct srh_recorder *rec);
	/* Forget the stream: afterwards self behaves like a new instance. */
	void (*reset)(void *self);
	/* Units of work done so far (any monotonic count of steps). Lets the
	 * tester check that cost stays linear however the input is cut. */
	uint64_t (*work)(const void *self);

	/* ---- fd shape ---- */

	/* Read the stream from fd until end of stream (read returns 0),
	 * reporting to rec; then return. Do not close fd. */
	void (*read_fd)(int fd, struct srh_recorder *rec);

	/* ---- ABI 2 ---- */

	struct srh_limits limits;
};

/* The one symbol a subject shared object exports. */
const struct srh_subject *srh_subject(void);
typedef const struct srh_subject *(*srh_subject_fn)(void);
#define SRH_SUBJECT_SYMBOL "srh_subject"
#define SRH_SUBJECT_EXPORT(subject)                                       \
	__attribute__((visibility("default"))) const struct srh_subject * \
	srh_subject(void)                                                 \
	{                                                                 \
		return &(subject);                                        \
	}

#ifdef __cplusplus
}
#endif

#endif /* SRH_SUBJECT_H */
