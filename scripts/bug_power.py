#!/usr/bin/env python3
"""Bug-finding power: for each planted bug (bugs/*.c) and each search, the
time to the first failure, median of several seeds, with a cap.

Searches:
  smart   libFuzzer with the SMTP custom mutator and the dictionary
  plain   libFuzzer alone (no custom mutator, no dictionary)
  afl     AFL++ (afl-clang-fast, persistent) with the SMTP custom mutator
          and the dictionary
  split   smtp-split: the same seed stream with every family, plus
          generated streams (--generate), stopping at the first failure;
          built, with the bug, under ASan and UBSan as ./run split builds
          a subject file

Every search starts from the same one seed, "250 OK\\r\\n" (for the model
target, one zero byte: the simplest stream), so the table measures the
search, not the shipped corpus. Each bug is fuzzed through the target of
the oracle its comment predicts ("Caught by:"). A run that finds nothing
within the cap counts as the cap and is marked with ">".

  scripts/bug_power.py [--seeds 5] [--cap 60] [--searches smart,plain,afl,split]
                       [--bugs a,b] [--jobs 2] [--markdown]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalogue  # noqa: E402
import fuzzing  # noqa: E402

ROOT = fuzzing.ROOT
SEED_STREAM = b"250 OK\r\n"
TARGET_OF = {"crash": "parse", "hang": "parse", "work": "parse",
             "split": "split", "prompt": "split", "model": "model",
             "pipeline": "model", "reentrant": "reentrant",
             "reuse": "reentrant", "diff": "diff",
             # Every target bounds the subject's heap (on short inputs:
             # amplification); time, allocation failures and read faults
             # are smtp-split's resource families alone.
             "memory": "parse",
             "time": None, "alloc": None, "faults": None}
SEARCHES = ["smart", "plain", "afl", "split"]
NA = "n/a"


def bugs():
    """(name, predicted oracle) of each planted bug."""
    return [(name, oracle) for name, oracle, _ in catalogue.bugs()]


def build_all(searches, log):
    """One build folder per engine configuration, each holding every
    target against every bug (SRH_FUZZ_CATALOGUE)."""
    dirs = {}
    configs = {"smart": ("libfuzzer", True), "plain": ("libfuzzer", False),
               "afl": ("afl", True)}
    for s in searches:
        if s == "split":
            # As ./run split runs a subject file: both with ASan and
            # UBSan, so a memory error inside the subject is a crash.
            out = os.path.join(ROOT, "build", "bug-power", "split")
            cmds = [["cmake", "-S", ROOT, "-B", out,
                     "-DCMAKE_C_COMPILER=clang",
                     "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSRH_TESTS=OFF",
                     "-DSRH_SANITIZE=address,undefined"],
                    ["cmake", "--build", out, "-j", str(os.cpu_count()),
                     "--target", "smtp-split"]]
            mods = os.path.join(out, "subjects")
            os.makedirs(mods, exist_ok=True)
            for bug, _ in bugs():
                cmds.append(["clang", "-std=c11", "-O1", "-g",
                             "-fsanitize=address,undefined",
                             "-fno-sanitize-recover=all", "-shared", "-fPIC",
                             "-I", os.path.join(ROOT, "harness"),
                             os.path.join(ROOT, "bugs", bug + ".c"), "-o",
                             os.path.join(mods, bug + ".so")])
            dirs[s] = out
        else:
            engine, mutator = configs[s]
            out = os.path.join(ROOT, "build", "bug-power", s)
            cc = "clang" if engine == "libfuzzer" else "afl-clang-fast"
            cmds = [["cmake", "-S", ROOT, "-B", out,
                     f"-DCMAKE_C_COMPILER={cc}",
                     "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSRH_TESTS=OFF",
                     "-DSRH_SANITIZE=address,undefined",
                     f"-DSRH_FUZZ_ENGINE={engine}",
                     f"-DSRH_FUZZ_MUTATOR={'ON' if mutator else 'OFF'}",
                     "-DSRH_FUZZ_CATALOGUE=ON"],
                    ["cmake", "--build", out, "-j", str(os.cpu_count())]]
            dirs[s] = os.path.join(out, "fuzz")
        for cmd in cmds:
            log(f"build {s}: {' '.join(cmd[:3])} ...")
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                           env=dict(os.environ, AFL_QUIET="1"))
    return dirs


def one_run(search, bindir, bug, oracle, seed, cap):
    """Seconds to the first failure, or None within the cap; NA when no
    fuzz target judges the oracle."""
    target = TARGET_OF[oracle]
    if target is None and search != "split":
        return NA
    work = tempfile.mkdtemp(prefix=f"bp-{search}-{bug}-{seed}-")
    try:
        seeds = os.path.join(work, "seed")
        os.makedirs(seeds)
        with open(os.path.join(seeds, "seed"), "wb") as f:
            # model: one zero byte, every choice the smallest (AFL++
            # skips empty files).
            f.write(b"\0" if target == "model" else SEED_STREAM)
        if search == "split":
            return split_run(bindir, bug, target or "parse", seed, cap, work)
        binary = os.path.join(bindir, f"fuzz_{target}-{bug}")
        fuzzing.TIMEOUT_S = 2  # hangs: found at the first slow input
        if search == "afl":
            run = fuzzing.afl(binary, target, work, cap,
                              [os.path.join(seeds, "seed")], seed=seed)
        else:
            run = fuzzing.libfuzzer(binary, target, work, cap, [seeds],
                                    seed=seed,
                                    dictionary=search == "smart")
        if not run.crashes:
            return None
        return run.first_crash_s if run.first_crash_s is not None \
            else run.seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)


def split_run(build, bug, target, seed, cap, work):
    stream = os.path.join(work, "seed", "seed")
    report = os.path.join(work, "report.json")
    cmd = [os.path.join(build, "smtp-split"), "--quiet", "--no-shrink",
           "--max-failures", "1", "--deadline", "500", "--seed", str(seed),
           "--generate", "3000", "--budget", str(int(cap)), "--json", report,
           "--subject", os.path.join(build, "subjects", bug + ".so"),
           stream]
    start = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True,
                          timeout=cap * 3 + 60)
    if proc.returncode == 2:
        raise RuntimeError(f"smtp-split: {proc.stderr.strip()}")
    elapsed = time.monotonic() - start
    try:
        data = json.load(open(report))
    except (OSError, ValueError):
        return None
    fails = data.get("failures") or []
    if not fails:
        return None
    found = fails[0].get("found_s")
    return found if isinstance(found, (int, float)) else elapsed


def fmt(value, capped):
    if value == NA:
        return NA
    if value is None:
        return "-"
    return (">" if capped else "") + (f"{value:.1f}" if value < 100
                                      else f"{value:.0f}")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--cap", type=float, default=60)
    p.add_argument("--searches", default=",".join(SEARCHES))
    p.add_argument("--bugs", default="")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--json", help="write every run's result here")
    p.add_argument("--from-json", metavar="FILE",
                   help="tabulate the results a previous --json run wrote, "
                        "without running anything")
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    searches = [s for s in a.searches.split(",") if s]
    chosen = [b for b in bugs()
              if not a.bugs or b[0] in a.bugs.split(",")]

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    results = {}
    if a.from_json:
        for r in json.load(open(a.from_json)):
            results[(r["search"], r["bug"], r["seed"])] = r["seconds"]
        searches = [s for s in searches
                    if any(k[0] == s for k in results)]
    else:
        dirs = build_all(searches, log)
        jobs = [(s, bug, oracle, seed) for bug, oracle in chosen
                for s in searches for seed in range(1, a.seeds + 1)]
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            futs = {pool.submit(one_run, s, dirs[s], bug, oracle, seed,
                                a.cap): (s, bug, seed)
                    for s, bug, oracle, seed in jobs}
            for fut in concurrent.futures.as_completed(futs):
                s, bug, seed = futs[fut]
                results[(s, bug, seed)] = fut.result()
                log(f"{bug:<26} {s:<6} seed {seed}: "
                    f"{fmt(results[(s, bug, seed)], False)}")
        if a.json:
            json.dump([{"search": s, "bug": b, "seed": sd, "seconds": v}
                       for (s, b, sd), v in sorted(results.items())],
                      open(a.json, "w"), indent=1)
    # A find after the cap (smtp-split's budget only stops new work) is a
    # miss, as for the fuzzers.
    for k, v in results.items():
        if v is not None and v != NA and v > a.cap:
            results[k] = None

    # The table: per bug and search, the median over seeds (a miss counts
    # as the cap), and how many seeds found it.
    medians = {s: [] for s in searches}
    rows = []
    for bug, oracle in chosen:
        row = [bug, f"{oracle} ({TARGET_OF[oracle] or 'smtp-split only'})"]
        for s in searches:
            vals = [results[(s, bug, sd)] for sd in range(1, a.seeds + 1)]
            if NA in vals:
                row.append(NA)
                continue
            found = [v for v in vals if v is not None]
            med = statistics.median([a.cap if v is None else v
                                     for v in vals])
            medians[s].append(med)
            row.append(f"{fmt(med, med >= a.cap)} ({len(found)}/{a.seeds})")
        rows.append(row)
    total = ["median over bugs", ""] + [
        fmt(statistics.median(medians[s]), False) for s in searches]
    found_all = ["bugs found (any seed)", ""] + [
        str(sum(1 for bug, _ in chosen
                if any(results[(s, bug, sd)] not in (None, NA)
                       for sd in range(1, a.seeds + 1))))
        + f"/{sum(1 for bug, _ in chosen if results[(s, bug, 1)] != NA)}"
        for s in searches]
    head = ["bug", "oracle (target)"] + [
        {"smart": "libFuzzer+mutator+dict", "plain": "libFuzzer plain",
         "afl": "AFL++ +mutator+dict", "split": "smtp-split"}[s]
        for s in searches]
    table = [head] + rows + [total, found_all]
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in table[1:]:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        for r in table:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"\nseconds to the first failure, median of {a.seeds} seeds "
          f"(found/seeds), cap {a.cap:.0f} s; '>' = not found in time")
    smart = medians.get("smart")
    plain = medians.get("plain")
    if smart and plain:
        ok = all(any(results[("smart", b, sd)] is not None
                     for sd in range(1, a.seeds + 1)) for b, _ in chosen
                 if results[("smart", b, 1)] != NA)
        better = statistics.median(smart) < statistics.median(plain)
        print(f"smart finds every bug: {'yes' if ok else 'NO'}; its median "
              f"beats plain libFuzzer's: {'yes' if better else 'NO'}")
        return 0 if ok and better else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
