#!/usr/bin/env python3
"""Real SMTP clients against smtp-torture: every client driver in
harness/wire/clients/ through every scenario in harness/wire/scenarios/.

For each pair it records the verdict of the one-piece run and the worst
verdict under the scenario's own cuts and the "lines" family (a pause after
every line of a multiline reply), with the minimal schedule and the command
that reproduces it.

  run_clients.py --torture build/dev/smtp-torture --check
      judge every pair against harness/wire/expected.tsv (the suite; a
      changed verdict fails it, with the failing run's report)
  run_clients.py --torture ... --write
      also write harness/wire/results.{md,json} and the README table
  run_clients.py --torture ... --mta
      the MTAs (exim4) rather than the clients: a separate, slower suite
  run_clients.py --torture ... --pin
      rewrite expected.tsv from this run (review the diff!)
  run_clients.py --torture ... --generate 200 --seed 1
      a generated campaign (smtp-torture --generate) against every client,
      its findings kept under build/wire-campaign/CLIENT/; with --write
      also into results.md and results.json
  run_clients.py --torture ... --clients nodemailer@6.9.1
      one client at another version: NAME@VERSION runs driver NAME with
      $SRH_CLIENT_VERSION=VERSION, which installs that version apart
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLIENTS = os.path.join(HERE, "clients")
SCENARIOS = os.path.join(HERE, "scenarios")
MESSAGE = os.path.join(HERE, "message.eml")
EXPECTED = os.path.join(HERE, "expected.tsv")
RESULTS = os.path.join(HERE, "results.md")
RESULTS_JSON = os.path.join(HERE, "results.json")
README = os.path.join(ROOT, "README.md")
BEGIN, END = "<!-- wire:begin -->", "<!-- wire:end -->"

# The naive client is the suite's control, not a real client: its row
# proves the scenarios bite.
ORDER = ["curl", "python-smtplib", "python-aiosmtplib", "perl-net-smtp",
         "nodemailer", "go-net-smtp", "php-phpmailer", "java-jakarta-mail",
         "ruby-net-smtp", "msmtp", "swaks", "s-nail", "esmtp", "neomutt",
         "naive", "liar", "exim4"]
# The liar (the control for misreport) misreports or talks early under a
# cut as the timing falls: its proof is tests/wire_test.py's, on cuts made
# for it, so the table runs it only when named (--clients liar).
NAMED_ONLY = {"liar"}
CAMPAIGN_DIR = os.path.join(ROOT, "build", "wire-campaign")
# MTAs: a separate, slower suite (--mta), with its own Debian packages
# (scripts/deps.sh SRH_WIRE_MTA_PACKAGES).
MTAS = {"exim4"}


def is_driver(name):
    path = os.path.join(CLIENTS, name)
    return os.path.isfile(path) and os.access(path, os.X_OK)


def driver_of(client):
    """nodemailer@6.9.1 -> ("nodemailer", {"SRH_CLIENT_VERSION": "6.9.1"})"""
    name, _, ver = client.partition("@")
    return name, ({"SRH_CLIENT_VERSION": ver} if ver else {})


def clients(wanted, mta):
    names = sorted((n for n in os.listdir(CLIENTS) if is_driver(n)),
                   key=lambda n: (ORDER.index(n) if n in ORDER else 99, n))
    if wanted:
        bad = [w for w in wanted if driver_of(w)[0] not in names]
        if bad:
            sys.exit("run_clients: no such driver: " + ", ".join(bad)
                     + " (harness/wire/clients/)")
        return wanted
    return [n for n in names if (n in MTAS) == mta and n not in NAMED_ONLY]


# How long a driver waits for the server ($SRH_CLIENT_TIMEOUT, clients/
# README.md): well past the scenarios' longest pause (500 ms), and short,
# as some clients wait forever on some replies (Go's net/smtp on a reply
# whose lines' codes differ) and each such run costs this much.
CLIENT_TIMEOUT = "5"


def previous_seconds():
    """Each pair's wall time in results.json, where it has one."""
    try:
        with open(RESULTS_JSON) as f:
            pairs = json.load(f)["pairs"]
    except (OSError, ValueError, KeyError):
        return {}
    return {(r["client"], r["scenario"]): float(r.get("seconds") or 0)
            for r in pairs}


def client_env(client):
    env = dict(os.environ, **driver_of(client)[1])
    env.setdefault("SRH_CLIENT_TIMEOUT", CLIENT_TIMEOUT)
    return env


def prints_outcome(client):
    """Does the driver print an outcome line (clients/README.md)?"""
    with open(os.path.join(CLIENTS, driver_of(client)[0]), "rb") as f:
        return b"SRH-OUTCOME" in f.read()


def client_cmd(client):
    return [os.path.join(CLIENTS, driver_of(client)[0]), "{port}", MESSAGE]


def scenarios(wanted):
    names = sorted(f[:-4] for f in os.listdir(SCENARIOS) if f.endswith(".scn"))
    return [n for n in names if not wanted or n in wanted]


def version(client):
    """The driver's NAME VERSION; it builds or installs on first use, so
    this comes before any run, one client at a time."""
    try:
        p = subprocess.run([os.path.join(CLIENTS, driver_of(client)[0]),
                            "--version"], capture_output=True, text=True,
                           timeout=600, stdin=subprocess.DEVNULL,
                           env=client_env(client))
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"not installed ({e})"
    if p.returncode != 0:
        why = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])
        print(f"client {client}: --version: {why[-1]}", file=sys.stderr)
        return "not installed"
    return p.stdout.strip()


# Verdicts from least to most harm, as smtp-torture ranks them.
RANK = ["ok", "differs", "fail", "early-talk", "no-outcome", "misreport",
        "lost", "false-failure", "duplicate", "hang"]


def torture_run(torture, client, args):
    """smtp-torture ARGS --json FILE -- CLIENT: (its JSON report or None,
    its stdout, the seconds it took, the error when there is no report)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [torture, *args, "--json", out,
               *(["--expect-outcome"] if prints_outcome(client) else []),
               "--", *client_cmd(client)]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True,
                           env=client_env(client))
        secs = time.monotonic() - t0
        if p.returncode not in (0, 1) or not os.path.exists(out):
            return (None, p.stdout, secs,
                    p.stderr.strip() or f"exit {p.returncode}")
        with open(out) as f:
            return json.load(f), p.stdout, secs, None


def run_pair(torture, client, scenario, families):
    j, stdout, secs, err = torture_run(
        torture, client, ["--quiet", "--scenario",
                          os.path.join(SCENARIOS, scenario + ".scn"),
                          "--families", families])
    if err:
        return {"client": client, "scenario": scenario, "error": err,
                "report": stdout, "seconds": secs}
    # What the cuts add to the one-piece run: the worst flag any failing
    # schedule has that the one-piece run has not ("same" when none).
    base = set(j["baseline"]["flags"])
    worst_fail, added = None, None
    def score(v):  # "-x": a flag the schedule lost, below any it adds
        return -1 if v.startswith("-") else RANK.index(v)
    for fl in j["failures"]:
        new = [f for f in fl["flags"] if f not in base]
        top = max(new, key=RANK.index) if new else "-" + max(
            base - set(fl["flags"]), key=RANK.index)
        if added is None or score(top) > score(added):
            worst_fail, added = fl, top
    # The repro names files by absolute path; show them from the repo.
    repro = worst_fail["reproduce"] if worst_fail else (
        f"'{torture}' --scenario '{SCENARIOS}/{scenario}.scn' --cuts none"
        f" -- '{CLIENTS}/{driver_of(client)[0]}' '{{port}}' '{MESSAGE}'")
    if driver_of(client)[1]:
        repro = f"SRH_CLIENT_VERSION={driver_of(client)[1]['SRH_CLIENT_VERSION']} " + repro
    repro = repro.replace(ROOT + "/", "")
    return {
        "client": client, "scenario": scenario,
        "one_piece": j["baseline"]["verdict"],
        "under_cuts": ("" if added.startswith("-") else "+") + added
        if added else "same",
        "flags": worst_fail["flags"] if worst_fail else [],
        "schedule": worst_fail["schedule"] if worst_fail else "",
        "reproduce": repro,
        "runs": j["runs"], "report": stdout, "seconds": secs,
    }


def load_expected():
    want = {}
    if os.path.exists(EXPECTED):
        with open(EXPECTED) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                c, s, one, cuts = line.rstrip("\n").split("\t")
                want[(c, s)] = (one, cuts)
    return want


def pinned(want, got):
    """Does a pair's (one piece, cut) match its pin? A pin may list the
    verdicts a client's own timing picks from, "a|b" (review each one)."""
    return all(g in w.split("|") for w, g in zip(want, got))


def write_expected(results):
    """Pin this run's pairs; pairs it did not run keep their pins, and a
    pin of alternatives stays while the run is one of them."""
    want = load_expected()
    for r in results:
        key, got = (r["client"], r["scenario"]), (r["one_piece"],
                                                  r["under_cuts"])
        if "error" not in r and not (key in want and pinned(want[key], got)):
            want[key] = got
    order = {c: i for i, c in enumerate(ORDER)}
    with open(EXPECTED, "w") as f:
        f.write("# client\tscenario\tone piece\tcut: what cuts add, or same "
                "(harness/wire/run_clients.py --pin; review the diff)\n"
                "# a|b: either, where the client's own timing picks (Exim "
                "on early-354: when the early 354 reaches it)\n")
        for (c, s), (one, cuts) in sorted(
                want.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])):
            f.write(f"{c}\t{s}\t{one}\t{cuts}\n")


def table(results, versions):
    rows = ["| client | version | scenario | one piece | under cuts "
            "| minimal schedule |", "|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['client']} | {versions[r['client']]} | "
                        f"{r['scenario']} | error | | |")
            continue
        cuts = r["under_cuts"]
        if cuts != "same":
            cuts = f"**{cuts}** (" + ", ".join(r["flags"]) + ")"
        sched = f"`{r['schedule']}`" if r["schedule"] else ""
        rows.append(f"| {r['client']} | {versions[r['client']]} | "
                    f"{r['scenario']} | {r['one_piece']} | {cuts} | "
                    f"{sched} |")
    return "\n".join(rows) + "\n"


def matrix(pairs, versions):
    """Scenarios down, clients across: the README's compact form."""
    cl = []
    for r in pairs:
        if r["client"] not in cl:
            cl.append(r["client"])
    by = {(r["client"], r["scenario"]): r for r in pairs}
    head = "| scenario | " + " | ".join(
        f"{c}<br>{versions.get(c, '?').split(' ', 1)[-1]}" for c in cl) + " |"
    rows = [head, "|---" * (len(cl) + 1) + "|"]
    for sc in sorted({r["scenario"] for r in pairs}):
        cells = []
        for c in cl:
            r = by.get((c, sc))
            if not r or "error" in r:
                cells.append("" if not r else "error")
                continue
            cell = r["one_piece"]
            if r["under_cuts"] != "same":
                cell += f", cut: **{r['under_cuts']}** `{r['schedule']}`"
            cells.append(cell)
        rows.append(f"| {sc} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def write_results(results, versions, families):
    """Merge this run's pairs into results.json (the clients' and the MTAs'
    suites run apart) and write results.md and the README table from it."""
    store = {"families": families, "versions": {}, "pairs": []}
    if os.path.exists(RESULTS_JSON):
        with open(RESULTS_JSON) as f:
            store = json.load(f)
    store["versions"].update(versions)
    ran = {(r["client"], r["scenario"]) for r in results}
    keep = [r for r in store["pairs"] if (r["client"], r["scenario"])
            not in ran and is_driver(driver_of(r["client"])[0]) and
            os.path.exists(os.path.join(SCENARIOS, r["scenario"] + ".scn"))]
    fresh = [{k: v for k, v in r.items() if k != "report"} for r in results]
    store["pairs"] = sorted(keep + fresh, key=lambda r: (
        ORDER.index(r["client"]) if r["client"] in ORDER else 99,
        r["client"], r["scenario"]))
    with open(RESULTS_JSON, "w") as f:
        json.dump(store, f, indent=1)
        f.write("\n")
    pairs, versions = store["pairs"], store["versions"]
    about = ("Written by `./run wire --write` and `./run wire --mta --write` "
             f"(families {families}). *One piece*: the verdict with every "
             "reply in one write. *Cut*: what the scenario's own cuts and a "
             "pause after each line of every multiline reply add to it (the "
             "worst verdict a schedule has and the one-piece run has not), "
             "with the minimal schedule (offsets in the server's stream, `@` "
             "a pause in ms); nothing when every schedule matched one piece.")
    body = about + "\n\n" + table(pairs, versions)
    short = (about + " Every pair with its version and reproduce command: "
             "`harness/wire/results.md`.\n\n"
             + matrix(pairs, versions))
    fails = [r for r in pairs if r.get("schedule") or
             r.get("one_piece", "ok") != "ok"]
    detail = "".join(
        f"- {r['client']} / {r['scenario']}: `{r['reproduce']}`\n"
        for r in fails)
    with open(RESULTS, "w") as f:
        f.write("# Real clients against smtp-torture\n\n" + body +
                ("\n## Reproduce\n\n" + detail if detail else "") +
                campaign_section(store.get("campaign"), versions))
    with open(README) as f:
        text = f.read()
    if BEGIN in text and END in text:
        a, rest = text.split(BEGIN, 1)
        _, b = rest.split(END, 1)
        with open(README, "w") as f:
            f.write(a + BEGIN + "\n" + short + END + b)


def run_campaign(torture, client, a):
    """smtp-torture --generate against one client; its JSON summary."""
    out_dir = os.path.join(CAMPAIGN_DIR, client)
    shutil.rmtree(out_dir, ignore_errors=True)
    j, stdout, secs, err = torture_run(
        torture, client,
        ["--generate", str(a.generate), "--seed", str(a.seed), "--jobs",
         str(a.campaign_jobs), "--quiet", "--out", out_dir,
         *(["--budget", str(a.budget)] if a.budget else [])])
    if err:
        return {"client": client, "seconds": secs, "error": err,
                "report": stdout}
    j.update(client=client, seconds=secs, report=stdout)
    for fd in j["findings"]:
        for k in ("scenario", "reproduce"):
            if fd.get(k):
                fd[k] = fd[k].replace(ROOT + "/", "")
    return j


def campaign(torture, cl, versions, a):
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda c: run_campaign(torture, c, a), cl))
    bad = 0
    for r in results:
        if "error" in r:
            print(f"ERROR {r['client']}: {r['error']}")
            bad += 1
            continue
        print(f"{r['client']:18} {r['sessions_run']:4} sessions "
              f"{r['runs']:5} runs {len(r['findings']):3} distinct findings "
              f"({r['with_findings']} sessions) {r['seconds']:6.0f} s",
              flush=True)
        for fd in r["findings"]:
            print(f"    {fd['verdict']:13} x{fd['sessions']:<3} "
                  f"{fd['minimal']}\n{'':21}{fd['reproduce']}")
    print(f"campaign of {a.generate} sessions (seed {a.seed}) against "
          f"{len(cl)} clients in {time.monotonic() - t0:.0f} s")
    if a.write:
        write_campaign(results, versions, a)
    return 1 if bad else 0


# What a finding's minimal deviations are, told by the kinds of deviation
# left (harness/wire/hostile.h HOSTILE_KINDS): one row a class, first match
# wins. Each says what it shows and which shipped scenarios keep it.
FINDING_CLASSES = [
    ("timing", lambda k, m: "cut" in k,
     "the replies cut into pieces or paused (with other deviations, if "
     "any): the class smtp-torture exists for", "kb912341, kb912341-frag, "
     "dot-reply-late, rcpt-one-refused"),
    ("unsolicited", lambda k, m: k & {"extra", "early"},
     "a reply (or bytes) the client did not ask for yet: sent twice, one "
     "more, or ahead of its command. A client that reads replies in order "
     "pairs each later reply with the wrong command, and believes what "
     "the server said to another one", "extra-reply, early-354"),
    ("hang-up", lambda k, m: "close" in k,
     "the server hangs up before or inside a reply", "quit-cut-short"),
    ("malformed", lambda k, m: any(
        p.startswith("reply ") and "defect: none" not in p
        for p in m.split("; ")),
     "a reply that breaks RFC 5321 4.2 (a code of 2 or 4 digits, no SP or "
     "'-' after the code, a line too long, a CR in the text): a lenient "
     "client takes it as a reply it never was, or reads past it out of "
     "step", "rcpt-bad-separator, ehlo-long-line, long-line, "
     "mismatch-250-251, mismatch-251-250"),
    ("valid", lambda k, m: True,
     "valid replies, other than the usual ones: the client fails on or "
     "misreads a reply RFC 5321 allows (a code without text, a refused "
     "recipient among taken ones)", "dot-code-only, code-only, "
     "rcpt-one-refused, ehlo-long"),
]


def finding_class(minimal):
    """The class (FINDING_CLASSES) of a finding's minimal deviations."""
    parts = [p for p in minimal.split("; ") if p]
    kinds = {p.split(" ", 1)[0] for p in parts}
    for name, test, _, _ in FINDING_CLASSES:
        if test(kinds, minimal):
            return name
    return "valid"


def write_campaign(results, versions, a):
    """Keep the campaign in results.json; rewrite results.md's section."""
    store = {}
    if os.path.exists(RESULTS_JSON):
        with open(RESULTS_JSON) as f:
            store = json.load(f)
    store.setdefault("versions", {}).update(versions)
    store["campaign"] = {
        "sessions": a.generate, "seed": a.seed,
        "clients": [{k: v for k, v in r.items() if k != "report"}
                    for r in results]}
    with open(RESULTS_JSON, "w") as f:
        json.dump(store, f, indent=1)
        f.write("\n")
    with open(RESULTS) as f:
        text = f.read()
    mark = "\n## Generated campaign\n"
    if mark in text:
        text = text[:text.index(mark)]
    with open(RESULTS, "w") as f:
        f.write(text.rstrip("\n") + "\n" +
                campaign_section(store["campaign"], store["versions"]))


def campaign_section(camp, versions):
    """results.md's "Generated campaign" section, or "" when none ran."""
    if not camp:
        return ""
    n, seed, results = camp["sessions"], camp["seed"], camp["clients"]
    rows = [f"\n## Generated campaign\n\n`./run wire --generate {n} "
            f"--seed {seed} --write`: per client, {n} generated "
            "hostile sessions (smtp-torture --generate), each judged against "
            "its own script, findings shrunk to their fewest deviations and "
            "told apart by verdict and minimal deviations.\n",
            "| client | version | sessions | runs | distinct findings | "
            "seconds |", "|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['client']} | {versions.get(r['client'])} | "
                        f"error | | | |")
            continue
        rows.append(f"| {r['client']} | {versions.get(r['client'])} | "
                    f"{r['sessions_run']} | {r['runs']} | "
                    f"{len(r['findings'])} | {r['seconds']:.0f} |")
    found = [(r["client"], fd) for r in results
             for fd in r.get("findings", [])]
    rows.append("\nEach finding has a class, by what its minimal deviations "
                "are; each class is kept by shipped scenarios "
                "(harness/wire/scenarios/, pinned in expected.tsv):\n\n"
                "| class | findings | what it is | kept by |\n"
                "|---|---|---|---|")
    for name, _, what, kept in FINDING_CLASSES:
        k = sum(1 for _, fd in found if finding_class(fd["minimal"]) == name)
        rows.append(f"| {name} | {k} | {what} | {kept} |")
    rows.append("\n| client | class | verdict | sessions | minimal "
                "deviations | reproduce |\n|---|---|---|---|---|---|")
    for client, fd in found:
        dev = fd["minimal"].replace("|", "\\|")
        rows.append(f"| {client} | {finding_class(fd['minimal'])} | "
                    f"{fd['verdict']} | {fd['sessions']} | {dev} | "
                    f"`{fd['reproduce']}` |")
    return "\n".join(rows) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--torture", required=True, help="the smtp-torture binary")
    ap.add_argument("--clients", help="comma-separated (default: all but "
                    "the MTAs)")
    ap.add_argument("--mta", action="store_true",
                    help="the MTAs (exim4) instead of the clients")
    ap.add_argument("--scenarios", help="comma-separated (default: all)")
    ap.add_argument("--families", default="scripted,lines")
    ap.add_argument("--jobs", type=int, default=6,
                    help="pairs at once (runs mostly wait on pauses)")
    ap.add_argument("--check", action="store_true",
                    help="fail on a verdict unlike expected.tsv")
    ap.add_argument("--write", action="store_true",
                    help="write results.md and the README table")
    ap.add_argument("--pin", action="store_true",
                    help="rewrite expected.tsv from this run")
    ap.add_argument("--generate", type=int, metavar="N",
                    help="a generated campaign of N sessions per client "
                    "instead of the scenarios")
    ap.add_argument("--seed", type=int, default=1,
                    help="of the campaign (1)")
    ap.add_argument("--campaign-jobs", type=int, default=2,
                    help="sessions at once per client (2)")
    ap.add_argument("--budget", type=int, default=0,
                    help="seconds per client's campaign (0: none)")
    a = ap.parse_args()
    torture = os.path.abspath(a.torture)
    cl = clients(a.clients.split(",") if a.clients else None, a.mta)
    sc = scenarios(a.scenarios.split(",") if a.scenarios else None)
    versions = {c: version(c) for c in cl}
    missing = [c for c in cl if versions[c] == "not installed"]
    for c in cl:
        print(f"client {c}: {versions[c]}")
    if a.generate:
        rc = campaign(torture, [c for c in cl if c not in missing],
                      versions, a)
        if missing:
            print("not installed: " + ", ".join(missing))
        return 1 if rc or missing else 0
    t0 = time.monotonic()
    todo = [(c, s) for c in cl if c not in missing for s in sc]
    # The longest pairs first (as results.json last timed them), so that
    # none is left to run alone at the end.
    last = previous_seconds()
    order = sorted(todo, key=lambda k: -last.get(k, 0.0))
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futs = {k: pool.submit(run_pair, torture, k[0], k[1], a.families)
                for k in order}
        results = [futs[k].result() for k in todo]
    seconds = time.monotonic() - t0
    want = load_expected()
    bad = []
    for r in results:
        key = (r["client"], r["scenario"])
        if "error" in r:
            print(f"ERROR {key[0]} / {key[1]}: {r['error']}")
            bad.append(r)
            continue
        got = (r["one_piece"], r["under_cuts"])
        note = ""
        if a.check and key in want and not pinned(want[key], got):
            note = f"   EXPECTED {want[key][0]} / {want[key][1]}"
            bad.append(r)
        elif a.check and key not in want:
            note = "   (no expectation pinned)"
            bad.append(r)
        print(f"{r['client']:15} {r['scenario']:20} one piece {got[0]:14} "
              f"cut {got[1]:15} {r['schedule']:10} "
              f"{r['runs']:3} runs {r['seconds']:5.1f} s{note}", flush=True)
    print(f"{len(results)} client/scenario pairs in {seconds:.0f} s")
    for r in bad:
        print(f"\n==== {r['client']} / {r['scenario']}\n{r.get('report', '')}")
    if a.pin:
        write_expected(results)
    if a.write:
        write_results(results, versions, a.families)
    if missing:
        print("not installed: " + ", ".join(missing) + " (scripts/deps.sh "
              + ("SRH_WIRE_MTA_PACKAGES)" if a.mta else "SRH_WIRE_PACKAGES)"))
    if a.check and (bad or missing):
        print(f"run_clients: {len(bad)} pair(s) unlike expected.tsv"
              + (", clients missing" if missing else ""))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
