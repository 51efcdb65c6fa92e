#!/usr/bin/env python3
"""The fuzz smoke test CI runs: every target, built for libFuzzer and for
AFL++ against the reference parser, fuzzed for a fixed number of
executions (not seconds, so that a slow machine does not change what is
checked; a 600-second limit stops a stalled engine) from the shipped
seeds. Fails when a target does not build, does
not start, runs no inputs, finds no coverage, or finds a crash.

With --parallel it checks instead that one target fuzzes in parallel the
way ./run --jobs 2 runs it: libFuzzer's -fork=2 runs several jobs and
merges what they find into one corpus; AFL++'s -M main and -S s1, sharing
one sync folder, both fuzz and exchange inputs.

  scripts/fuzz_smoke.py [--runs 3000] [--engines libfuzzer,afl]
  scripts/fuzz_smoke.py --parallel [--seconds 20]
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzing  # noqa: E402


def found_by_peer(out, name):
    """Inputs worker `name` imported (id:N,sync:PEER,src:M) that PEER had
    found itself: its entry M is not one of the seeds (orig:)."""
    def queue(n):
        d = os.path.join(out, n, "queue")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []
    count = 0
    for f in queue(name):
        m = re.search(r",sync:([^,]+),src:(\d+)", f)
        if not m:
            continue
        src = [g for g in queue(m.group(1))
               if g.startswith(f"id:{m.group(2)},")]
        count += bool(src) and ",orig:" not in src[0]
    return count


def parallel(a):
    """Two workers on the parse target with each engine."""
    bad = 0
    for engine in a.engines.split(","):
        bindir = fuzzing.build(engine)
        binary = os.path.join(bindir, "fuzz_parse")
        work = tempfile.mkdtemp(prefix=f"parallel-{engine}-")
        problems = []
        if engine == "libfuzzer":
            run = fuzzing.libfuzzer(binary, "parse", work, a.seconds,
                                    fuzzing.seed_dirs("parse"), jobs=2)
            log = open(run.log, errors="replace").read()
            jobs = [int(j) for j in re.findall(r" job: (\d+)", log)]
            merged = len(os.listdir(os.path.join(work, "corpus")))
            if "-fork=2" not in log:
                problems.append("libFuzzer did not start in fork mode")
            if max(jobs, default=0) < 2:
                problems.append(f"jobs seen: {sorted(set(jobs))}")
            if not merged:
                problems.append("nothing merged into the corpus")
            detail = (f"jobs run {max(jobs, default=0)}, merged corpus "
                      f"{merged} inputs")
        else:
            # s1 starts 5 s after main and imports main's finds first:
            # otherwise when the two first sync is a matter of timing.
            run = fuzzing.afl(binary, "parse", work, a.seconds,
                              fuzzing.seed_files("parse"), jobs=2, stagger=5)
            out = os.path.join(work, "afl")
            per = {n: int(fuzzing.afl_stats(os.path.join(
                out, n, "fuzzer_stats")).get("execs_done", 0))
                for n in ("main", "s1")}
            imported = {n: found_by_peer(out, n) for n in per}
            if not all(per.values()):
                problems.append(f"a worker ran nothing: {per}")
            if not sum(imported.values()):
                problems.append("no input another worker found went "
                                "through the sync folder")
            detail = (f"execs main {per['main']}, s1 {per['s1']}; imported "
                      f"through the sync folder: {imported}")
        if run.crashes:
            problems.append(f"{len(run.crashes)} crash(es)")
        print(f"{engine:<9} parse, 2 workers, {a.seconds} s: {detail}  "
              + ("ok" if not problems else "FAIL: " + "; ".join(problems)),
              flush=True)
        bad += bool(problems)
        if problems:
            print(f"kept for a look: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("parallel fuzzing: " + ("passed" if not bad else f"{bad} failed"))
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3000)
    p.add_argument("--engines", default="libfuzzer,afl")
    p.add_argument("--parallel", action="store_true")
    p.add_argument("--seconds", type=int, default=20)
    a = p.parse_args()
    if a.parallel:
        return parallel(a)
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
