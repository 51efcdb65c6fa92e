#!/usr/bin/env python3
"""smtp-split against careless and hostile input folders: each case with
the exact exit status and what it prints.

  - a folder holding symbolic links to itself (two links to ".", one to
    its parent): each folder is read once, the walk ends, every stream is
    checked once;
  - a FIFO in an input folder: named as not read, exit 2, no blocking;
  - case files with a key given twice, an unknown line, a bad prefix, a
    NUL byte: refused with file and line; CRLF line ends read;
  - /dev/zero: cut off at SRH_INPUT_MAX, not read until memory runs out;
  - a subject whose name holds '"' and "/../": valid JSON, case files in
    the --save folder, never overwritten; reports that cannot be written
    (a missing folder: before the run; /dev/full: at the end): exit 2;
  - smtp-torture: a missing scenario, a cut before its reply, --cuts past
    the server's stream: named with the reason, exit 2;
  - a 100 KB stream fed byte by byte with guard pages: bounded memory;
  - 67000 valid replies in 1.2 MB: no false crash from the result area;
  - a multiline reply after 120000 one-line ones: found (not lost at a
    transcript limit) and shrunk in a few dozen runs;
  - a subject reporting 2M replies: its overflow judged, not a crash;
  - a failure on a 16 KB stream: printed cut short, reproduced from its
    case file; killed by SIGKILL mid-run: the report so far and the case
    files are on disk;
  - SIGINT after the first finding: the report and case files written;
  - a subject or a wire client leaving setsid'd processes behind: none
    outlives the run, nor one a client left when killed at the deadline;
  - an adapter that ignores SIGTERM: ended with the run;
  - an adapter writing garbage: FAIL contract, not a crash, not shrunk;
    one that stops answering: FAIL hang naming the adapter;
  - a subject leaking 4 MiB a feed: FAIL memory at --memory-limit; the
    harness's own memory on a 400 KB stream not counted against it;
  - usage and input errors: exit 2, with no leak under LeakSanitizer;
  - an empty folder: nothing to check, exit 2 (not 0: nothing was
    tested), no undefined behaviour.

Usage: tests/robustness_test.py BUILD_DIR"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from checks import Checks  # tests/, the script's own folder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE_NAME = 'a"b/../c'


def processes(match):
    """How many processes have a command line for which match() holds."""
    n = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                n += bool(match(f.read()))
        except OSError:
            pass
    return n


def build_subject(folder, name, code):
    """code, a subject in C, built as folder/name.so."""
    src = os.path.join(folder, name + ".c")
    with open(src, "w") as f:
        f.write(code)
    so = os.path.join(folder, name + ".so")
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-shared",
                    "-fPIC", "-I", os.path.join(ROOT, "harness"), src, "-o",
                    so], check=True)
    return so


def example_subject(folder, name, helper, function, call):
    """examples/my_subject.c with helper (C code) before the function whose
    signature is given and call as its first statement, built as
    folder/name.so; (its path, its source)."""
    with open(os.path.join(ROOT, "examples", "my_subject.c")) as f:
        code = f.read()
    head = f"static {function}\n{{"
    code = code.replace(head, helper + head + "\n\t" + call, 1)
    return build_subject(folder, name, code), code


FEED = "void my_feed(void *self, const unsigned char *buf, size_t len)"


def smtplib_turning(path, when, act):
    """Write at path the shipped smtplib adapter, made to run the Python
    statement act (with os, sys, time imported) before the transcript of
    each stream from the one where when holds (seen[0]: the streams so
    far, the harness's empty first one included)."""
    with open(path, "w") as f:
        f.write("import os, sys, time\n"
                f"sys.path.insert(0, {os.path.join(ROOT, 'harness', 'adapters')!r})\n"
                "import smtplib_adapter as a\n"
                "real, seen = a.transcript, [0]\n"
                "def counted(*args):\n"
                "    seen[0] += 1\n"
                f"    if {when}:\n"
                f"        {act}\n"
                "    return real(*args)\n"
                "a.transcript = counted\n"
                "sys.exit(a.main())\n")


def main():
    split = os.path.join(os.path.abspath(sys.argv[1]), "smtp-split")
    check = Checks("robustness_test")

    def run(*args):
        return subprocess.run([split, "--families", "single", *args],
                              capture_output=True, text=True, timeout=120)

    def streams(p):
        m = re.search(r"streams (\d+),", p.stdout)
        return int(m.group(1)) if m else None

    with tempfile.TemporaryDirectory() as tmp:
        loop = os.path.join(tmp, "loop")
        os.makedirs(os.path.join(loop, "sub"))
        with open(os.path.join(loop, "a"), "wb") as f:
            f.write(b"250 ok\r\n")
        with open(os.path.join(loop, "sub", "b"), "wb") as f:
            f.write(b"250-x\r\n250 y\r\n")
        os.symlink(".", os.path.join(loop, "self1"))
        os.symlink(".", os.path.join(loop, "self2"))
        os.symlink("..", os.path.join(loop, "sub", "up"))
        p = run(loop)
        check(p.returncode == 0 and streams(p) == 2,
              "a folder with links to itself and to its parent: each "
              f"folder read once, 2 streams, exit 0 (exit {p.returncode}, "
              f"streams {streams(p)})", p.stdout + p.stderr)

        fifo = os.path.join(tmp, "fifo")
        os.makedirs(fifo)
        with open(os.path.join(fifo, "a"), "wb") as f:
            f.write(b"250 ok\r\n")
        os.mkfifo(os.path.join(fifo, "pipe"))
        p = run(fifo)
        check(p.returncode == 2 and re.search(
            r"pipe: not a regular file or a folder \(a FIFO, socket or "
            r"device\): not read", p.stderr) is not None,
              "a FIFO in an input folder: named, not read (no blocking), "
              f"exit 2 (exit {p.returncode})", p.stderr)

        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        p = run(empty)
        check(p.returncode == 2 and "runtime error" not in p.stderr and
              "no stream in the inputs given: nothing to check" in p.stderr,
              f"an empty folder: nothing to check, exit 2, no undefined "
              f"behaviour (exit {p.returncode})", p.stdout + p.stderr)

        # Case files: each key once, known lines only, no NUL; every
        # refusal names the file and the line, the line escaped and cut.
        cases = [
            ("cuts 7\ncuts 8\n", r"line 3: a second 'cuts' line \(the "
             r"first is line 2\): 'cuts 8'"),
            ('stream "250 x\\r\\n"\n', r"line 2: a second 'stream' line "
             r"\(the first is line 1\)"),
            ("prefix banana\n", r"line 2: prefix: not a byte count: "
             r"'prefix banana'"),
            ("prefix -3\n", r"line 2: prefix: not a byte count"),
            ("\0cuts 3\n", r"line 2: a NUL byte \(byte offset 20\)"),
            ("\x01\x02" + "z" * 5000 + "\n", r"line 2: not a case line "
             r"\(stream, cuts, shape or prefix\): '\\x01\\x02z{58}\.\.\.'$"),
        ]
        for body, want in cases:
            path = os.path.join(tmp, "bad.case")
            with open(path, "wb") as f:
                f.write(b'stream "250 ok\\r\\n"\n' + body.encode("latin-1"))
            p = run(path)
            err = p.stderr.strip()
            check(p.returncode == 2 and re.search(
                re.escape(path) + ": " + want, err) is not None,
                  f"case file {body[:20]!r}...: refused with file and line, "
                  f"exit 2 (exit {p.returncode}: {err[:160]})")
        # CRLF line ends are read as LF ones.
        path = os.path.join(tmp, "crlf.case")
        with open(path, "wb") as f:
            f.write(b'stream "250 ok\\r\\n"\r\ncuts 3\r\n')
        p = run(path)
        check(p.returncode == 0 and streams(p) == 1,
              f"a case file with CRLF line ends: read (exit {p.returncode})",
              p.stderr)
        # An endless input is cut off at SRH_INPUT_MAX, not read until
        # memory runs out.
        p = run("/dev/zero")
        check(p.returncode == 2 and "/dev/zero: longer than 67108864 bytes "
              "(SRH_INPUT_MAX): not read" in p.stderr,
              f"/dev/zero: longer than the input bound, not read, exit 2 "
              f"(exit {p.returncode}: {p.stderr.strip()[:160]})")

        # A subject whose name holds a quote and "/../": the JSON report
        # stays valid and names it exactly, case files stay in the --save
        # folder under a tamed name, and a second run adds files beside
        # the first's instead of overwriting them.
        src = os.path.join(tmp, "hostile.c")
        with open(os.path.join(ROOT, "bugs", "kb912341_reader.c")) as f:
            code = re.sub(r'\.name = "[^"]*"', '.name = "a\\"b/../c"',
                          f.read())
        with open(src, "w") as f:
            f.write(code)
        so = os.path.join(tmp, "hostile.so")
        subprocess.run(["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-I",
                        os.path.join(ROOT, "harness"), src, "-o", so],
                       check=True)
        save = os.path.join(tmp, "cases")  # made by --save
        report = os.path.join(tmp, "r.json")
        args = ["--subject", so, "--max-failures", "1", "--shrink-runs",
                "50", "--stream", "250-a\\r\\n250 b\\r\\n"]
        p = run(*args, "--save", save, "--json", report)
        try:
            with open(report) as f:
                name = json.load(f)["subject"]
        except (OSError, ValueError) as e:
            name = f"unreadable: {e}"
        check(p.returncode == 1 and name == HOSTILE_NAME,
              f"a subject named {HOSTILE_NAME!r}: the JSON report parses and "
              f"names it (exit {p.returncode}, {name!r})", p.stderr)
        p = run(*args, "--save", save)
        files = sorted(os.listdir(save))
        stray = [f for f in os.listdir(tmp) if f.startswith("c-")]
        check(p.returncode == 1 and files == ["a_b_.._c-split-1-2.case",
                                              "a_b_.._c-split-1.case"]
              and not stray,
              f"--save: the name tamed, inside the folder, a second run "
              f"beside the first (got {files}, outside: {stray})")
        # Reports that cannot be written: said before the run when the
        # path is wrong, at the end (write and close checked) when the
        # disk is full; both exit 2, whatever was found.
        p = run(*args, "--json", os.path.join(tmp, "none", "r.json"))
        check(p.returncode == 2 and "--json: " in p.stderr and
              "No such file or directory" in p.stderr and
              "streams" not in p.stdout,
              f"--json into a missing folder: said before the run, exit 2 "
              f"(exit {p.returncode})", p.stdout + p.stderr)
        def corpus_run(name):
            """The corpus against the subject in the background, with
            its report and case folder."""
            report = os.path.join(tmp, name + ".json")
            cases = os.path.join(tmp, name + "-cases")
            p = subprocess.Popen(
                [split, "--subject", so, "--families", "single,uniform",
                 "--json", report, "--save", cases,
                 os.path.join(ROOT, "corpus", "replies")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            return p, report, cases

        # Interrupted after its first finding: the current stream ends,
        # the report and the cases are written, and the exit status says
        # what was found.
        p, report, cases = corpus_run("int")
        for line in p.stdout:
            if line.startswith("FAIL"):
                break
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
        try:
            with open(report) as f:
                j = json.load(f)
        except (OSError, ValueError):
            j = {}
        check(p.returncode == 1 and j.get("stopped_by") == "interrupted"
              and j.get("failures") and os.listdir(cases) and
              re.search(r"interrupted \(SIGINT\): \d+ input\(s\) not "
                        r"checked", out) is not None,
              f"SIGINT after the first finding: report and cases written, "
              f"stopped_by interrupted, exit 1 (exit {p.returncode}, "
              f"{len(j.get('failures', []))} failures)", out[-400:] + err)
        # Killed outright (SIGKILL, no chance to write at the end): the
        # report as of the last input that found something is on disk,
        # marked unfinished, and each finding's case file beside it.
        p, report, cases = corpus_run("killed")
        j = {}
        for _ in range(3000):
            try:
                with open(report) as f:
                    j = json.load(f)
                break
            except (OSError, ValueError):
                if p.poll() is not None:
                    break
                time.sleep(0.01)
        p.kill()
        p.communicate(timeout=60)
        kept = [f.get("case_file") for f in j.get("failures", [])]
        check(j.get("stopped_by") == "unfinished" and kept and
              all(c and os.path.exists(c) for c in kept),
              f"SIGKILL mid-run: the report so far is on disk, stopped_by "
              f"unfinished, {len(kept)} failure(s), each case file saved "
              f"(stopped_by {j.get('stopped_by')!r})", str(kept)[:300])
        p = run(*args, "--json", "/dev/full")
        check(p.returncode == 2 and "--json: /dev/full: No space left on "
              "device" in p.stderr,
              f"--json /dev/full: the failed write said, exit 2 (exit "
              f"{p.returncode})", p.stderr)

    # Guard pages give their memory back once a piece is fed: the
    # byte-by-byte baseline of a 100 KB stream used to keep a page per
    # byte (over 400 MB); now the run's peak is a few times the stream.
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "replies-100k")
        with open(big, "wb") as f:
            f.write(b"250 ok\r\n" * 12800)
        # The peak of the process and its children, measured apart from
        # this script's other runs.
        peak = ("import resource, subprocess, sys\n"
                "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
                "print(p.returncode, resource.getrusage("
                "resource.RUSAGE_CHILDREN).ru_maxrss)\n")
        p = subprocess.run([sys.executable, "-c", peak, split, "--quiet",
                            "--guard-pages", "--families", "none",
                            "--shape", "push", big],
                           capture_output=True, text=True, timeout=300)
        rc, kb = (int(x) for x in p.stdout.split())
        check(rc == 0 and kb < 150 * 1024,
              f"a 100 KB stream byte by byte with guard pages: peak "
              f"{kb // 1024} MB (under 150), exit {rc}", p.stderr)

    # A failure on a 16 KB stream: printed cut short, its reproduce
    # command replays the case file (no argument of 50 KB), and without
    # --save it says how to get one.
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "long-line")
        with open(big, "wb") as f:
            f.write(b"250-" + b"x" * 400 + b"\r\n" + b"250 ok\r\n" * 2000)
        crlf = os.path.join(os.path.abspath(sys.argv[1]), "tests",
                            "crlf_split.so")
        cases = os.path.join(tmp, "cases")
        p = run("--subject", crlf, "--no-shrink", "--max-failures", "1",
                "--save", cases, big)
        repro = re.search(r"^  reproduce: (.*)$", p.stdout, re.M)
        saved = sorted(os.listdir(cases)) if os.path.isdir(cases) else []
        check(p.returncode == 1 and repro and saved and
              repro.group(1).endswith(f"'{os.path.join(cases, saved[0])}'")
              and len(repro.group(1)) < 400 and
              "(16406 bytes in all)" in p.stdout and
              len(p.stdout) < 20000,
              f"a failure on a 16 KB stream: printed cut short "
              f"({len(p.stdout)} bytes), reproduced from its saved case "
              f"file (exit {p.returncode})",
              (repro.group(1) if repro else p.stdout[-600:]))
        if repro:
            q = subprocess.run(repro.group(1) + " --families none "
                               "--no-shrink", shell=True,
                               capture_output=True, text=True, timeout=120)
            check(q.returncode == 1 and "FAIL split" in q.stdout,
                  f"the reproduce command fails the same way (exit "
                  f"{q.returncode})", q.stdout[-400:] + q.stderr[-300:])
        p = run("--subject", crlf, "--no-shrink", "--max-failures", "1", big)
        check(p.returncode == 1 and "too long for a command line: --save "
              "DIR writes its case file" in p.stdout,
              f"without --save: the reproduce line says how to get a case "
              f"file (exit {p.returncode})", p.stdout[-400:])

    # A valid 1.2 MB stream of 67000 replies: checked, not blamed on the
    # reference as a crash because its transcripts outgrew a fixed area.
    with tempfile.TemporaryDirectory() as tmp:
        many = os.path.join(tmp, "replies-67k")
        with open(many, "wb") as f:
            f.write(b"250 queued as 12\r\n" * 67000)
        p = run("--families", "none", "--shrink-runs", "0", many)
        check(p.returncode == 0 and streams(p) == 1 and "FAIL" not in
              p.stdout, f"67000 valid replies (1.2 MB): no failure, exit 0 "
              f"(exit {p.returncode})", p.stdout[-600:] + p.stderr[-300:])

    # A finding past the 100000th reply: transcripts are sized to the
    # stream, so the failure is found (it was silently lost, both sides
    # cut at the same limit) and shed its 120000 uninvolved replies in a
    # few dozen runs.
    with tempfile.TemporaryDirectory() as tmp:
        late = os.path.join(tmp, "late-multiline")
        with open(late, "wb") as f:
            f.write(b"250 ok\r\n" * 120000 + b"250-a\r\n250 b\r\n")
        flo = os.path.join(os.path.abspath(sys.argv[1]), "tests",
                           "first_line_only.so")
        p = run("--subject", flo, "--families", "none", "--shape", "push",
                late)
        m = re.search(r"shrunk in (\d+) runs from 960014 bytes", p.stdout)
        check(p.returncode == 1 and "FAIL pipeline" in p.stdout and m and
              int(m.group(1)) < 200 and
              'stream:   "250-\\r\\n250 \\r\\n"' in p.stdout,
              f"a multiline reply after 120000 others: found and shrunk "
              f"to 12 bytes in {m.group(1) if m else '?'} runs, exit 1 "
              f"(exit {p.returncode})", p.stdout[:1200] + p.stderr[-300:])

    # A subject reporting 2M replies on its first feed: its transcript
    # stops at the limit (an "overflow" event) and is judged against
    # the right answer (exit 1, the subject's failure), not a crash of an
    # unreadable report.
    with tempfile.TemporaryDirectory() as tmp:
        flood = ("static void flood(struct srh_recorder *rec)\n{\n"
                 "\tstatic int done;\n\tif (done++)\n\t\treturn;\n"
                 "\tfor (long i = 0; i < 2000000; i++) {\n"
                 "\t\tsrh_line(rec, \"x\", 1);\n"
                 "\t\tsrh_reply(rec, 250, NULL);\n\t}\n}\n")
        so, code = example_subject(
            tmp, "flood", flood, FEED,
            "flood(((struct my_parser *)self)->rec);")
        p = run("--subject", so, "--families", "none", "--shrink-runs", "0",
                "--stream", "250 ok\\r\\n")
        check(p.returncode == 1 and "flood(((struct" in code and
              "99999 replies reported where the stream answers 1 "
              "command" in p.stdout and "FAIL crash" not in p.stdout and "unreadable" not in
              p.stdout,
              f"a subject reporting 2M replies: its overflow judged, exit 1 "
              f"(exit {p.returncode})", p.stdout[:1500] + p.stderr[-300:])

    # A subject whose create() leaves a process behind that has called
    # setsid (out of every process group): ended with its run, so none
    # outlives smtp-split.
    with tempfile.TemporaryDirectory() as tmp:
        marker = f"srh-escapee-{os.getpid()}"
        escape = (
            "#include <unistd.h>\n"
            "static void escape(void)\n{\n"
            "\tif (fork() == 0) {\n"
            "\t\tsetsid();\n"
            "\t\tif (fork() == 0)\n"
            f"\t\t\texecl(\"/bin/sleep\", \"{marker}\", \"300\", "
            "(char *)0);\n"
            "\t\t_exit(0);\n\t}\n}\n")
        so, code = example_subject(
            tmp, "escapee", escape,
            "void *my_create(struct srh_recorder *rec)", "escape();")

        p = run("--subject", so, "--stream", "250-a\\r\\n250 b\\r\\n")
        left = processes(lambda c: c.startswith(marker.encode()))
        check(p.returncode == 0 and "escape();" in code and left == 0,
              f"a subject leaving setsid sleepers behind: none outlives "
              f"the run ({left} left, exit {p.returncode})", p.stderr)
        if left:
            subprocess.run(["pkill", "-KILL", "-f", marker])

    # A subject that leaks 4 MiB a feed: stopped at --memory-limit and
    # judged memory (not a hang after gigabytes, not a crash); a subject
    # within the limit passes under it, with the harness's own share of a
    # bigger stream not counted against the subject.
    with tempfile.TemporaryDirectory() as tmp:
        leak = ("#include <stdlib.h>\n#include <string.h>\n"
                "static void leak(void)\n{\n"
                "\tstatic void *volatile kept; /* not optimized away */\n"
                "\tchar *p = malloc(4u << 20);\n"
                "\tif (p)\n\t\tmemset(p, 1, 4u << 20);\n"
                "\tkept = p;\n}\n")
        so, leaky = example_subject(tmp, "leaky", leak, FEED, "leak();")
        p = run("--subject", so, "--memory-limit", "64", "--shrink-runs",
                "0", "--stream", "250-a\\r\\n250-b\\r\\n250 c\\r\\n")
        check(p.returncode == 1 and "leak();" in leaky and
              re.search(r"FAIL memory", p.stdout) is not None and
              re.search(r"past the limit of 64 MiB \(--memory-limit\)",
                        p.stdout) is not None and "--memory-limit 64 --families single"
              in p.stdout and "FAIL hang" not in
              p.stdout and "FAIL crash" not in p.stdout,
              f"a subject leaking 4 MiB a feed, --memory-limit 64: FAIL "
              f"memory, exit 1 (exit {p.returncode})",
              p.stdout[-800:] + p.stderr[-300:])
        p = run("--subject", so, "--memory-limit", "0", "--stream",
                "250 ok\\r\\n")
        check(p.returncode == 0 and "FAIL" not in p.stdout,
              f"the same subject on a short stream with no limit: passes, "
              f"exit 0 (exit {p.returncode})", p.stdout[-400:])
        big = os.path.join(tmp, "replies-400k")
        with open(big, "wb") as f:
            f.write(b"250 ok\r\n" * 51200)
        p = run("--memory-limit", "1", "--families", "none", "--shape",
                "push", big)
        check(p.returncode == 0 and "FAIL" not in p.stdout,
              f"the reference on 400 KB under --memory-limit 1: the "
              f"harness's own memory not blamed on it, exit 0 (exit "
              f"{p.returncode})", p.stdout[-400:] + p.stderr[-300:])

    # An adapter that ignores SIGTERM: killed when smtp-split ends, so it
    # neither outlives the run nor holds a pipe open behind `| tail`.
    with tempfile.TemporaryDirectory() as tmp:
        adapter = os.path.join(tmp, "stubborn_adapter.py")
        with open(os.path.join(ROOT, "harness", "adapters",
                               "smtplib_adapter.py")) as f:
            text = f.read()
        with open(adapter, "w") as f:
            f.write(text)
        cmd = (f"sh -c \"trap '' TERM; exec {sys.executable} {adapter}\"")
        try:
            out = subprocess.run(
                ["sh", "-c", f"'{split}' --quiet --families single "
                 f"--subject 'adapter:{cmd}' --stream '250 ok\\r\\n' "
                 "2>&1 | cat"],
                capture_output=True, text=True, timeout=60).stdout
        except subprocess.TimeoutExpired:
            out = "the pipe stayed open for 60 s"

        left = processes(lambda c: adapter.encode() in c)
        check("streams 1" in out and left == 0,
              f"an adapter that ignores SIGTERM: ended with the run, the "
              f"pipe closes ({left} left)", out[-400:])
        if left:
            subprocess.run(["pkill", "-KILL", "-f", adapter])

    # An adapter that exits mid-run (its 10th stream): every later run
    # would "crash"; the run stops as the harness's error naming the
    # adapter's exit, exit 2, nothing shrunk against a dead adapter.
    with tempfile.TemporaryDirectory() as tmp:
        dying = os.path.join(tmp, "dying_adapter.py")
        smtplib_turning(dying, "seen[0] == 10", "os._exit(5)")
        p = run("--subject", f"adapter:{sys.executable} {dying}",
                "--stream", "250-a\\r\\n250-b\\r\\n250 c\\r\\n")
        check(p.returncode == 2 and "the adapter exited with status 5 "
              "while checking it: nothing more can be tested" in p.stderr
              and "shrunk" not in p.stdout,
              f"an adapter exiting mid-run: the harness's error naming its "
              f"exit status, nothing shrunk, exit 2 (exit {p.returncode})",
              p.stdout[-600:] + p.stderr[-400:])

    # An adapter declares its policy in its first answer (before "end"):
    # smtplib takes a bare LF for a line end, so the strict reference
    # differs (diff); declared, the reference follows it. A declaration
    # smtp-split does not know stops the run, naming it. The shipped
    # adapter's own declarations are replaced by the arguments.
    with tempfile.TemporaryDirectory() as tmp:
        declaring = os.path.join(tmp, "declaring_adapter.py")
        with open(declaring, "w") as f:
            f.write("import sys\n"
                    f"sys.path.insert(0, {os.path.join(ROOT, 'harness', 'adapters')!r})\n"
                    "import smtplib_adapter as a\n"
                    "a.DECLARE = ''.join(l + '\\n' for l in sys.argv[1:])\n"
                    "sys.argv[1:] = []\n"
                    "sys.exit(a.main())\n")
        adapter = f"adapter:{sys.executable} {declaring}"
        bare = ["--stream", "250-a\\n250 b\\n", "--families", "single"]
        p = run("--subject", adapter, *bare)
        check(p.returncode == 1 and "FAIL diff" in p.stdout,
              f"an adapter declaring nothing: a bare LF is a difference "
              f"(exit {p.returncode})", p.stdout[-600:] + p.stderr[-400:])
        p = run("--subject", adapter + " 'declare lenient bare-lf' "
                "'declare limits line=8193 lines=1000' "
                "'declare errors none'", *bare)
        check(p.returncode == 0, f"declared lenient bare-lf (and limits, "
              f"errors without a kind): the reference follows, no finding "
              f"(exit {p.returncode})", p.stdout[-600:] + p.stderr[-400:])
        p = run("--subject", adapter + " 'declare lenient bare-cr,bare-lf' "
                "'declare limits lines=none reply=none'", *bare)
        check(p.returncode == 0, f"declared bare-cr (the last leniency) and "
              f"limits=none: accepted (exit {p.returncode})",
              p.stdout[-600:] + p.stderr[-400:])
        # The shipped adapter declares smtplib's policy itself: a bare LF
        # and a stray CR in the text are no difference.
        shipped = (f"adapter:{sys.executable} "
                   + os.path.join(ROOT, "harness", "adapters",
                                  "smtplib_adapter.py"))
        p = run("--subject", shipped, "--stream", "250-a\\rb\\n250 c\\r\\n",
                "--families", "single")
        check(p.returncode == 0, f"smtplib_adapter.py declares bare-lf and "
              f"bare-cr: no finding (exit {p.returncode})",
              p.stdout[-600:] + p.stderr[-400:])
        # What smtp-split does not take stops the run, named.
        for what, said, why in (
                ("an unknown declaration", "declare lenient sloppy",
                 "unknown leniency 'sloppy'"),
                ("a negative limit", "declare limits lines=-5",
                 "not NAME=NUMBER or NAME=none: 'lines=-5'")):
            p = run("--subject", adapter + f" '{said}'", *bare)
            check(p.returncode == 2 and f'declares "{said}": {why}'
                  in p.stderr, f"{what}: named, exit 2 (exit {p.returncode})",
                  p.stderr[-400:])

    # An adapter that writes garbage for a transcript (from its 4th
    # stream on): the adapter's breach of the protocol, verdict contract,
    # not the parser's crash, and not shrunk; one that stops answering:
    # a hang that says smtp-split was waiting for the adapter.
    for name, act, verdict, said in (
            ("garbage", "return 'bogus line\\n', False", "contract",
             "the adapter broke the protocol"),
            ("silent", "time.sleep(3600)", "hang",
             "waiting for the adapter's answer, which never came")):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, f"{name}_adapter.py")
            smtplib_turning(script, "seen[0] > 3", act)
            p = run("--subject", f"adapter:{sys.executable} {script}",
                    "--deadline", "500", "--stream",
                    "250-a\\r\\n250 c\\r\\n")
            check(p.returncode == 1 and f"FAIL {verdict}" in p.stdout and
                  said in p.stdout and "FAIL crash" not in p.stdout and
                  (verdict != "contract" or "shrunk" not in p.stdout),
                  f"an adapter that turns {name}: FAIL {verdict}, saying "
                  f"so, exit 1 (exit {p.returncode})",
                  p.stdout[-900:] + p.stderr[-400:])
            subprocess.run(["pkill", "-KILL", "-f", script])

    # Usage and input errors exit 2 in the sanitizer builds too: no leak
    # on their paths for LeakSanitizer to turn into exit 1.
    torture = os.path.join(os.path.dirname(split), "smtp-torture")
    for cmd in ([split, "--bogus"], [split, "/nonexistent"],
                [split, "--cuts", "999", "--stream", "250 ok"],
                [split, "--families", "nosuch"],
                [split, "--subject", "nosuch.so"],
                [split, "--stream", "250 ok", "--json", "/nonexistent/r"],
                [torture, "--bogus"], [torture, "--scenario", "/nonexistent"]):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        check(p.returncode == 2 and "LeakSanitizer" not in p.stderr,
              f"{os.path.basename(cmd[0])} {' '.join(cmd[1:])}: exit 2, "
              f"no leak (exit {p.returncode})", p.stderr[-400:])

    # FILE.transcript written on Windows, or without a last newline: read
    # as a person sees it; a real difference still fails.
    with tempfile.TemporaryDirectory() as tmp:
        stream = os.path.join(tmp, "ok")
        with open(stream, "wb") as f:
            f.write(b"250 ok\r\n")
        for body, want in ((b'reply 250 esc=-\r\n  "ok"\r\nend', 0),
                           (b'reply 250 esc=-\n  "ok"\nend', 0),
                           (b'reply 250 esc=-\r\n  "ko"\r\nend\r\n', 1)):
            with open(stream + ".transcript", "wb") as f:
                f.write(body)
            p = subprocess.run([split, "--families", "none", stream],
                               capture_output=True, text=True, timeout=60)
            check(p.returncode == want and ("FAIL expected" in p.stdout)
                  == bool(want), f"FILE.transcript {body!r}: exit {want} "
                  f"(exit {p.returncode})", p.stdout[-600:])

    # A schedule that does not fit names the input it was given for.
    p = subprocess.run([split, "--cuts", "99", "--stream", "250 ok\\r\\n"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and "smtp-split: --cuts: <stream>: cut at 99 "
          "is outside 1..7" in p.stderr,
          f"--cuts past the stream: the input named, exit 2 (exit "
          f"{p.returncode})", p.stderr)

    # smtp-torture's refusals name the reason.
    wire = os.path.join(ROOT, "harness", "wire")
    naive = [os.path.join(wire, "clients", "naive"), "{port}",
             os.path.join(wire, "message.eml")]
    base = os.path.join(wire, "scenarios", "baseline.scn")
    with tempfile.TemporaryDirectory() as tmp:
        scn = os.path.join(tmp, "cut-first.scn")
        with open(scn, "w") as f:
            f.write("name cut-first\ncut FOO 3\n")
        for args, want in [
                (["--scenario", os.path.join(tmp, "none.scn"), "--", "true"],
                 "none.scn: cannot open: No such file or directory"),
                (["--scenario", scn, "--", "true"],
                 'cut-first.scn:2: cut FOO: no reply to FOO yet (an "on FOO"'
                 ' line with bytes must come before its cut)'),
                (["--cuts", "99999999", "--scenario", base, "--", *naive],
                 "--cuts: a cut at 99999999 is past the server's stream in "
                 "the one-piece run")]:
            p = subprocess.run([torture, "--quiet", *args],
                               capture_output=True, text=True, timeout=120)
            check(p.returncode == 2 and want in p.stderr,
                  f"smtp-torture {' '.join(args[:2])}: {want[:50]}..., "
                  f"exit 2 (exit {p.returncode})", p.stderr)
        # A client that leaves a setsid'd sleeper behind: ended with its
        # run, so none outlives smtp-torture.
        marker = f"srh-client-escapee-{os.getpid()}"
        client = ["bash", "-c", f'setsid bash -c "exec -a {marker} sleep '
                  f'300" & exec "$@"', "client", *naive]
        p = subprocess.run([torture, "--quiet", "--scenario", base,
                            "--families", "scripted", "--", *client],
                           capture_output=True, text=True, timeout=120)
        left = processes(lambda c: c.startswith(marker.encode()))
        check(p.returncode == 0 and left == 0,
              f"a client leaving a setsid'd sleeper: none outlives "
              f"smtp-torture ({left} left, exit {p.returncode})",
              p.stdout[-300:] + p.stderr[-300:])
        if left:
            subprocess.run(["pkill", "-KILL", "-f", marker])
        # One that finishes its session, then spins, with a setsid'd
        # sleeper: killed at the deadline with all it started, and the
        # hang is a finding (exit 1), not a pass.
        marker = f"srh-client-spinner-{os.getpid()}"
        client = ["bash", "-c", f'setsid bash -c "exec -a {marker} sleep '
                  f'300" & "$@"; while :; do :; done', "client", *naive]
        p = subprocess.run([torture, "--quiet", "--scenario", base,
                            "--families", "scripted", "--deadline", "1500",
                            "--", *client],
                           capture_output=True, text=True, timeout=120)
        left = processes(lambda c: c.startswith(marker.encode()))
        check(p.returncode == 1 and left == 0 and
              "the one-piece run hung" in p.stdout,
              f"a client spinning after its session, with a setsid'd "
              f"sleeper: killed at the deadline, none left, exit 1 ({left} "
              f"left, exit {p.returncode})",
              p.stdout[-300:] + p.stderr[-300:])
        if left:
            subprocess.run(["pkill", "-KILL", "-f", marker])
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
