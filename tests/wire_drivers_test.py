#!/usr/bin/env python3
"""The client drivers' outcome lines (harness/wire/clients/README.md).

Every driver in harness/wire/clients/ whose file mentions SRH-OUTCOME is
run through smtp-torture, one piece (--cuts none), on baseline.scn and on
reject-5xx.scn. Each run of the driver must print exactly one
`SRH-OUTCOME {json}` line whose object has the documented fields with the
right types, and:
- baseline: exit 0, accepted true, code 250 or null, text null or the
  server's "2.0.0 queued"; recipient b@example.com accepted;
- reject-5xx: exit 1, accepted false, code 550 or null, no recipient
  accepted, command (where given) MAIL.
`DRIVER --version` must print one line, NAME VERSION, and exit 0; a driver
whose --version exits 2 (not installed here) is skipped, with a note.

smtp-torture shows a client's output only for failing runs, so the driver
is run under this script's --tee mode, which keeps each run's output and
exit status in a file.

Usage: wire_drivers_test.py SMTP-TORTURE   (the binary, or its build dir)
Last line: "N passed, M failed"; exit status 1 on any failure.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIRE = os.path.join(ROOT, "harness", "wire")
CLIENTS = os.path.join(WIRE, "clients")
MSG = os.path.join(WIRE, "message.eml")
PREFIX = "SRH-OUTCOME "
FIELDS = {"accepted": (bool,), "code": (int, type(None)),
          "text": (str, type(None)), "recipients": (list,),
          "command": (str,), "error": (str,)}
OPTIONAL = {"command", "error"}
COMMANDS = {"greeting", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "."}
RCPT_FIELDS = {"address": (str,), "accepted": (bool,),
               "code": (int, type(None)), "text": (str, type(None))}

passed, failed = 0, 0


def check(cond, what):
    global passed, failed
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if cond:
        passed += 1
    else:
        failed += 1
    return cond


def tee(argv):
    """--tee DIR DRIVER ARGS...: run the driver, keep its stdout and exit
    status in DIR/run-PID.json, pass both on."""
    out_dir, cmd = argv[0], argv[1:]
    p = subprocess.run(cmd, stdout=subprocess.PIPE)
    sys.stdout.buffer.write(p.stdout)
    with open(os.path.join(out_dir, "run-%d.json" % os.getpid()), "w") as f:
        json.dump({"status": p.returncode,
                   "stdout": p.stdout.decode("utf-8", "replace")}, f)
    return p.returncode


def drivers():
    for path in sorted(glob.glob(os.path.join(CLIENTS, "*"))):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            continue
        with open(path, "rb") as f:
            if PREFIX.strip().encode() in f.read():
                yield os.path.basename(path), path


def typed(obj, fields, what):
    """The object has the required fields and no others, each of its
    type."""
    ok = isinstance(obj, dict)
    if ok:
        missing = [k for k in fields if k not in OPTIONAL and k not in obj]
        extra = [k for k in obj if k not in fields]
        bad = [k for k in obj if k in fields and
               (not isinstance(obj[k], fields[k]) or
                (isinstance(obj[k], bool) and bool not in fields[k]))]
        ok = not missing and not extra and not bad
        what += "" if ok else " (missing %s, unknown %s, mistyped %s)" % (
            missing, extra, bad)
    return check(ok, what)


def outcome(name, stdout, what):
    """The one outcome object in stdout, or None."""
    lines = [ln for ln in stdout.splitlines() if ln.startswith(PREFIX)]
    if not check(len(lines) == 1, "%s: %s: one outcome line (%d)"
                 % (name, what, len(lines))):
        return None
    try:
        o = json.loads(lines[0][len(PREFIX):])
    except ValueError as e:
        check(False, "%s: %s: the outcome is JSON (%s)" % (name, what, e))
        return None
    if not typed(o, FIELDS, "%s: %s: the outcome's fields" % (name, what)):
        return None
    if "command" in o and not check(
            o["command"] in COMMANDS and o["accepted"] is False,
            "%s: %s: command %r only on failure, one of %s"
            % (name, what, o["command"], sorted(COMMANDS))):
        return None
    for r in o["recipients"]:
        if not typed(r, RCPT_FIELDS, "%s: %s: recipient %r's fields"
                     % (name, what, r.get("address")
                        if isinstance(r, dict) else r)):
            return None
    return o


def text_has(text, *words):
    return text is None or any(w in text for w in words)


def run(torture, name, path, scenario):
    """Run the driver through smtp-torture; [(status, stdout)] per run."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [torture, "--quiet", "--cuts", "none", "--json",
               os.path.join(tmp, "r.json"), "--scenario",
               os.path.join(WIRE, "scenarios", scenario + ".scn"), "--",
               sys.executable, os.path.abspath(__file__), "--tee", tmp,
               path, "{port}", MSG]
        env = dict(os.environ, SRH_TORTURE_RECIPIENTS="b@example.com")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                               timeout=300, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            check(False, "%s: %s: smtp-torture finished" % (name, scenario))
            return []
        if not check(p.returncode in (0, 1), "%s: %s: smtp-torture ran "
                     "(exit %d)" % (name, scenario, p.returncode)):
            print(p.stdout + p.stderr)
            return []
        with open(os.path.join(tmp, "r.json")) as f:
            flags = json.load(f)["baseline"]["flags"]
        check(not {"misreport", "no-outcome"} & set(flags),
              "%s: %s: smtp-torture's flags %s" % (name, scenario, flags))
        runs = []
        for f in sorted(glob.glob(os.path.join(tmp, "run-*.json"))):
            with open(f) as fp:
                r = json.load(fp)
            runs.append((r["status"], r["stdout"]))
        check(runs, "%s: %s: the driver ran" % (name, scenario))
        return runs


def baseline(name, status, o):
    check(status == 0, "%s: baseline: exit 0 (%d)" % (name, status))
    check(o["accepted"] is True, "%s: baseline: accepted" % name)
    check(o["code"] in (250, None), "%s: baseline: code %r" % (name,
                                                               o["code"]))
    check(text_has(o["text"], "queued"), "%s: baseline: text %r"
          % (name, o["text"]))
    b = [r for r in o["recipients"] if r["address"] == "b@example.com"]
    check(len(b) == 1 and b[0]["accepted"] is True and
          b[0]["code"] in (250, None) and text_has(b[0]["text"], "ok"),
          "%s: baseline: b@example.com accepted (%s)" % (name, b))


def reject(name, status, o):
    check(status == 1, "%s: reject-5xx: exit 1 (%d)" % (name, status))
    check(o["accepted"] is False, "%s: reject-5xx: not accepted" % name)
    check(o["code"] in (550, None), "%s: reject-5xx: code %r"
          % (name, o["code"]))
    check(text_has(o["text"], "Sender rejected", "See the postmaster"),
          "%s: reject-5xx: text %r" % (name, o["text"]))
    check(not any(r["accepted"] for r in o["recipients"]),
          "%s: reject-5xx: no recipient accepted" % name)
    check(o.get("command", "MAIL") == "MAIL",
          "%s: reject-5xx: command MAIL or none (%r)"
          % (name, o.get("command")))


def main(argv):
    if argv[1:2] == ["--tee"]:
        return tee(argv[2:])
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    torture = argv[1]
    if os.path.isdir(torture):
        torture = os.path.join(torture, "smtp-torture")
    if not os.access(torture, os.X_OK):
        print("wire_drivers_test: no smtp-torture at %s" % torture,
              file=sys.stderr)
        return 2
    found = list(drivers())
    check(found, "drivers with an outcome line: %s"
          % ", ".join(n for n, _ in found))
    skipped = []
    for name, path in found:
        try:
            v = subprocess.run([path, "--version"], capture_output=True,
                               text=True, timeout=120,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            check(False, "%s: --version finished" % name)
            continue
        if v.returncode == 2:
            print("skip %s: not installed here (--version exits 2: %s)"
                  % (name, v.stderr.strip()), flush=True)
            skipped.append(name)
            continue
        lines = v.stdout.splitlines()
        if not check(v.returncode == 0 and len(lines) == 1 and
                     len(lines[0].split()) == 2,
                     "%s: --version prints NAME VERSION (exit %d: %r)"
                     % (name, v.returncode, v.stdout)):
            continue
        for scenario, judge in (("baseline", baseline),
                                ("reject-5xx", reject)):
            for i, (status, stdout) in enumerate(
                    run(torture, name, path, scenario)):
                what = "%s run %d" % (scenario, i + 1)
                o = outcome(name, stdout, what)
                if o is not None:
                    judge(name, status, o)
    if skipped:
        print("skipped (not installed): " + ", ".join(skipped))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
