#!/usr/bin/env python3
"""Writes the hand-made seeds of the split and reentrant fuzz targets
(corpus/fuzz_split/, corpus/fuzz_reentrant/): reply streams with the cut
schedules that real bugs needed, in the targets' input format
(harness/fuzz/fuzz.h): STREAM SEP CUTS and STREAM SEP STREAM2 [SEP CUTS].
The model target's seeds come from build/*/harness/fuzz/fuzz_model_seeds.
fuzz_files gets the regression case files and the shipped scenarios,
each after its selector byte (corpus/fuzz_files/).

  scripts/fuzz_seeds.py            rewrite them
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEP = b"\xffsrh\xff"
SKIP, IDLE, PAUSE = 0x3F, 0x40, 0x80


def cuts(points):
    """Encode [(offset, flags)] as CUTS bytes (fuzz_cuts_encode())."""
    out, at = bytearray(), 0
    for off, flags in sorted(points):
        gap = off - at
        assert gap > 0
        while gap > SKIP:
            out.append(SKIP)
            gap -= SKIP
        out.append((gap - 1) | flags)
        at = off
    return bytes(out)


def line_ends(stream):
    return [i + 1 for i, b in enumerate(stream) if b == 0x0A
            and i + 1 < len(stream)]


KB = b"354-Line 1\r\n354 Send message\r\n"
EHLO = (b"250-mx.example.com Hello [192.0.2.1]\r\n250-PIPELINING\r\n"
        b"250-SIZE 52428800\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
        b"250 STARTTLS\r\n")
REJECT = (b"550-5.1.1 The email account that you tried to reach does not\r\n"
          b"550-5.1.1 exist. Please try double-checking the recipient's\r\n"
          b"550 5.1.1 email address for typos.\r\n")
PIPELINED = (b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <b@example.org>: "
             b"Recipient address rejected\r\n354 End data with "
             b"<CR><LF>.<CR><LF>\r\n")
LONG = b"250-" + b"x" * 506 + b"\r\n250 OK\r\n"
GREETING = b"220-mx.example.com ESMTP\r\n220 ready\r\n"

SPLIT = {
    # KB912341: a pause right after the first line of a 354 reply.
    "kb912341-pause-after-first-line": KB + SEP + cuts([(12, PAUSE)]),
    # Between a CR and its LF, in both lines.
    "cut-between-cr-and-lf": EHLO + SEP + cuts(
        [(i - 1, 0) for i in line_ends(EHLO)[:3]]),
    # Inside the code, after each digit, and after the separator.
    "cut-inside-code": REJECT + SEP + cuts([(1, 0), (2, 0), (3, 0),
                                            (4, 0)]),
    # Every line its own piece, with an empty feed before each.
    "cut-every-line-idle": EHLO + SEP + cuts(
        [(i, IDLE) for i in line_ends(EHLO)]),
    # Several replies in one piece, the last one cut.
    "pipelined-cut-in-last-reply": PIPELINED + SEP + cuts(
        [(len(PIPELINED) - 9, 0)]),
    # Around the 512-octet limit of a line.
    "cut-at-511-512-513": LONG + SEP + cuts([(511, 0), (512, 0),
                                              (513, 0)]),
    # A pause inside a multiline rejection.
    "pause-inside-rejection": REJECT + SEP + cuts(
        [(line_ends(REJECT)[0], PAUSE), (line_ends(REJECT)[1] + 3, 0)]),
}

REENTRANT = {
    "greeting-and-ehlo": GREETING + SEP + EHLO,
    "ehlo-and-rejection-cut-per-line": EHLO + SEP + REJECT + SEP + cuts(
        [(i, 0) for i in line_ends(EHLO)]),
    "kb912341-and-pipelined": KB + SEP + PIPELINED,
    "long-line-and-greeting": LONG + SEP + GREETING + SEP + cuts(
        [(100, 0), (300, 0), (512, 0)]),
    "truncated-and-ehlo": b"250-mx.example.com\r\n250-PIPE" + SEP + EHLO,
}


def files():
    """fuzz_files: each regression case file (selector 0) and shipped
    scenario (selector 1), as the target reads them."""
    seeds = {}
    for folder, ext, sel, tag in (("corpus/regressions", ".case", b"0",
                                   "case"),
                                  ("harness/wire/scenarios", ".scn", b"1",
                                   "scn")):
        d = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(d)):
            if name.endswith(ext):
                with open(os.path.join(d, name), "rb") as f:
                    seeds[f"{tag}-{name[:-len(ext)]}"] = sel + f.read()
    return seeds


def write(folder, seeds):
    path = os.path.join(ROOT, "corpus", folder)
    os.makedirs(path, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    print(f"corpus/{folder}: {len(seeds)} seeds")


if __name__ == "__main__":
    write("fuzz_split", SPLIT)
    write("fuzz_reentrant", REENTRANT)
    write("fuzz_files", files())
