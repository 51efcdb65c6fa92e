#!/usr/bin/env python3
"""Buffer-size boundaries: the planted text_terminator bug writes a NUL
one past its text buffer only when a reply's text is exactly 1024, 2048,
4096... bytes. smtp-split's generated streams reach it by aiming replies
at buffer sizes (--gen-aim, on by default); without aiming, the same 150
streams never do. That the bug is found at all, and only this way, is
the test.

  boundary_test.py BUILD_DIR   (holding smtp-split and tests/*.so)"""
import os
import subprocess
import sys

from checks import Checks  # tests/, the script's own folder


def main():
    build = sys.argv[1]
    split = os.path.join(build, "smtp-split")
    so = os.path.join(build, "tests", "text_terminator.so")
    check = Checks("boundaries")

    def run(*extra):
        return subprocess.run(
            [split, "--subject", so, "--no-corpus", "--generate", "150",
             "--families", "none", "--max-failures", "1", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=600)

    aimed = run()
    check(aimed.returncode == 1 and "FAIL crash" in aimed.stdout,
          f"aimed at buffer sizes, the overflow is found (exit "
          f"{aimed.returncode})", aimed.stdout[-1500:])
    check("heap-buffer-overflow" in aimed.stdout,
          "by the sanitizer, one byte past the block", aimed.stdout[-1500:])
    plain = run("--gen-aim", "0")
    check(plain.returncode == 0 and "failures 0" in plain.stdout,
          f"the same streams without aiming miss it (exit "
          f"{plain.returncode})", plain.stdout[-1500:])
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
