#!/usr/bin/env python3
"""The Node.js pieces against what nodemailer really does:

- harness/adapters/nodemailer_adapter.js in stdin mode on fixed streams, each
  transcript pinned to what nodemailer 10.6.1's reply reader (SMTPConnection
  _onData/_processResponse/_onClose) hands on; then in socket mode (fd 3 = a
  listening AF_UNIX socket), every stream cut in two, SIGTERM, and exit 0 when
  the listener is shut.
- harness/adapters/template.js runs as it is.
- smtp-split drives the adapter over corpus/replies and reports what it finds
  (the partial-line and first-line-code leniencies pinned below).
- the driver harness/wire/clients/nodemailer delivers the baseline scenario
  through smtp-torture and prints one accepted SRH-OUTCOME line per run.

nodemailer is installed on first use by harness/wire/clients/node/
install-nodemailer into $SRH_WIRE_BUILD/node (default build/wire-clients), so
the first run needs the npm registry (or npm's cache).

Usage: tests/adapters_node_test.py [--torture SMTP-TORTURE] [--split SMTP-SPLIT]
(defaults: /tmp/srh-torture if present, else build/dev/smtp-torture; and
build/dev/smtp-split)
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adapter_io import END, LIMIT, SYNTAX, TRUNC, exchange, listen, rep, start_on_fd3, wait  # noqa: E402
from checks import Checks  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADAPTERS = os.path.join(ROOT, "harness", "adapters")
NODEMAILER = ["node", os.path.join(ADAPTERS, "nodemailer_adapter.js")]
TEMPLATE = ["node", os.path.join(ADAPTERS, "template.js")]
DRIVER = os.path.join(ROOT, "harness", "wire", "clients", "nodemailer")
LOCK = os.path.join(ROOT, "harness", "wire", "clients", "node", "package-lock.json")


X9000 = "x" * 9000

# (stream, nodemailer's transcript, why). Transcript text is what the reader
# handed on, without the leading digits and the one character after them
# (see the adapter's header for that mapping).
CASES = [
    (b"250 ok\r\n", rep(250, "ok") + END, "one reply"),
    (b"250-a\r\n250 b\r\n", rep(250, "a", "b") + END, "a multiline reply"),
    (b"220 x\r\n221 y\r\n", rep(220, "x") + rep(221, "y") + END, "two replies"),
    (b"", END, "the empty stream"),
    (b"250-a\r\n", TRUNC, "EOF inside a multiline reply: dropped"),
    (b"250-a\r\n25", TRUNC, "EOF inside a multiline reply, in a line"),
    (b"250 ok", END,
     "cut inside a line: an unterminated 250 is dropped silently, like a clean close"),
    (b"550 no", rep(550, "no") + END,
     "cut inside a line: an unterminated \"5xx \" becomes the caller's err.response"),
    (b"250-a\r\n550 x", rep(550, "x") + END,
     "an unterminated \"5xx \" after a continuation line: the 250- line is lost"),
    (b"250 ok\n", rep(250, "ok") + END, "a bare LF ends a line"),
    (b"250\r\n", rep(250, "") + END, "a code-only line"),
    (b"250-a\r\n550 b\r\n", rep(250, "a", "b") + END,
     "mismatched codes: the FIRST line's code, no consistency check"),
    (b"220-mx\r\n521 5.5.1 Protocol error\r\n",
     rep(220, "mx", "5.5.1 Protocol error") + END,
     "a postscreen-style 220- teaser then 521: read as a 220 greeting"),
    (b"250 " + X9000.encode() + b"\r\n", rep(250, X9000) + END,
     "a 9000-byte line: no limit short of 1 MiB"),
    (b"250 " + b"x" * (2 << 20) + b"\r\n", LIMIT, "a 2 MiB line: the 1 MiB limit"),
    (b"250-" + b"x" * (600 << 10) + b"\r\n250-" + b"x" * (600 << 10) + b"\r\n250 z\r\n",
     LIMIT, "a multiline reply over 1 MiB"),
    (b"\r\n250 x\r\n", rep(250, "x") + END, "an empty line is skipped"),
    (b" \t \r\n250 x\r\n", rep(250, "x") + END, "a blank line is skipped"),
    (b"\xa0\r\n250 x\r\n", rep(250, "x") + END,
     "a line of byte 0xa0 is skipped too (String.trim() on bytes as Latin-1)"),
    (b"550 voil\xc3\xa0", rep(550, "voil\\xc3") + END,
     "and trim() cuts a trailing 0xa0 off an unterminated 5xx, splitting a UTF-8 char"),
    (b"250-a\r\n\r\n250 b\r\n", rep(250, "a", "") + rep(250, "b") + END,
     "an empty line ends a multiline reply"),
    (b"250-a\r\nfoo\r\n250 b\r\n", rep(250, "a", "foo") + rep(250, "b") + END,
     "a line without code ends a multiline reply, as its last line"),
    (b"bad\r\n", SYNTAX, "no code: handed on as a reply, no usable code"),
    (b" 250 x\r\n", SYNTAX, "a leading blank: no code"),
    (b"2500 x\r\n", SYNTAX, "four digits: responseCode 2500 (nodemailer takes it as 2xx)"),
    (b"25 x\r\n", rep("025", "x") + END, "two digits make a code"),
    (b"250xok\n", rep(250, "ok") + END, "any separator"),
    (b"250  a \t\r\n", rep(250, " a \\t") + END, "blanks kept"),
    (b"250 a\rb\r\r\n", rep(250, "a\\rb\\r") + END, "only the CR of a CRLF is removed"),
    (b"421 bye\r\n250 x\r\n", rep(421, "bye") + END,
     "after a 421 nodemailer closes and reads nothing more"),
    (b"250 \xc3\xa9\r\n250 \xe9\r\n", rep(250, "\\xc3\\xa9") + rep(250, "\\xe9") + END,
     "UTF-8 decoded or kept as bytes: the bytes come back exact"),
    (b'250 \x00\xff"\\\x7f\r\n', rep(250, '\\x00\\xff\\"\\\\\\x7f') + END, "escaping"),
]

# The ones worth cutting in socket mode (the big ones cost seconds each).
SOCKET_CASES = [c for c in CASES if len(c[0]) < 10000]
# On fd 3, an empty stream (the harness's first) is answered with
# nodemailer's policy before its "end" (harness/adapters/README.md).
DECLARED = ("declare lenient bare-lf,long-lines,8bit,control,bare-cr\n"
            "declare limits line=1048576 lines=none reply=1048576\n")


def stdin_mode(check):
    for data, want, why in CASES:
        p = subprocess.run(NODEMAILER, input=data, capture_output=True, timeout=60)
        got = p.stdout.decode("ascii", "replace")
        check(p.returncode == 0 and got == want and not p.stderr,
              "stdin %r: %s" % (data[:24], why),
              "got %r (exit %d) %r\nwant %r" % (got[:300], p.returncode, p.stderr[:300], want[:300]))
    for data, want in [(b"250-a\r\n250 b\r\n", rep(250, "a", "b") + END),
                       (b"250-a\r\n251 b\r\n", SYNTAX), (b"250-a\r\n", TRUNC), (b"", END)]:
        p = subprocess.run(TEMPLATE, input=data, capture_output=True, timeout=30)
        got = p.stdout.decode("ascii", "replace")
        check(p.returncode == 0 and got == want, "template.js stdin %r" % data,
              "got %r %r" % (got, p.stderr[:300]))


def socket_mode(check, tmp):
    listener, path = listen(tmp, "a.sock")
    proc = start_on_fd3(NODEMAILER, listener)
    bad, n = [], 0
    t0 = time.monotonic()
    for pause in (0.001, 0):
        for i in range(200):
            data, want, _ = SOCKET_CASES[i % len(SOCKET_CASES)]
            if not data:
                want = DECLARED + END
            cut = 1 + i % (len(data) - 1) if len(data) > 1 else len(data)
            try:
                got = exchange(path, data, cut, pause)
            except OSError as e:
                got = "exchange failed: %s\n" % e
            n += 1
            if got != want:
                bad.append("%r cut %d: got %r want %r" % (data[:30], cut, got[:120], want[:120]))
    rate = n / (time.monotonic() - t0)
    check(not bad, "socket mode: %d streams, each cut in two, with and without a 1 ms pause: "
          "%d wrong (%.0f streams/s)" % (n, len(bad), rate), "\n".join(bad[:3]))
    check(proc.poll() is None, "socket mode: one process served them all")
    # the lib's watch for a shut listener (a busy loop) must leave an idle one alone
    time.sleep(2.5)
    check(proc.poll() is None and exchange(path, b"250 ok\r\n", 2, 0) == rep(250, "ok") + END,
          "socket mode: still serving after 2.5 s idle")
    proc.terminate()
    rc = wait(proc)
    check(rc == -signal.SIGTERM, "SIGTERM ends it (status %s)" % rc)
    listener.close()

    listener, path = listen(tmp, "b.sock")
    proc = start_on_fd3(NODEMAILER, listener)
    ok = exchange(path, b"250 ok\r\n", 3, 0) == rep(250, "ok") + END
    listener.shutdown(socket.SHUT_RDWR)
    rc = wait(proc)
    check(ok and rc == 0, "exits 0 when the listener is shut (status %s)" % rc)
    listener.close()


def split_run(check, split, tmp):
    report = os.path.join(tmp, "split.json")
    cmd = [split, "--subject", "adapter:" + " ".join(NODEMAILER), "--quiet",
           "--families", "single,uniform,prefix", "--max-failures", "0", "--no-shrink",
           "--json", report, os.path.join(ROOT, "corpus", "replies")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    m = re.search(r"schedules (\d+) in ([\d.]+) s \((\d+)/s\)", p.stdout)
    j = None
    if os.path.exists(report):
        with open(report) as f:
            j = json.load(f)
    # exit 1: it finds nodemailer's leniencies (an error of the adapter would be 2)
    check(p.returncode == 1 and m and j and j["subject"] == "adapter" and j["streams"] > 0,
          "smtp-split over corpus/replies completes with a report: "
          + ("%s schedules in %s s (%s/s), %d failures" % (m.group(1), m.group(2), m.group(3),
                                                         len(j["failures"]))
             if m and j else "exit %d" % p.returncode),
          p.stdout[-800:] + p.stderr[-800:])
    if not j:
        return
    by = {}
    for f in j["failures"]:
        by.setdefault(f["oracle"], []).append(f)
    check(sorted(by) == ["diff", "prefix"] and not j["stopped_by"],
          "smtp-split: only diff and prefix failures, every input checked (%s)"
          % ", ".join("%s %d" % (k, len(v)) for k, v in sorted(by.items())))
    postscreen = [f for f in by.get("diff", []) if "220-mx.example.com" in f["stream"]
                  and "521 5.5.1" in f["stream"]]
    check(postscreen, "smtp-split diff: the 220- teaser then 521 is a 220 reply to nodemailer")
    # a stream cut inside its first line: the partial line is dropped, "end" not "truncated"
    check(any(f.get("prefix") == 1 for f in by.get("prefix", [])),
          "smtp-split prefix: a stream cut after its first byte ends cleanly for nodemailer")
    time.sleep(0.3)
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if b"nodemailer_adapter.js" in f.read():
                    left.append(pid)
        except OSError:
            pass
    check(not left, "no adapter process outlives smtp-split" + (" (left: %s)" % left if left else ""))


def driver_run(check, torture, tmp):
    p = subprocess.run([DRIVER, "--version"], capture_output=True, text=True, timeout=600)
    with open(LOCK) as f:
        pinned = json.load(f)["packages"]["node_modules/nodemailer"]["version"]
    check(p.returncode == 0 and p.stdout == "nodemailer %s\n" % pinned,
          "driver --version: %r (the lock pins %s)" % (p.stdout.strip(), pinned), p.stderr[-500:])
    out = os.path.join(tmp, "client.out")
    report = os.path.join(tmp, "torture.json")
    # smtp-torture shows a client's output only for a failure: a shell keeps a copy here,
    # and passes it on, with the exit status, for a smtp-torture that reads outcome lines
    keep = 'o=$("$0" "$1" "$2"); s=$?; printf "%s\\n" "$o" >>"$3"; printf "%s\\n" "$o"; exit $s'
    cmd = [torture, "--scenario", os.path.join(ROOT, "harness", "wire", "scenarios", "baseline.scn"),
           "--cuts", "none", "--quiet", "--json", report, "--",
           "/bin/sh", "-c", keep, DRIVER, "{port}",
           os.path.join(ROOT, "harness", "wire", "message.eml"), out]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    j = None
    if os.path.exists(report):
        with open(report) as f:
            j = json.load(f)
    check(p.returncode == 0 and j and j["baseline"]["verdict"] == "ok",
          "driver: baseline.scn delivered, smtp-torture exit %d" % p.returncode,
          p.stdout[-800:] + p.stderr[-800:])
    lines = open(out).read().splitlines() if os.path.exists(out) else []
    runs = 1 + (j["runs"] if j else 0)  # the one-piece run and the given schedule
    outcomes = [l for l in lines if l.startswith("SRH-OUTCOME ")]
    good = 0
    for l in outcomes:
        try:
            o = json.loads(l[len("SRH-OUTCOME "):])
        except ValueError:
            continue
        good += (o.get("accepted") is True and o.get("code") == 250
                 and o.get("text") == "250 2.0.0 queued"
                 and o.get("recipients") == [{"address": "b@example.com", "accepted": True,
                                              "code": None, "text": None}])
    check(len(lines) == runs and len(outcomes) == runs and good == runs,
          "driver: one SRH-OUTCOME line a run, accepted, code 250 (%d runs, %d lines, %d good)"
          % (runs, len(lines), good), "\n".join(lines))
    # a newer smtp-torture reads the outcome line itself
    if j and "outcome_line" in j["baseline"]:
        check(json.loads(j["baseline"]["outcome_line"] or "{}").get("code") == 250,
              "smtp-torture read the outcome line: code 250")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torture", default=os.path.join(ROOT, "build", "dev", "smtp-torture"))
    ap.add_argument("--split", default=os.path.join(ROOT, "build", "dev", "smtp-split"))
    args = ap.parse_args()
    check = Checks("adapters_node_test")
    # install first, so that no check below pays for it (nor times out on it)
    p = subprocess.run([DRIVER, "--version"], capture_output=True, text=True, timeout=600)
    if not check(p.returncode == 0, "nodemailer installed (driver --version)", p.stderr[-800:]):
        return check.status()
    stdin_mode(check)
    with tempfile.TemporaryDirectory() as tmp:
        socket_mode(check, tmp)
        split_run(check, args.split, tmp)
        driver_run(check, args.torture, tmp)
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
