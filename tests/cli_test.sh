#!/usr/bin/env bash
# Tests of the smtp-reply command: output formats, exit status, errors.
#   tests/cli_test.sh path/to/smtp-reply corpus/replies
set -u
bin=$1
corpus=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# check NAME EXPECTED_STATUS EXPECTED_STDOUT_FILE -- ARGS... (stdin from $tmp/in)
check() {
	local name=$1 want_rc=$2 want_out=$3
	shift 4
	"$bin" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: exit status $rc, want $want_rc"; cat "$tmp/err"
		failed=$((failed + 1)); return
	fi
	if [ -n "$want_out" ] && ! diff -u "$want_out" "$tmp/out"; then
		echo "FAIL $name: stdout differs"
		failed=$((failed + 1)); return
	fi
	passed=$((passed + 1))
}

# check_err NAME PATTERN: stderr of the last check contains PATTERN.
check_err() {
	if grep -qF -- "$2" "$tmp/err"; then
		passed=$((passed + 1))
	else
		echo "FAIL $1: stderr lacks '$2':"; cat "$tmp/err"
		failed=$((failed + 1))
	fi
}

printf '354-Line 1\r\n354 Send message\r\n250 2.0.0 Ok: queued\r\n' >"$tmp/in"
cat >"$tmp/want" <<'OUT'
# <stdin> reply 1: code 354, 2 lines, offset 0, 30 bytes, esc -
354-Line 1
354 Send message
# <stdin> reply 2: code 250, 1 line, offset 30, 22 bytes, esc 2.0.0
250 2.0.0 Ok: queued
OUT
check text 0 "$tmp/want" --
check text-byte-chunks 0 "$tmp/want" -- --chunk=1

cat >"$tmp/want" <<'OUT'
{"file":"<stdin>","offset":0,"size":30,"code":354,"esc":null,"lines":["Line 1","Send message"]}
{"file":"<stdin>","offset":30,"size":22,"code":250,"esc":"2.0.0","lines":["2.0.0 Ok: queued"]}
OUT
check json 0 "$tmp/want" -- --json

# Text bytes that need escaping, in both formats.
printf '250 a"b\\c\tx\r\n' >"$tmp/in"
printf '%s\n' '{"file":"<stdin>","offset":0,"size":13,"code":250,"esc":null,"lines":["a\"b\\c\u0009x"]}' >"$tmp/want"
check json-escapes 0 "$tmp/want" -- --json
printf '%s\n' '# <stdin> reply 1: code 250, 1 line, offset 0, 13 bytes, esc -' '250 a"b\\c\x09x' >"$tmp/want"
check text-escapes 0 "$tmp/want" --

# 8-bit text in JSON: UTF-8 kept as it is (no mojibake), a byte that is
# not UTF-8 as U+FFFD; the text form shows both bytes escaped.
printf '250 caf\xc3\xa9 \xff\xed\xa0\x80\r\n' >"$tmp/in"
printf '%s\n' '{"file":"<stdin>","offset":0,"size":16,"code":250,"esc":null,"lines":["caf\xc3\xa9 \ufffd\ufffd\ufffd\ufffd"]}' |
	sed 's/\\xc3\\xa9/\xc3\xa9/' >"$tmp/want"
check json-utf8 0 "$tmp/want" -- --json --lenient=8bit
printf '%s\n' '# <stdin> reply 1: code 250, 1 line, offset 0, 16 bytes, esc -' '250 caf\xc3\xa9 \xff\xed\xa0\x80' >"$tmp/want"
check text-8bit 0 "$tmp/want" -- --lenient=8bit

# A file name holding a newline: escaped in the text header, which stays
# one line.
printf '250 ok\r\n' >"$tmp/a
b"
printf '%s\n' "# $tmp/a\\x0ab reply 1: code 250, 1 line, offset 0, 8 bytes, esc -" '250 ok' >"$tmp/want"
check name-newline 0 "$tmp/want" -- "$tmp/a
b"

# A malformed stream: replies before the error are printed, exit 1.
printf '220 hi\r\n250-a\r\n550 b\r\n' >"$tmp/in"
printf '%s\n' '# <stdin> reply 1: code 220, 1 line, offset 0, 8 bytes, esc -' '220 hi' >"$tmp/want"
check mismatch 1 "$tmp/want" --
check_err mismatch-message "<stdin>: offset 15, line 3 (line 2 of reply): line's reply code differs"
check mismatch-lenient 0 "" -- --lenient=code-mismatch
cat >"$tmp/want" <<'OUT'
{"file":"<stdin>","offset":0,"size":8,"code":220,"esc":null,"lines":["hi"]}
{"file":"<stdin>","error":"CODE_MISMATCH","message":"line's reply code differs from the reply's code","offset":15,"line":3,"reply_line":2}
OUT
check mismatch-json 1 "$tmp/want" -- --json

printf '250-a\r\n250 b' >"$tmp/in"
check truncated 1 "" --
check_err truncated-message "offset 12, line 2 (line 2 of reply): stream ended inside a reply"

printf '250 ok\n' >"$tmp/in"
check bare-lf 1 "" --
check_err bare-lf-message "offset 6, line 1 (line 1 of reply): line ends with LF without CR"
check bare-lf-lenient 0 "" -- --lenient=bare-lf,8bit

printf '250 a\rb\r\n' >"$tmp/in"
check bare-cr 1 "" --
check_err bare-cr-message "offset 5, line 1 (line 1 of reply): CR not followed by LF"
check bare-cr-lenient 0 "" -- --lenient=bare-cr --chunk=5
check bare-cr-all 0 "" -- --lenient=all

# Limits on the command line.
{ printf '250 '; head -c 600 /dev/zero | tr '\0' x; printf '\r\n'; } >"$tmp/in"
check long-line 1 "" --
check_err long-line-message "offset 512, line 1"
check long-line-config 2 "" -- --max-line=1000
check_err long-line-config-message "--max-line=1000: above 512 needs --lenient=long-lines"
check long-line-lenient 0 "" -- --lenient=long-lines --max-line=1000
check max-line-small 1 "" -- --max-line=100
check_err max-line-small-message "offset 100"

# Usage and I/O errors exit 2.
: >"$tmp/in"
check empty-stream 0 "" --
check bad-leniency 2 "" -- --lenient=nonsense
check bad-number 2 "" -- --max-lines=12x
check_err bad-number-message "--max-lines: '12x' is not a count"
check negative-number 2 "" -- "--max-line= -5"
check_err negative-number-message "--max-line: ' -5' is not a count"
check max-line-range 2 "" -- --max-line=99999 --lenient=long-lines
check_err max-line-range-message "--max-line=99999: out of range (5 to 8192)"
check bad-chunk 2 "" -- --chunk=0
check_err bad-chunk-message "--chunk: at least 1"
check missing-file 2 "" -- "$tmp/does-not-exist"
check folder 2 "" -- "$tmp"
check_err folder-message "cannot read: Is a directory"
# Output that cannot be written is an I/O error, not a success.
printf '250 ok\r\n' >"$tmp/in"
if "$bin" <"$tmp/in" >/dev/full 2>"$tmp/err"; then rc=0; else rc=$?; fi
if [ "$rc" -eq 2 ] && grep -qF "standard output: No space left on device" "$tmp/err"; then
	passed=$((passed + 1))
else
	echo "FAIL full-stdout: exit $rc, want 2 and the error:"; cat "$tmp/err"
	failed=$((failed + 1))
fi
: >"$tmp/in"
check help 0 "" -- --help

# Every corpus stream: well formed (deviation-* ones: rejected, each with
# its one error), and the same output fed byte by byte.
for f in "$corpus"/*; do
	case $(basename "$f") in
	deviation-*) want=1 ;;
	*) want=0 ;;
	esac
	"$bin" "$f" >"$tmp/one" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL corpus $f: exit $rc, want $want"; failed=$((failed + 1)); continue
	fi
	"$bin" --chunk=1 "$f" >"$tmp/bytes" 2>&1
	if cmp -s "$tmp/one" "$tmp/bytes"; then passed=$((passed + 1)); else
		echo "FAIL corpus $f: output differs fed byte by byte"; failed=$((failed + 1)); fi
done
# The deviations are read with the leniency that names them.
for pair in bare-lf:bare-lf code-mismatch:code-mismatch 8bit:8bit; do
	f=$(ls "$corpus"/deviation-"${pair%%:*}"* 2>/dev/null | head -1)
	[ -n "$f" ] || continue
	if "$bin" --lenient="${pair#*:}" "$f" >/dev/null 2>&1; then passed=$((passed + 1)); else
		echo "FAIL $f: rejected even with --lenient=${pair#*:}"; failed=$((failed + 1)); fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
