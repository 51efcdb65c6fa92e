#!/usr/bin/env python3
"""The fuzz smoke test CI runs: every target, built for libFuzzer and for
AFL++ against the reference parser, fuzzed for a fixed number of
executions (not seconds, so that a slow machine does not change what is
checked; a 600-second limit stops a stalled engine) from the shipped
seeds. Fails when a target does not build, does
not start, runs no inputs, finds no coverage, or finds a crash.

  scripts/fuzz_smoke.py [--runs 3000] [--engines libfuzzer,afl]
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzing  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3000)
    p.add_argument("--engines", default="libfuzzer,afl")
    a = p.parse_args()
    bad = 0
    for engine in a.engines.split(","):
        bindir = fuzzing.build(engine)
        for t in fuzzing.TARGETS:
            work = tempfile.mkdtemp(prefix=f"smoke-{engine}-{t}-")
            binary = os.path.join(bindir, f"fuzz_{t}")
            if engine == "libfuzzer":
                run = fuzzing.libfuzzer(binary, t, work, 600,
                                        fuzzing.seed_dirs(t), seed=1,
                                        extra=[f"-runs={a.runs}"])
            else:
                run = fuzzing.afl(binary, t, work, 600,
                                  fuzzing.seed_files(t), seed=1,
                                  execs=a.runs)
            problems = []
            if run.execs < a.runs // 2:
                problems.append(f"only {run.execs} executions")
            if run.cov < 50:
                problems.append(f"only {run.cov} edges: instrumented?")
            if run.crashes:
                problems.append(f"{len(run.crashes)} crash(es): "
                                + ", ".join(run.crashes[:3]))
            print(f"{engine:<9} {t:<10} execs {run.execs:>7}  edges "
                  f"{run.cov:>4}  corpus {run.corpus_start:>3} -> "
                  f"{run.corpus_end:>3}  "
                  + ("ok" if not problems else "FAIL: "
                     + "; ".join(problems)), flush=True)
            bad += bool(problems)
            if problems:
                for log in sorted(os.listdir(work)):
                    if log.endswith(".log"):
                        sys.stdout.write(open(os.path.join(work, log))
                                         .read()[-3000:])
                print(f"kept for a look: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    print("fuzz smoke test: " + ("passed" if not bad else f"{bad} failed"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
