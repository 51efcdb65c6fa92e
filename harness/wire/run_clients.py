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
"""
import argparse
import concurrent.futures
import json
import os
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
ORDER = ["curl", "python-smtplib", "perl-net-smtp", "msmtp", "swaks", "s-nail",
         "esmtp", "naive", "exim4"]
# MTAs: a separate, slower suite (--mta), with its own Debian packages
# (scripts/deps.sh SRH_WIRE_MTA_PACKAGES).
MTAS = {"exim4"}


def clients(wanted, mta):
    names = sorted(os.listdir(CLIENTS),
                   key=lambda n: (ORDER.index(n) if n in ORDER else 99, n))
    if wanted:
        return [n for n in names if n in wanted]
    return [n for n in names if (n in MTAS) == mta]


def scenarios(wanted):
    names = sorted(f[:-4] for f in os.listdir(SCENARIOS) if f.endswith(".scn"))
    return [n for n in names if not wanted or n in wanted]


def version(client):
    try:
        p = subprocess.run([os.path.join(CLIENTS, client), "--version"],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"not installed ({e})"
    return p.stdout.strip() if p.returncode == 0 else "not installed"


# Verdicts from least to most harm, as smtp-torture ranks them.
RANK = ["ok", "differs", "fail", "early-talk", "no-outcome", "misreport",
        "lost", "false-failure", "duplicate", "hang"]


def run_pair(torture, client, scenario, families):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [torture, "--quiet", "--scenario",
               os.path.join(SCENARIOS, scenario + ".scn"),
               "--families", families, "--json", out, "--",
               os.path.join(CLIENTS, client), "{port}", MESSAGE]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        secs = time.monotonic() - t0
        if p.returncode not in (0, 1) or not os.path.exists(out):
            return {"client": client, "scenario": scenario,
                    "error": p.stderr.strip() or f"exit {p.returncode}",
                    "report": p.stdout, "seconds": secs}
        with open(out) as f:
            j = json.load(f)
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
        f" -- '{CLIENTS}/{client}' '{{port}}' '{MESSAGE}'")
    repro = repro.replace(ROOT + "/", "")
    return {
        "client": client, "scenario": scenario,
        "one_piece": j["baseline"]["verdict"],
        "under_cuts": ("" if added.startswith("-") else "+") + added
        if added else "same",
        "flags": worst_fail["flags"] if worst_fail else [],
        "schedule": worst_fail["schedule"] if worst_fail else "",
        "reproduce": repro,
        "runs": j["runs"], "report": p.stdout, "seconds": secs,
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


def write_expected(results):
    """Pin this run's pairs; pairs it did not run keep their pins."""
    want = load_expected()
    for r in results:
        if "error" not in r:
            want[(r["client"], r["scenario"])] = (r["one_piece"],
                                                  r["under_cuts"])
    order = {c: i for i, c in enumerate(ORDER)}
    with open(EXPECTED, "w") as f:
        f.write("# client\tscenario\tone piece\tcut: what cuts add, or same "
                "(harness/wire/run_clients.py --pin; review the diff)\n")
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
            not in ran and r["client"] in os.listdir(CLIENTS) and
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
                ("\n## Reproduce\n\n" + detail if detail else ""))
    with open(README) as f:
        text = f.read()
    if BEGIN in text and END in text:
        a, rest = text.split(BEGIN, 1)
        _, b = rest.split(END, 1)
        with open(README, "w") as f:
            f.write(a + BEGIN + "\n" + short + END + b)


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
    ap.add_argument("--jobs", type=int, default=4,
                    help="pairs at once (runs mostly wait on pauses)")
    ap.add_argument("--check", action="store_true",
                    help="fail on a verdict unlike expected.tsv")
    ap.add_argument("--write", action="store_true",
                    help="write results.md and the README table")
    ap.add_argument("--pin", action="store_true",
                    help="rewrite expected.tsv from this run")
    a = ap.parse_args()
    torture = os.path.abspath(a.torture)
    cl = clients(a.clients.split(",") if a.clients else None, a.mta)
    sc = scenarios(a.scenarios.split(",") if a.scenarios else None)
    versions = {c: version(c) for c in cl}
    missing = [c for c in cl if versions[c] == "not installed"]
    for c in cl:
        print(f"client {c}: {versions[c]}")
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futs = [pool.submit(run_pair, torture, c, s, a.families)
                for c in cl if c not in missing for s in sc]
        results = [f.result() for f in futs]
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
        if a.check and key in want and want[key] != got:
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
