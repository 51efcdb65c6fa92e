#!/bin/sh
# expect_failure.sh PATTERN COMMAND...: passes when COMMAND fails (any
# non-zero status, an abort included) and its output matches PATTERN (an
# extended regular expression); shows the output otherwise.
pattern=$1
shift
out=$("$@" 2>&1)
status=$?
if [ "$status" -eq 0 ]; then
	printf '%s\n' "$out"
	echo "expected a failure, but it passed: $*"
	exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq "$pattern"; then
	printf '%s\n' "$out"
	echo "failed (status $status) without /$pattern/: $*"
	exit 1
fi
printf '%s\n' "$out" | grep -Em1 "$pattern"
exit 0
