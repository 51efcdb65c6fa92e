#!/bin/bash -eu
# Builds every fuzz target under the OSS-Fuzz builder contract; ClusterFuzzLite
# runs this same file (.clusterfuzzlite/build.sh calls it).
#
# The builder sets CC CXX CFLAGS CXXFLAGS (sanitizer and coverage flags
# included), SANITIZER, FUZZING_ENGINE, LIB_FUZZING_ENGINE (libFuzzer: the
# flag -fsanitize=fuzzer; AFL++ and others: the path of an archive), SRC,
# WORK and OUT. Targets are C but link with $CXX, as the engines are C++.
#
# For each harness/fuzz/fuzz_<t>.c this writes $OUT/fuzz_<t>, its
# _seed_corpus.zip, .options, and .dict when its options name one (model
# reads generator choices, not SMTP text, so it has none).
#
# Plain compiler calls rather than CMake: the builder images' CMake is older
# than ours, and the few sources need nothing else. scripts/oss_fuzz_check.py
# runs this file the way the builder does, for every engine and sanitizer.
#
#   SRH_FUZZ_SUBJECT  a C file defining srh_subject() (default: the
#                     reference parser)

src="${SRH_SOURCE_DIR:-$SRC/smtp-reply-harness}"
subject="${SRH_FUZZ_SUBJECT:-$src/harness/subjects/reference_export.c}"
# The saved regressions are seeds for the reference, which passes them;
# another subject may still fail some, and a crashing seed is a bad build.
regressions=
if [ -n "${SRH_FUZZ_SUBJECT:-}" ]; then regressions=--no-regressions; fi
obj="$WORK/srh"
rm -rf "$obj"
mkdir -p "$obj" "$OUT"

# The harness's parts (docs/design.md): each folder its own headers.
parts=(core generator split subjects fuzz wire)
flags=(-std=c11 -Wall -Wextra -I"$src/parser" -I"$src/harness")
for p in "${parts[@]}"; do flags+=(-I"$src/harness/$p"); done
# glibc before 2.34 (the builder images' Ubuntu) keeps these apart.
libs=(-ldl -lpthread)

cc() { # cc OBJECT SOURCE [FLAGS...]
	local o="$1" s="$2"
	shift 2
	$CC $CFLAGS "${flags[@]}" "$@" -c "$s" -o "$obj/$o.o"
}

# What every target shares: the parser, the harness without smtp-split's
# main(), the reference, the fuzz helpers.
common=()
for s in "$src"/parser/*.c "$src"/harness/core/*.c "$src"/harness/generator/*.c \
	"$src"/harness/split/*.c "$src"/harness/subjects/reference.c \
	"$src"/harness/subjects/adapter.c "$src"/harness/subjects/loader.c \
	"$src"/harness/fuzz/fuzz.c "$src"/harness/fuzz/cuts.c \
	"$src"/harness/wire/scenario.c; do
	n=$(basename "$s" .c)
	[ "$n" = smtp_split ] && continue
	cc "$n" "$s"
	common+=("$obj/$n.o")
done
cc subject "$subject"
# The subject's calls to malloc, read, ... go to the harness's hooks
# (harness/core/hook.h), so the targets bound its heap.
objcopy=${OBJCOPY:-$(command -v objcopy || command -v llvm-objcopy || true)}
if [ -n "$objcopy" ]; then
	"$objcopy" --redefine-syms="$src/harness/core/hook.syms" "$obj/subject.o"
else
	echo "build.sh: no objcopy: the subject's heap goes unbounded" >&2
fi

# The SMTP-aware mutator (LLVMFuzzerCustomMutator) needs libFuzzer's
# LLVMFuzzerMutate: libFuzzer builds only. The input format of each target
# is the one harness/fuzz/CMakeLists.txt gives it.
mutator=false
[ "$FUZZING_ENGINE" = libfuzzer ] && mutator=true
$mutator && cc mutate "$src/harness/fuzz/mutate.c"

# The targets and their mutator formats: harness/fuzz/targets.tsv.
while read -r t format; do
	[ -n "$t" ] || continue
	name=fuzz_$t
	opts="$src/harness/fuzz/$name.options"
	cc "$name" "$src/harness/fuzz/$name.c"
	extra=()
	if $mutator && [ "$format" != - ]; then
		cc "mutator_$t" "$src/harness/fuzz/fuzz_mutator.c" -DSMUT_FORMAT=$format
		extra=("$obj/mutator_$t.o" "$obj/mutate.o")
	fi
	$CXX $CXXFLAGS "$obj/$name.o" "${extra[@]}" "$obj/subject.o" "${common[@]}" \
		$LIB_FUZZING_ENGINE "${libs[@]}" -o "$OUT/$name"

	# Options as shipped, with the dictionary under the target's own name.
	sed "s/^dict *=.*/dict = $name.dict/" "$opts" >"$OUT/$name.options"
	if grep -q '^dict *=' "$opts"; then
		cp "$src/corpus/smtp.dict" "$OUT/$name.dict"
	fi
	python3 "$src/scripts/fuzzing.py" seed-zip "$t" "$OUT/${name}_seed_corpus.zip" $regressions
done < <(grep -v '^#' "$src/harness/fuzz/targets.tsv")
