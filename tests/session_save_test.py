#!/usr/bin/env python3
"""./run keeps what it finds where it is told: with --work and --save-to
(how a container run keeps its findings on a mounted folder), a session
against a planted bug must save its minimized crash under
SAVE/fuzz_<target>/ and its corpus under WORK/, and touch neither
corpus/regressions/ nor build/session/."""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import Checks  # tests/, the script's own folder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def listing(path):
    out = set()
    for base, _, names in os.walk(path):
        out |= {os.path.join(base, n) for n in names}
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="session-save-")
    check = Checks("session save")

    try:
        save, work = os.path.join(tmp, "save"), os.path.join(tmp, "work")
        regressions = listing(os.path.join(ROOT, "corpus", "regressions"))
        session = listing(os.path.join(ROOT, "build", "session"))
        proc = subprocess.run(
            [os.path.join(ROOT, "run"), "--subject",
             os.path.join(ROOT, "bugs", "crash_3byte.c"), "--targets",
             "parse", "--duration", "60", "--no-split", "--save-to", save,
             "--work", work], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        print(proc.stdout[-2000:])
        check(proc.returncode == 1, f"the session failed (exit "
              f"{proc.returncode}): the planted crash was found")
        saved = sorted(os.listdir(os.path.join(save, "fuzz_parse"))) \
            if os.path.isdir(os.path.join(save, "fuzz_parse")) else []
        check(len(saved) == 1 and saved[0].startswith("crash_3byte-parse-"),
              f"one crash saved under --save-to: {saved}")
        check(os.path.isdir(os.path.join(work, "libfuzzer-crash_3byte",
                                          "parse", "corpus")),
              "the session corpus is under --work")
        check(listing(os.path.join(ROOT, "corpus", "regressions"))
              == regressions, "corpus/regressions/ untouched")
        check(listing(os.path.join(ROOT, "build", "session")) == session,
              "build/session/ untouched")
        # ./run is built now: its split mode names a missing value.
        proc = subprocess.run([os.path.join(ROOT, "run"), "split",
                               "--subject"], capture_output=True, text=True)
        check(proc.returncode == 2 and "--subject needs a value" in
              proc.stderr, f"./run split --subject with no value: said, "
              f"exit 2 (exit {proc.returncode})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
