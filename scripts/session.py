#!/usr/bin/env python3
"""The local fuzzing session: ./run's main job.

  ./run [options]               smtp-split over the corpus, then each fuzz
                                target fuzzed in turn; a summary table
  ./run minimize [options]      shrink each target's session corpus to the
                                inputs that keep its coverage (-merge=1 or
                                afl-cmin); --from adds a corpus from
                                elsewhere first (a ClusterFuzzLite or
                                OSS-Fuzz download, AFL++ -o folders);
                                --into-corpus copies what is new into
                                corpus/fuzz_<target>/
  ./run build [options]         build the fuzz targets only
  ./run split [options] [FILE|DIR]...
                                smtp-split alone (./run split --help)

Every crash is minimized, saved under corpus/regressions/fuzz_<target>/
with a name that says what broke, and printed with the command that
reproduces it. Exit status: 0 nothing found, 1 a failure or crash, 2 a
usage or build error.
"""
import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzzing  # noqa: E402

ROOT = fuzzing.ROOT
SPLIT_ARGS = "--quiet --quick"  # smtp-split --help: the corpus budget


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="./run", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", nargs="?", default="session",
                   choices=["session", "minimize", "build"])
    p.add_argument("--duration", type=float, default=60,
                   help="seconds of fuzzing in all, shared by the targets "
                        "(default 60)")
    p.add_argument("--engine", choices=["libfuzzer", "afl"],
                   default="libfuzzer")
    p.add_argument("--jobs", type=int, default=1,
                   help="fuzzing processes per target (libFuzzer -fork=N, "
                        "AFL++ one -M and N-1 -S)")
    p.add_argument("--subject", metavar="FILE.c",
                   help="your parser as a subject (examples/my_subject.c); "
                        "default: the reference parser")
    p.add_argument("--targets", default=",".join(fuzzing.SUBJECT_TARGETS),
                   help="comma-separated, from " + ",".join(fuzzing.TARGETS)
                   + " (default: all but " + ",".join(
                       sorted(fuzzing.HARNESS_TARGETS)) + ", which fuzz "
                   "the harness's own file parsers)")
    p.add_argument("--plain", action="store_true",
                   help="no SMTP custom mutator and no dictionary")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-split", action="store_true",
                   help="skip smtp-split; fuzz only")
    p.add_argument("--split-args", default=SPLIT_ARGS,
                   help="options for the smtp-split step (default "
                        f"{SPLIT_ARGS!r}: fewer pairs and random schedules "
                        "than smtp-split's own defaults, to keep the step "
                        "near a minute)")
    p.add_argument("--no-save", action="store_true",
                   help="do not save crashes into corpus/regressions/")
    p.add_argument("--into-corpus", nargs="?", metavar="DIR",
                   const=os.path.join(ROOT, "corpus"),
                   help="minimize: copy new inputs into DIR/fuzz_<t>/ "
                        "(default: the shipped corpus/)")
    p.add_argument("--save-to", metavar="DIR",
                   default=os.path.join(ROOT, "corpus", "regressions"),
                   help="save minimized crashes into DIR/fuzz_<t>/ "
                        "(default corpus/regressions)")
    p.add_argument("--work", metavar="DIR",
                   default=os.path.join(ROOT, "build", "session"),
                   help="where session corpora and crashes live (default "
                        "build/session; mount it to keep them from a "
                        "container)")
    p.add_argument("--from", dest="source", metavar="PATH",
                   help="minimize: a corpus from a long run elsewhere: a "
                        "folder, zip or tar per target (fuzz_<t>, <t>, "
                        "fuzz_<t>.zip, <project>_fuzz_<t>, "
                        "cifuzz-corpus-fuzz_<t>, ...) in PATH or "
                        "PATH/corpus, or PATH itself for one --targets")
    a = p.parse_args(argv)
    a.targets = [t for t in a.targets.split(",") if t]
    if not a.targets:
        p.error("--targets: name at least one")
    for t in a.targets:
        if t not in fuzzing.TARGETS:
            p.error(f"--targets: no target {t!r}")
    if a.subject and not os.path.isfile(a.subject):
        p.error(f"--subject: {a.subject}: no such file")
    if a.source and not os.path.exists(a.source):
        p.error(f"--from: {a.source}: no such file or folder")
    if a.source and a.command != "minimize":
        p.error("--from: only with minimize")
    if a.jobs < 1:
        p.error("--jobs: at least 1")
    return a


def work_dir(a, target):
    name = f"{a.engine}-{fuzzing.subject_name(a.subject)}"
    if a.plain:
        name += "-plain"
    return os.path.join(a.work, name, target)


def say(text=""):
    print(text, flush=True)


def smtp_split(a):
    """The split tester over the shipped corpus: ./run split, which builds
    a subject given as a C file."""
    cmd = [os.path.join(ROOT, "run"), "split"] + a.split_args.split()
    if a.subject:
        cmd += ["--subject", a.subject]
    say("== smtp-split: every cut and delay over the shipped corpus")
    say("   " + " ".join(cmd[2:]))
    return subprocess.run(cmd).returncode


def progress_printer(target, every=5.0):
    state = {"next": every}

    def show(run, elapsed):
        if elapsed >= state["next"]:
            state["next"] += every
            say(f"   {target:<10} {elapsed:5.0f}s  execs {run.execs:>10,}  "
                f"exec/s {run.exec_s:>8,}  cov {run.cov:>5}  "
                f"corpus {run.corpus_end:>5}")
    return show


def save_crash(a, binary, run, path):
    """Minimize one crash, save it under corpus/regressions/, print it.
    Returns the saved path (or the raw one with --no-save)."""
    target = run.target
    kind, _ = fuzzing.judge(binary, path)
    small = path + ".min"
    # Only a failure with a name of its own is minimized: "crash" or a
    # timeout could turn into another bug on the way.
    if kind and kind not in ("timeout", "crash"):
        try:
            if run.engine == "libfuzzer":
                subprocess.run([binary, "-minimize_crash=1", "-runs=100000",
                                "-max_total_time=20", "-timeout=10",
                                f"-exact_artifact_path={small}", path],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=90)
            else:
                subprocess.run(["afl-tmin", "-i", path, "-o", small, "-m",
                                "none", "-t", "10000", "--", binary],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=90,
                               env=dict(os.environ, **fuzzing.AFL_ENV))
        except subprocess.TimeoutExpired:
            pass
    # Keep the minimized input only if it still fails the same way.
    if os.path.isfile(small) and fuzzing.judge(binary, small)[0] == kind:
        path = small
    kind, report = fuzzing.judge(binary, path)
    kind = kind or "flaky"
    data = open(path, "rb").read()
    digest = hashlib.sha1(data).hexdigest()[:10]
    name = f"{fuzzing.subject_name(a.subject)}-{target}-{kind}-{digest}"
    saved = path
    if not a.no_save:
        folder = os.path.join(a.save_to, f"fuzz_{target}")
        os.makedirs(folder, exist_ok=True)
        saved = os.path.join(folder, name)
        with open(saved, "wb") as f:
            f.write(data)
    rel = os.path.relpath(saved, ROOT)
    say(f"!! {target}: {kind} ({len(data)} bytes) saved as {rel}")
    lines = [ln for ln in report.splitlines()
             if ln.strip() and not ln.startswith(("INFO:", "Running:",
                                                  "Executed", "MS:",
                                                  "    #"))]
    for ln in lines[:24]:
        say("   | " + ln)
    say(f"   reproduce: {os.path.relpath(binary, ROOT)} {rel}")
    return saved


def session(a):
    status = 0
    if not a.no_split:
        rc = smtp_split(a)
        if rc == 2:
            return 2
        status |= rc != 0
    say(f"== building the fuzz targets ({a.engine}"
        f"{', plain' if a.plain else ', SMTP mutator and dictionary'}, "
        f"subject {fuzzing.subject_name(a.subject)})")
    try:
        bindir = fuzzing.build(a.engine, a.subject, mutator=not a.plain)
    except subprocess.CalledProcessError as e:
        sys.stderr.write(e.output or "")
        say("build failed")
        return 2
    each = a.duration / len(a.targets)
    say(f"== fuzzing {len(a.targets)} targets, {each:.0f} s each, "
        f"{a.jobs} job{'s' if a.jobs > 1 else ''}")
    runs = []
    for t in a.targets:
        binary = os.path.join(bindir, f"fuzz_{t}")
        still = known_failures(a, binary, t)
        status |= bool(still)
        work = work_dir(a, t)
        shutil.rmtree(os.path.join(work, "crashes"), ignore_errors=True)
        shutil.rmtree(os.path.join(work, "afl"), ignore_errors=True)
        os.makedirs(work, exist_ok=True)
        show = progress_printer(t)
        if a.engine == "libfuzzer":
            run = fuzzing.libfuzzer(binary, t, work, each,
                                    fuzzing.seed_dirs(t) + passing_dir(
                                        work, t, still), jobs=a.jobs,
                                    seed=a.seed, dictionary=not a.plain,
                                    progress=show)
        else:
            corpus = os.path.join(work, "corpus")
            kept = [os.path.join(corpus, f) for f in sorted(os.listdir(
                corpus))] if os.path.isdir(corpus) else []
            seeds = fuzzing.seed_files(t) + [
                f for f in fuzzing.regressions(t) if f not in still] + kept
            run = fuzzing.afl(binary, t, work, each, seeds, jobs=a.jobs,
                              seed=a.seed, dictionary=not a.plain,
                              mutator=not a.plain, progress=show)
            keep_afl_queue(work)
        if run.seed_hangs:
            say(f"!! {t}: {run.seed_hangs} seed(s) hang; AFL++ skipped them "
                f"(run the libFuzzer session to get them reported)")
            status = 1
        if run.execs == 0 and not run.crashes:
            say(f"{t}: the fuzzer did not start (exit {run.returncode}); "
                f"its log, {os.path.relpath(run.log, ROOT)}, ends:")
            for ln in open(run.log, errors="replace").read() \
                    .splitlines()[-15:]:
                say("   | " + ln)
            return 2
        say(f"   {t:<10} done: {run.execs:,} execs, {run.cov} edges, "
            f"{len(run.crashes)} crash{'es' if len(run.crashes) != 1 else ''}")
        for c in run.crashes[:3]:
            save_crash(a, binary, run, c)
        runs.append(run)
        status |= bool(run.crashes)
    summary(a, runs)
    return 1 if status else 0


def known_failures(a, binary, target):
    """Replay the target's saved regressions first: those that still fail
    are reported (and kept out of the seeds); the rest become seeds."""
    still = []
    for f in fuzzing.regressions(target):
        kind, report = fuzzing.judge(binary, f)
        if kind:
            still.append(f)
            say(f"!! {target}: {os.path.relpath(f, ROOT)} still fails "
                f"({kind}); reproduce: {os.path.relpath(binary, ROOT)} "
                f"{os.path.relpath(f, ROOT)}")
    return still


def passing_dir(work, target, still):
    """The regressions that pass, as one more seed folder."""
    keep = [f for f in fuzzing.regressions(target) if f not in still]
    if not keep:
        return []
    d = os.path.join(work, "regressions")
    shutil.rmtree(d, ignore_errors=True)
    fuzzing.flatten(keep, d)
    return [d]


def keep_afl_queue(work):
    """AFL++'s queue becomes the target's session corpus, for the next
    run and for minimize."""
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    out = os.path.join(work, "afl")
    for inst in os.listdir(out) if os.path.isdir(out) else []:
        q = os.path.join(out, inst, "queue")
        if os.path.isdir(q):
            files = [os.path.join(q, f) for f in os.listdir(q)
                     if f.startswith("id:")]
            fuzzing.flatten(files, corpus)


def summary(a, runs):
    say()
    say(f"== summary ({a.engine}, subject "
        f"{fuzzing.subject_name(a.subject)})")
    head = (f"{'target':<10} {'seconds':>7} {'execs':>11} {'exec/s':>8} "
            f"{'edges':>6} {'corpus':>13} {'crashes':>7}")
    say(head)
    say("-" * len(head))
    for r in runs:
        corpus = f"{r.corpus_start} -> {r.corpus_end}"
        cov = f"{r.cov}f" if r.cov_is_features else str(r.cov)
        say(f"{r.target:<10} {r.seconds:7.1f} {r.execs:>11,} "
            f"{r.exec_s:>8,} {cov:>6} {corpus:>13} {len(r.crashes):>7}")
    say()
    say("edges: coverage edges (libFuzzer cov:, AFL++ edges_found); corpus: "
        "inputs at start -> end")
    if any(r.cov_is_features for r in runs):
        say("Nf: libFuzzer's fork mode (--jobs > 1) counts features, not "
            "edges")


def build_only(a):
    say(f"== building the fuzz targets ({a.engine}, subject "
        f"{fuzzing.subject_name(a.subject)})")
    try:
        say(fuzzing.build(a.engine, a.subject, mutator=not a.plain))
    except subprocess.CalledProcessError as e:
        sys.stderr.write(e.output or "")
        return 2
    return 0


def minimize(a):
    try:
        bindir = fuzzing.build(a.engine if a.engine == "afl" else
                               "libfuzzer", a.subject,
                               mutator=not a.plain)
    except subprocess.CalledProcessError as e:
        sys.stderr.write(e.output or "")
        return 2
    for t in a.targets:
        work = work_dir(a, t)
        corpus = os.path.join(work, "corpus")
        if a.source:
            found = external_inputs(a.source, t, alone=len(a.targets) == 1)
            if not found:
                say(f"{t}: nothing for it in {a.source}")
                continue
            os.makedirs(corpus, exist_ok=True)
            for data in found:
                name = hashlib.sha1(data).hexdigest()[:16]
                with open(os.path.join(corpus, name), "wb") as f:
                    f.write(data)
            say(f"{t}: {len(found)} inputs from {a.source}")
        if not os.path.isdir(corpus):
            say(f"{t}: no session corpus yet ({os.path.relpath(corpus, ROOT)})")
            continue
        before = len(os.listdir(corpus))
        shipped = {hashlib.sha1(open(f, "rb").read()).hexdigest()
                   for f in fuzzing.seed_files(t)}
        merged = corpus + ".min"
        shutil.rmtree(merged, ignore_errors=True)
        try:
            new = merge(a, t, bindir, corpus, merged, shipped)
        except (subprocess.CalledProcessError, OSError) as e:
            say(f"{t}: minimizing failed: {e}")
            return 2
        shutil.rmtree(corpus)
        os.rename(merged, corpus)
        new = [os.path.join(corpus, os.path.basename(f)) for f in new]
        say(f"{t}: session corpus {before} -> {len(new)} inputs that add "
            f"coverage beyond the shipped seeds")
        if a.into_corpus and new:
            dest = os.path.join(a.into_corpus, f"fuzz_{t}")
            n = fuzzing.flatten(new, dest)
            say(f"   copied into {os.path.relpath(dest, ROOT)} "
                f"({n} files there)")
    return 0


def external_inputs(path, target, alone):
    """The inputs of one target's corpus in what a long run elsewhere left:
    folders, zips or tars named after the target (fuzz_parse, parse,
    fuzz_parse.zip, fuzz_parse_seed_corpus.zip, OSS-Fuzz's
    <project>_fuzz_parse, ClusterFuzzLite's cifuzz-corpus-fuzz_parse.tar)
    in PATH or PATH/corpus, or PATH itself when only one target is asked
    for. AFL++ output folders give their queues."""
    want = re.compile(rf"(?:(?:[\w.-]+_|corpus-|cifuzz-corpus-)fuzz_{target}"
                      rf"|fuzz_{target}|{target})"
                      r"(?:_seed_corpus)?(?:\.zip|\.tar|\.tar\.gz|\.tgz)?")
    picked = []
    if os.path.isdir(path):
        for top in (path, os.path.join(path, "corpus")):
            if os.path.isdir(top):
                picked += [os.path.join(top, n) for n in sorted(
                    os.listdir(top)) if want.fullmatch(n)]
    if not picked and alone:
        picked = [path]
    inputs = []
    for p in picked:
        inputs += read_corpus(p)
    return inputs


SKIP_DIRS = ("crashes", "hangs")


def archive_members(src):
    """(name, bytes) of every file in a zip or a tar (src: a path or a file
    object), but those in crashes/, hangs/ or hidden folders; a zip or tar
    inside (as a GitHub artifact wraps ClusterFuzzLite's tar) is opened
    too."""
    if zipfile.is_zipfile(src):
        with zipfile.ZipFile(src) as z:
            members = [(i.filename, z.read(i)) for i in z.infolist()
                       if not i.is_dir()]
    else:
        if hasattr(src, "seek"):
            src.seek(0)
        with (tarfile.open(fileobj=src) if hasattr(src, "read")
              else tarfile.open(src)) as t:
            members = [(m.name, t.extractfile(m).read())
                       for m in t.getmembers() if m.isfile()]
    flat = []
    for name, data in members:
        if any(p in SKIP_DIRS or p.startswith(".")
               for p in name.split("/")[:-1]):
            continue
        inner = io.BytesIO(data)
        if name.endswith((".zip", ".tar", ".tar.gz", ".tgz")) and \
                is_archive(inner):
            flat += archive_members(inner)
        else:
            flat.append((name, data))
    return flat


def is_archive(src):
    if zipfile.is_zipfile(src):
        return True
    if hasattr(src, "seek"):
        src.seek(0)
        try:
            with tarfile.open(fileobj=src):
                return True
        except tarfile.TarError:
            return False
    return tarfile.is_tarfile(src)


def read_corpus(path):
    """Every input in a folder (recursively, but not crashes/, hangs/ or
    hidden folders; for AFL++ output only its queue/ folders), a zip or a
    tar, as bytes."""
    if not os.path.isdir(path):
        if is_archive(path):
            return [data for _, data in archive_members(path)]
        return [open(path, "rb").read()]
    afl = False
    for base, dirs, _ in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and d not in SKIP_DIRS]
        afl = afl or os.path.basename(base) == "queue"
    out = []
    for base, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and d not in SKIP_DIRS]
        if afl and os.path.basename(base) != "queue":
            continue
        for n in sorted(names):
            if n.startswith((".", "README")):
                continue
            with open(os.path.join(base, n), "rb") as f:
                out.append(f.read())
    return out


def merge(a, t, bindir, corpus, merged, shipped):
    """Minimize corpus (with the shipped seeds) into merged; returns the
    inputs kept that are not shipped seeds."""
    binary = os.path.join(bindir, f"fuzz_{t}")
    if a.engine == "afl":
        both = corpus + ".all"
        shutil.rmtree(both, ignore_errors=True)
        fuzzing.flatten(fuzzing.seed_files(t), both)
        fuzzing.flatten([os.path.join(corpus, f)
                         for f in os.listdir(corpus)], both)
        subprocess.run(["afl-cmin", "-i", both, "-o", merged, "-m", "none",
                        "-t", "10000", "--", binary],
                       env=dict(os.environ, AFL_ALLOW_TMP="1",
                                **fuzzing.AFL_ENV),
                       stdout=subprocess.DEVNULL, check=True)
        shutil.rmtree(both)
    else:
        # The seeds go in first: an input is kept only for coverage the
        # shipped corpus does not already give.
        fuzzing.flatten(fuzzing.seed_files(t), merged)
        subprocess.run([binary, "-merge=1", f"-max_len={fuzzing.MAX_LEN}",
                        merged, corpus], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
    new = []
    for f in sorted(os.listdir(merged)):
        path = os.path.join(merged, f)
        if hashlib.sha1(open(path, "rb").read()).hexdigest() in shipped:
            os.remove(path)
        else:
            new.append(path)
    return new


def main(argv):
    a = parse_args(argv)
    start = time.monotonic()
    rc = {"session": session, "minimize": minimize,
          "build": build_only}[a.command](a)
    say(f"finished in {time.monotonic() - start:.0f} s, exit {rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
