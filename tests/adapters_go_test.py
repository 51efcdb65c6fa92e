#!/usr/bin/env python3
"""The Go pieces: the net/textproto adapter (harness/adapters/go-adapter
textproto) and the net/smtp driver (harness/wire/clients/go-net-smtp).

- stdin mode on fixed streams, pinning what (*textproto.Reader)
  .ReadResponse(0) of Go 1.19 really returns (read from
  /usr/lib/go-1.19/src/net/textproto/reader.go, then run);
- socket mode (fd 3 a listening AF_UNIX socket): the same streams in two
  pieces through one process, SIGTERM, exit 0 when the listener is shut;
- smtp-split with the adapter as its subject completes with a report;
- the driver: --version, and one baseline run through smtp-torture with
  exactly one SRH-OUTCOME line, accepted true.

Usage: tests/adapters_go_test.py [--build DIR] [--torture PATH]
  (defaults: build/dev, and DIR/smtp-torture). The first run builds the
  Go programs under build/ (about 15 s each). Exit 77 when go is missing.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adapter_io import END, SYNTAX, TRUNC, exchange, listen, rep, start_on_fd3, wait  # noqa: E402
from checks import Checks  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADAPTER = os.path.join(ROOT, "harness", "adapters", "go-adapter")
DRIVER = os.path.join(ROOT, "harness", "wire", "clients", "go-net-smtp")


X = "x" * 8996

# (stream, transcript): what ReadResponse(0) does, quirks included.
# On fd 3, an empty stream is answered with textproto's policy before its
# "end" (harness/adapters/README.md).
DECLARED = ("declare lenient bare-lf,long-lines,8bit,control,bare-cr\n"
            "declare limits line=none lines=none reply=none\n")

CASES = [
    (b"", END),
    (b"250 ok\r\n", rep(250, "ok") + END),
    (b"250-a\r\n250 b\r\n", rep(250, "a", "b") + END),
    (b"220 x\r\n221 y\r\n", rep(220, "x") + rep(221, "y") + END),
    # EOF inside a multiline reply: the lines read are dropped, io.EOF.
    (b"250-a\r\n", TRUNC),
    # A partial last line is a line (bufio.ReadLine returns it at EOF)...
    (b"250 ok", rep(250, "ok") + END),
    # ...so a cut inside a line is a syntax error, or truncation inside a
    # multiline reply, not a reply.
    (b"250-a\r\n25", TRUNC),
    (b"25", SYNTAX),
    # A bare LF ends a line.
    (b"250-a\n250 b\n", rep(250, "a", "b") + END),
    # len(line) < 4: a code alone is a "short response".
    (b"250\r\n", SYNTAX),
    (b"250-\r\n250 \r\n", rep(250, "", "") + END),
    # The reply ends only at "250 ": a line with another code is text, so
    # a last line whose code differs leaves the reply open (a live session
    # waits for ever: mismatch-250-251.scn).
    (b"250-a\r\n550 b\r\n", TRUNC),
    (b"250-a\r\n251 b\r\n", TRUNC),
    (b"250-a\r\n251-b\r\n250 c\r\n", rep(250, "a", "251-b", "c") + END),
    (b"250-a\r\n251 b\r\n250 c\r\n", rep(250, "a", "251 b", "c") + END),
    (b"250-a\r\n250\r\n221 b\r\n", TRUNC),  # CVE-2020-8794's shape
    (b"250-a\r\n250\r\n250 b\r\n", rep(250, "a", "250", "b") + END),
    (b"250-a\r\nfree text\r\n250 b\r\n", rep(250, "a", "free text", "b") + END),
    # No line length limit.
    (b"250 " + X.encode() + b"\r\n", rep(250, X) + END),
    # Strict code and separator: 3 digits from 100, then " " or "-".
    (b"25 x\r\n", SYNTAX),
    (b" 25 x\r\n", SYNTAX),
    (b"+25 x\r\n", SYNTAX),
    (b"099 x\r\n", SYNTAX),
    (b"250xok\n", SYNTAX),
    (b"\r\n", SYNTAX),
    (b"250 ok\r\n\r\n", rep(250, "ok") + SYNTAX),
    # ...but a bad first line with a "-" is taken as the start of a reply
    # that never ends: its ProtocolError is lost, the rest swallowed.
    (b"abc-x\r\n250 ok\r\n", TRUNC),
    # Text as it is but for the line end; only "\r\n" is removed from a
    # line that parses, every trailing CR from one taken whole.
    (b"250  a \t\r\n", rep(250, " a \\t") + END),
    (b"250 a\rb\r\r\n", rep(250, "a\\rb\\r") + END),
    (b"250-a\r\r\nxyz\r\r\n250 b\r\n", rep(250, "a\\r", "xyz", "b") + END),
    (b'250 \x00\xff"\\\x7f\r\n', rep(250, '\\x00\\xff\\"\\\\\\x7f') + END),
]

ADAPTER_CMD = [ADAPTER, "textproto"]


def adapter_tests(check):
    # Builds on first use: before any timed exchange.
    p = subprocess.run(ADAPTER_CMD, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=300)
    check(p.returncode == 0 and p.stdout == b"end\n",
          "go-adapter textproto builds and answers an empty stream 'end'")
    if p.returncode != 0:
        print("     " + p.stderr.decode(errors="replace")[-600:])
        return

    for data, want in CASES:
        p = subprocess.run(ADAPTER_CMD, input=data, capture_output=True,
                           timeout=20)
        got = p.stdout.decode("ascii", "replace")
        check(p.returncode == 0 and got == want and not p.stderr,
              "stdin %r -> %r" % (data[:28], want[:60]))
        if got != want or p.stderr:
            print("     got %r (exit %d) %r"
                  % (got[:200], p.returncode, p.stderr[:200]))

    with tempfile.TemporaryDirectory() as tmp:
        listener, path = listen(tmp, "a.sock")
        proc = start_on_fd3(ADAPTER_CMD, listener)
        bad = 0
        for i, (data, want) in enumerate(CASES * 3):
            cut = i % len(data) if data else 0
            if not data:  # the harness's first stream: textproto's policy
                want = DECLARED + END
            try:
                got = exchange(path, data, cut)
            except OSError as e:
                got = "exchange failed: %s" % e
            if got != want:
                bad += 1
                print("     %r cut %d: got %r" % (data[:28], cut, got[:120]))
        check(bad == 0, "socket: %d streams in two pieces, one process: %d "
              "wrong" % (3 * len(CASES), bad))
        proc.terminate()
        rc = wait(proc)
        check(rc == -signal.SIGTERM, "SIGTERM ends it (status %s)" % rc)
        listener.close()

        listener, path = listen(tmp, "b.sock")
        proc = start_on_fd3(ADAPTER_CMD, listener)
        ok = exchange(path, b"250 ok\r\n", 3) == rep(250, "ok") + END
        listener.shutdown(socket.SHUT_RDWR)
        rc = wait(proc)
        check(ok and rc == 0,
              "exits 0 when the listener is shut (status %s)" % rc)
        listener.close()


def split_tests(check, build):
    split = os.path.join(build, "smtp-split")
    subject = "adapter:" + " ".join(map(shlex.quote, ADAPTER_CMD))
    # The prefix oracle finds the partial-line leniency: cut after "2",
    # textproto parses "2" as a line (syntax), not as a truncated reply.
    p = subprocess.run([split, "--subject", subject, "--stream",
                        r"250-first\r\n250 last\r\n221 bye\r\n", "--quiet"],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 1 and "FAIL prefix (fd shape)" in p.stdout
          and re.search(r"\* error truncated @1 +error syntax @\?",
                        p.stdout) is not None,
          "smtp-split --stream: a stream cut after \"2\" gives 'error "
          "syntax' where it is truncated (the prefix oracle)")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        p = subprocess.run([split, "--subject", subject, "--quiet",
                            "--families", "single,prefix", "--no-shrink",
                            "--max-failures", "0",
                            "--json", report,
                            os.path.join(ROOT, "corpus", "replies")],
                           capture_output=True, text=True, timeout=600)
        summary = re.search(r"streams (\d+), schedules (\d+)", p.stdout)
        try:
            with open(report) as f:
                j = json.load(f)
        except (OSError, ValueError) as e:
            j = None
            print("     report: %s" % e)
        check(p.returncode in (0, 1) and summary is not None
              and int(summary.group(1)) > 0 and isinstance(j, dict),
              "smtp-split over corpus/replies completes with a report "
              "(exit %d, %s)" % (p.returncode,
                                 summary.group(0) if summary else "no summary"))
        if p.returncode not in (0, 1):
            print("     " + (p.stdout + p.stderr)[-800:])
        # textproto's "short response" for a code alone differs from
        # the reference parser, which takes it as a reply with no text.
        found = [f for f in (j or {}).get("failures", [])
                 if f.get("oracle") == "diff" and f.get("input", "")
                 .endswith("code-only-250-replies.smtp")]
        check(len(found) == 1,
              "the report has the diff on code-only-250-replies.smtp "
              "(\"250\\r\\n\" refused as a short response)")


def driver_tests(check, torture):
    p = subprocess.run([DRIVER, "--version"], capture_output=True, text=True,
                       timeout=300)
    check(p.returncode == 0 and re.fullmatch(r"go-net-smtp go1\.\d+\S*\n",
                                             p.stdout) is not None,
          "go-net-smtp --version: %r" % p.stdout.strip())
    if not os.access(torture, os.X_OK):
        check(False, "smtp-torture at %s" % torture)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # Each run's stdout in a file of its own: smtp-torture keeps a
        # client's output only for its report.
        save = 'f=$(mktemp %s/run.XXXXXX) && exec "$0" "$@" >"$f"' \
            % shlex.quote(tmp)
        report = os.path.join(tmp, "torture.json")
        p = subprocess.run(
            [torture, "--scenario",
             os.path.join(ROOT, "harness", "wire", "scenarios", "baseline.scn"),
             "--cuts", "none", "--quiet", "--json", report, "--",
             "sh", "-c", save, DRIVER, "{port}",
             os.path.join(ROOT, "harness", "wire", "message.eml")],
            capture_output=True, text=True, timeout=120)
        try:
            with open(report) as f:
                base = json.load(f)["baseline"]
        except (OSError, ValueError, KeyError):
            base = {}
        check(p.returncode == 0 and base.get("status") == 0
              and base.get("accepted") == 1,
              "baseline through smtp-torture: exit %d, client status %s, "
              "%s accepted" % (p.returncode, base.get("status"),
                               base.get("accepted")))
        runs = sorted(f for f in os.listdir(tmp) if f.startswith("run."))
        for r in runs:
            with open(os.path.join(tmp, r)) as f:
                out = f.read()
            lines = [ln for ln in out.splitlines()
                     if ln.startswith("SRH-OUTCOME ")]
            try:
                o = json.loads(lines[0][len("SRH-OUTCOME "):])
            except (IndexError, ValueError):
                o = {}
            check(len(lines) == 1 and o.get("accepted") is True
                  and o.get("code") is None
                  and o.get("recipients") == [
                      {"address": "b@example.com", "accepted": True,
                       "code": None, "text": None}],
                  "one SRH-OUTCOME line, accepted true: %r" % out.strip())
        check(len(runs) >= 1, "%d driver run(s) seen" % len(runs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "dev"))
    ap.add_argument("--torture")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    torture = a.torture or os.path.join(build, "smtp-torture")
    if shutil.which("go") is None:
        print("adapters_go_test: skipped: no go command (Debian golang-go)")
        return 77
    counted = []
    checks = Checks("adapters_go_test")

    def check(cond, what):
        counted.append(bool(cond))
        checks(cond, what)

    adapter_tests(check)
    split_tests(check, build)
    driver_tests(check, torture)
    failed = counted.count(False)
    print("%d passed, %d failed" % (len(counted) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
