#!/usr/bin/env python3
"""Run smtp-split against every planted bug in bugs/ and check, or tabulate,
what it finds.

For each bugs/NAME.c the comment names the real bug it models ("Origin:")
and the oracle that must catch it ("Caught by: ORACLE"). This script runs
smtp-split against each bug's shared object, on the shipped corpus plus
generated streams (a bug the model oracle catches: the generated streams
alone), until the predicted oracle fails, and:

  --check   asserts that the predicted oracle fires, that the printed
            reproduce command reproduces the failure, that shrinking the
            printed counterexample again leaves it as it is (it is minimal),
            and that the reference parser is clean over everything the
            bugs' runs check (the corpus and the generated streams), with
            the same options, to the end of its run;
  --table   prints the README's table: bug, origin, oracle, what it took to
            catch it, time to detect, the counterexample's size.

  scripts/catalogue.py --build build/release --check --table
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A model failure is reproduced through the reference parser, which agrees
# with the model on every generated stream (tests/test_generator.c).
SAME = {"model": {"model", "diff"}}


def bugs():
    out = []
    for name in sorted(os.listdir(os.path.join(ROOT, "bugs"))):
        if not name.endswith(".c"):
            continue
        text = open(os.path.join(ROOT, "bugs", name)).read()
        head = text[: text.index("*/")]
        head = re.sub(r"\n \*\s?", " ", head)
        caught = re.search(r"Caught by: ([a-z]+)", head)
        origin = re.search(r"Origin: (.*?)(?:[.:;,]\s| \()", head)
        if not caught or not origin:
            sys.exit(f"bugs/{name}: no 'Origin:' or 'Caught by:' line")
        out.append((name[:-2], caught.group(1), origin.group(1).strip()))
    return out


def split(build, args, timeout=900):
    """Run smtp-split with args plus a JSON report; the report and status."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        cmd = [os.path.join(build, "smtp-split"), "--quiet", "--json",
               report.name] + args
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, cwd=ROOT)
        try:
            data = json.load(open(report.name))
        except ValueError:
            data = {"failures": []}
        return proc.returncode, data, proc.stdout.decode(errors="replace")


def run_options(a, oracle=None):
    """The run for a bug caught by oracle, or (None) the reference's run
    over everything. A bug's run stops at its oracle's first failure; a
    model bug's runs on the generated streams alone, as the model judges
    only those (the corpus first would only delay it)."""
    opts = ["--generate", str(a.generate), "--seed", str(a.seed),
            "--deadline", "2000", "--pairs-max", "40", "--random", "60",
            "--budget", str(a.budget)]
    if oracle:
        opts += ["--stop-on", oracle]
    if oracle == "model":
        return opts + ["--no-corpus"]
    return opts + [os.path.join(ROOT, "corpus")]


def one(a, bug):
    name, oracle, origin = bug
    so = os.path.join(a.modules, name + ".so")
    rc, data, out = split(a.build, ["--subject", so] + run_options(a, oracle))
    row = {"name": name, "oracle": oracle, "origin": origin, "problems": []}
    hit = next((f for f in data["failures"] if f["oracle"] == oracle), None)
    if hit is None:
        found = sorted({f["oracle"] for f in data["failures"]})
        row["problems"].append(f"not caught by {oracle} (found: {found or 'nothing'})")
        return row
    row.update(hit=hit, seconds=hit["found_s"])
    m = re.match(r"generated stream (\d+)", hit["input"])
    n = int(m.group(1)) if m else hit["found_after"]
    what = "generated stream" if m else "schedule"
    row["after"] = f"{n} {what}{'' if n == 1 else 's'}"
    if a.check:
        # The printed reproduce command, run as printed (with a report).
        with tempfile.NamedTemporaryFile(suffix=".json") as rep:
            cmd = hit["reproduce"] + " --json " + shlex.quote(rep.name)
            proc = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=600, cwd=ROOT)
            try:
                again = json.load(open(rep.name))["failures"]
            except ValueError:
                again = []
        ok = SAME.get(oracle, {oracle})
        same = [f for f in again if f["oracle"] in ok]
        if proc.returncode != 1 or not same:
            row["problems"].append(f"reproduce command did not reproduce: {cmd}")
        elif oracle == "time" and \
                len(hit["stream"]) / 4 <= len(same[0]["stream"]) <= 4 * len(hit["stream"]):
            pass  # CPU time: a halving or two either way is the machine's noise
        elif len(same[0]["stream"]) != len(hit["stream"]):
            row["problems"].append(
                "not minimal: shrinking the counterexample again took it from "
                f"{len(hit['stream'])} to {len(same[0]['stream'])} bytes")
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build", "release"),
                   help="folder holding smtp-split")
    p.add_argument("--modules", help="folder holding the bugs' .so files "
                   "(default BUILD/tests)")
    p.add_argument("--generate", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--budget", type=int, default=300,
                   help="seconds each smtp-split run may start work for")
    p.add_argument("--check", action="store_true")
    p.add_argument("--table", action="store_true")
    a = p.parse_args()
    a.modules = a.modules or os.path.join(a.build, "tests")

    catalogue = bugs()
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        # The reference's run, the longest, beside the bugs' rather than
        # after them.
        reference = pool.submit(split, a.build, run_options(a)) \
            if a.check else None
        rows = list(pool.map(lambda b: one(a, b), catalogue))

    failed = [r for r in rows if r["problems"]]
    for r in rows:
        status = "FAIL" if r["problems"] else "ok"
        print(f"{status:4} {r['name']:28} {r['oracle']:10} {r.get('after', '-'):>24}"
              f"  {r.get('seconds', 0):6.2f} s")
        for prob in r["problems"]:
            print(f"     {prob}")
    if a.check:
        rc, data, out = reference.result()
        if data["failures"] or rc != 0 or data.get("budget_hit", True):
            failed.append("reference")
            why = "ran out of --budget" if data.get("budget_hit") else \
                "is not clean"
            print(f"FAIL the reference parser's run over the corpus and "
                  f"the generated streams {why}:")
            print(out)
        else:
            print(f"ok   the reference parser is clean over the corpus and "
                  f"the generated streams ({data['schedules']} schedules)")
    if a.table:
        print()
        print("| bug | real-world origin | caught by | caught after | time | counterexample |")
        print("| --- | --- | --- | --- | --- | --- |")
        for r in rows:
            if "hit" not in r:
                continue
            h = r["hit"]
            cuts = "" if h["cuts"] == "none" else f", cuts {h['cuts']}"
            print(f"| `{r['name']}` | {r['origin']} | {r['oracle']} | {r['after']} "
                  f"| {r['seconds']:.2f} s | {len(h['stream'])} bytes{cuts} |")
    print(f"{len(rows) - len([r for r in rows if r['problems']])} passed, "
          f"{len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
