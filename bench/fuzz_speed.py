#!/usr/bin/env python3
"""Executions per second of every fuzz target under libFuzzer and AFL++.

Each target runs alone (one job, fixed seed, its shipped seeds, inputs of at
most max_len bytes) for a few seconds, built the way a ./run session builds
it (scripts/fuzzing.py: RelWithDebInfo with ASan and UBSan, the SMTP custom
mutator and dictionary where the target uses them): the speed a session
fuzzes at; --no-sanitizers gives the same without ASan and UBSan.

A row's exec/s is execs / seconds, both taken over the whole run from what
the fuzzer itself counts, rather than a rate it prints: libFuzzer's rates
and times are whole seconds (large errors over runs this short), and a
smoothed or recent rate hides a slow start or a slow-down.

  bench/fuzz_speed.py [--seconds S] [--engines libfuzzer,afl]
                      [--targets parse,split] [--no-sanitizers] [--json FILE]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "scripts"))
import fuzzing  # noqa: E402

ENGINES = ("libfuzzer", "afl")
SEED = 1


class BenchError(RuntimeError):
    """A build failed, or a fuzzer crashed or ran nothing: no number."""


def _binaries(engine, sanitize):
    # build() is incremental: a no-op when up to date, and the working
    # tree, not a stale build, is what gets measured.
    try:
        return fuzzing.build(engine, sanitize=sanitize)
    except subprocess.CalledProcessError as e:
        raise BenchError(f"building the {engine} fuzz targets failed "
                         f"(exit {e.returncode}):\n{e.output[-3000:]}")


def build_flavour(engine, sanitize=True):
    """The build type and sanitizers of the engine's build, from its
    CMakeCache.txt: what the numbers are numbers of."""
    cache = {}
    path = os.path.join(fuzzing.build_dir(engine, None, sanitize=sanitize),
                        "CMakeCache.txt")
    for line in open(path):
        key, _, value = line.strip().partition("=")
        cache[key.split(":")[0]] = value
    return (f"{cache.get('CMAKE_BUILD_TYPE')}, sanitizers "
            f"{cache.get('SRH_SANITIZE') or 'none'}")


def _check(run, work):
    if run.crashes:
        problem = (f"{len(run.crashes)} crash or hang input(s), first "
                   f"{run.crashes[0]}")
    elif run.returncode:
        problem = f"exit status {run.returncode}"
    elif not run.execs:
        problem = "it reported no executions"
    else:
        return
    tail = ""
    if run.log and os.path.isfile(run.log):
        tail = "\n" + open(run.log, errors="replace").read()[-2000:]
    raise BenchError(f"{run.engine} on {run.target}: {problem} (work "
                     f"folder kept: {work}){tail}")


def _libfuzzer(binary, target, work, seconds):
    # Execs: stat::number_of_executed_units (-print_final_stats=1), seed
    # replay included. Seconds: our clock from launch to the DONE line,
    # the last line that moves the count; libFuzzer's own times are whole
    # seconds, and the exit after DONE (leak check, dictionary dump, about
    # 0.25 s with ASan) runs nothing. -max_total_time=N stops only once
    # N+1 whole seconds have passed, so a run lasts about a second longer.
    last = {"execs": 0, "at": 0.0}

    def progress(run, elapsed):
        if run.execs != last["execs"]:
            last.update(execs=run.execs, at=elapsed)

    run = fuzzing.libfuzzer(binary, target, work, seconds,
                            fuzzing.seed_dirs(target), seed=SEED,
                            progress=progress)
    _check(run, work)
    return run.execs, last["at"]


def _afl(binary, target, work, seconds):
    run = fuzzing.afl(binary, target, work, seconds,
                      fuzzing.seed_files(target), seed=SEED)
    _check(run, work)
    stats = fuzzing.afl_stats(os.path.join(work, "afl", "main",
                                           "fuzzer_stats"))
    execs = int(stats.get("execs_done", 0))
    rate = float(stats.get("execs_per_sec", 0))
    if not execs or not rate:
        raise BenchError(f"afl on {target}: fuzzer_stats reports "
                         f"execs_done {execs}, execs_per_sec {rate}")
    # In AFL++ 4.04c, execs_per_sec is not a recent rate: it is execs_done
    # over the milliseconds since start_time (forkserver start and dry run
    # included), written with execs_done at exit; execs_ps_last_min is the
    # recent one. So execs_done / execs_per_sec is afl-fuzz's own run time
    # to the millisecond, where run_time and last_update - start_time are
    # whole seconds (up to 50% off over 2 s). Checked against run_time so
    # that another AFL++ whose execs_per_sec means otherwise fails here
    # (0.01 s of slack for execs_per_sec's two decimals).
    elapsed = execs / rate
    whole = int(stats.get("run_time", -1))
    if not whole - 0.01 <= elapsed < whole + 1.01:
        raise BenchError(f"afl on {target}: execs_done / execs_per_sec = "
                         f"{elapsed:.3f} s but run_time = {whole} s: is "
                         "execs_per_sec still the average since start?")
    return execs, elapsed


def measure(seconds: float, engines=ENGINES, targets=None,
            workdir=None, sanitize=True) -> list[dict]:
    """Fuzz each target (default: all of fuzzing.TARGETS) with each engine
    for `seconds` (whole seconds: both engines' limits take whole seconds),
    one after the other, building first if needed. Work folders are made
    under `workdir` (default: the system's temp folder) and removed, but
    kept when a run fails. Returns rows {target, engine, execs, seconds,
    exec_per_s}; raises BenchError rather than report a made-up number."""
    targets = list(targets or fuzzing.TARGETS)
    for name, given, known in (("engine", engines, ENGINES),
                               ("target", targets, fuzzing.TARGETS)):
        unknown = [x for x in given if x not in known]
        if unknown:
            raise ValueError(f"unknown {name}(s) {unknown}: from "
                             f"{', '.join(known)}")
    bindirs = {e: _binaries(e, sanitize) for e in engines}
    runner = {"libfuzzer": _libfuzzer, "afl": _afl}
    rows = []
    for t in targets:
        for e in engines:
            work = tempfile.mkdtemp(prefix=f"fuzz-speed-{e}-{t}-",
                                    dir=workdir)
            # Input length: both helpers pass the target's .options
            # max_len (1024 for every target) as -max_len / -G.
            execs, secs = runner[e](os.path.join(bindirs[e], f"fuzz_{t}"),
                                    t, work, seconds)
            shutil.rmtree(work, ignore_errors=True)
            rows.append({"target": t, "engine": e, "execs": execs,
                         "seconds": round(secs, 3),
                         "exec_per_s": round(execs / secs, 1)})
    return rows


def table(rows):
    lines = [f"{'target':<10} {'engine':<9} {'execs':>9} {'seconds':>8} "
             f"{'exec/s':>9}"]
    lines += [f"{r['target']:<10} {r['engine']:<9} {r['execs']:>9} "
              f"{r['seconds']:>8.2f} {r['exec_per_s']:>9.0f}" for r in rows]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5,
                   help="per target and engine (default 5)")
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--targets", default=",".join(fuzzing.TARGETS))
    p.add_argument("--no-sanitizers", action="store_true",
                   help="builds without ASan and UBSan")
    p.add_argument("--json", metavar="FILE", help="also write the rows here")
    a = p.parse_args()
    engines = a.engines.split(",")
    try:
        rows = measure(a.seconds, engines, a.targets.split(","),
                       sanitize=not a.no_sanitizers)
    except (BenchError, ValueError) as e:
        sys.exit(f"fuzz_speed: {e}")
    for e in engines:
        print(f"{e}: {build_flavour(e, not a.no_sanitizers)}")
    print(table(rows))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
