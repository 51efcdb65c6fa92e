"""What the fuzzing scripts share: building the targets for an engine and a
subject, the seed corpus of each target, running libFuzzer or AFL++ on one
target and reading what it did, and judging a crash.

Used by scripts/session.py (./run) and scripts/bug_power.py.
"""
import configparser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _targets():
    """harness/fuzz/targets.tsv: the targets, with their mutator formats."""
    rows = {}
    with open(os.path.join(ROOT, "harness", "fuzz", "targets.tsv")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, fmt = line.split()
                rows[name] = None if fmt == "-" else fmt
    return rows


FORMATS = _targets()
TARGETS = list(FORMATS)
# The targets that attack the harness's own file parsers, not the subject:
# fuzzed in the harness's CI and OSS-Fuzz, left out of a user's session.
HARNESS_TARGETS = {"files"}
SUBJECT_TARGETS = [t for t in TARGETS if t not in HARNESS_TARGETS]
# Longer inputs only slow the search down: bugs live in short streams.
MAX_LEN = 1024
TIMEOUT_S = 10


def options(target):
    """The [libfuzzer] section of harness/fuzz/fuzz_<target>.options."""
    cp = configparser.ConfigParser()
    cp.read(os.path.join(ROOT, "harness", "fuzz", f"fuzz_{target}.options"))
    return dict(cp["libfuzzer"]) if cp.has_section("libfuzzer") else {}


def subject_name(subject):
    """A short name for a subject C file ("reference" for none)."""
    if not subject:
        return "reference"
    return re.sub(r"[^A-Za-z0-9_-]", "_",
                  os.path.splitext(os.path.basename(subject))[0])


def build_dir(engine, subject, mutator=True, sanitize=True):
    name = f"fuzz-{engine}-{subject_name(subject)}"
    if not mutator:
        name += "-plain"
    if not sanitize:
        name += "-nosan"
    return os.path.join(ROOT, "build", name)


def build(engine, subject=None, mutator=True, log=None, sanitize=True):
    """Configure and build the five targets (with ASan and UBSan unless
    sanitize is false: bench/ measures both); returns the folder holding
    them. Raises CalledProcessError with the build's output on failure."""
    out = build_dir(engine, subject, mutator, sanitize)
    cc = {"libfuzzer": "clang", "afl": "afl-clang-fast"}[engine]
    cfg = ["cmake", "-S", ROOT, "-B", out, f"-DCMAKE_C_COMPILER={cc}",
           "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DSRH_TESTS=OFF",
           f"-DSRH_SANITIZE={'address,undefined' if sanitize else ''}",
           f"-DSRH_FUZZ_ENGINE={engine}",
           f"-DSRH_FUZZ_MUTATOR={'ON' if mutator else 'OFF'}",
           f"-DSRH_FUZZ_SUBJECT={os.path.abspath(subject) if subject else ''}"]
    env = dict(os.environ, AFL_QUIET="1")
    for cmd in (cfg, ["cmake", "--build", out, "-j", str(os.cpu_count() or 2),
                      "--target", "srh_afl_mutator"]
                + [f"fuzz_{t}" for t in TARGETS]):
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=env, text=True)
        if log is not None:
            log.write(proc.stdout)
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, cmd,
                                                proc.stdout)
    return os.path.join(out, "fuzz")


def seed_dirs(target):
    """The shipped seeds of a target: the reply streams (all but model)
    and its own folder. Its regressions are replayed apart (a crashing
    seed would stop libFuzzer, and AFL++ skips it)."""
    c = os.path.join(ROOT, "corpus")
    # A target the mutator knows reads reply streams (targets.tsv).
    dirs = [os.path.join(c, "replies")] if FORMATS.get(target) else []
    dirs += [os.path.join(c, f"fuzz_{target}")]
    return [d for d in dirs if os.path.isdir(d) and os.listdir(d)]


def regressions(target):
    d = os.path.join(ROOT, "corpus", "regressions", f"fuzz_{target}")
    if not os.path.isdir(d):
        return []
    return [os.path.join(d, f) for f in sorted(os.listdir(d))
            if not f.startswith(".")]


def seed_files(target):
    files = []
    for d in seed_dirs(target):
        for base, _, names in os.walk(d):
            files += [os.path.join(base, n) for n in sorted(names)
                      if not n.startswith(".")]
    return files


def flatten(files, into):
    """Copy files into one flat folder (AFL++ wants one), named by content
    so that duplicates fold; returns how many."""
    os.makedirs(into, exist_ok=True)
    for f in files:
        data = open(f, "rb").read()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(into, name), "wb") as out:
            out.write(data)
    return len(os.listdir(into))


def seed_zip(target, path, with_regressions=True):
    """Write the target's OSS-Fuzz seed corpus (<target>_seed_corpus.zip):
    its shipped seeds and its regressions, flat, named by content, with
    fixed timestamps so the same corpus gives the same bytes. Returns how
    many inputs it holds."""
    inputs = {}
    for f in seed_files(target) + (regressions(target)
                                   if with_regressions else []):
        data = open(f, "rb").read()
        inputs.setdefault(hashlib.sha1(data).hexdigest()[:16], data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(inputs):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, inputs[name], zipfile.ZIP_DEFLATED)
    return len(inputs)


class Run:
    """One fuzzing run of one target: what it did."""

    def __init__(self, target, engine):
        self.target, self.engine = target, engine
        self.execs = self.exec_s = self.cov = 0
        self.corpus_start = self.corpus_end = 0
        self.crashes = []  # paths of crash (and hang) inputs
        self.seconds = 0.0
        self.first_crash_s = None
        self.returncode = 0
        self.seed_hangs = 0  # AFL++: seeds it skipped because they hang
        # libFuzzer's fork mode (-fork=N) prints features as "cov:".
        self.cov_is_features = False
        self.log = ""  # where the engine's output went


LF_LINE = re.compile(r"#(\d+)\s+(\w+)\s+cov: (\d+) .*?corp: (\d+)/\S+"
                     r"(?: lim: \d+)? exec/s: (\d+)")


def libfuzzer(binary, target, work, seconds, seeds, jobs=1, seed=1,
              dictionary=True, progress=None, stop_on_crash=True,
              extra=()):
    """Run libFuzzer on one target for `seconds`, new inputs into
    work/corpus, crashes into work/crashes. progress(run) is called as
    status lines come."""
    run = Run(target, "libfuzzer")
    corpus = os.path.join(work, "corpus")
    crashes = os.path.join(work, "crashes")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    opts = options(target)
    cmd = [binary, f"-max_total_time={int(max(1, seconds))}",
           f"-max_len={opts.get('max_len', MAX_LEN)}",
           f"-timeout={min(TIMEOUT_S, int(opts.get('timeout', TIMEOUT_S)))}",
           f"-seed={seed}", "-print_final_stats=1",
           f"-artifact_prefix={crashes}/", "-rss_limit_mb=4096"]
    if dictionary and "dict" in opts:
        cmd.append(f"-dict={os.path.join(ROOT, 'corpus', opts['dict'])}")
    if jobs > 1:
        cmd += [f"-fork={jobs}"]
        if not stop_on_crash:
            cmd += ["-ignore_crashes=1", "-ignore_timeouts=1"]
    run.cov_is_features = jobs > 1
    cmd += list(extra) + [corpus] + seeds
    start = time.monotonic()
    log = open(os.path.join(work, "libfuzzer.log"), "w")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            errors="replace", cwd=work)
    for line in proc.stderr:
        log.write(line)
        m = LF_LINE.search(line)
        if m:
            run.execs = int(m.group(1))
            run.cov = max(run.cov, int(m.group(3)))
            if m.group(2) == "INITED":
                run.corpus_start = int(m.group(4))
            run.corpus_end = int(m.group(4))
            run.exec_s = int(m.group(5))
        elif "cov:" in line and jobs > 1:  # fork mode's own format
            for key, attr in (("cov", "cov"), ("corp", "corpus_end"),
                              ("exec/s", "exec_s")):
                mm = re.search(re.escape(key) + r":? (\d+)", line)
                if mm:
                    setattr(run, attr, int(mm.group(1)))
            mm = re.match(r"#(\d+)", line)
            if mm:
                run.execs = int(mm.group(1))
            if not run.corpus_start:
                run.corpus_start = run.corpus_end
        m = re.match(r"stat::number_of_executed_units: (\d+)", line)
        if m:
            run.execs = int(m.group(1))
        m = re.match(r"stat::average_exec_per_sec: +(\d+)", line)
        if m:
            run.exec_s = int(m.group(1))
        if (("Test unit written to" in line or "ERROR:" in line
             or "srh-fuzz:" in line) and run.first_crash_s is None):
            run.first_crash_s = time.monotonic() - start
        if progress:
            progress(run, time.monotonic() - start)
    run.returncode = proc.wait()
    log.close()
    run.log = log.name
    run.seconds = time.monotonic() - start
    if not run.exec_s and run.seconds:
        run.exec_s = int(run.execs / run.seconds)
    run.crashes = sorted(
        os.path.join(crashes, f) for f in os.listdir(crashes)
        if re.match(r"(crash|timeout|leak|oom|slow-unit)-", f)
        and not f.startswith("slow-unit"))
    return run


AFL_ENV = {
    "AFL_NO_UI": "1", "AFL_SKIP_CPUFREQ": "1",
    "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1", "AFL_FAST_CAL": "1",
    "AFL_NO_AFFINITY": "1", "AFL_IGNORE_PROBLEMS": "1",
    "AFL_FORKSRV_INIT_TMOUT": "30000", "AFL_QUIET": "1",
    # malloc_context_size=0: afl-fuzz keeps only the input, never the
    # sanitizer's report, so the stack ASan records at every malloc and
    # free is pure cost; taken by libgcc's unwinder it was half of the
    # time, and AFL++ ran 7x slower than without it (bench/fuzz_speed.py).
    # judge() runs a saved crash again with ASan's defaults, full stacks
    # and all. (afl-fuzz's own default has it too, but any ASAN_OPTIONS
    # given replaces that default whole.)
    "ASAN_OPTIONS": "abort_on_error=1:symbolize=0:detect_leaks=0:"
                    "malloc_context_size=0",
    "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1",
}


def afl_stats(path):
    stats = {}
    try:
        for line in open(path):
            k, _, v = line.partition(":")
            stats[k.strip()] = v.strip()
    except OSError:
        pass
    return stats


def afl(binary, target, work, seconds, seeds, jobs=1, seed=1,
        dictionary=True, mutator=True, progress=None, stop_on_crash=True,
        execs=None, stagger=0):
    """Run afl-fuzz (jobs instances: one -M, the rest -S) for `seconds`,
    the -S ones starting `stagger` seconds after -M. afl-fuzz exits 0 even
    when it saved crashes: they are read from its crashes/ and hangs/
    folders."""
    run = Run(target, "afl")
    seeds_dir = os.path.join(work, "seeds")
    out = os.path.join(work, "afl")
    shutil.rmtree(seeds_dir, ignore_errors=True)
    run.corpus_start = flatten(seeds, seeds_dir)
    if not run.corpus_start:
        with open(os.path.join(seeds_dir, "empty"), "wb") as f:
            f.write(b"250 OK\r\n")
        run.corpus_start = 1
    env = dict(os.environ, **AFL_ENV)
    if mutator and FORMATS.get(target):
        env["AFL_CUSTOM_MUTATOR_LIBRARY"] = os.path.join(
            os.path.dirname(binary), "srh_afl_mutator.so")
        env["SRH_MUTATOR_FORMAT"] = target
    if stop_on_crash:
        env["AFL_BENCH_UNTIL_CRASH"] = "1"
    if jobs > 1:
        # afl-fuzz 4.04c syncs once, early, then every AFL_SYNC_TIME
        # minutes (30 by default): too rarely for a session of minutes. A
        # worker that starts late imports what the others found first.
        env["AFL_SYNC_TIME"] = "1"
        env["AFL_IMPORT_FIRST"] = "1"
    procs = []
    start = time.monotonic()
    for j in range(max(1, jobs)):
        role = ["-M", "main"] if j == 0 else ["-S", f"s{j}"]
        if j == 1 and stagger:
            time.sleep(stagger)
        limit = ["-V", str(int(max(1, seconds)))]
        if execs:
            limit += ["-E", str(execs)]
        cmd = ["afl-fuzz", "-i", seeds_dir, "-o", out] + limit + [
               "-t", str(TIMEOUT_S * 1000),
               "-m", "none", "-s", str(seed + j),
               "-G", str(options(target).get("max_len", MAX_LEN))] + role
        if dictionary and "dict" in options(target):
            cmd += ["-x", os.path.join(ROOT, "corpus",
                                       options(target)["dict"])]
        cmd += ["--", binary]
        with open(os.path.join(work, f"afl-{j}.log"), "w") as log:
            procs.append(subprocess.Popen(cmd, stdout=log,
                                          stderr=subprocess.STDOUT, env=env,
                                          cwd=work))
    names = ["main"] + [f"s{j}" for j in range(1, max(1, jobs))]
    while any(p.poll() is None for p in procs):
        time.sleep(0.1)
        found = afl_found(out, names)
        if found and run.first_crash_s is None:
            run.first_crash_s = time.monotonic() - start
        if progress:
            afl_totals(run, out, names)
            progress(run, time.monotonic() - start)
    run.seconds = time.monotonic() - start
    run.returncode = max(p.returncode for p in procs)
    run.log = os.path.join(work, "afl-0.log")
    afl_totals(run, out, names)
    run.crashes = afl_found(out, names)
    # afl-fuzz skips seeds that crash or hang, and refuses to start when
    # none is left: those are finds too.
    for j in range(max(1, jobs)):
        log = open(os.path.join(work, f"afl-{j}.log"), errors="replace").read()
        for m in re.finditer(r"Test case '[^']*orig:([^']+)' results in a "
                             r"crash", log):
            seed_file = os.path.join(seeds_dir, m.group(1))
            if os.path.isfile(seed_file) and seed_file not in run.crashes:
                run.crashes.append(seed_file)
        # A seed that hangs is skipped without its name: with one seed,
        # it is that one; with more, the count is reported.
        hangs = log.count("Test case results in a timeout")
        seeds = sorted(os.listdir(seeds_dir))
        if hangs and len(seeds) == 1:
            run.crashes.append(os.path.join(seeds_dir, seeds[0]))
        elif hangs:
            run.seed_hangs += hangs
    if run.crashes and run.first_crash_s is None:
        run.first_crash_s = run.seconds
    return run


def afl_found(out, names):
    found = []
    for n in names:
        for sub in ("crashes", "hangs"):
            d = os.path.join(out, n, sub)
            if os.path.isdir(d):
                found += [os.path.join(d, f) for f in sorted(os.listdir(d))
                          if f.startswith("id:")]
    return found


def afl_totals(run, out, names):
    run.execs = run.exec_s = run.cov = run.corpus_end = 0
    for n in names:
        s = afl_stats(os.path.join(out, n, "fuzzer_stats"))
        run.execs += int(s.get("execs_done", 0))
        rate = float(s.get("execs_per_sec", 0))
        run.exec_s += int(rate) if rate < 1e12 else 0  # "inf" at start
        run.cov = max(run.cov, int(s.get("edges_found", 0)))
        run.corpus_end = max(run.corpus_end, int(s.get("corpus_count", 0)))


def libfuzzer_binary(binary):
    """Does the binary carry libFuzzer's driver (not the replay one)?"""
    try:
        with open(binary, "rb") as f:
            return b"LLVMFuzzerRunDriver" in f.read()
    except OSError:
        return False


SAN = re.compile(r"ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)"
                 r"Sanitizer: ([A-Za-z-]+)")


def judge(binary, path, timeout=TIMEOUT_S * 3):
    """Run a target binary on one input: (kind, report). kind names what
    broke: an oracle ("split"), a sanitizer finding ("heap-buffer-
    overflow"), "undefined-behavior", "timeout", "crash"; None if it
    passed."""
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    cmd = [binary]
    if libfuzzer_binary(binary):
        cmd.append(f"-timeout={TIMEOUT_S}")
    try:
        proc = subprocess.run(cmd + [path], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout,
                              env=env, text=True, errors="replace")
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        return "timeout", out if isinstance(out, str) else out.decode(
            "utf-8", "replace")
    out = proc.stdout
    m = re.search(r"srh-fuzz: \w+: oracle (\w+) failed", out)
    if m:
        return m.group(1), out
    m = SAN.search(out)
    if m:
        if m.group(1) == "Leak":
            return "leak", out
        if m.group(1) == "UndefinedBehavior":
            return "undefined-behavior", out
        return m.group(2).lower(), out
    if "runtime error:" in out:
        return "undefined-behavior", out
    if "ALARM: working on the last Unit" in out or \
            "ERROR: libFuzzer: timeout" in out:
        return "timeout", out
    if proc.returncode != 0:
        return "crash", out
    return None, out


if __name__ == "__main__":
    # For build scripts: python3 fuzzing.py seed-zip T ZIP [--no-regressions]
    args = sys.argv[1:]
    keep = "--no-regressions" not in args
    args = [x for x in args if x != "--no-regressions"]
    if len(args) == 3 and args[0] == "seed-zip" and args[1] in TARGETS:
        print(f"{args[2]}: {seed_zip(args[1], args[2], keep)} inputs")
        sys.exit(0)
    sys.stderr.write("usage: fuzzing.py seed-zip TARGET ZIP "
                     "[--no-regressions]\n")
    sys.exit(2)
