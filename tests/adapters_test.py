#!/usr/bin/env python3
"""The harness adapters (harness/adapters/) against what their parsers
really do: stdin mode on fixed streams, socket mode (fd 3 = a listening
AF_UNIX socket) over 200 connections in two pieces each, SIGTERM, and exit
when the listener is shut down.

The expected transcripts come from reading the parsers' sources
(smtplib.SMTP.getreply in Python 3.11, Net::Cmd 3.14 response/getline);
where the two differ the difference is a quirk of one of them, and the
test pins it so an adapter that smooths it over fails.

Usage: tests/adapters_test.py     (the Python adapter runs under the
interpreter running this test, so run it with /usr/bin/python3)
"""
import os
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


X8994, X8186 = "x" * 8994, "x" * 8186

# (stream, smtplib transcript, Net::Cmd transcript or None = the same)
CASES = [
    (b"250 ok\r\n", rep(250, "ok") + END, None),
    (b"250-a\r\n250 b\r\n", rep(250, "a", "b") + END, None),
    (b"220 x\r\n221 y\r\n", rep(220, "x") + rep(221, "y") + END, None),
    (b"25x bad\r\n", SYNTAX, None),
    # smtplib takes the partial b"25" as a final line (int(b"25"), no "-");
    # Net::Cmd drops a partial line at EOF and reports 421 "closed".
    (b"250-a\r\n25", rep("025", "a", "") + END, TRUNC),
    # smtplib reads at most 8193 bytes a line; Net::Cmd has no limit.
    (b"250 " + X8994.encode() + b"\r\n", LIMIT, rep(250, X8994) + END),
    (b"250 " + X8186.encode() + b"\r\n", rep(250, X8186) + END, None),
    # An unterminated last line: a reply for smtplib, silently lost
    # (indistinguishable from a clean close) for Net::Cmd.
    (b"250 ok", rep(250, "ok") + END, END),
    (b"250-a\r\n", TRUNC, None),
    # int() is lenient: leading blanks, "+", "_" all make a code.
    (b" 25 x\r\n", rep("025", "x") + END, SYNTAX),
    (b"2_5 x\r\n", rep("025", "x") + END, SYNTAX),
    (b"-5 x\r\n", SYNTAX, None),
    # smtplib strips blanks and CR around the text; Net::Cmd keeps them
    # but for the CR of the CRLF.
    (b"250  a \t\r\n", rep(250, "a") + END, rep(250, " a \\t") + END),
    (b"250 a\rb\r\r\n", rep(250, "a\\rb") + END, rep(250, "a\\rb\\r") + END),
    # Both: last line's code wins, any separator, bare LF ends a line.
    (b"250-a\r\n550 b\r\n", rep(550, "a", "b") + END, None),
    (b"250xok\n", rep(250, "ok") + END, None),
    (b"250\r\n", rep(250, "") + END, None),
    (b"250-a\r\nbad\r\n250 b\r\n", SYNTAX, None),
    (b"\r\n", SYNTAX, None),
    (b'250 \x00\xff"\\\x7f\r\n', rep(250, '\\x00\\xff\\"\\\\\\x7f') + END, None),
]

# On fd 3, the answer to an empty stream (the harness's first) declares the
# parser's policy before its "end" (harness/adapters/README.md).
LENIENT = "declare lenient bare-lf,long-lines,code-mismatch,8bit,control,bare-cr\n"
DECLARED = {"smtplib": LENIENT + "declare limits line=8192 lines=none reply=none\n",
            "Net::Cmd": LENIENT + "declare limits line=none lines=none reply=none\n"}

PY = ("smtplib", [sys.executable, os.path.join(ADAPTERS, "smtplib_adapter.py")], 1)
PL = ("Net::Cmd", [os.path.join(ADAPTERS, "netcmd_adapter.pl")], 2)


def expected(case, col):
    return case[col] if case[col] is not None else case[1]


def run_streams(check, name, col, path, n, pause):
    """n streams, CASES in turn, cut at a different place each time."""
    bad = 0
    t0 = time.monotonic()
    for i in range(n):
        case = CASES[i % len(CASES)]
        data = case[0]
        cut = 1 + i % (len(data) - 1) if len(data) > 1 else 1
        try:
            got = exchange(path, data, cut, pause)
        except OSError as e:
            got = "exchange failed: %s\n" % e
        want = expected(case, col)
        if got != want:
            bad += 1
            if bad <= 3:
                print("     %r cut %d:\n     got  %r\n     want %r"
                      % (data[:40], cut, got[:200], want[:200]))
    rate = n / (time.monotonic() - t0)
    check(bad == 0, "%s: %d socket streams, %s pause: %d wrong (%.0f streams/s)"
          % (name, n, "%g ms" % (pause * 1e3) if pause else "no", bad, rate))
    return rate


check = Checks("adapters_test")
rates = {}
for name, cmd, col in (PY, PL):
    check(os.access(cmd[-1], os.X_OK), "%s: %s is executable" % (name, cmd[-1]))

    # (1) stdin mode, no fd 3.
    for case in CASES:
        p = subprocess.run(cmd, input=case[0], capture_output=True, timeout=20)
        got = p.stdout.decode("ascii", "replace")
        want = expected(case, col)
        check(p.returncode == 0 and got == want and not p.stderr,
              "%s stdin %r -> %r" % (name, case[0][:24], want[:60]))
        if got != want or p.stderr:
            print("     got %r (exit %d) %r" % (got[:200], p.returncode, p.stderr[:200]))

    with tempfile.TemporaryDirectory() as tmp:
        # (2) socket mode: one process for every stream.
        listener, path = listen(tmp, "a.sock")
        proc = start_on_fd3(cmd, listener)
        got = exchange(path, b"", 0, 0)
        check(got == DECLARED[name] + END,
              "%s: on fd 3 an empty stream is answered with its policy, then end"
              % name, "got %r" % got)
        paused = run_streams(check, name, col, path, 200, 0.001)
        burst = run_streams(check, name, col, path, 200, 0)
        rates[name] = (paused, burst)
        check(proc.poll() is None, "%s: still serving after 400 streams" % name)

        # (3) SIGTERM ends it.
        proc.terminate()
        rc = wait(proc)
        check(rc == -signal.SIGTERM, "%s: SIGTERM ends it (status %s)" % (name, rc))
        listener.close()

        # A harness that is done may shut the listener: accept() then fails
        # (EINVAL on Linux) and the adapter must exit 0 rather than spin.
        listener, path = listen(tmp, "b.sock")
        proc = start_on_fd3(cmd, listener)
        ok = exchange(path, b"250 ok\r\n", 3, 0) == rep(250, "ok") + END
        listener.shutdown(socket.SHUT_RDWR)
        rc = wait(proc)
        check(ok and rc == 0, "%s: exits 0 when the listener is shut (status %s)"
              % (name, rc))
        listener.close()

for name, (paused, burst) in rates.items():
    print("%s: %.0f streams/s with a 1 ms pause per stream, %.0f without"
          % (name, paused, burst))
sys.exit(check.status())
