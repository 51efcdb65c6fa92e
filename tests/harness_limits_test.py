#!/usr/bin/env python3
"""The harness's own limits are never the subject's failures: when
smtp-split cannot get what it needs to run a check (here a socket, under a
file-descriptor limit), it says so, keeps what it found, and exits 2,
rather than report the subject as crashed.

Usage: tests/harness_limits_test.py BUILD_DIR"""
import os
import resource
import subprocess
import sys

from checks import Checks  # tests/, the script's own folder


def main():
    split = os.path.join(os.path.abspath(sys.argv[1]), "smtp-split")
    check = Checks("harness_limits_test")

    def run(nofile, *args):
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        return subprocess.run([split, "--quiet", *args], capture_output=True,
                              text=True, timeout=300, preexec_fn=limit)

    # Six descriptors: the parent's own, none left for the fd shape's pair.
    p = run(6, "--stream", "250 ok\\r\\n", "--shape", "fd")
    check(p.returncode == 2 and "no socket" in p.stderr and
          "FAIL" not in p.stdout,
          "no socket for the fd shape: exit 2, the harness's failure named, "
          f"nothing blamed on the subject (exit {p.returncode}: "
          f"{p.stderr.strip()[:200]})")
    # With enough of them the same check passes: the limit was the cause.
    p = run(64, "--stream", "250 ok\\r\\n", "--shape", "fd")
    check(p.returncode == 0, f"with 64 descriptors it passes (exit "
          f"{p.returncode})")
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
