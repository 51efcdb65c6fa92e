#!/usr/bin/env python3
"""Checks oss-fuzz/, .clusterfuzzlite/, the Dockerfiles and the workflows
where no Docker engine runs and OSS-Fuzz's images cannot be pulled.

  scripts/oss_fuzz_check.py [--only ENGINE/SANITIZER,...] [--runs N]
                            [--static] [--keep DIR]

For each (engine, sanitizer) pair OSS-Fuzz builds, it sets the variables
the base-builder image sets (CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE
SANITIZER FUZZING_ENGINE SRC WORK OUT ...), runs build.sh as the builder's
`compile` does (bash -eux $SRC/build.sh, in the source folder) into a fresh
$OUT, then checks what OSS-Fuzz's check_build checks, and more:

  - the fuzz targets in $OUT are exactly the project's, x86-64 ELF files,
    built without a compiler warning;
  - instrumentation: objdump's count of calls into each sanitizer's
    runtime, with check_build's thresholds; libFuzzer's edge count; AFL++'s
    instrumentation; the profile counters of a coverage build;
  - each target starts (-seed=1337 -runs=4), runs its whole seed corpus,
    then generated inputs, with its options and dictionary, without a crash;
    AFL++ builds go through afl-fuzz, which must say "All set and ready to
    roll"; a coverage build replays the seeds into an llvm-cov report;
  - the seed zips, dictionaries and options are well formed.

Statically it checks the project files, that every Dockerfile installs
exactly the packages scripts/deps.sh names, and that the workflows parse
and give ClusterFuzzLite's actions what they require.

What the emulation cannot reproduce: the builder's own clang (this uses
Debian's clang 14) and libc++ (CXXFLAGS here lacks -stdlib=libc++, which
Debian does not install; the targets contain no C++).
"""
import argparse
import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzing  # noqa: E402

try:
    import yaml  # Debian's python3-yaml (scripts/deps.sh)
except ImportError:
    # A python3 ahead of Debian's on PATH (pyenv, a venv) may lack it: the
    # packages scripts/deps.sh installs are for /usr/bin/python3.
    if os.path.exists("/usr/bin/python3") and \
            os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

ROOT = fuzzing.ROOT
NAME = "smtp-reply-harness"

# base-builder's defaults (infra/base-images/base-builder/Dockerfile).
BASE_CFLAGS = ("-O1 -fno-omit-frame-pointer -gline-tables-only "
               "-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION")
UBSAN_CHECKS = ("array-bounds,bool,builtin,enum,function,"
                "integer-divide-by-zero,null,object-size,return,"
                "returns-nonnull-attribute,shift,signed-integer-overflow,"
                "unsigned-integer-overflow,unreachable,vla-bound,vptr")
SANITIZER_FLAGS = {
    "address": "-fsanitize=address -fsanitize-address-use-after-scope",
    "undefined": f"-fsanitize={UBSAN_CHECKS} -fno-sanitize-recover="
                 + UBSAN_CHECKS.replace("unsigned-integer-overflow,", "")
                 + " -fno-sanitize=function",
    "memory": "-fsanitize=memory -fsanitize-memory-track-origins",
    "coverage": "",
}
COVERAGE_FLAGS = "-fsanitize=fuzzer-no-link"
COVERAGE_FLAGS_COVERAGE = (
    "-fprofile-instr-generate -fcoverage-mapping -pthread "
    "-Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument")
AFL_DRIVER = "/usr/lib/afl/libAFLDriver.a"

# What OSS-Fuzz builds for this project (oss-fuzz/project.yaml; it builds
# AFL++ with ASan only, afl/undefined is here because build.sh promises
# it too), and which build.sh each pair runs: ClusterFuzzLite's wrapper for the libFuzzer
# pairs it supports, OSS-Fuzz's file for the rest. The afl/address build
# takes the richest branch of compile_afl's roulette (CMPLOG and an
# AFL_LLVM_DICT2FILE dictionary), afl/undefined the plainest.
COMBOS = [("libfuzzer", "address", "cflite"),
          ("libfuzzer", "undefined", "cflite"),
          ("libfuzzer", "memory", "oss-fuzz"),
          ("libfuzzer", "coverage", "cflite"),
          ("afl", "address", "oss-fuzz"),
          ("afl", "undefined", "oss-fuzz")]

# check_build's thresholds (infra/base-images/base-runner/bad_build_check).
MIN_EDGES = 100
ASAN_MIN, MSAN_MIN, UBSAN_MIN = 1000, 1000, 168
UBSAN_MAX_OTHERWISE, MSAN_MAX_OTHERWISE = 200, 3

# libFuzzer flags an .options file may set (FuzzerFlags.def, the ones a
# project uses), and the sections run_fuzzer reads.
LIBFUZZER_FLAGS = {
    "max_len", "timeout", "dict", "rss_limit_mb", "malloc_limit_mb",
    "len_control", "only_ascii", "use_value_profile", "close_fd_mask",
    "detect_leaks", "max_total_time", "runs", "seed", "use_cmp",
    "reduce_inputs", "shrink", "prefer_small", "mutate_depth",
    "use_counters", "report_slow_units", "handle_abrt"}
OPTION_SECTIONS = {"libfuzzer", "asan", "msan", "ubsan", "afl"}

# The inputs of ClusterFuzzLite's actions (google/clusterfuzzlite,
# infra/cifuzz/external-actions/*/action.yml) and the run modes
# (infra/cifuzz/config_utils.py).
BUILD_INPUTS = {"language", "sanitizer", "bad-build-check",
                "allowed-broken-targets-percentage",
                "keep-unaffected-fuzz-targets", "upload-build",
                "storage-repo", "storage-repo-branch",
                "storage-repo-branch-coverage", "github-token",
                "output-sarif", "dry-run", "project-src-path"}
RUN_INPUTS = {"language", "fuzz-seconds", "mode", "sanitizer",
              "github-token", "storage-repo", "storage-repo-branch",
              "storage-repo-branch-coverage", "report-unreproducible-crashes",
              "minimize-crashes", "parallel-fuzzing", "output-sarif",
              "report-timeouts", "report-ooms", "dry-run"}
RUN_REQUIRED = {"github-token"}
MODES = {"code-change", "batch", "prune", "coverage"}
CFLITE = "google/clusterfuzzlite/actions/"


class Checker:
    def __init__(self):
        self.failures = []

    def ok(self, cond, what):
        if not cond:
            self.failures.append(what)
            print(f"   FAIL {what}", flush=True)
        return cond


def say(text):
    print(text, flush=True)


# ---------------------------------------------------------------- static

def deps(var):
    out = subprocess.run(
        ["bash", "-c", f'. "{ROOT}/scripts/deps.sh"; echo "${var}"'],
        stdout=subprocess.PIPE, text=True, check=True).stdout
    return set(out.split())


def dockerfile(path):
    """(instructions, packages): the instructions as (KEYWORD, args) with
    continuation lines joined, and every package apt-get installs."""
    with open(path) as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    inst = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            inst.append((word.upper(), rest.strip()))
    packages, flags = set(), []
    for word, rest in inst:
        if word != "RUN":
            continue
        for cmd in re.split(r"&&|;|\|\|", rest):
            toks = cmd.split()
            while toks and "=" in toks[0]:  # VAR=value prefixes
                toks.pop(0)
            if toks[:2] == ["apt-get", "install"]:
                flags.append(toks)
                packages |= {t for t in toks[2:] if not t.startswith("-")}
    return inst, packages, flags


def yaml_load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def check_project_files(c):
    say("== project files")
    oss = yaml_load(os.path.join(ROOT, "oss-fuzz", "project.yaml"))
    cfl = yaml_load(os.path.join(ROOT, ".clusterfuzzlite", "project.yaml"))
    c.ok(oss.get("language") == "c" and cfl.get("language") == "c",
         "project.yaml: language is c in both")
    for key in ("homepage", "main_repo", "primary_contact"):
        c.ok(isinstance(oss.get(key), str) and oss[key],
             f"oss-fuzz/project.yaml: {key} is set")
    sans = oss.get("sanitizers", [])
    c.ok(set(sans) <= {"address", "undefined", "memory"} and
         "address" in sans, f"oss-fuzz/project.yaml: sanitizers {sans}")
    engines = oss.get("fuzzing_engines", [])
    c.ok("libfuzzer" in engines and set(engines) <= {"libfuzzer", "afl"},
         f"oss-fuzz/project.yaml: fuzzing_engines {engines}")
    built = {(e, s) for e, s, _ in COMBOS}
    c.ok({(e, s) for e in engines for s in sans if e == "libfuzzer"
          or s in ("address", "undefined")} <= built,
         "every engine and sanitizer project.yaml asks for is checked here")

    say("== Dockerfiles: base images and package lists (scripts/deps.sh)")
    want = {"Dockerfile": deps("SRH_TEST_PACKAGES"),
            "oss-fuzz/Dockerfile": deps("SRH_BUILDER_PACKAGES"),
            ".clusterfuzzlite/Dockerfile": deps("SRH_BUILDER_PACKAGES")}
    for rel, pkgs in want.items():
        inst, got, flags = dockerfile(os.path.join(ROOT, rel))
        c.ok(got == pkgs, f"{rel}: installs {sorted(got)}, deps.sh says "
             f"{sorted(pkgs)}")
        c.ok(all("--no-install-recommends" in f for f in flags),
             f"{rel}: apt-get install --no-install-recommends")
        c.ok(all("rm -rf /var/lib/apt/lists/*" in r for w, r in inst
                 if w == "RUN" and "apt-get update" in r),
             f"{rel}: apt lists removed in the layer that fetched them")
        base = [r for w, r in inst if w == "FROM"]
        if rel == "Dockerfile":
            c.ok(base == ["debian:bookworm"], f"{rel}: FROM debian:bookworm")
            c.ok(any(w == "CMD" and "./run" in r for w, r in inst),
                 f"{rel}: the default command runs the main job (./run)")
        else:
            c.ok(len(base) == 1 and base[0].startswith(
                "gcr.io/oss-fuzz-base/base-builder"),
                f"{rel}: FROM gcr.io/oss-fuzz-base/base-builder")
            c.ok(any(w == "COPY" and r.endswith("$SRC/") and "build.sh" in r
                     for w, r in inst), f"{rel}: COPY build.sh $SRC/")
            c.ok(("WORKDIR", f"$SRC/{NAME}") in inst,
                 f"{rel}: WORKDIR $SRC/{NAME}, where build.sh looks")
    inst, _, _ = dockerfile(os.path.join(ROOT, ".clusterfuzzlite",
                                         "Dockerfile"))
    c.ok(("COPY", f". $SRC/{NAME}") in inst,
         f".clusterfuzzlite/Dockerfile copies the checkout to $SRC/{NAME}")
    inst, _, _ = dockerfile(os.path.join(ROOT, "oss-fuzz", "Dockerfile"))
    clone = [r for w, r in inst if w == "RUN" and "git clone" in r]
    c.ok(len(clone) == 1 and oss.get("main_repo", "~") in clone[0]
         and clone[0].rstrip().endswith(NAME),
         "oss-fuzz/Dockerfile clones main_repo into $SRC/" + NAME)
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        ignore = f.read().split()
    c.ok("build/" in ignore or "build" in ignore,
         ".dockerignore keeps build trees out of the image")


def steps_using(job, action):
    return [s for s in job.get("steps", [])
            if str(s.get("uses", "")).startswith(CFLITE + action + "@")]


def check_workflows(c):
    say("== workflows: parse, and what ClusterFuzzLite's actions require")
    wdir = os.path.join(ROOT, ".github", "workflows")
    modes, triggers = {}, {}
    for name in sorted(os.listdir(wdir)):
        path = os.path.join(wdir, name)
        try:
            wf = yaml_load(path)
        except Exception as e:  # a YAML error names line and column
            c.ok(False, f"{name}: does not parse: {e}")
            continue
        on = wf.get("on", wf.get(True))  # YAML 1.1 reads `on` as true
        c.ok(isinstance(on, (dict, list, str)) and on,
             f"{name}: has triggers")
        c.ok(isinstance(wf.get("jobs"), dict) and wf["jobs"],
             f"{name}: has jobs")
        on = on if isinstance(on, dict) else {k: None for k in
                                               ([on] if isinstance(on, str)
                                                else on or [])}
        for cron in (on.get("schedule") or []):
            c.ok(len(str(cron.get("cron", "")).split()) == 5,
                 f"{name}: cron '{cron.get('cron')}' has five fields")
        for jname, job in (wf.get("jobs") or {}).items():
            c.ok("runs-on" in job, f"{name}: {jname}: runs-on")
            for s in job.get("steps", []):
                c.ok(("uses" in s) != ("run" in s),
                     f"{name}: {jname}: each step has uses or run")
            builds = steps_using(job, "build_fuzzers")
            runs = steps_using(job, "run_fuzzers")
            if not builds and not runs:
                continue
            c.ok(len(builds) == 1 and len(runs) <= 1 and
                 job["steps"].index(builds[0]) <
                 (job["steps"].index(runs[0]) if runs else 99),
                 f"{name}: {jname}: build_fuzzers once, before run_fuzzers")
            for step, inputs in [(s, BUILD_INPUTS) for s in builds] + \
                                [(s, RUN_INPUTS) for s in runs]:
                w = step.get("with") or {}
                c.ok(set(w) <= inputs, f"{name}: {jname}: inputs "
                     f"{sorted(set(w) - inputs)} are not the action's")
                c.ok(w.get("language") == "c",
                     f"{name}: {jname}: language: c")
            bsan = (builds[0].get("with") or {}).get("sanitizer", "address")
            for r in runs:
                w = r.get("with") or {}
                c.ok(RUN_REQUIRED <= set(w),
                     f"{name}: {jname}: run_fuzzers has github-token")
                c.ok(str(w.get("fuzz-seconds", "")).isdigit(),
                     f"{name}: {jname}: fuzz-seconds is a number")
                mode = w.get("mode", "code-change")
                c.ok(mode in MODES, f"{name}: {jname}: mode {mode}")
                c.ok(w.get("sanitizer", "address") == bsan,
                     f"{name}: {jname}: run and build use one sanitizer")
                c.ok((mode == "coverage") == (bsan == "coverage"),
                     f"{name}: {jname}: coverage mode <=> coverage build")
                modes.setdefault(mode, []).append(name)
                triggers.setdefault(mode, set()).update(on)
            sans = (job.get("strategy") or {}).get("matrix", {}).get(
                "sanitizer", [])
            c.ok(set(sans) <= {"address", "undefined", "memory"},
                 f"{name}: {jname}: sanitizers {sans}")
    c.ok("pull_request" in triggers.get("code-change", ()),
         "code-change fuzzing runs on pull requests")
    for mode in ("batch", "prune", "coverage"):
        c.ok("schedule" in triggers.get(mode, ()),
             f"{mode} runs on a schedule")
    ci = yaml_load(os.path.join(wdir, "ci.yml"))
    text = repr(ci)
    c.ok("gcc" in text and "dev" in text and "run-tests" in text,
         "ci.yml builds with clang (dev) and gcc and runs ./run-tests")


# ---------------------------------------------------------------- builds

def builder_env(engine, sanitizer, src, work, out, variant):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AFL_", "ASAN_", "UBSAN_", "MSAN_",
                                "LLVM_PROFILE"))}
    cflags = BASE_CFLAGS + " " + SANITIZER_FLAGS[sanitizer]
    cov = COVERAGE_FLAGS_COVERAGE if sanitizer == "coverage" else \
        COVERAGE_FLAGS
    if engine == "afl":
        cov = ""
    cflags = (cflags + " " + cov).strip()
    env.update(SRC=src, WORK=work, OUT=out, SANITIZER=sanitizer,
               FUZZING_ENGINE=engine, ARCHITECTURE="x86_64",
               FUZZING_LANGUAGE="c", CFLAGS=cflags, CXXFLAGS=cflags,
               SANITIZER_FLAGS=SANITIZER_FLAGS[sanitizer],
               COVERAGE_FLAGS=cov, UBSAN_OPTIONS="silence_unsigned_overflow=1")
    if engine == "libfuzzer":
        env.update(CC="clang", CXX="clang++",
                   LIB_FUZZING_ENGINE="-fsanitize=fuzzer")
    else:  # compile_afl: the driver archive sits where the builder puts it
        lib = os.path.join(os.path.dirname(work), "libFuzzingEngine.a")
        shutil.copy(AFL_DRIVER, lib)
        shutil.copy(shutil.which("afl-fuzz"), os.path.join(out, "afl-fuzz"))
        env.update(CC="afl-clang-fast", CXX="afl-clang-fast++",
                   LIB_FUZZING_ENGINE=lib, AFL_QUIET="1",
                   AFL_IGNORE_UNKNOWN_ENVS="1",
                   AFL_LLVM_MODE_WORKAROUND="0",
                   ASAN_OPTIONS="detect_leaks=0:symbolize=0:"
                                "detect_odr_violation=0:abort_on_error=1")
        if variant == "rich":
            env.update(AFL_LLVM_CMPLOG="1",
                       AFL_LLVM_DICT2FILE=os.path.join(out, "afl++.dict"))
            open(os.path.join(out, "afl_cmplog.txt"), "w").close()
        with open(os.path.join(out, "afl_options.txt"), "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in sorted(env.items())
                         if k.startswith("AFL_"))
    return env


def snapshot(tree):
    state = {}
    for base, dirs, files in os.walk(tree):
        for f in files:
            p = os.path.join(base, f)
            st = os.lstat(p)
            state[os.path.relpath(p, tree)] = (st.st_size, st.st_mtime_ns)
    return state


def fuzz_targets(out):
    """What check_build takes for fuzz targets: executables in $OUT that
    contain LLVMFuzzerTestOneInput, but for AFL++'s tools."""
    found = []
    for n in sorted(os.listdir(out)):
        p = os.path.join(out, n)
        if (not os.path.isfile(p) or not os.access(p, os.X_OK) or
                n.startswith(("afl-", "jazzer_")) or n == "llvm-symbolizer"):
            continue
        if b"LLVMFuzzerTestOneInput" in open(p, "rb").read():
            found.append(n)
    return found


def elf_x86_64(path):
    with open(path, "rb") as f:
        head = f.read(20)
    return (head[:4] == b"\x7fELF" and head[4] == 2 and
            struct.unpack("<H", head[18:20])[0] == 62)


def disassemble(path):
    return subprocess.run(["objdump", "-dC", path], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout


def sanitizer_calls(dis):
    """check_build's count: calls into each sanitizer's runtime."""
    count = {}
    for san in ("asan", "msan", "ubsan", "dfsan"):
        count[san] = len(re.findall(rf"callq?\s+[0-9a-f]+\s+<__{san}", dis))
    return count


# Functions of this project, by prefix (parser, harness, fuzz targets).
OWN = re.compile(r"<(srp_|sb_|tr_|sched_|chk_|fuzz_|smut_|gen_|"
                 r"LLVMFuzzerTestOneInput)")
# check_build's counts cover the whole binary, and the sanitizer runtime
# alone makes thousands of calls into itself: a build that dropped $CFLAGS
# but linked with -fsanitize=address passes them. So the project's own
# functions must be instrumented too.
OWN_MIN = 100


def own_code(dis):
    """Instrumentation inside the project's own functions: sanitizer
    calls, libFuzzer's counters, AFL++'s map, profile counters."""
    n = dict.fromkeys(("asan", "ubsan", "msan", "sancov", "afl", "prof"), 0)
    own = False
    for line in dis.splitlines():
        if line.endswith(">:") and " <" in line:
            own = OWN.search(line) is not None
        elif own:
            m = re.search(r"call\S*\s+[0-9a-f]+\s+<__(asan|ubsan|msan)", line)
            if m:
                n[m.group(1)] += 1
            for key, sym in (("sancov", "__sancov_gen"),
                             ("afl", "__afl_area_ptr"), ("prof", "__profc")):
                n[key] += sym in line
    return n


def symbols(path):
    return subprocess.run(["nm", path], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout


def check_instrumentation(c, engine, sanitizer, path, name):
    dis = disassemble(path)
    n = sanitizer_calls(dis)
    tag = f"{engine}/{sanitizer}: {name}"
    if sanitizer == "address":
        c.ok(n["asan"] >= ASAN_MIN and n["msan"] <= MSAN_MAX_OTHERWISE and
             n["ubsan"] <= UBSAN_MAX_OTHERWISE and n["dfsan"] == 0,
             f"{tag}: ASan build, calls {n}")
    elif sanitizer == "undefined":
        # As check_build: AFL++'s runtime calls into ASan's interface even
        # in a UBSan build, so only libFuzzer builds must have none.
        c.ok(n["ubsan"] >= UBSAN_MIN and n["msan"] == 0 and
             (n["asan"] == 0 or engine != "libfuzzer"),
             f"{tag}: UBSan build, calls {n}")
    elif sanitizer == "memory":
        c.ok(n["msan"] >= MSAN_MIN and n["asan"] == 0 and
             n["ubsan"] <= UBSAN_MAX_OTHERWISE, f"{tag}: MSan build, "
             f"calls {n}")
    else:
        c.ok(n["asan"] == n["msan"] == 0, f"{tag}: no sanitizer, calls {n}")
        heads = subprocess.run(["objdump", "-h", path],
                               stdout=subprocess.PIPE, text=True).stdout
        c.ok("__llvm_prf_cnts" in heads and "__llvm_covmap" in heads,
             f"{tag}: profile counters and coverage mapping")
    own = own_code(dis)
    want = {"address": "asan", "undefined": "ubsan", "memory": "msan",
            "coverage": "prof"}[sanitizer]
    c.ok(own[want] >= OWN_MIN, f"{tag}: the project's own code is "
         f"instrumented ({want}: {own[want]})")
    if engine == "afl":
        c.ok(own["afl"] >= OWN_MIN, f"{tag}: AFL++ instrumentation in the "
             f"project's code ({own['afl']})")
    elif sanitizer != "coverage":
        c.ok(own["sancov"] > 0, f"{tag}: libFuzzer's counters in the "
             f"project's code ({own['sancov']})")
    syms = symbols(path)
    n["own"] = own[want]
    # The SMTP mutator goes into libFuzzer builds of the targets that
    # targets.tsv gives a format.
    want = (engine == "libfuzzer" and
            fuzzing.FORMATS.get(name[len("fuzz_"):]) is not None)
    c.ok((" T LLVMFuzzerCustomMutator" in syms) == want,
         f"{tag}: custom mutator {'linked' if want else 'absent'}")
    return n


def check_artifacts(c, out, name):
    """The zip, options and dictionary beside a target."""
    c.ok(re.fullmatch(r"[A-Za-z0-9_-]+", name) is not None,
         f"{name}: a name OSS-Fuzz accepts")
    z = os.path.join(out, f"{name}_seed_corpus.zip")
    entries = 0
    if c.ok(os.path.isfile(z) and zipfile.is_zipfile(z),
            f"{name}_seed_corpus.zip is a zip"):
        with zipfile.ZipFile(z) as f:
            c.ok(f.testzip() is None, f"{name}_seed_corpus.zip: CRCs")
            infos = f.infolist()
            entries = len(infos)
            c.ok(entries > 0 and all("/" not in i.filename and
                                     not i.is_dir() for i in infos),
                 f"{name}_seed_corpus.zip: flat, {entries} inputs")
    opt = os.path.join(out, f"{name}.options")
    cp = configparser.ConfigParser()
    lf = {}
    try:
        ok = bool(cp.read(opt))
    except configparser.Error as e:
        ok = False
        c.ok(False, f"{name}.options: {e}")
    if c.ok(ok and cp.has_section("libfuzzer"),
            f"{name}.options: an INI file with [libfuzzer]"):
        c.ok(set(cp.sections()) <= OPTION_SECTIONS,
             f"{name}.options: sections {cp.sections()}")
        lf = dict(cp["libfuzzer"])
        c.ok(set(lf) <= LIBFUZZER_FLAGS,
             f"{name}.options: flags {sorted(set(lf) - LIBFUZZER_FLAGS)} "
             "are not libFuzzer's")
        c.ok(all(v.isdigit() for k, v in lf.items() if k != "dict"),
             f"{name}.options: numeric values")
    d = os.path.join(out, f"{name}.dict")
    if "dict" in lf:
        c.ok(lf["dict"] == f"{name}.dict", f"{name}.options names its own "
             f"dictionary ({lf['dict']})")
    if os.path.exists(d) or "dict" in lf:
        n, bad = dict_entries(d) if os.path.exists(d) else (0, ["missing"])
        c.ok(n > 0 and not bad, f"{name}.dict: {n} entries, bad: {bad[:3]}")
    return entries, lf


DICT_LINE = re.compile(r'^[A-Za-z0-9_]*(@\d+)?\s*=?\s*"(.*)"$')


def dict_entries(path):
    """Parses a dictionary as libFuzzer does (ParseDictionaryFile): each
    line is blank, a comment, or [name=]"value" with \\\\, \\" and \\xNN."""
    n, bad = 0, []
    for i, line in enumerate(open(path, "rb").read().decode(
            "latin-1").splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = DICT_LINE.match(s)
        if not m or not re.fullmatch(r'(?:[^\\"]|\\\\|\\"|\\x[0-9A-Fa-f]{2})+',
                                     m.group(2)):
            bad.append(f"line {i}: {s[:40]}")
        else:
            n += 1
    return n, bad


def libfuzzer_args(lf, out):
    return [f"-{k}={os.path.join(out, v) if k == 'dict' else v}"
            for k, v in lf.items()]


def run(cmd, env, timeout=300, cwd=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, cwd=cwd, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def runner_env(sanitizer, engine="libfuzzer"):
    """What base-runner sets when it runs a target; for afl-fuzz, which
    refuses options it cannot read a crash through, what run_fuzzer adds."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AFL_", "ASAN_", "UBSAN_", "MSAN_"))}
    if engine == "afl":
        env.update(ASAN_OPTIONS="abort_on_error=1:symbolize=0:"
                   "detect_odr_violation=0:detect_leaks=0",
                   UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:"
                   "symbolize=0:silence_unsigned_overflow=1")
        return env
    env.update(ASAN_OPTIONS="alloc_dealloc_mismatch=0:allocator_may_return_null=1:"
               "allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:"
               "detect_container_overflow=1:detect_odr_violation=0:"
               "detect_leaks=1:detect_stack_use_after_return=1:fast_unwind_on_fatal=0:"
               "handle_abort=1:handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:"
               "print_scariness=1:quarantine_size_mb=10:strict_memcmp=1:"
               "symbolize=1:use_sigaltstack=1:dedup_token_length=3",
               UBSAN_OPTIONS="print_stacktrace=1:print_summary=1:"
               "silence_unsigned_overflow=1:dedup_token_length=3:"
               "halt_on_error=1",
               MSAN_OPTIONS="print_stats=1:strip_path_prefix=/workspace/:"
               "symbolize=1:dedup_token_length=3")
    return env


def unzip(z, into):
    os.makedirs(into, exist_ok=True)
    with zipfile.ZipFile(z) as f:
        f.extractall(into)
    return sorted(os.path.join(into, n) for n in os.listdir(into))


def check_libfuzzer_target(c, sanitizer, out, name, lf, scratch, runs):
    env = runner_env(sanitizer)
    t = os.path.join(out, name)
    tag = f"libfuzzer/{sanitizer}: {name}"
    # check_engine and check_startup_crash: four runs from nothing.
    art = os.path.join(scratch, name, "artifacts") + "/"
    os.makedirs(art)
    seeds = unzip(os.path.join(out, f"{name}_seed_corpus.zip"),
                  os.path.join(scratch, name, "seeds"))
    edges = 0
    if sanitizer == "coverage":
        # No sanitizer-coverage counters to fuzz by (nor a check_build):
        # it must start and run an input.
        rc, log = run([t, f"-artifact_prefix={art}", seeds[0]], env, cwd=out)
        c.ok(rc == 0, f"{tag}: starts and runs a seed, exit {rc}: "
             f"{log[-300:]!r}")
    else:
        # check_engine and check_startup_crash: four runs from nothing.
        rc, log = run([t, "-seed=1337", "-runs=4", f"-artifact_prefix={art}"],
                      env, cwd=out)
        c.ok(rc == 0 and "Done 4 runs" in log, f"{tag}: starts "
             f"(-seed=1337 -runs=4), exit {rc}: {log[-300:]!r}")
        m = re.search(r"INFO: Loaded \d+ modules?\s+\((\d+) "
                      r"(?:inline 8-bit counters|guards)\)", log)
        edges = int(m.group(1)) if m else 0
        c.ok(edges >= MIN_EDGES, f"{tag}: {edges} edges instrumented")
    # check_seed_corpus: the whole corpus once, with run_fuzzer's flags.
    corpus = os.path.join(scratch, name, "corpus")
    shutil.copytree(os.path.dirname(seeds[0]), corpus)
    args = libfuzzer_args(lf, out) + [f"-artifact_prefix={art}"]
    rc, log = run([t, "-runs=0", "-rss_limit_mb=2560", "-timeout=25"]
                  + args + [corpus], env, cwd=out)
    c.ok(rc == 0 and "INITED" in log,
         f"{tag}: runs its {len(seeds)} seeds, exit {rc}: {log[-400:]!r}")
    # Generated inputs, from the seeds, with the options and dictionary.
    if sanitizer != "coverage":
        rc, log = run([t, f"-runs={runs}", "-seed=1"] + args + [corpus],
                      env, cwd=out)
        # libFuzzer may count one run more than asked ("Done 2001 runs"
        # for -runs=2000, seen with the custom mutator).
        done = re.search(r"Done (\d+) runs", log)
        c.ok(rc == 0 and done and int(done.group(1)) >= runs,
             f"{tag}: {runs} generated inputs, exit {rc}: {log[-400:]!r}")
    return edges, len(seeds)


def check_afl_target(c, sanitizer, out, name, scratch, seconds):
    """check_engine for AFL++: afl-fuzz as run_fuzzer starts it must get to
    "All set and ready to roll" and fuzz without a crash."""
    t = os.path.join(out, name)
    tag = f"afl/{sanitizer}: {name}"
    seeds = unzip(os.path.join(out, f"{name}_seed_corpus.zip"),
                  os.path.join(scratch, name, "seeds"))
    env = runner_env(sanitizer, "afl")
    # The driver alone replays files: the seed corpus, once each.
    rc, log = run([t] + seeds, env, cwd=out)
    c.ok(rc == 0, f"{tag}: runs its {len(seeds)} seeds standalone, exit "
         f"{rc}: {log[-300:]!r}")
    env.update(AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
               AFL_SKIP_CPUFREQ="1", AFL_NO_UI="1", AFL_FAST_CAL="1",
               AFL_CMPLOG_ONLY_NEW="1", AFL_FORKSRV_INIT_TMOUT="30000",
               AFL_IGNORE_PROBLEMS="1", AFL_IGNORE_UNKNOWN_ENVS="1",
               AFL_NO_AFFINITY="1", AFL_SKIP_CRASHES="0")
    findings = os.path.join(scratch, name, "afl")
    cmd = ["afl-fuzz", "-i", os.path.dirname(seeds[0]), "-o", findings,
           "-m", "none", "-t", "5000+", "-V", str(seconds)]
    for d in (f"{name}.dict", "afl++.dict"):
        if os.path.exists(os.path.join(out, d)):
            cmd += ["-x", os.path.join(out, d)]
    if os.path.exists(os.path.join(out, "afl_cmplog.txt")):
        cmd += ["-c", t]
    rc, log = run(cmd + ["--", t], env, cwd=out, timeout=seconds + 120)
    stats = {}
    sf = os.path.join(findings, "default", "fuzzer_stats")
    if os.path.exists(sf):
        for line in open(sf):
            k, _, v = line.partition(":")
            stats[k.strip()] = v.strip()
    crashes = [f for f in os.listdir(os.path.join(findings, "default",
                                                  "crashes"))
               if f.startswith("id:")] if stats else []
    c.ok("All set and ready to roll" in log and
         not re.search(r"target binary (crashed|terminated)", log),
         f"{tag}: afl-fuzz gets going, exit {rc}: {log[-400:]!r}")
    execs = int(stats.get("execs_done", "0"))
    c.ok(execs > 0 and not crashes, f"{tag}: afl-fuzz {execs} execs, "
         f"{len(crashes)} crashes")
    return execs, len(seeds)


def check_coverage_report(c, out, names, scratch, tree):
    """What helper.py coverage does: replay each corpus with profiling on,
    merge, report. The parser must come out covered."""
    prof = os.path.join(scratch, "profraw")
    os.makedirs(prof, exist_ok=True)
    for name in names:
        env = runner_env("coverage")
        env["LLVM_PROFILE_FILE"] = os.path.join(prof, f"{name}.%p.profraw")
        run([os.path.join(out, name), "-runs=0",
             os.path.join(scratch, name, "seeds")], env, cwd=out)
    raws = [os.path.join(prof, f) for f in os.listdir(prof)]
    if not c.ok(raws, "coverage: profiles written"):
        return None
    data = os.path.join(scratch, "cov.profdata")
    tool = shutil.which("llvm-profdata") or "llvm-profdata-14"
    rc, log = run([tool, "merge", "-sparse", "-o", data] + raws, None)
    c.ok(rc == 0, f"coverage: llvm-profdata merge: {log[-200:]}")
    cov = shutil.which("llvm-cov") or "llvm-cov-14"
    objs = [os.path.join(out, names[0])]
    for n in names[1:]:
        objs += ["-object", os.path.join(out, n)]
    rc, log = run([cov, "report", "-instr-profile", data] + objs +
                  [os.path.join(tree, "parser", "smtp_reply.c")], None)
    # A line per file: name, regions, missed, cover%, ... lines cover%.
    m = re.search(r"smtp_reply\.c\s+(?:\d+\s+\d+\s+([\d.]+)%)", log)
    pct = float(m.group(1)) if m else 0.0
    c.ok(rc == 0 and pct >= 80, f"coverage: parser/smtp_reply.c regions "
         f"{pct:.1f}% covered by the seeds: {log[-300:]!r}")
    return pct


def check_combo(c, engine, sanitizer, script, tmp, src, a):
    say(f"== {engine}/{sanitizer}: {script}/build.sh")
    top = os.path.join(tmp, f"{engine}-{sanitizer}")
    work, out = os.path.join(top, "work"), os.path.join(top, "out")
    scratch = os.path.join(top, "scratch")
    for d in (work, out, scratch):
        os.makedirs(d)
    # As the Dockerfiles do: COPY build.sh $SRC/.
    build_sh = os.path.join(src, "build.sh")
    shutil.copy(os.path.join(ROOT, {"cflite": ".clusterfuzzlite",
                                    "oss-fuzz": "oss-fuzz"}[script],
                             "build.sh"), build_sh)
    variant = "rich" if (engine, sanitizer) == ("afl", "address") else ""
    env = builder_env(engine, sanitizer, src, work, out, variant)
    before = snapshot(os.path.join(src, NAME))
    start = time.monotonic()
    rc, log = run(["bash", "-eux", build_sh], env,
                  cwd=os.path.join(src, NAME), timeout=900)
    took = time.monotonic() - start
    with open(os.path.join(top, "build.log"), "w") as f:
        f.write(log)
    if not c.ok(rc == 0, f"{engine}/{sanitizer}: build.sh exit {rc}:\n"
                + log[-3000:]):
        return
    warnings = [ln for ln in log.splitlines() if "warning:" in ln]
    c.ok(not warnings, f"{engine}/{sanitizer}: compiler warnings: "
         f"{warnings[:5]}")
    c.ok(snapshot(os.path.join(src, NAME)) == before,
         f"{engine}/{sanitizer}: build.sh leaves the source tree alone")
    names = fuzz_targets(out)
    want = [f"fuzz_{t}" for t in sorted(fuzzing.TARGETS)]
    c.ok(names == want, f"{engine}/{sanitizer}: targets {names}, "
         f"want {want}")
    say(f"   built {len(names)} targets in {took:.0f} s (own: the "
        "sanitizer's or coverage's instrumentation in the project's own "
        "functions)")
    say(f"   {'target':16} {'calls asan/ubsan/msan':>22} {'own':>6} "
        f"{'edges':>6} {'seeds':>6} {'fuzzed':>12}")
    for name in names:
        path = os.path.join(out, name)
        c.ok(elf_x86_64(path), f"{engine}/{sanitizer}: {name}: x86-64 ELF")
        n = check_instrumentation(c, engine, sanitizer, path, name)
        _, lf = check_artifacts(c, out, name)
        if engine == "libfuzzer":
            edges, seeds = check_libfuzzer_target(
                c, sanitizer, out, name, lf, scratch, a.runs)
            fuzzed = "-" if sanitizer == "coverage" else f"{a.runs} runs"
        else:
            edges = "-"
            execs, seeds = check_afl_target(c, sanitizer, out, name,
                                            scratch, a.afl_seconds)
            fuzzed = f"{execs} execs"
        say(f"   {name:16} {n['asan']:>8}/{n['ubsan']}/{n['msan']:<6} "
            f"{n['own']:>6} {edges:>6} {seeds:>6} {fuzzed:>12}")
    if sanitizer == "coverage" and names:
        pct = check_coverage_report(c, out, names, scratch,
                                    os.path.join(src, NAME))
        if pct is not None:
            say(f"   coverage report: parser/smtp_reply.c regions {pct:.1f}%"
                " covered by the seed corpora")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", help="ENGINE/SANITIZER pairs, comma separated")
    p.add_argument("--runs", type=int, default=2000,
                   help="generated inputs per libFuzzer target")
    p.add_argument("--afl-seconds", type=int, default=3,
                   help="afl-fuzz time per AFL++ target")
    p.add_argument("--static", action="store_true",
                   help="only the project files, Dockerfiles and workflows")
    p.add_argument("--keep", metavar="DIR",
                   help="build under DIR and keep it (default: a temporary "
                   "folder, removed)")
    a = p.parse_args(argv)
    c = Checker()
    start = time.monotonic()
    check_project_files(c)
    check_workflows(c)
    combos = COMBOS
    if a.only:
        pick = set(a.only.split(","))
        combos = [x for x in COMBOS if f"{x[0]}/{x[1]}" in pick]
        if len(combos) != len(pick):
            p.error(f"--only: pairs are {[f'{e}/{s}' for e, s, _ in COMBOS]}")
    if not a.static:
        tmp = a.keep or tempfile.mkdtemp(prefix="srh-oss-fuzz-")
        if a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        # The source as the Dockerfiles place it: $SRC/smtp-reply-harness.
        shutil.copytree(ROOT, os.path.join(src, NAME), symlinks=True,
                        ignore=shutil.ignore_patterns("build", ".git"))
        try:
            for engine, sanitizer, script in combos:
                check_combo(c, engine, sanitizer, script, tmp, src, a)
        finally:
            if not a.keep:
                shutil.rmtree(tmp, ignore_errors=True)
    took = time.monotonic() - start
    if c.failures:
        say(f"oss-fuzz check: {len(c.failures)} failures ({took:.0f} s)")
        return 1
    say(f"oss-fuzz check: all passed ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
