#!/usr/bin/env python3
"""./run split builds a subject given as a C file with ASan and UBSan and
runs it in a sanitizer build of smtp-split: a one-byte heap overflow in
the subject's own buffer, which no guard page sees, is a crash with the
sanitizer's report, shrunk; --no-sanitize runs it plain (and misses it).
A subject that does not compile cleanly (an implicit declaration) is the
user's error, exit 2 with the compiler's output, never a crash of the
subject. A prebuilt .so without sanitizers runs as is, with a note."""
import os
import subprocess
import sys
import tempfile

from checks import Checks  # tests/, the script's own folder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "run")

# The strict parser of the planted bugs, plus a copy of each piece with
# its terminator one byte past the block.
OVERFLOW = r'''
#include <stdlib.h>
#include <string.h>
#include "%s/bugs/line_parser.h"

static void feed(void *self, const unsigned char *buf, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, buf, len);
		copy[len] = 0;
		if (len > 6)
			copy[len + 1] = 0; /* the bug: a piece of 7 or more */
		free(copy);
	}
	lp_bytes(self, buf, len, lp_line);
}

static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI, .name = "overflow-by-one",
	.create = lp_create, .feed = feed,
	.finish = lp_finish_subject, .destroy = lp_destroy,
};
SRH_SUBJECT_EXPORT(subject)
''' % ROOT

IMPLICIT = r'''
#include "subject.h"
static void *create(struct srh_recorder *rec) { return frobnicate(rec); }
static void feed(void *s, const unsigned char *b, size_t n) {}
static void finish(void *s) {}
static void destroy(void *s) {}
static const struct srh_subject subject = {
	.abi = SRH_SUBJECT_ABI, .name = "implicit",
	.create = create, .feed = feed, .finish = finish, .destroy = destroy,
};
SRH_SUBJECT_EXPORT(subject)
'''


def split(*args):
    proc = subprocess.run([RUN, "split", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=900)
    return proc.returncode, proc.stdout, proc.stderr


def main():
    check = Checks("sanitized subjects")
    with tempfile.TemporaryDirectory(prefix="sanitized-") as tmp:
        src = os.path.join(tmp, "overflow_by_one.c")
        open(src, "w").write(OVERFLOW)
        stream = "250-first line\\r\\n250 last\\r\\n"
        rc, out, err = split("--subject", src, "--stream", stream,
                             "--families", "single")
        check(rc == 1 and "FAIL crash" in out, "the overflow by one is a "
              f"crash under the sanitizers (exit {rc})", out[-1500:] + err)
        check("heap-buffer-overflow" in out, "the sanitizer's report is "
              "shown", out[-1500:])
        check("shrunk" in out, "and shrunk like any other failure",
              out[-1500:])
        rc, out, err = split("--no-sanitize", "--subject", src, "--stream",
                             stream, "--families", "single")
        check(rc == 0, f"--no-sanitize: built plain, the bug unseen (exit "
              f"{rc})", out[-800:] + err)

        bad = os.path.join(tmp, "implicit.c")
        open(bad, "w").write(IMPLICIT)
        rc, out, err = split("--subject", bad, "--stream", "250 ok\\r\\n")
        check(rc == 2 and "does not compile cleanly" in err,
              f"an implicit declaration stops the run, exit 2 (exit {rc})",
              err)
        check("frobnicate" in err and "implicit" in err,
              "with the compiler's own words", err)
        check("FAIL" not in out, "and no verdict on the subject", out)

        so = os.path.join(tmp, "my_subject.so")
        subprocess.run(["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-I",
                        os.path.join(ROOT, "harness"),
                        os.path.join(ROOT, "examples", "my_subject.c"),
                        "-o", so], check=True)
        rc, out, err = split("--subject", so, "--stream", stream,
                             "--families", "single")
        check(rc == 0 and "built without ASan and UBSan" in err,
              f"a prebuilt plain .so runs as is, with a note (exit {rc})",
              out[-800:] + err)
    return check.status()


if __name__ == "__main__":
    sys.exit(main())
