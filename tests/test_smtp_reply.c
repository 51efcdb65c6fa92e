/*
 * test_smtp_reply.c - unit tests of the reference reply parser.
 *
 * Every vector goes through sc_check() (split_check.h): the transcript must
 * be the same in one piece, under every single cut, byte at a time, in
 * pieces of 2 and 3, interleaved with a second parser, and after a reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtp_reply.h"
#include "split_check.h"

static struct srp_config config(unsigned flags)
{
	struct srp_config c;

	srp_config_init(&c);
	c.flags = flags;
	return c;
}

/* "250 " + filler + "\r\n" with `total` octets in all (total >= 6). */
static char *long_line(size_t total, const char *ending)
{
	size_t end_len = strlen(ending);
	char *s = malloc(total + 1);

	assert_non_null(s);
	memcpy(s, "250 ", 4);
	memset(s + 4, 'x', total - 4 - end_len);
	memcpy(s + total - end_len, ending, end_len);
	s[total] = '\0';
	return s;
}

/* ---- well-formed replies ---------------------------------------------- */

static void test_single_line(void **state)
{
	(void)state;
	SC_CHECK(NULL, "250 ok\r\n",
		 "L 250 last #1 @0..8 \"ok\"\n"
		 "R 250 lines=1 @0..8 esc=-\n"
		 "END\n");
}

static void test_multiline(void **state)
{
	(void)state;
	SC_CHECK(
		NULL,
		"250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n",
		"L 250 more #1 @0..20 \"mx.example.org\"\n"
		"L 250 more #2 @20..36 \"PIPELINING\"\n"
		"L 250 last #3 @36..55 \"SIZE 10240000\"\n"
		"R 250 lines=3 @0..55 esc=-\n"
		"END\n");
}

static void test_code_only_lines(void **state)
{
	(void)state;
	/* RFC 5321 4.2: the code alone, with or without SP, is a last line. */
	SC_CHECK(NULL, "334\r\n",
		 "L 334 last #1 @0..5 \"\"\n"
		 "R 334 lines=1 @0..5 esc=-\n"
		 "END\n");
	SC_CHECK(NULL, "250 \r\n",
		 "L 250 last #1 @0..6 \"\"\n"
		 "R 250 lines=1 @0..6 esc=-\n"
		 "END\n");
	/* A continuation line may have no text. */
	SC_CHECK(NULL, "250-\r\n250 x\r\n",
		 "L 250 more #1 @0..6 \"\"\n"
		 "L 250 last #2 @6..13 \"x\"\n"
		 "R 250 lines=2 @0..13 esc=-\n"
		 "END\n");
}

static void test_every_valid_code_digit(void **state)
{
	(void)state;
	char in[16], want[128];

	for (unsigned d1 = 2; d1 <= 5; d1++)
		for (unsigned d2 = 0; d2 <= 5; d2++)
			for (unsigned d3 = 0; d3 <= 9; d3 += 9) {
				unsigned code = d1 * 100 + d2 * 10 + d3;
				snprintf(in, sizeof in, "%u t\r\n", code);
				snprintf(want, sizeof want,
					 "L %u last #1 @0..7 \"t\"\n"
					 "R %u lines=1 @0..7 esc=-\nEND\n",
					 code, code);
				struct strbuf got = {0};
				sc_run(NULL, in, strlen(in), NULL, 0, &got);
				assert_string_equal(got.s, want);
				sb_free(&got);
			}
}

static void test_text_bytes_kept(void **state)
{
	(void)state;
	/* HT, quotes and every printable byte pass through untouched. */
	SC_CHECK(NULL, "250 a\tb \"c\" ~!\r\n",
		 "L 250 last #1 @0..16 \"a\\tb \\\"c\\\" ~!\"\n"
		 "R 250 lines=1 @0..16 esc=-\n"
		 "END\n");
}

static void test_pipelined_replies(void **state)
{
	(void)state;
	SC_CHECK(NULL, "250 a\r\n251 b\r\n354 go\r\n",
		 "L 250 last #1 @0..7 \"a\"\n"
		 "R 250 lines=1 @0..7 esc=-\n"
		 "L 251 last #1 @7..14 \"b\"\n"
		 "R 251 lines=1 @7..14 esc=-\n"
		 "L 354 last #1 @14..22 \"go\"\n"
		 "R 354 lines=1 @14..22 esc=-\n"
		 "END\n");
}

/* Each feed stops after one line, so the caller counts replies exactly and
 * keeps bytes that follow a reply (STARTTLS response injection). */
static void test_feed_stops_after_each_reply(void **state)
{
	(void)state;
	const char in[] = "220 ready\r\n250-evil\r\n250 AUTH PLAIN\r\n";
	struct srp_parser p;
	size_t used;

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, in, sizeof in - 1, &used), SRP_REPLY);
	assert_int_equal(used, 11);
	assert_int_equal(srp_reply(&p)->code, 220);
	assert_int_equal(srp_pending(&p), 0);
	assert_int_equal(srp_offset(&p), 11);

	/* Part of the next reply: consumed and pending. */
	assert_int_equal(srp_feed(&p, in + 11, 6, &used), SRP_NEED_MORE);
	assert_int_equal(used, 6);
	assert_int_equal(srp_pending(&p), 6);
	assert_int_equal(srp_feed(&p, in + 17, 20, &used), SRP_LINE);
	assert_int_equal(used, 4);
	assert_int_equal(srp_pending(&p), 10);
	assert_int_equal(srp_feed(&p, in + 21, 16, &used), SRP_REPLY);
	assert_int_equal(used, 16);
	assert_int_equal(srp_pending(&p), 0);
	assert_int_equal(srp_finish(&p), SRP_END);
}

static void test_whole_line_is_not_copied(void **state)
{
	(void)state;
	const char in[] = "250-a\r\n250 whole line\r\n";
	struct srp_parser p;
	size_t used;

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, in, 3, &used), SRP_NEED_MORE);
	assert_int_equal(srp_feed(&p, in + 3, sizeof in - 4, &used), SRP_LINE);
	/* Started in an earlier feed, but its text lies wholly in this one. */
	assert_ptr_equal(srp_line(&p)->text, in + 4);
	assert_int_equal(srp_feed(&p, in + 7, sizeof in - 8, &used), SRP_REPLY);
	assert_ptr_equal(srp_line(&p)->text, in + 11);
	assert_int_equal(srp_line(&p)->len, 10);
	assert_int_equal(srp_work(&p), srp_offset(&p));
}

/* srp_copy() forks a parse: the copy goes on as the original would, with
 * its own line buffer, also for a delivered line that was buffered. */
static void test_copy_goes_on_alike(void **state)
{
	(void)state;
	const char in[] = "250-first line\r\n250 last line here\r\n";
	struct srp_parser p, q;
	size_t used;

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, in, 7, &used), SRP_NEED_MORE);
	assert_int_equal(srp_feed(&p, in + 7, 9, &used), SRP_LINE);
	memset(&q, 0xAA, sizeof q);
	srp_copy(&q, &p);
	assert_ptr_equal(srp_line(&q)->text, q.buf); /* not into p */
	assert_int_equal(srp_line(&q)->len, 10);
	assert_memory_equal(srp_line(&q)->text, "first line", 10);

	/* A line delivered from the caller's buffer, and an empty one. */
	struct srp_parser r;
	srp_init(&r, NULL);
	assert_int_equal(srp_feed(&r, in, 16, &used), SRP_LINE);
	srp_copy(&q, &r);
	assert_ptr_equal(srp_line(&q)->text, in + 4);
	assert_int_equal(srp_feed(&r, "250-\r\n", 6, &used), SRP_LINE);
	srp_copy(&q, &r);
	assert_ptr_equal(srp_line(&q)->text, q.buf);
	assert_int_equal(srp_line(&q)->len, 0);

	/* Forked inside the text of a line cut across feeds. */
	assert_int_equal(srp_feed(&p, in + 16, 10, &used), SRP_NEED_MORE);
	srp_copy(&q, &p);
	memset(p.buf, 0, 8); /* q must not read p's buffer */
	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&q, in + 26, 10, &used), SRP_REPLY);
	assert_int_equal(used, 10);
	assert_int_equal(srp_line(&q)->len, 14);
	assert_memory_equal(srp_line(&q)->text, "last line here", 14);
	assert_int_equal(srp_reply(&q)->lines, 2);
	assert_int_equal(srp_reply(&q)->offset, 0);
	assert_int_equal(srp_offset(&q), sizeof in - 1);
	assert_int_equal(srp_finish(&q), SRP_END);
}

/* ---- the reply code ---------------------------------------------------- */

static void test_code_errors(void **state)
{
	(void)state;
	SC_CHECK(NULL, "150 x\r\n", "E CODE_RANGE @0 line=1/1\n");
	SC_CHECK(NULL, "650 x\r\n", "E CODE_RANGE @0 line=1/1\n");
	SC_CHECK(NULL, "099 x\r\n", "E CODE_RANGE @0 line=1/1\n");
	SC_CHECK(NULL, "260 x\r\n", "E CODE_RANGE @1 line=1/1\n");
	SC_CHECK(NULL, "2x0 x\r\n", "E CODE_DIGIT @1 line=1/1\n");
	SC_CHECK(NULL, "25: x\r\n", "E CODE_DIGIT @2 line=1/1\n");
	SC_CHECK(NULL, "+25 x\r\n", "E CODE_DIGIT @0 line=1/1\n");
	SC_CHECK(NULL, " 250 x\r\n", "E CODE_DIGIT @0 line=1/1\n");
	SC_CHECK(NULL, "2550 x\r\n", "E SEPARATOR @3 line=1/1\n");
	SC_CHECK(NULL, "250x ok\r\n", "E SEPARATOR @3 line=1/1\n");
	SC_CHECK(NULL, "250\tok\r\n", "E SEPARATOR @3 line=1/1\n");
}

static void test_short_and_empty_lines(void **state)
{
	(void)state;
	SC_CHECK(NULL, "25\r\n", "E SHORT_LINE @2 line=1/1\n");
	SC_CHECK(NULL, "2\n", "E SHORT_LINE @1 line=1/1\n");
	SC_CHECK(NULL, "\r\n", "E SHORT_LINE @0 line=1/1\n");
	SC_CHECK(NULL, "250 ok\r\n\r\n",
		 "L 250 last #1 @0..8 \"ok\"\n"
		 "R 250 lines=1 @0..8 esc=-\n"
		 "E SHORT_LINE @8 line=2/1\n");
	SC_CHECK(NULL, "250-a\r\n\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E SHORT_LINE @7 line=2/2\n");
}

static void test_code_mismatch(void **state)
{
	(void)state;
	struct srp_config lenient = config(SRP_LENIENT_CODE_MISMATCH);

	SC_CHECK(NULL, "250-a\r\n550 b\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E CODE_MISMATCH @7 line=2/2\n");
	SC_CHECK(NULL, "250-a\r\n251 b\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E CODE_MISMATCH @9 line=2/2\n");
	/* Each reply is compared with its own first line. */
	SC_CHECK(NULL, "250 a\r\n354-b\r\n354 c\r\n",
		 "L 250 last #1 @0..7 \"a\"\n"
		 "R 250 lines=1 @0..7 esc=-\n"
		 "L 354 more #1 @7..14 \"b\"\n"
		 "L 354 last #2 @14..21 \"c\"\n"
		 "R 354 lines=2 @7..21 esc=-\n"
		 "END\n");
	/* Lenient: the reply takes its last line's code. */
	SC_CHECK(&lenient, "220-a\r\n521 b\r\n250 c\r\n",
		 "L 220 more #1 @0..7 \"a\"\n"
		 "L 521 last #2 @7..14 \"b\"\n"
		 "R 521 lines=2 @0..14 esc=-\n"
		 "L 250 last #1 @14..21 \"c\"\n"
		 "R 250 lines=1 @14..21 esc=-\n"
		 "END\n");
	/* Lenient about codes, not about their syntax. */
	SC_CHECK(&lenient, "250-a\r\n650 b\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E CODE_RANGE @7 line=2/2\n");
}

/* ---- line endings ------------------------------------------------------ */

static void test_bare_lf(void **state)
{
	(void)state;
	struct srp_config lenient = config(SRP_LENIENT_BARE_LF);

	SC_CHECK(NULL, "250 ok\n", "E BARE_LF @6 line=1/1\n");
	SC_CHECK(NULL, "250\n", "E BARE_LF @3 line=1/1\n");
	SC_CHECK(NULL, "250-a\n250 b\r\n", "E BARE_LF @5 line=1/1\n");

	SC_CHECK(&lenient, "250-a\n250\n",
		 "L 250 more #1 @0..6 \"a\"\n"
		 "L 250 last #2 @6..10 \"\"\n"
		 "R 250 lines=2 @0..10 esc=-\n"
		 "END\n");
	SC_CHECK(&lenient, "250-a\r\n250 b\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "L 250 last #2 @7..13 \"b\"\n"
		 "R 250 lines=2 @0..13 esc=-\n"
		 "END\n");
	/* A lone CR is still no line end. */
	SC_CHECK(&lenient, "250 a\rb\n", "E BARE_CR @5 line=1/1\n");
}

static void test_bare_cr(void **state)
{
	(void)state;
	SC_CHECK(NULL, "250 a\rb\r\n", "E BARE_CR @5 line=1/1\n");
	SC_CHECK(NULL, "250\rX", "E BARE_CR @3 line=1/1\n");
	SC_CHECK(NULL, "250 a\r\r\n", "E BARE_CR @5 line=1/1\n");
	SC_CHECK(NULL, "250-a\r\n250 b\r",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E TRUNCATED @13 line=2/2\n");
}

/* ---- reply text -------------------------------------------------------- */

static void test_text_errors(void **state)
{
	(void)state;
	sc_check(NULL, "250 a\0b\r\n", 9, "E NUL @5 line=1/1\n");
	SC_CHECK(NULL, "250 a\x01\r\n", "E CONTROL @5 line=1/1\n");
	SC_CHECK(NULL, "250 a\x1b[0m\r\n", "E CONTROL @5 line=1/1\n");
	SC_CHECK(NULL, "250 a\x7f\r\n", "E CONTROL @5 line=1/1\n");
	SC_CHECK(NULL, "535 Error: \xc7\xeb\r\n", "E EIGHT_BIT @11 line=1/1\n");
}

static void test_8bit_lenient(void **state)
{
	(void)state;
	struct srp_config lenient = config(SRP_LENIENT_8BIT);

	SC_CHECK(&lenient, "535 Error: \xc7\xeb\xca\xb9\r\n",
		 "L 535 last #1 @0..17 \"Error: \\xc7\\xeb\\xca\\xb9\"\n"
		 "R 535 lines=1 @0..17 esc=-\n"
		 "END\n");
	/* Only 8-bit bytes: NUL and control characters are still errors. */
	sc_check(&lenient, "550 \xff\0\r\n", 8, "E NUL @5 line=1/1\n");
	SC_CHECK(&lenient, "550 \xff\x02\r\n", "E CONTROL @5 line=1/1\n");
}

static void test_control_lenient(void **state)
{
	(void)state;
	struct srp_config lenient = config(SRP_LENIENT_CONTROL);

	/* Control bytes are text, at any cut; NUL, CR alone and 8-bit
	 * bytes are still errors. */
	SC_CHECK(&lenient,
		 "250-a\x01"
		 "b\x1b[0m\r\n250 \x7f\x07\r\n",
		 "L 250 more #1 @0..13 \"a\\x01b\\x1b[0m\"\n"
		 "L 250 last #2 @13..21 \"\\x7f\\x07\"\n"
		 "R 250 lines=2 @0..21 esc=-\n"
		 "END\n");
	sc_check(&lenient, "550 \x01\0\r\n", 8, "E NUL @5 line=1/1\n");
	SC_CHECK(&lenient, "550 \x01\xff\r\n", "E EIGHT_BIT @5 line=1/1\n");
}

static void test_bare_cr_lenient(void **state)
{
	(void)state;
	struct srp_config lenient = config(SRP_LENIENT_BARE_CR);

	/* A CR that no LF follows is text, at any cut: one, two in a row,
	 * one before the line's CR LF, one at the text's start. */
	SC_CHECK(&lenient, "250-a\rb\r\n250 \r\rc\r\r\n",
		 "L 250 more #1 @0..9 \"a\\rb\"\n"
		 "L 250 last #2 @9..19 \"\\r\\rc\\r\"\n"
		 "R 250 lines=2 @0..19 esc=-\n"
		 "END\n");
	/* Right after the code a CR without LF is still an error, and so
	 * is a bare LF, a NUL, or the stream ending after the CR. */
	SC_CHECK(&lenient, "250\rx\r\n", "E BARE_CR @3 line=1/1\n");
	SC_CHECK(&lenient, "250 a\rb\n", "E BARE_LF @7 line=1/1\n");
	sc_check(&lenient, "250 \r\0\r\n", 8, "E NUL @5 line=1/1\n");
	SC_CHECK(&lenient, "250 a\r", "E TRUNCATED @6 line=1/1\n");
	/* Without it, the first stray CR is the error. */
	SC_CHECK(NULL, "250 a\rb\r\n", "E BARE_CR @5 line=1/1\n");
}

/* A bad byte at each position of a long text, through the 16-byte scan,
 * its tail and the byte-by-byte path. */
static void test_bad_byte_at_every_position(void **state)
{
	(void)state;
	static const struct {
		char byte;
		const char *name;
	} bad[] = {{'\0', "NUL"},	  {'\x05', "CONTROL"},
		   {'\x7f', "CONTROL"},	  {'\x80', "EIGHT_BIT"},
		   {'\xff', "EIGHT_BIT"}, {'\n', "BARE_LF"},
		   {'\r', "BARE_CR"}};
	char in[48], want[64];

	for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
		for (size_t at = 4; at < 40; at++) {
			memset(in, 'q', 40);
			memcpy(in, "421 ", 4);
			memcpy(in + 40, "\r\n", 2);
			in[at] = bad[b].byte;
			snprintf(want, sizeof want, "E %s @%zu line=1/1\n",
				 bad[b].name, at);
			sc_check(NULL, in, 42, want);
		}

	/* Bytes the scan must pass: HT anywhere, 0x80-0xFF when lenient. */
	struct srp_config lenient = config(SRP_LENIENT_8BIT);
	static const char *const ok[][2] = {
		{"\t", "\\t"}, {"\x80", "\\x80"}, {"\xff", "\\xff"}};
	char text[64];
	for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
		for (size_t at = 4; at < 40; at++) {
			memset(in, 'q', 40);
			memcpy(in, "421 ", 4);
			memcpy(in + 40, "\r\n", 2);
			in[at] = ok[k][0][0];
			/* The transcript escapes it: "qq\tqq". */
			snprintf(text, sizeof text, "%.*s%s%.*s", (int)(at - 4),
				 in + 4, ok[k][1], (int)(39 - at), in + at + 1);
			char full[256];
			snprintf(full, sizeof full,
				 "L 421 last #1 @0..42 \"%s\"\n"
				 "R 421 lines=1 @0..42 esc=-\nEND\n",
				 text);
			sc_check(k == 0 ? NULL : &lenient, in, 42, full);
		}
}

/* A scan's last 1-15 bytes are read with one 16-byte load that ends where
 * the piece ends, so it starts in what came before: here a first line's
 * text and CR LF. Every text length up to 36, under every cut (sc_check),
 * with a control byte, then a tab, at every position. */
static void test_scan_window_edges(void **state)
{
	(void)state;
	char in[64], want[256], text[64];

	for (size_t len = 1; len <= 36; len++)
		for (size_t at = 0; at < len; at++) {
			size_t n = 12 + len + 2;
			memcpy(in, "250-ab\r\n250 ", 12);
			memset(in + 12, 'q', len);
			memcpy(in + 12 + len, "\r\n", 2);
			in[12 + at] = '\x05';
			snprintf(want, sizeof want,
				 "L 250 more #1 @0..8 \"ab\"\n"
				 "E CONTROL @%zu line=2/2\n",
				 12 + at);
			sc_check(NULL, in, n, want);

			in[12 + at] = '\t';
			snprintf(text, sizeof text, "%.*s\\t%.*s", (int)at,
				 in + 12, (int)(len - at - 1), in + 13 + at);
			snprintf(want, sizeof want,
				 "L 250 more #1 @0..8 \"ab\"\n"
				 "L 250 last #2 @8..%zu \"%s\"\n"
				 "R 250 lines=2 @0..%zu esc=-\nEND\n",
				 n, text, n);
			sc_check(NULL, in, n, want);
		}
}

/* ---- limits ------------------------------------------------------------ */

static void test_line_limit_rfc(void **state)
{
	(void)state;
	char *ok = long_line(512, "\r\n");
	char *over = long_line(513, "\r\n");
	char *far = long_line(600, "\r\n");

	SC_CHECK(NULL, ok,
		 "L 250 last #1 @0..512 \""
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"
		 "R 250 lines=1 @0..512 esc=-\n"
		 "END\n");
	/* The 513th octet, here the LF, is the offending one. */
	SC_CHECK(NULL, over, "E LINE_TOO_LONG @512 line=1/1\n");
	SC_CHECK(NULL, far, "E LINE_TOO_LONG @512 line=1/1\n");
	free(ok);
	free(over);
	free(far);
}

static void test_line_limit_configured(void **state)
{
	(void)state;
	struct srp_config small = config(0);
	struct srp_config longer = config(SRP_LENIENT_LONG_LINES);
	struct strbuf got = {0};
	char *l100 = long_line(100, "\r\n"), *l101 = long_line(101, "\r\n");
	char *l1000 = long_line(1000, "\r\n"), *l1001 = long_line(1001, "\r\n");

	small.max_line = 100;
	SC_CHECK(&small, l101, "E LINE_TOO_LONG @100 line=1/1\n");
	sc_run(&small, l100, 100, NULL, 0, &got);
	assert_non_null(strstr(got.s, "R 250 lines=1 @0..100"));
	sb_free(&got);

	longer.max_line = 1000;
	sc_run(&longer, l1000, 1000, NULL, 0, &got);
	assert_non_null(strstr(got.s, "R 250 lines=1 @0..1000"));
	sb_free(&got);
	SC_CHECK(&longer, l1001, "E LINE_TOO_LONG @1000 line=1/1\n");

	/* With bare LF the line end is one octet. */
	struct srp_config lf = config(SRP_LENIENT_BARE_LF);
	char *lf512 = long_line(512, "\n"), *lf513 = long_line(513, "\n");
	sc_run(&lf, lf512, 512, NULL, 0, &got);
	assert_non_null(strstr(got.s, "R 250 lines=1 @0..512"));
	sb_free(&got);
	SC_CHECK(&lf, lf513, "E LINE_TOO_LONG @512 line=1/1\n");

	free(l100);
	free(l101);
	free(l1000);
	free(l1001);
	free(lf512);
	free(lf513);
}

static void test_line_limit_on_later_line(void **state)
{
	(void)state;
	struct srp_config c = config(0);

	c.max_line = 11;
	SC_CHECK(&c, "250-abcde\r\n250 abcdefg\r\n",
		 "L 250 more #1 @0..11 \"abcde\"\n"
		 "E LINE_TOO_LONG @22 line=2/2\n");
	/* The limit counts the code too. */
	c.max_line = 5;
	SC_CHECK(&c, "250 \r\n", "E LINE_TOO_LONG @5 line=1/1\n");
	SC_CHECK(&c, "250\r\n",
		 "L 250 last #1 @0..5 \"\"\n"
		 "R 250 lines=1 @0..5 esc=-\n"
		 "END\n");
}

static void test_lines_per_reply_limit(void **state)
{
	(void)state;
	struct srp_config c = config(0);

	c.max_lines = 3;
	SC_CHECK(&c, "250-a\r\n250-b\r\n250 c\r\n250-a\r\n250-b\r\n250 c\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "L 250 more #2 @7..14 \"b\"\n"
		 "L 250 last #3 @14..21 \"c\"\n"
		 "R 250 lines=3 @0..21 esc=-\n"
		 "L 250 more #1 @21..28 \"a\"\n"
		 "L 250 more #2 @28..35 \"b\"\n"
		 "L 250 last #3 @35..42 \"c\"\n"
		 "R 250 lines=3 @21..42 esc=-\n"
		 "END\n");
	SC_CHECK(&c, "250-a\r\n250-b\r\n250-c\r\n250 d\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "L 250 more #2 @7..14 \"b\"\n"
		 "L 250 more #3 @14..21 \"c\"\n"
		 "E TOO_MANY_LINES @21 line=4/4\n");
	c.max_lines = 1;
	SC_CHECK(&c, "250-a\r\n250 b\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E TOO_MANY_LINES @7 line=2/2\n");
}

static void test_reply_size_limit(void **state)
{
	(void)state;
	struct srp_config c = config(0);

	c.max_reply = 20;
	SC_CHECK(&c, "250-aaaa\r\n250 bbbb\r\n354 cccccccccccccc\r\n",
		 "L 250 more #1 @0..10 \"aaaa\"\n"
		 "L 250 last #2 @10..20 \"bbbb\"\n"
		 "R 250 lines=2 @0..20 esc=-\n"
		 "L 354 last #1 @20..40 \"cccccccccccccc\"\n"
		 "R 354 lines=1 @20..40 esc=-\n"
		 "END\n");
	/* Broken inside the text... */
	SC_CHECK(&c, "250-aaaa\r\n250 bbbbb\r\n",
		 "L 250 more #1 @0..10 \"aaaa\"\n"
		 "E REPLY_TOO_LONG @20 line=2/2\n");
	/* ...and inside a code. */
	c.max_reply = 12;
	SC_CHECK(&c, "250-aaaa\r\n250 b\r\n",
		 "L 250 more #1 @0..10 \"aaaa\"\n"
		 "E REPLY_TOO_LONG @12 line=2/2\n");
}

/* ---- end of stream ----------------------------------------------------- */

static void test_truncation(void **state)
{
	(void)state;
	SC_CHECK(NULL, "", "END\n");
	SC_CHECK(NULL, "25", "E TRUNCATED @2 line=1/1\n");
	SC_CHECK(NULL, "250 ok", "E TRUNCATED @6 line=1/1\n");
	SC_CHECK(NULL, "250-a\r\n",
		 "L 250 more #1 @0..7 \"a\"\n"
		 "E TRUNCATED @7 line=2/2\n");
	SC_CHECK(NULL, "250 a\r\n250-b\r\n250 c",
		 "L 250 last #1 @0..7 \"a\"\n"
		 "R 250 lines=1 @0..7 esc=-\n"
		 "L 250 more #1 @7..14 \"b\"\n"
		 "E TRUNCATED @19 line=3/2\n");
}

static void test_feed_after_finish(void **state)
{
	(void)state;
	struct srp_parser p;
	size_t used;

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, "221 bye\r\n", 9, &used), SRP_REPLY);
	assert_int_equal(srp_finish(&p), SRP_END);
	assert_int_equal(srp_finish(&p), SRP_END);
	assert_int_equal(srp_feed(&p, "", 0, &used), SRP_NEED_MORE);
	assert_int_equal(srp_feed(&p, "x", 1, &used), SRP_ERROR);
	assert_int_equal(used, 0);
	assert_int_equal(srp_error(&p)->code, SRP_E_AFTER_END);
	assert_int_equal(srp_error(&p)->offset, 9);
	assert_int_equal(srp_finish(&p), SRP_ERROR);
}

/* ---- errors, reset, reuse ---------------------------------------------- */

static void test_error_is_sticky_until_reset(void **state)
{
	(void)state;
	struct srp_parser p;
	size_t used;

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, "250-a\r\n2", 8, &used), SRP_LINE);
	assert_int_equal(used, 7);
	assert_int_equal(srp_feed(&p, "25", 2, &used), SRP_NEED_MORE);
	assert_int_equal(srp_feed(&p, "1 b\r\n", 5, &used), SRP_ERROR);
	assert_int_equal(used, 1);
	const struct srp_error *e = srp_error(&p);
	assert_int_equal(e->code, SRP_E_CODE_MISMATCH);
	assert_int_equal(e->offset, 9);
	assert_int_equal(e->line, 2);
	assert_int_equal(e->reply_line, 2);
	assert_int_equal(srp_feed(&p, "250 ok\r\n", 8, &used), SRP_ERROR);
	assert_int_equal(used, 0);
	assert_int_equal(srp_finish(&p), SRP_ERROR);
	assert_int_equal(srp_error(&p)->code, SRP_E_CODE_MISMATCH);

	srp_reset(&p);
	assert_int_equal(srp_error(&p)->code, SRP_E_OK);
	assert_int_equal(srp_offset(&p), 0);
	assert_int_equal(srp_feed(&p, "250 ok\r\n", 8, &used), SRP_REPLY);
	assert_int_equal(srp_line(&p)->offset, 0);
	assert_int_equal(srp_finish(&p), SRP_END);
}

static void test_error_names_and_messages(void **state)
{
	(void)state;
	char buf[160];

	for (int e = 0; e < SRP_E_COUNT_; e++) {
		assert_true(strlen(srp_err_name((enum srp_err)e)) > 1);
		assert_true(strlen(srp_strerror((enum srp_err)e)) > 5);
		for (int f = 0; f < e; f++)
			assert_string_not_equal(srp_strerror((enum srp_err)e),
						srp_strerror((enum srp_err)f));
	}
	assert_string_equal(srp_err_name(SRP_E_BARE_CR), "BARE_CR");
	assert_string_equal(srp_strerror(SRP_E_BARE_CR),
			    "CR not followed by LF");
	assert_string_equal(srp_err_name(SRP_E_COUNT_), "UNKNOWN");
	assert_string_equal(srp_strerror((enum srp_err) - 1), "unknown error");

	struct srp_error e = {SRP_E_CODE_MISMATCH, 57, 3, 2};
	srp_error_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "offset 57, line 3 (line 2 of reply): line's "
				 "reply code differs from the reply's code");
}

static void test_config_validation(void **state)
{
	(void)state;
	struct srp_parser p;
	struct srp_config c;
	size_t used;

	struct {
		unsigned flags;
		size_t max_line, max_lines, max_reply;
		enum srp_err want;
	} cases[] = {
		{0, 512, 128, 65536, SRP_E_OK},
		{0, 5, 1, 5, SRP_E_OK},
		{0, 4, 128, 65536, SRP_E_CONFIG},
		{0, 513, 128, 65536, SRP_E_CONFIG},
		{SRP_LENIENT_LONG_LINES, 513, 128, 65536, SRP_E_OK},
		{SRP_LENIENT_LONG_LINES, SRP_LINE_CAPACITY, 1, 5, SRP_E_OK},
		{SRP_LENIENT_LONG_LINES, SRP_LINE_CAPACITY + 1, 1, 5,
		 SRP_E_CONFIG},
		{0, 512, 0, 65536, SRP_E_CONFIG},
		{0, 512, 128, 4, SRP_E_CONFIG},
		{1u << 9, 512, 128, 65536, SRP_E_CONFIG},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c.flags = cases[i].flags;
		c.max_line = cases[i].max_line;
		c.max_lines = cases[i].max_lines;
		c.max_reply = cases[i].max_reply;
		assert_int_equal(srp_init(&p, &c), cases[i].want);
		if (cases[i].want == SRP_E_OK)
			continue;
		/* A parser with a bad configuration refuses to work. */
		assert_int_equal(srp_feed(&p, "250 ok\r\n", 8, &used),
				 SRP_ERROR);
		assert_int_equal(srp_finish(&p), SRP_ERROR);
		assert_int_equal(srp_error(&p)->code, SRP_E_CONFIG);
		/* And a reset keeps refusing: with its limits a long line
		 * would be written past the line buffer. */
		srp_reset(&p);
		assert_int_equal(srp_error(&p)->code, SRP_E_CONFIG);
		char line[SRP_LINE_CAPACITY + 16];
		memset(line, 'x', sizeof line);
		memcpy(line, "250 ", 4);
		assert_int_equal(srp_feed(&p, line, sizeof line, &used),
				 SRP_ERROR);
		assert_int_equal(used, 0);
	}
	srp_config_init(&c);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.max_line, 512);
}

/* The parse state is plain data: a memcpy'd parser goes on by itself. */
static void test_state_copy(void **state)
{
	(void)state;
	const char in[] = "250-mx\r\n250 PIPELI";
	struct srp_parser *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	size_t used;

	assert_true(a && b);
	srp_init(a, NULL);
	assert_int_equal(srp_feed(a, in, sizeof in - 1, &used), SRP_LINE);
	assert_int_equal(srp_feed(a, in + 8, sizeof in - 9, &used),
			 SRP_NEED_MORE);
	memcpy(b, a, sizeof *a);
	assert_int_equal(srp_feed(a, "NING\r\n", 6, &used), SRP_REPLY);
	assert_int_equal(srp_feed(b, "NG\r\n", 4, &used), SRP_REPLY);
	assert_memory_equal(srp_line(a)->text, "PIPELINING", 10);
	assert_memory_equal(srp_line(b)->text, "PIPELING", 8);
	assert_int_equal(srp_reply(a)->size, 24);
	assert_int_equal(srp_reply(b)->size, 22);
	free(a);
	free(b);
}

/* Memory is bounded by the struct: the line buffer plus a little state. */
static void test_state_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct srp_parser) > SRP_LINE_CAPACITY);
	assert_true(sizeof(struct srp_parser) <= SRP_LINE_CAPACITY + 512);
}

/* Byte-at-a-time feeding costs at most twice the bytes (scan + one copy). */
static void test_work_is_linear(void **state)
{
	(void)state;
	struct srp_config c = config(SRP_LENIENT_LONG_LINES);
	char *in = long_line(8000, "\r\n");
	struct srp_parser *p = malloc(sizeof *p);
	size_t used;

	c.max_line = 8000;
	assert_non_null(p);
	srp_init(p, &c);
	for (size_t i = 0; i < 7999; i++)
		assert_int_equal(srp_feed(p, in + i, 1, &used), SRP_NEED_MORE);
	assert_int_equal(srp_feed(p, in + 7999, 1, &used), SRP_REPLY);
	assert_int_equal(srp_line(p)->len, 7994);
	assert_true(srp_work(p) <= 2 * 8000);
	free(p);
	free(in);
}

/* ---- enhanced status codes (RFC 3463, RFC 2034) ------------------------ */

static void expect_esc(const char *in, const char *esc)
{
	struct strbuf got = {0};
	char want[64];

	sc_run(NULL, in, strlen(in), NULL, 0, &got);
	snprintf(want, sizeof want, " esc=%s\nEND\n", esc);
	if (got.len < strlen(want) ||
	    strcmp(got.s + got.len - strlen(want), want) != 0)
		fail_msg("%s: want esc=%s, got:\n%s", in, esc, got.s);
	sb_free(&got);
}

static void test_enhanced_status_codes(void **state)
{
	(void)state;
	expect_esc("250 2.1.0 Ok\r\n", "2.1.0");
	expect_esc("550 5.7.1 blocked\r\n", "5.7.1");
	expect_esc("250 2.0.0\r\n", "2.0.0");
	expect_esc("452 4.100.999 x\r\n", "4.100.999");
	expect_esc("550-5.1.1 a\r\n550 5.1.1 b\r\n", "5.1.1");
	/* Absent: class differs from the code's first digit, 3xx, malformed,
	 * not at the start, or only on a later line. */
	expect_esc("550 4.7.1 x\r\n", "-");
	expect_esc("354 3.0.0 go\r\n", "-");
	expect_esc("250 2.0\r\n", "-");
	expect_esc("250 2.0.0x\r\n", "-");
	expect_esc("250 2.0.0\tx\r\n", "-");
	expect_esc("250 2..0 x\r\n", "-");
	expect_esc("250 2.0. x\r\n", "-");
	expect_esc("250 2.1000.0 x\r\n", "-");
	expect_esc("250 2.12345.0 x\r\n", "-");
	expect_esc("250 2.1x0 ok\r\n", "-");
	expect_esc("250 2.100\r\n", "-");
	expect_esc("250 2.0.1000 x\r\n", "-");
	expect_esc("250 2,0.0 x\r\n", "-");
	expect_esc("250 x2.0.0\r\n", "-");
	expect_esc("250  2.0.0\r\n", "-");
	expect_esc("250-first\r\n250 2.0.0 ok\r\n", "-");

	struct strbuf got = {0};
	struct srp_config lenient = config(SRP_LENIENT_CODE_MISMATCH);
	const char *in = "250-2.0.0 a\r\n550 b\r\n";
	sc_run(&lenient, in, strlen(in), NULL, 0, &got);
	assert_non_null(strstr(got.s, "R 550 lines=2 @0..20 esc=-"));
	sb_free(&got);

	struct srp_parser p;
	size_t used;
	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, "451 4.3.2 x\r\n", 13, &used), SRP_REPLY);
	const struct srp_reply *r = srp_reply(&p);
	assert_true(r->has_esc);
	assert_int_equal(r->esc.cls, 4);
	assert_int_equal(r->esc.subject, 3);
	assert_int_equal(r->esc.detail, 2);
	assert_string_equal(r->esc.text, "4.3.2");
}

/* ---- named regressions ------------------------------------------------- */

/* Microsoft KB912341: Windows Server 2003 SMTP took "354-Line 1" alone as
 * the reply to DATA when "354 Send message" came after a delay. The first
 * piece must give a line and no reply; the reply comes with the second. */
static void test_kb912341_multiline_354(void **state)
{
	(void)state;
	const char in[] = "354-Line 1\r\n354 Send message\r\n";
	struct srp_parser p;
	size_t used;

	SC_CHECK(NULL, in,
		 "L 354 more #1 @0..12 \"Line 1\"\n"
		 "L 354 last #2 @12..30 \"Send message\"\n"
		 "R 354 lines=2 @0..30 esc=-\n"
		 "END\n");

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, in, 12, &used), SRP_LINE);
	assert_int_equal(used, 12);
	assert_int_equal(srp_pending(&p), 12);
	/* The delay: nothing arrives, nothing changes. */
	assert_int_equal(srp_feed(&p, in + 12, 0, &used), SRP_NEED_MORE);
	assert_int_equal(srp_feed(&p, in + 12, 18, &used), SRP_REPLY);
	assert_int_equal(srp_reply(&p)->code, 354);
	assert_int_equal(srp_reply(&p)->lines, 2);
}

/* OpenSMTPD CVE-2020-8794: a 3-byte last line ("250") made the client read
 * at line + 4, past the line, into the bytes that followed. Here the last
 * line's text is empty and the bytes after it stay unconsumed. */
static void test_cve_2020_8794_short_last_line(void **state)
{
	(void)state;
	const char in[] = "250-first\r\n250\r\nMAIL FROM:<root>\r\n";
	struct srp_parser p;
	size_t used;

	srp_init(&p, NULL);
	assert_int_equal(srp_feed(&p, in, sizeof in - 1, &used), SRP_LINE);
	assert_int_equal(used, 11);
	assert_int_equal(srp_feed(&p, in + 11, sizeof in - 12, &used),
			 SRP_REPLY);
	assert_int_equal(used, 5);
	assert_int_equal(srp_line(&p)->len, 0);
	assert_int_equal(srp_reply(&p)->size, 16);

	SC_CHECK(NULL, "250-first\r\n250\r\n",
		 "L 250 more #1 @0..11 \"first\"\n"
		 "L 250 last #2 @11..16 \"\"\n"
		 "R 250 lines=2 @0..16 esc=-\n"
		 "END\n");
	/* Lines of 3 and 4 bytes, and a continuation then end of stream. */
	SC_CHECK(NULL, "250-\r\n250 \r\n",
		 "L 250 more #1 @0..6 \"\"\n"
		 "L 250 last #2 @6..12 \"\"\n"
		 "R 250 lines=2 @0..12 esc=-\n"
		 "END\n");
	SC_CHECK(NULL, "250-\r\n",
		 "L 250 more #1 @0..6 \"\"\n"
		 "E TRUNCATED @6 line=2/2\n");
	SC_CHECK(NULL, "250", "E TRUNCATED @3 line=1/1\n");
	SC_CHECK(NULL, "250\r", "E TRUNCATED @4 line=1/1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_code_only_lines),
		cmocka_unit_test(test_every_valid_code_digit),
		cmocka_unit_test(test_text_bytes_kept),
		cmocka_unit_test(test_pipelined_replies),
		cmocka_unit_test(test_feed_stops_after_each_reply),
		cmocka_unit_test(test_whole_line_is_not_copied),
		cmocka_unit_test(test_copy_goes_on_alike),
		cmocka_unit_test(test_code_errors),
		cmocka_unit_test(test_short_and_empty_lines),
		cmocka_unit_test(test_code_mismatch),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_bare_cr),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_8bit_lenient),
		cmocka_unit_test(test_control_lenient),
		cmocka_unit_test(test_bare_cr_lenient),
		cmocka_unit_test(test_bad_byte_at_every_position),
		cmocka_unit_test(test_scan_window_edges),
		cmocka_unit_test(test_line_limit_rfc),
		cmocka_unit_test(test_line_limit_configured),
		cmocka_unit_test(test_line_limit_on_later_line),
		cmocka_unit_test(test_lines_per_reply_limit),
		cmocka_unit_test(test_reply_size_limit),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_feed_after_finish),
		cmocka_unit_test(test_error_is_sticky_until_reset),
		cmocka_unit_test(test_error_names_and_messages),
		cmocka_unit_test(test_config_validation),
		cmocka_unit_test(test_state_copy),
		cmocka_unit_test(test_state_size),
		cmocka_unit_test(test_work_is_linear),
		cmocka_unit_test(test_enhanced_status_codes),
		cmocka_unit_test(test_kb912341_multiline_354),
		cmocka_unit_test(test_cve_2020_8794_short_last_line),
	};
	return cmocka_run_group_tests_name("smtp_reply", tests, NULL, NULL);
}
