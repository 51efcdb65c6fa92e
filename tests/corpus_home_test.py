#!/usr/bin/env python3
"""Bringing a long run's corpus home: `./run minimize --from DIR
--into-corpus OUT` must read what OSS-Fuzz, ClusterFuzzLite and AFL++
leave (a zip named after the project and target; an AFL++ output folder,
whose queue/ alone holds inputs; a session folder, whose crashes/ are
not inputs), minimize it against the shipped seeds,
and copy only new inputs that add coverage, without touching corpus/.

The "long run" is libFuzzer on fuzz_parse for 20000 runs from the shipped
seeds, packed with copies of those seeds as OSS-Fuzz's corpus backup
would be."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

from checks import Checks  # tests/, the script's own folder

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import fuzzing  # noqa: E402


def digest(data):
    return hashlib.sha1(data).hexdigest()


def tree_state(path):
    out = {}
    for base, _, names in os.walk(path):
        for n in names:
            p = os.path.join(base, n)
            out[p] = digest(open(p, "rb").read())
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="corpus-home-")
    check = Checks("corpus home")

    try:
        bindir = fuzzing.build("libfuzzer")
        longrun = os.path.join(tmp, "longrun")
        run = fuzzing.libfuzzer(os.path.join(bindir, "fuzz_parse"), "parse",
                                longrun, 600, fuzzing.seed_dirs("parse"),
                                seed=7, extra=["-runs=20000"])
        found = [open(os.path.join(longrun, "corpus", f), "rb").read()
                 for f in sorted(os.listdir(os.path.join(longrun, "corpus")))]
        check(len(found) > 0 and not run.crashes,
              f"the long run found {len(found)} inputs")
        seeds = [open(f, "rb").read() for f in fuzzing.seed_files("parse")]

        home = os.path.join(tmp, "download")
        os.makedirs(home)
        # OSS-Fuzz's corpus backup: <project>_<target>.zip, seeds included.
        with zipfile.ZipFile(os.path.join(
                home, "smtp-reply-harness_fuzz_parse.zip"), "w") as z:
            for i, data in enumerate(found + seeds[:10]):
                z.writestr(f"{i:05d}", data)
        # An AFL++ -o folder for split: only queue/ holds inputs.
        q = os.path.join(home, "fuzz_split", "main", "queue")
        os.makedirs(q)
        os.makedirs(os.path.join(home, "fuzz_split", "main", "crashes"))
        for i, data in enumerate(found[:30]):
            with open(os.path.join(q, f"id:{i:06d},time:0"), "wb") as f:
                f.write(data)
        with open(os.path.join(home, "fuzz_split", "main", "fuzzer_stats"),
                  "w") as f:
            f.write("execs_done : 1\n")
        with open(os.path.join(home, "fuzz_split", "main", "crashes",
                               "id:000000,sig:06"), "wb") as f:
            f.write(b"\xff not an input to keep")

        # A ./run session folder for reentrant: corpus/ and crashes/.
        sess = os.path.join(home, "reentrant")
        os.makedirs(os.path.join(sess, "corpus"))
        os.makedirs(os.path.join(sess, "crashes"))
        for i, data in enumerate(found[:5]):
            with open(os.path.join(sess, "corpus", str(i)), "wb") as f:
                f.write(data)
        with open(os.path.join(sess, "crashes", "crash-1"), "wb") as f:
            f.write(b"\xff a crash, not a corpus input")

        shipped = tree_state(os.path.join(ROOT, "corpus"))
        into = os.path.join(tmp, "into")
        cmd = [os.path.join(ROOT, "run"), "minimize", "--from", home,
               "--targets", "parse,split,reentrant", "--work",
               os.path.join(tmp, "work"), "--into-corpus", into]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        print(proc.stdout)
        check(proc.returncode == 0, f"./run minimize exit {proc.returncode}")
        check(f"parse: {len(found) + 10} inputs from {home}" in proc.stdout,
              "parse: every input of the zip read")
        check(f"split: {min(30, len(found))} inputs from {home}"
              in proc.stdout, "split: the queue read, and nothing else")

        check(f"reentrant: {min(5, len(found))} inputs from {home}"
              in proc.stdout, "reentrant: the session corpus read, not its "
              "crashes")
        kept = {}
        for t in ("parse", "split"):
            d = os.path.join(into, f"fuzz_{t}")
            kept[t] = [open(os.path.join(d, f), "rb").read()
                       for f in os.listdir(d)] if os.path.isdir(d) else []
        m = re.search(r"parse: session corpus (\d+) -> (\d+)", proc.stdout)
        check(m is not None and int(m.group(2)) == len(kept["parse"]) > 0,
              f"parse: {len(kept['parse'])} inputs copied, as reported")
        check(len(kept["parse"]) < len(found),
              "parse: minimized (fewer kept than the long run found)")
        shipped_digests = {digest(s) for s in seeds}
        check(not any(digest(k) in shipped_digests for k in kept["parse"]),
              "parse: no shipped seed copied back")
        found_digests = {digest(f) for f in found}
        check(all(digest(k) in found_digests
                  for k in kept["parse"] + kept["split"]),
              "every copied input came from the long run")
        check(tree_state(os.path.join(ROOT, "corpus")) == shipped,
              "corpus/ untouched (--into-corpus named another folder)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
