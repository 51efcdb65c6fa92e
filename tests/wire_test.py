#!/usr/bin/env python3
"""smtp-torture judges what it claims to judge, and smtp-split drives
parsers in other processes through the adapters.

- The naive client (harness/wire/clients/naive, one read per reply) passes
  the KB912341 scenario when each reply arrives in one piece, and under the
  scenario's own cut it delivers the message several times while saying it
  failed, talking before the 354 reply was complete.
- Each other verdict from a client made to earn it: lost (exits 0, sends
  nothing), fail (exits 1, sends nothing), hang (past the deadline),
  differs (talks differently when the greeting is cut); a client that
  takes its replies properly is ok under every cut of the lines family.
- The scripted cut lands where the scenario says, the reproduce command
  reproduces, a malformed scenario is refused with file and line, and
  ::1 and --wait work.
- smtp-split --subject 'adapter:...' finds smtplib's and Net::Cmd's way of
  ending on a cut line, and reports schedules per second.

Usage: wire_test.py BUILD-DIR
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIRE = os.path.join(ROOT, "harness", "wire")
SCN = os.path.join(WIRE, "scenarios")
MSG = os.path.join(WIRE, "message.eml")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable

check = Checks("wire_test")


def torture(build, scenario, client, *opts):
    """Run smtp-torture; (exit status, stdout, parsed JSON or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [os.path.join(build, "smtp-torture"), "--scenario", scenario,
               "--json", out, *opts]
        if client:
            cmd += ["--", *client]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        j = None
        if os.path.exists(out):
            with open(out) as f:
                j = json.load(f)
        return p.returncode, p.stdout + p.stderr, j


def naive_kb(build):
    client = [os.path.join(WIRE, "clients", "naive"), "{port}", MSG]
    kb = os.path.join(SCN, "kb912341.scn")
    # Unshrunk: the 500 ms pause of the scenario, every flag it causes.
    rc, out, j = torture(build, kb, client, "--families", "scripted",
                         "--shrink-runs", "0")
    check(j is not None and j["baseline"]["verdict"] == "ok"
          and j["baseline"]["accepted"] == 1, "naive client: KB912341 with "
          "each reply in one piece is ok, one message")
    fails = j["failures"] if j else []
    f = fails[0] if fails else {}
    check(rc == 1 and len(fails) == 1, "naive client: the scripted cut "
          "(a pause after 354-Line 1) fails it, exit 1")
    check({"duplicate", "false-failure", "early-talk"} <= set(
        f.get("flags", [])), "naive client: duplicate, false failure and "
          "early talk: " + ", ".join(f.get("flags", [])))
    check(f.get("accepted", 0) >= 2 and f.get("status") == 1,
          f"naive client: {f.get('accepted')} copies accepted while it "
          f"exited {f.get('status')}")
    check(re.fullmatch(r"150@\d+", f.get("original", "")) is not None,
          "the scripted cut is 12 bytes into the DATA reply, at 150: "
          + f.get("original", ""))
    check("S> \"354-Line 1\\r\\n\"" in out and "early talk: connection 1: "
          "the client sent \"From: a@example.com" in out,
          "the report's transcript shows the cut and the early talk")
    # Shrunk: the pause only as long as the client needs to bite.
    _, _, js = torture(build, kb, client, "--families", "scripted")
    fs = js["failures"][0] if js and js["failures"] else {}
    m = re.fullmatch(r"150(?:@(\d+))?", fs.get("schedule", ""))
    check(m is not None and int(m.group(1) or 0) < 500
          and fs.get("verdict") == "duplicate", "shrunk to a shorter pause, "
          "still a duplicate: " + fs.get("schedule", "none"))
    repro = f.get("reproduce", "")
    check(repro.startswith("'" + os.path.join(build, "smtp-torture") +
                           "' --scenario"),
          "a reproduce command, naming smtp-torture as it was run")
    if repro:
        p = subprocess.run(repro.replace(" --scenario",
                                         " --shrink-runs 0 --scenario", 1),
                           shell=True, capture_output=True, text=True,
                           timeout=120)
        check(p.returncode == 1 and "FAIL kb912341: duplicate" in p.stdout,
              "the reproduce command fails the same way")


def liar_misreport(build):
    """misreport: clients/liar takes one read for one reply and tells its
    caller what it took; rcpt-one-refused cuts b's reply after its code."""
    client = [os.path.join(WIRE, "clients", "liar"), "{port}", MSG]
    scn = os.path.join(SCN, "rcpt-one-refused.scn")
    rc, out, j = torture(build, scn, client, "--families", "scripted",
                         "--shrink-runs", "0")
    base = j["baseline"] if j else {}
    check(base.get("verdict") == "ok" and base.get("outcome_line")
          and '"c@example.com", "accepted": false, "code": 550' in
          base["outcome_line"], "liar: in one piece it reports b accepted "
          "and c refused with 550, and that is ok")
    fails = j["failures"] if j else []
    f = fails[0] if fails else {}
    check(rc == 1 and f.get("verdict") == "misreport",
          "liar: the cut after b's code makes it misreport: "
          + ", ".join(f.get("flags", [])))
    check("RCPT TO:<c@example.com>" in f.get("why", "") or
          "the server answered DATA" in f.get("why", ""),
          "the misreport names the command and the reply the server "
          "really sent: " + f.get("why", ""))
    check("misreport" not in base.get("flags", []) and
          "  outcome line: " in out, "the report shows the outcome line")
    # EHLO's reply cut after its first line (61), and a pause before
    # MAIL's reply (110): the liar takes the rest of EHLO's reply for
    # MAIL's and MAIL's for b's.
    rc, out, j = torture(build, scn, client, "--cuts", "61@100,110@300",
                         "--shrink-runs", "0")
    whys = [x.get("why", "") for x in (j or {}).get("failures", [])]
    check(any("recipient <b@example.com> reported accepted" in w and
              '"2.1.0 ok"' in w for w in whys),
          "a reply paired with the wrong command is a misreport: "
          + " | ".join(whys))


OUTCOME_CLIENT = r'''
import os, smtplib, sys
# Delivers, then prints $LINES (\\n-separated) as its output; exits 1 when
# the delivery failed.
try:
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="c.example")
    s.sendmail("a@example.com", ["b@example.com"], b"Subject: x\\r\\n\\r\\nhi\\r\\n")
    s.quit()
    failed = False
except (OSError, smtplib.SMTPException):
    failed = True
for line in os.environ.get("LINES", "").split("\\n"):
    if line:
        print(line)
sys.exit(1 if failed else 0)
'''


def outcome_lines(build, tmp):
    """no-outcome for a missing, malformed or repeated outcome line; and
    the outcome's fields judged against what the server said."""
    path = os.path.join(tmp, "outcome_client.py")
    with open(path, "w") as f:
        f.write(OUTCOME_CLIENT)
    scn = os.path.join(SCN, "baseline.scn")
    good = ('SRH-OUTCOME {"accepted":true,"code":250,"text":"2.0.0 queued",'
            '"recipients":[{"address":"b@example.com","accepted":true,'
            '"code":250,"text":"250 2.1.5 ok"}],"extra":[1,{"x":null}]}')
    # The server hangs up at DATA, before any byte of its reply.
    hangup = os.path.join(tmp, "hangup.scn")
    with open(hangup, "w") as f:
        f.write('on DATA ""\nclose DATA 1\n')
    cases = [
        ("a well-formed, true report", good, [], "ok"),
        ("no line, --expect-outcome", "", ["--expect-outcome"],
         "no-outcome"),
        ("no line, not expected", "", [], "ok"),
        ("malformed JSON", 'SRH-OUTCOME {"accepted":tru}', [], "no-outcome"),
        ("a field of the wrong type", 'SRH-OUTCOME {"accepted":"yes"}', [],
         "no-outcome"),
        ("two lines", good + "\n" + good, [], "no-outcome"),
        ("a code the server never sent", good.replace('"code":250,"text"'
         ':"2.0.0', '"code":251,"text":"2.0.0'), [], "misreport"),
        ("an altered text", good.replace("queued", "queue"), [],
         "misreport"),
        ("the enhanced code dropped", good.replace('"2.0.0 queued"',
         '"queued"'), [], "ok"),
        ("another enhanced code", good.replace('"2.0.0 queued"',
         '"2.0.1 queued"'), [], "misreport"),
        ("a recipient never sent", good.replace("b@example.com",
         "z@example.com"), [], "misreport"),
        ("the message said refused", 'SRH-OUTCOME {"accepted":false,'
         '"code":null}', [], "misreport"),
        ("a refusal blamed on DATA with its 354",
         'SRH-OUTCOME {"accepted":false,"code":354,"command":"DATA"}', [],
         "misreport"),
    ]
    # The server hangs up 12 bytes into its 250 to the end of data.
    cutshort = os.path.join(tmp, "cut-short.scn")
    with open(cutshort, "w") as f:
        f.write('on . "250 2.0.0 q"\nclose . 1\n')
    # A 250 with no SP after its code: no client need believe it.
    malformed = os.path.join(tmp, "malformed-dot.scn")
    with open(malformed, "w") as f:
        f.write('on . "250_queued\\r\\n"\n')
    refused = ('SRH-OUTCOME {"accepted":false,"code":421,"text":"Connection '
               'closed","command":"DATA"}')
    cases = [(scn, *c) for c in cases] + [
        (hangup, "a hang-up reported as the library's own 421", refused, [],
         "fail"),
        (hangup, "a hang-up reported accepted", 'SRH-OUTCOME '
         '{"accepted":true,"code":250,"command":"DATA"}', [], "misreport"),
        # Taken or not, no client can tell: neither outcome is blamed
        # (smtplib fails on it: no false-failure, no misreport).
        (cutshort, "a 250 cut short reported accepted", 'SRH-OUTCOME '
         '{"accepted":true,"code":250,"text":"2.0.0 q"}', [], "fail"),
        (cutshort, "a 250 cut short reported refused", 'SRH-OUTCOME '
         '{"accepted":false,"code":451,"command":"."}', [], "fail"),
        (malformed, "a malformed 250 to the end of data reported refused",
         'SRH-OUTCOME {"accepted":false,"code":250,"command":"."}', [], "ok")]
    for scn, what, lines, opts, want in cases:
        env = dict(os.environ, LINES=lines)
        with tempfile.TemporaryDirectory() as t:
            out = os.path.join(t, "r.json")
            p = subprocess.run(
                [os.path.join(build, "smtp-torture"), "--scenario", scn,
                 "--cuts", "none", "--quiet", "--json", out, *opts, "--",
                 PY, path, "{port}"], capture_output=True, text=True,
                env=env, timeout=120)
            j = json.load(open(out)) if os.path.exists(out) else {}
        got = j.get("baseline", {}).get("verdict")
        # "the message said refused" exits 0, so lost joins misreport.
        check(got == want or (want == "misreport" and "misreport" in
                              j.get("baseline", {}).get("flags", [])),
              f"outcome line, {what}: {want} (got {got}: "
              f"{j.get('baseline', {}).get('why', p.stderr.strip())})")


def outcome_decodings(build, tmp):
    """Text is compared as the server's bytes, as UTF-8 (a run of bad
    bytes one U+FFFD) and as Latin-1."""
    path = os.path.join(tmp, "outcome_client.py")
    scn = os.path.join(tmp, "eight-bit.scn")
    with open(scn, "w") as f:
        f.write('on . "250 2.0.0 queued \\xe9t\\xe9 \\xe2\\x9c\\x93\\r\\n"\n')
    for text, want in [("queued \u00e9t\u00e9 \u00e2\u009c\u0093", "ok"),
                       ("queued \ufffdt\ufffd \u2713", "ok"),
                       ("queued \ufffd\ufffdt\ufffd \u2713", "ok"),
                       ("queued ete \u2713", "misreport"),
                       ("queued \ufffdt\ufffd", "misreport")]:
        line = "SRH-OUTCOME " + json.dumps({"accepted": True, "code": 250,
                                            "text": text})
        with tempfile.TemporaryDirectory() as t:
            out = os.path.join(t, "r.json")
            subprocess.run(
                [os.path.join(build, "smtp-torture"), "--scenario", scn,
                 "--cuts", "none", "--quiet", "--json", out, "--", PY, path,
                 "{port}"], capture_output=True, text=True,
                env=dict(os.environ, LINES=line), timeout=120)
            j = json.load(open(out)) if os.path.exists(out) else {}
        got = j.get("baseline", {}).get("verdict")
        check(got == want, f"8-bit reply text reported as {text!r}: {want}"
              f" (got {got}: {j.get('baseline', {}).get('why', '')})")


PESSIMIST = r'''
import smtplib, sys
# Delivers, then says it failed: a false failure wherever the server took
# the message.
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="c.example")
s.sendmail("a@example.com", ["b@example.com"], b"Subject: x\\r\\n\\r\\nhi\\r\\n")
s.quit()
sys.exit(1)
'''


RAW = r'''
import socket, sys
# Sends the whole dialogue whatever the replies (a reply a line), then
# says it failed.
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = c.makefile("rb")
f.readline()
for cmd in [b"EHLO c.example", b"MAIL FROM:<a@example.com>",
            b"RCPT TO:<b@example.com>", b"DATA", b"Subject: x\r\n\r\nhi\r\n.",
            b"QUIT"]:
    c.sendall(cmd + b"\r\n")
    while True:
        line = f.readline()
        if len(line) < 4 or line[3:4] != b"-":
            break
sys.exit(1)
'''


def finding_rules(build, tmp):
    """--replay judges as a campaign does: a false failure is a finding,
    unless the server broke the protocol before its reply to the end of
    data was out (a malformed reply, here one smtplib takes)."""
    path = os.path.join(tmp, "pessimist.py")
    with open(path, "w") as f:
        f.write(PESSIMIST)
    for what, body, want in [
            ("a valid server", "", "FINDING: false-failure"),
            ("a malformed reply to the end of data", 'on . "250=queued\\r\\n"\n',
             ": ok"),
            ("a malformed reply to QUIT, after the message was taken",
             'on QUIT "221=bye\\r\\n"\n', "FINDING: false-failure")]:
        scn = os.path.join(tmp, "rules.scn")
        with open(scn, "w") as f:
            f.write(open(os.path.join(SCN, "baseline.scn")).read() + body)
        p = subprocess.run([os.path.join(build, "smtp-torture"), "--replay",
                            "--scenario", scn, "--", PY, path, "{port}"],
                           capture_output=True, text=True, timeout=120)
        first = p.stdout.splitlines()[0] if p.stdout else p.stderr.strip()
        check(want in first and p.returncode == (1 if "FINDING" in want
                                                 else 0),
              f"--replay, a client that always says it failed, {what}: "
              f"{want.strip(': ')} (got exit {p.returncode}: {first})")
    # A 354 after the only recipient was refused, then a 250 for ".": a
    # message to nobody, not one the client falsely failed.
    raw = os.path.join(tmp, "raw.py")
    with open(raw, "w") as f:
        f.write(RAW)
    scn = os.path.join(tmp, "rules.scn")
    for what, body, want in [
            ("its recipient taken", "", "FINDING: false-failure"),
            ("its only recipient refused, then 354 and 250",
             'on RCPT "550 5.1.1 no\\r\\n"\n', ": ok")]:
        with open(scn, "w") as f:
            f.write("name rules\n" + body)
        p = subprocess.run([os.path.join(build, "smtp-torture"), "--replay",
                            "--scenario", scn, "--", PY, raw, "{port}"],
                           capture_output=True, text=True, timeout=120)
        first = p.stdout.splitlines()[0] if p.stdout else p.stderr.strip()
        check(want in first, f"--replay, a client that sends the message "
              f"anyway and says it failed, {what}: {want.strip(': ')} (got "
              f"exit {p.returncode}: {first})")
    # A client that gives up: a finding on a valid server, but a message
    # one recipient refused may be given up (curl's, msmtp's policy).
    for what, body, want in [
            ("a valid server", "", "FINDING: fail"),
            ("one of two recipients refused", 'recipients b@example.com '
             'c@example.com\non RCPT "250 ok\\r\\n" "550 no\\r\\n"\n', ": ok")]:
        scn = os.path.join(tmp, "rules.scn")
        with open(scn, "w") as f:
            f.write("name rules\n" + body)
        p = subprocess.run([os.path.join(build, "smtp-torture"), "--replay",
                            "--scenario", scn, "--", "/bin/false"],
                           capture_output=True, text=True, timeout=120)
        first = p.stdout.splitlines()[0] if p.stdout else p.stderr.strip()
        check(want in first, f"--replay, a client that gives up, {what}: "
              f"{want.strip(': ')} (got exit {p.returncode}: {first})")


def campaign(build, tmp):
    """--generate: a fixed-seed campaign against the liar finds, keeps each
    finding as a scenario in its --out folder (made, nothing else written)
    and each replays; the same seed draws the same sessions."""
    torture = os.path.join(build, "smtp-torture")
    liar = [os.path.join(WIRE, "clients", "liar"), "{port}", MSG]
    out_dir = os.path.join(tmp, "campaign", "liar")
    js = os.path.join(tmp, "campaign.json")
    p = subprocess.run([torture, "--generate", "16", "--seed", "3",
                        "--jobs", "2", "--quiet", "--out", out_dir,
                        "--json", js, "--expect-outcome", "--", *liar],
                       capture_output=True, text=True, timeout=600)
    j = json.load(open(js)) if os.path.exists(js) else {}
    found = j.get("findings", [])
    check(p.returncode == 1 and j.get("sessions_run") == 16 and found,
          f"campaign: 16 sessions against the liar, {len(found)} distinct "
          f"findings, exit {p.returncode}" + p.stderr[-300:])
    kept = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
    want = sorted(os.path.basename(f["scenario"]) for f in found)
    check(kept == want and all(k.endswith(".scn") for k in kept),
          f"campaign: the --out folder was made and holds exactly the "
          f"findings' scenarios: {kept}")
    keys = [(f["verdict"], f["key"]) for f in found]
    check(len(keys) == len(set(keys)) and all(
        f["deviations"] <= f["shrunk_from"] for f in found),
          "campaign: findings are distinct by verdict and minimal "
          "deviations, each shrunk to no more than it had")
    check("misreport" in {f["verdict"] for f in found},
          "campaign: the liar misreports: " +
          ", ".join(sorted({f["verdict"] for f in found})))
    for f in [f for f in found if f["reproduced"]][:3]:
        q = subprocess.run(f["reproduce"], shell=True, capture_output=True,
                           text=True, timeout=120)
        check(q.returncode == 1 and "FINDING" in q.stdout,
              f"campaign: {os.path.basename(f['scenario'])} replays as a "
              f"finding ({f['verdict']}): exit {q.returncode}")
    # The same seed, the same sessions (what each session deviates in).
    def sessions():
        q = subprocess.run([torture, "--generate", "12", "--seed", "5",
                            "--shrink-runs", "0", "--", "/bin/true"],
                           capture_output=True, text=True, timeout=300)
        return sorted(re.sub(r"^  \[\d+/\d+\] (\S+): [^:]*: ", r"\1 ", ln)
                      for ln in q.stdout.splitlines()
                      if re.match(r"  \[\d+/", ln))
    a, b = sessions(), sessions()
    check(len(a) == 12 and a == b, "campaign: seed 5 draws the same 12 "
          "sessions twice")
    q = subprocess.run([torture, "--generate", "2", "--scenario",
                        os.path.join(SCN, "baseline.scn"), "--", *liar],
                       capture_output=True, text=True, timeout=60)
    check(q.returncode == 2, "--generate with --scenario is a usage error")


def scenario_statements(build, tmp):
    """recipients, close and replies that go on over several lines."""
    path = os.path.join(tmp, "close.scn")
    with open(path, "w") as f:
        f.write('recipients b@example.com c@example.com\n'
                'on RCPT "250 ok\\r\\n" "250-a\\r\\n" +\n'
                '   "250 b\\r\\n"\n'
                'on DATA "354 go" + " on\\r\\n"\n'
                'close RCPT 2\n')
    rc, out, j = torture(build, path, [PY, "-c", SMTPLIB_TWO, "{port}"],
                         "--cuts", "none")
    check(j is not None and j["baseline"]["accepted"] == 0 and
          "the server hangs up" in out and 'S> "250-a\\r\\n250 b\\r\\n"'
          in out and 'C> "rcpt TO:<c@example.com>' in out,
          "recipients reach the client; a '+' line goes on; close RCPT 2 "
          "hangs up after the second RCPT reply")


SMTPLIB_TWO = (
    "import os, smtplib, sys\n"
    "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))\n"
    "s.sendmail('a@example.com', os.environ['SRH_TORTURE_RECIPIENTS']"
    ".split(','), b'x')\n")


FAKE_CLIENT = r'''
import socket, sys
# Reads its replies properly, but says NOOP first when the greeting came
# in pieces: commands unlike the one-piece run ("differs").
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
buf = s.recv(4096)
piecewise = not buf.endswith(b"\n")
def line():
    global buf
    while b"\n" not in buf:
        more = s.recv(4096)
        if not more:
            sys.exit(4)
        buf += more
    text, buf = buf.split(b"\n", 1)
    return text
def reply():
    while True:
        text = line()
        if text[3:4] != b"-":
            return text
reply()
for cmd in ([b"NOOP"] if piecewise else []) + [b"EHLO c", b"MAIL FROM:<a@x>",
                                               b"RCPT TO:<b@x>", b"DATA"]:
    s.sendall(cmd + b"\r\n")
    reply()
s.sendall(b"hello\r\n.\r\n")
code = reply()[:3]
s.sendall(b"QUIT\r\n")
reply()
sys.exit(0 if code == b"250" else 1)
'''


LONG_LINE_CLIENT = r'''
import socket, sys
# A 100 KB command line, in pieces of every size the kernel makes: the
# server must answer it once, then go on with the dialogue.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline()
        if line[3:4] != b"-":
            return line[:3]
want = [b"220"]
got = [reply()]
for cmd, code in [(b"EHLO c", b"250"), (b"NOOP " + b"x" * 100000, b"250"),
                  (b"MAIL FROM:<a@x>", b"250"), (b"RCPT TO:<b@x>", b"250"),
                  (b"DATA", b"354"), (b"hi\r\n.", b"250"),
                  (b"QUIT", b"221")]:
    s.sendall(cmd + b"\r\n")
    want.append(code)
    got.append(reply())
sys.exit(0 if got == want else 1)
'''


def verdicts(build, tmp):
    base = os.path.join(SCN, "baseline.scn")
    cases = [
        ("lost", ["true"], []),
        ("fail", ["false"], []),
        ("hang", ["sleep", "30"], ["--deadline", "300"]),
    ]
    # None of them connects: the one-piece verdict is kept, no schedule is
    # run, and the exit status says that nothing was tested.
    for want, client, opts in cases:
        rc, out, j = torture(build, base, client, *opts)
        got = j["baseline"]["verdict"] if j else None
        check(got == want, f"{' '.join(client)}: {want} (got {got})")
        check(rc == 2 and "the client never connected" in out and
              "nothing tested" in out and j and j["runs"] == 0,
              f"{' '.join(client)}: never connected, nothing tested, exit 2 "
              f"(got exit {rc}, runs {j and j['runs']})")
    # A command line over the server's bound: answered once, and on.
    longline = os.path.join(tmp, "long_line.py")
    with open(longline, "w") as f:
        f.write(LONG_LINE_CLIENT)
    rc, out, j = torture(build, base, [PY, longline, "{port}"],
                         "--families", "scripted")
    check(j and j["baseline"]["verdict"] == "ok" and "a client line over "
          "the bound: cut" in out, "a 100 KB command line: one reply, "
          "the dialogue goes on")
    # A proper client: ok under every cut of the lines family.
    smtplib = [os.path.join(WIRE, "clients", "python-smtplib"), "{port}", MSG]
    rc, out, j = torture(build, os.path.join(SCN, "ehlo-long.scn"), smtplib)
    check(rc == 0 and j and j["runs"] >= 5 and not j["failures"],
          f"python smtplib: ok under {j and j['runs']} cut schedules of "
          "the long EHLO")
    # AUTH LOGIN's challenges, cut inside the code and before CRLF: a
    # client that logs in (smtplib) answers each challenge once, intact.
    login = [PY, "-c", "import smtplib,sys; s=smtplib.SMTP('127.0.0.1', "
             "int(sys.argv[1]), local_hostname='c'); s.login('u', 'p'); "
             "s.sendmail('a@x', ['b@x'], b'hi\\r\\n'); s.quit()", "{port}"]
    at = len("220 torture.example ESMTP smtp-torture\r\n" +
             "250-torture.example\r\n250-PIPELINING\r\n250-AUTH LOGIN "
             "PLAIN\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
    rc, out, j = torture(build, os.path.join(SCN, "auth.scn"), login,
                         "--cuts", f"{at + 2}@150,{at + 16}@150")
    check(rc == 0 and j and j["runs"] == 1 and j["baseline"]["verdict"] ==
          "ok" and 'C> "AUTH ' in out and 'S> "33"' in out
          and "pause 150 ms" in out,
          "AUTH challenges cut inside the code and before CRLF, paused: a "
          "client that logs in is ok")
    # A cut at a reply's first byte is a pause before that reply.
    greeting = len("220 torture.example ESMTP smtp-torture\r\n")
    rc, out, j = torture(build, base, smtplib, "--cuts", f"{greeting}@400")
    check(rc == 0 and "pause 400 ms before the reply" in out,
          "a cut at a reply boundary pauses before that reply")
    # differs: the fake client says NOOP when the greeting is cut.
    fake = os.path.join(tmp, "fake_client.py")
    with open(fake, "w") as f:
        f.write(FAKE_CLIENT)
    rc, out, j = torture(build, base, [PY, fake, "{port}"], "--cuts", "3@500")
    f = j["failures"][0] if j and j["failures"] else {}
    check(j and j["baseline"]["verdict"] == "ok" and f.get("verdict") ==
          "differs" and "1 NOOP" in out, "a greeting cut that changes the "
          "client's commands: differs, with both command lists shown")


PIPELINING_CLIENT = r'''
import socket, sys
# Offered PIPELINING, it sends MAIL and, as soon as MAIL's reply starts,
# RCPT and DATA (its right), then the message: in "body" mode as soon as
# RCPT's reply starts (before the 354: early), else after the 354.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body_early = sys.argv[2] == "body"
buf = b""
def line():
    global buf
    while b"\n" not in buf:
        buf += s.recv(4096)
    text, buf = buf.split(b"\n", 1)
    return text
def reply():
    while line()[3:4] == b"-":
        pass
def started():
    global buf
    while not buf:
        buf += s.recv(4096)
reply()
s.sendall(b"EHLO c\r\n")
reply()
s.sendall(b"MAIL FROM:<a@x>\r\n")
started()
s.sendall(b"RCPT TO:<b@x>\r\nDATA\r\n")
reply()
if body_early:
    started()
    s.sendall(b"hello\r\n.\r\n")
reply()
reply()
if not body_early:
    s.sendall(b"hello\r\n.\r\n")
reply()
s.sendall(b"QUIT\r\n")
reply()
'''


def early_talk_rule(build, tmp):
    """Pipelined commands inside a MAIL or RCPT reply are the client's
    right; a message body there is early talk."""
    scn = os.path.join(tmp, "mail-rcpt-cut.scn")
    with open(scn, "w") as f:
        f.write("cut MAIL 4@800\ncut RCPT 4@800\n")
    client = os.path.join(tmp, "pipelining.py")
    with open(client, "w") as f:
        f.write(PIPELINING_CLIENT)
    rc, out, j = torture(build, scn, [PY, client, "{port}", "commands"],
                         "--families", "scripted", "--shrink-runs", "0")
    check(rc == 0 and j and j["runs"] == 1 and not j["failures"]
          and "RCPT TO:<b@x>" in out, "RCPT and DATA sent inside MAIL's "
          "cut reply, PIPELINING offered: not early talk, ok")
    rc, out, j = torture(build, scn, [PY, client, "{port}", "body"],
                         "--families", "scripted", "--shrink-runs", "0")
    f = j["failures"][0] if j and j["failures"] else {}
    check("early-talk" in f.get("flags", []) and "the client sent "
          "\"hello\\r\\n.\\r\\n\" while the reply to RCPT" in out,
          "the message sent inside RCPT's cut reply: early talk")


def scenario_errors(build, tmp):
    bad = os.path.join(tmp, "bad.scn")
    with open(bad, "w") as f:
        f.write('# fine\non DATA "354 go\\r\\n"\non MAIL "250 ok\\r\\n\n')
    rc, out, _ = torture(build, bad, ["true"])
    check(rc == 2 and f"{bad}:3: unterminated string" in out,
          "an unterminated string: refused, with file and line")
    with open(bad, "w") as f:
        f.write('on DATA "354 go\\r\\n"\ncut DATA 40\n')
    rc, out, _ = torture(build, bad, ["true"])
    check(rc == 2 and f"{bad}:2: cut DATA" in out,
          "a cut beyond its reply: refused, with file and line")
    with open(bad, "w") as f:
        f.write('on EHLO "250-a\\r\\n250-XLONG " + "x"*1990 + "\\r\\n" '
                '"334 next\\r\\n"\nbogus 1\n')
    rc, out, _ = torture(build, bad, ["true"])
    check(rc == 2 and f"{bad}:2: unknown statement" in out,
          "an unknown statement: refused, with file and line")


def ipv6_and_wait(build):
    have6 = True
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        have6 = False
    if have6:
        client = [PY, "-c", "import smtplib,sys; s=smtplib.SMTP('::1', "
                  "int(sys.argv[1]), local_hostname='c'); s.sendmail('a@x',"
                  "['b@x'], b'hi\\r\\n'); s.quit()", "{port}"]
        rc, out, j = torture(build, os.path.join(SCN, "baseline.scn"),
                             client, "--ipv6", "--families", "scripted")
        check(j and j["baseline"]["verdict"] == "ok", "--ipv6: a client "
              "on ::1 is served")
    else:
        print("note: no ::1 here; --ipv6 not checked")
    # --wait: the user's own client, started elsewhere.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    result = {}

    def serve():
        result["r"] = torture(build, os.path.join(SCN, "kb912341.scn"), None,
                              "--wait", "--port", str(port), "--families",
                              "scripted", "--shrink-runs", "0")

    t = threading.Thread(target=serve)
    t.start()
    import smtplib
    sent = 0
    for _ in range(2):  # the one-piece run, then the scripted cut
        c = None
        for _ in range(200):
            try:
                c = smtplib.SMTP("127.0.0.1", port, local_hostname="c",
                                 timeout=10)
                break
            except OSError:
                time.sleep(0.05)
        if c:
            c.sendmail("a@x", ["b@x"], b"hi\r\n")
            c.quit()
            sent += 1
    t.join()
    rc, out, j = result.get("r", (None, "smtp-torture did not finish", None))
    if rc != 0:
        print(out)
    check(rc == 0 and j and j["runs"] == 1 and j["baseline"]["accepted"] == 1,
          f"--wait: {sent} connections of an outside client judged, ok")


def adapters(build):
    split = os.path.join(build, "smtp-split")
    stream = r"250-first\r\n250 last\r\n221 bye\r\n"
    for name, cmd, want in [
        ("smtplib", PY + " " + os.path.join(ROOT, "harness", "adapters",
                                            "smtplib_adapter.py"),
         "reply 002"),
        ("Net::Cmd", "perl " + os.path.join(ROOT, "harness", "adapters",
                                            "netcmd_adapter.pl"), "end"),
    ]:
        p = subprocess.run([split, "--subject", "adapter:" + cmd, "--stream",
                            stream, "--quiet"], capture_output=True,
                           text=True, timeout=300)
        rate = re.search(r"schedules (\d+) in ([\d.]+) s \((\d+)/s\)",
                         p.stdout)
        check(p.returncode == 1 and "FAIL prefix (fd shape)" in p.stdout
              and re.search(r"\* error truncated @1 +" + re.escape(want),
                            p.stdout) is not None,
              f"adapter {name}: a stream cut after \"2\" gives \"{want}\" "
              "where it is truncated (the prefix oracle)")
        check(rate is not None and int(rate.group(1)) > 300,
              f"adapter {name}: "
              + (f"{rate.group(1)} schedules in {rate.group(2)} s "
                 f"({rate.group(3)}/s), one adapter process"
                 if rate else "no summary"))
    # The adapter process ends with smtp-split.
    time.sleep(0.3)
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"smtplib_adapter.py" in cmd or b"netcmd_adapter.pl" in cmd:
            left.append(pid)
    check(not left, "no adapter process outlives smtp-split"
          + (f" (left: {left})" if left else ""))


def main():
    build = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        naive_kb(build)
        liar_misreport(build)
        outcome_lines(build, tmp)
        outcome_decodings(build, tmp)
        campaign(build, tmp)
        finding_rules(build, tmp)
        scenario_statements(build, tmp)
        verdicts(build, tmp)
        early_talk_rule(build, tmp)
        scenario_errors(build, tmp)
        ipv6_and_wait(build)
        adapters(build)
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
