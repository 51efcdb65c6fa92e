#!/usr/bin/env bash
# Line and branch coverage of parser/ by the unit tests alone (llvm-cov,
# source-based). Prints both figures; fails when either is below the gate.
#   scripts/coverage.sh [MIN_PERCENT]      default 95
set -euo pipefail
cd "$(dirname "$0")/.."
min=${1:-95}
build=build/coverage

cmake --preset coverage >/dev/null
cmake --build --preset coverage >/dev/null
rm -f "$build"/*.profraw
# Only the parser's own unit tests count (label "parser").
LLVM_PROFILE_FILE="$PWD/$build/unit-%p.profraw" \
	ctest --test-dir "$build" -L parser --output-on-failure >/dev/null
llvm-profdata-14 merge -sparse "$build"/unit-*.profraw -o "$build/unit.profdata"

report=$(llvm-cov-14 report "$build/tests/test_smtp_reply" \
	-instr-profile="$build/unit.profdata" parser/)
echo "$report"
echo "$report" | awk -v min="$min" '
	$1 == "TOTAL" {
		lines = $10; branches = $13; sub("%", "", lines); sub("%", "", branches)
		printf "parser/ coverage by unit tests: lines %.2f%%, branches %.2f%% (gate %d%%)\n", lines, branches, min
		if (lines + 0 < min || branches + 0 < min) { print "coverage below the gate"; exit 1 }
		found = 1
	}
	END { if (!found) { print "no TOTAL line in the llvm-cov report"; exit 1 } }'
