#!/usr/bin/env python3
"""Every performance figure the README quotes, in one run: ./run bench.

  bench/bench.py [--quick] [--out DIR] [--build DIR]

1. Parser throughput (bench/parser_bench.c): the reference parser beside a
   memchr line scan (the physical limit) and two naive readers, on the
   corpus mix and on adversarial shapes, in pieces of several sizes. The
   machine is a shared VM whose speed swings by 2x between runs, so every
   ratio is of times taken side by side (the methods take turns on 1 MiB
   slices), then the median over repetitions, and parser_bench runs
   several times: the table gives each figure's median over the runs,
   and the range of the ratio to memchr.
2. Memory: the parser's state size and the heap calls made while parsing.
3. Tester speed: smtp-split schedules per second on a short reply, a long
   EHLO reply and exhaustive partitions, with and without the subject's
   clone (prefix sharing) and guard pages.
4. Fuzzer speed: exec/s of every target under libFuzzer and AFL++
   (bench/fuzz_speed.py), as ./run builds them and without sanitizers.
5. Growth: how parser time and smtp-split time change as the input
   doubles, with the exponent log2(t(2n) / t(n)); a PNG plot (gnuplot).
6. Long streams: smtp-split's peak resident memory (the largest of its
   processes, as wait4 reports it) and time on streams of short replies
   (`250 ok`: the most events a byte), checked in one piece and byte by
   byte (`--families none`), guarded and not; the memory as a multiple
   of the stream.

Writes DIR/results.md (the tables), DIR/results.json and DIR/growth.png,
and rewrites the README's Performance section from them (between its
bench:begin and bench:end marks) unless --quick or --out is given;
DIR is bench/results, or quick-results in the build folder with --quick,
which runs each part once and briefly: what CI runs to show that bench/
still works. Exit status 1 when a measurement fails (a method miscounts,
the parser allocates, the heap counter misses the naive reader's calls,
a fuzzer crashes); the targets themselves are reported, not enforced:
timings belong in benchmarks, never in tests.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import fuzz_speed  # noqa: E402

CORPUS = os.path.join(ROOT, "corpus", "replies")
SHAPES = ("mix", "longlines", "manylines")
EHLO = os.path.join(CORPUS, "exchange-ehlo-after-x-exps-long-list.smtp")
SHORT = r"250 2.1.0 Ok\r\n"


class Failed(RuntimeError):
    pass


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if p.returncode:
        raise Failed(f"{' '.join(cmd)}: exit {p.returncode}\n"
                     f"{p.stderr[-2000:]}{p.stdout[-2000:]}")
    return p.stdout


def build(out):
    run(["cmake", "-S", ROOT, "-B", out, "-DCMAKE_BUILD_TYPE=Release",
         "-DSRH_TESTS=OFF"])
    run(["cmake", "--build", out, "-j", str(os.cpu_count() or 2),
         "--target", "parser_bench", "smtp-split"])
    # smtp-split and its reference subject with ASan+UBSan: where both
    # are, the pieces are guarded by ASan's shadow (harness/core/guard.h).
    san = out + "-sanitize"
    run(["cmake", "-S", ROOT, "-B", san, "-DCMAKE_BUILD_TYPE=Release",
         "-DSRH_TESTS=OFF", "-DSRH_SANITIZE=address,undefined"])
    run(["cmake", "--build", san, "-j", str(os.cpu_count() or 2),
         "--target", "smtp-split"])
    return (os.path.join(out, "bench", "parser_bench"),
            os.path.join(out, "smtp-split"),
            os.path.join(san, "smtp-split"))


# ---- 1, 2: parser throughput and memory ----

def parser_runs(binary, shape, mb, reps, runs, sweep=False):
    out = []
    for _ in range(runs):
        out.append(json.loads(run([binary, "--mb", str(mb), "--reps",
                                   str(reps), "--shape", shape, "--json"]
                                  + (["--sweep"] if sweep else [])
                                  + [CORPUS])))
    return out


def summarize(results):
    """Per method: the median over runs of MB/s and of each ratio, and
    the range of the ratio to memchr."""
    rows = []
    for i, m in enumerate(results[0]["methods"]):
        per = [r["methods"][i] for r in results]
        row = {"name": m["name"], "chunk": m["chunk"]}
        for key in ("mb_s", "replies_s", "vs_memchr", "vs_one_piece",
                    "vs_naive"):
            row[key] = statistics.median(x[key] for x in per)
        row["vs_memchr_range"] = [min(x["vs_memchr"] for x in per),
                                  max(x["vs_memchr"] for x in per)]
        rows.append(row)
    return rows


# ---- 3: tester speed ----

# Streams for exhaustive partitions: 2^(n-1) schedules for n bytes. Twenty
# bytes is the yardstick; guarded pieces get a shorter
# one. --quick: 12 and 8 bytes.
EXHAUSTIVE = {False: (r"250-mx.exa\r\n250 OK\r\n", r"250-mx\r\n250 OK\r\n"),
              True: (r"250 abcdef\r\n", r"250 ab\r\n")}


def unescape(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def split_run(binary, args, shape="push"):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "report.json")
        run([binary, "--quiet", "--shape", shape, "--json", path] + args)
        with open(path) as f:
            r = json.load(f)
    if r["failures"]:
        raise Failed(f"smtp-split {' '.join(args)}: the reference failed")
    return {"schedules": r["schedules"], "seconds": r["seconds"],
            "per_s": r["schedules"] / max(r["seconds"], 1e-3)}


def tester(binary, quick):
    big, small = EXHAUSTIVE[quick]
    cases = [("short reply, all families", ["--stream", SHORT], SHORT)]
    if not quick:
        cases.append(("long EHLO reply, all families", [EHLO], None))
    for stream, clone, guard in ((big, True, False), (big, False, False),
                                 (big, True, True), (small, True, True),
                                 (small, False, True)):
        n = len(unescape(stream))
        cases.append((
            f"exhaustive partitions, {'clone' if clone else 'no clone'}, "
            f"{'guard pages' if guard else 'no guard pages'}",
            ["--stream", stream, "--families", "exhaustive",
             "--exhaustive-max", str(n)]
            + ([] if clone else ["--no-clone"])
            + ([] if guard else ["--no-guard"]), stream))
    rows = []
    for name, args, stream in cases:
        size = len(unescape(stream)) if stream else os.path.getsize(EHLO)
        rows.append(dict(name=name, bytes=size, **split_run(binary, args)))
    return rows


# The shipped corpus, side by side: the push shape guarded (protection
# keys where the CPU has them, the default), guarded by mprotect only,
# and unguarded; the same in the sanitizer build, guarded by ASan's
# shadow (its default there); and the fd shape against the push shape on
# the families both run. The runs take turns; each figure is the median
# of the rounds. The last field: whether the sanitizer build runs it.
CORPUS_RUNS = (
    ("push, guarded (default)", "push", "single,pairs,uniform", [], False),
    ("push, guarded by mprotect only", "push", "single,pairs,uniform",
     ["--guard-pages"], False),
    ("push, unguarded", "push", "single,pairs,uniform", ["--no-guard"],
     False),
    ("push, guarded (ASan shadow), sanitizer build", "push",
     "single,pairs,uniform", [], True),
    ("push, unguarded, sanitizer build", "push", "single,pairs,uniform",
     ["--no-guard"], True),
    ("push, single+uniform", "push", "single,uniform", [], False),
    ("fd, single+uniform", "fd", "single,uniform", [], False),
)


def corpus_speed(binary, sanitized, quick):
    rounds = 1 if quick else 5
    got = {name: [] for name, *_ in CORPUS_RUNS}
    for _ in range(rounds):
        for name, shape, families, args, san in CORPUS_RUNS:
            got[name].append(split_run(
                sanitized if san else binary,
                ["--families", families, "--no-differential"] + args,
                shape))
    rows = []
    for name, shape, families, args, san in CORPUS_RUNS:
        per = sorted(got[name], key=lambda r: r["per_s"])
        mid = per[len(per) // 2]
        rows.append(dict(name=name, shape=shape, families=families,
                         args=" ".join(args), **mid))
    by = {r["name"]: r["per_s"] for r in rows}
    return {"rounds": rounds, "rows": rows,
            "shadow_ratio":
            by["push, guarded (ASan shadow), sanitizer build"]
            / by["push, unguarded, sanitizer build"],
            "guard_ratio": by["push, guarded (default)"]
            / by["push, unguarded"],
            "pages_ratio": by["push, guarded by mprotect only"]
            / by["push, unguarded"],
            "fd_ratio": by["fd, single+uniform"]
            / by["push, single+uniform"]}


# ---- 4: fuzzer speed ----

def fuzzers(quick):
    # --quick: the builds the fuzz smoke test has made already.
    seconds, targets = (1, ["parse"]) if quick else (5, None)
    rows = []
    for sanitize in (True,) if quick else (True, False):
        for r in fuzz_speed.measure(seconds, targets=targets,
                                    sanitize=sanitize):
            r["build"] = ("ASan+UBSan (as ./run)" if sanitize
                          else "no sanitizers")
            rows.append(r)
    return rows


# ---- 6: long streams ----

LONG_SIZES = {True: (256 << 10,), False: (1 << 20, 5 << 20)}


def peak_run(cmd):
    """Exit status, seconds and the peak resident memory in bytes of the
    largest process in cmd's tree, as GNU time reports it (wait4's
    ru_maxrss). Not os.wait4 here: a process forked from this Python keeps
    its high-water mark across exec."""
    with tempfile.NamedTemporaryFile("r") as out:
        t = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M"]
                           + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        secs = time.monotonic() - t
        lines = out.read().split()
    kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return p.returncode, secs, kib * 1024, p.stderr


def long_streams(split_binary, quick):
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for size in LONG_SIZES[quick]:
            path = os.path.join(d, f"short-replies-{size}")
            with open(path, "wb") as f:
                f.write(b"250 ok\r\n" * (size // 8))
            for guard in (True, False):
                cmd = [split_binary, "--quiet", "--families", "none",
                       "--shape", "push", path] + \
                    ([] if guard else ["--no-guard"])
                rc, secs, peak, err = peak_run(cmd)
                if rc != 0:
                    raise Failed(f"{' '.join(cmd)}: exit {rc}: {err}")
                rows.append(dict(bytes=size, guard=guard, seconds=secs,
                                 peak_bytes=peak, ratio=peak / size))
    return rows


# ---- 5: growth ----

def exponent(n0, t0, n1, t1):
    """k in t ~ n^k between two sizes."""
    return math.log(t1 / t0) / math.log(n1 / n0) if t0 > 0 and t1 > 0 \
        else float("nan")


def reply_of(size):
    """One multiline reply of exactly `size` bytes (size >= 8)."""
    lines, left = [], size
    while left > 40:
        lines.append(b"250-" + b"x" * 34 + b"\r\n")
        left -= 40
    lines.append(b"250 " + b"y" * (left - 6) + b"\r\n")
    return b"".join(lines)


def growth(parser_binary, split_binary, quick):
    """Each size measured once per round, rounds interleaved, the fastest
    of the rounds kept: this VM's slow spells last seconds, longer than
    one measurement, and the minimum is the machine at rest."""
    mbs = [0.0625 * 2 ** k for k in range(2 if quick else 9)]
    split_sizes = [32, 64] if quick else [32 * 2 ** k for k in range(7)]
    exh_sizes = range(8, 11) if quick else range(8, 21, 2)
    rounds = 1 if quick else 3
    best = {}

    def keep(key, row, time_key):
        old = best.get(key)
        if old is None or row[time_key] < old[time_key]:
            best[key] = row

    with tempfile.TemporaryDirectory() as d:
        for _ in range(rounds):
            for mb in mbs:
                r = json.loads(run([parser_binary, "--mb", str(mb), "--reps",
                                    "3" if quick else "9", "--shape", "mix",
                                    "--json", CORPUS]))
                m = {x["name"]: x["seconds"] for x in r["methods"]}
                keep(("parser", mb), {
                    "bytes": r["bytes"],
                    "one_piece_s": m["srp in 1 MiB pieces"],
                    "chunks64_s": m["srp 64-byte chunks"],
                    "memchr_s": m["memchr line scan"]}, "one_piece_s")
            for size in split_sizes:
                path = os.path.join(d, f"reply-{size}.smtp")
                with open(path, "wb") as f:
                    f.write(reply_of(size))
                # A fixed number of schedules, each feeding every byte:
                # the time per schedule should grow linearly.
                r = split_run(split_binary, [path, "--families", "random",
                                             "--random", "200"])
                r["us_per_schedule"] = r["seconds"] / r["schedules"] * 1e6
                keep(("split", size), dict(bytes=size, **r), "seconds")
                keep(("default", size), dict(bytes=size, **split_run(
                    split_binary, [path])), "seconds")
            for n in exh_sizes:
                stream = r"250 " + "x" * (n - 6) + r"\r\n"
                keep(("exhaustive", n), dict(bytes=n, **split_run(
                    split_binary, ["--stream", stream, "--no-guard",
                                   "--families", "exhaustive",
                                   "--exhaustive-max", str(n)])), "seconds")
    rows = {series: [best[(series, k)] for k in keys]
            for series, keys in (("parser", mbs), ("split", split_sizes),
                                 ("default", split_sizes),
                                 ("exhaustive", exh_sizes))}
    rows["rounds"] = rounds
    for series, key in (("parser", "one_piece_s"),
                        ("split", "us_per_schedule")):
        pts = rows[series]
        for a, b in zip(pts, pts[1:]):
            b["exponent"] = exponent(a["bytes"], a[key], b["bytes"], b[key])
    # Exhaustive partitions are exponential by design: the factor per byte.
    pts = rows["exhaustive"]
    for a, b in zip(pts, pts[1:]):
        b["per_byte"] = (b["seconds"] / max(a["seconds"], 1e-3)) ** (
            1 / (b["bytes"] - a["bytes"]))
    return rows


def plot(rows, path):
    """growth.png: the parser's time per byte against input size, and
    smtp-split's time per schedule and for all partitions against stream
    size (log-log)."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "parser.dat")
        s = os.path.join(d, "split.dat")
        e = os.path.join(d, "exh.dat")
        with open(p, "w") as f:
            for r in rows["parser"]:
                b = r["bytes"]
                f.write(f"{b} {r['one_piece_s'] / b * 1e9} "
                        f"{r['chunks64_s'] / b * 1e9} "
                        f"{r['memchr_s'] / b * 1e9}\n")
        with open(s, "w") as f:
            f.writelines(f"{r['bytes']} {r['us_per_schedule'] / 1e6}\n"
                         for r in rows["split"])
        with open(e, "w") as f:
            f.writelines(f"{r['bytes']} {r['seconds']}\n"
                         for r in rows["exhaustive"])
        script = f"""
set terminal pngcairo size 1100,420 font ",10"
set output "{path}"
set multiplot layout 1,2
set logscale x 2
set format x "%g"
set xlabel "input MB"
set ylabel "ns per byte"
set yrange [0:1.6]
set key top right
set title "Parser: flat = linear"
plot "{p}" using ($1/1e6):2 with linespoints title "srp, 1 MiB pieces", \\
     "{p}" using ($1/1e6):3 with linespoints title "srp, 64-byte chunks", \\
     "{p}" using ($1/1e6):4 with linespoints title "memchr line scan"
set logscale x 2
set logscale y 10
set format y "%g"
set yrange [*:*]
set ylabel "seconds"
set xlabel "stream bytes"
set key top left
set title "smtp-split: one stream, log-log"
plot "{s}" using 1:2 with linespoints title "one schedule (random family)", \\
     "{e}" using 1:2 with linespoints title "all partitions (exhaustive, clone)"
unset multiplot
"""
        run(["gnuplot"], input=script)


# ---- output ----

def fmt(x, digits=2):
    return f"{x:.{digits}f}"


# The mix's main table: parser_bench's methods without --sweep's.
MAIN_METHODS = ("srp in 1 MiB pieces", "srp 4096-byte chunks",
                "srp 1448-byte chunks", "srp 64-byte chunks",
                "srp 1-byte chunks", "memchr line scan",
                "naive reader (msmtp-like)", "strstr reader")


def within_2x_from(rows):
    """The smallest chunk size from which every larger one stays within
    2x of one piece (None when even the largest does not)."""
    sizes = sorted((r["chunk"], r["vs_one_piece"]) for r in rows
                   if r["name"].startswith("srp") and r["chunk"] > 0)
    ok = None
    for chunk, ratio in reversed(sizes):
        if ratio < 0.5:
            break
        ok = chunk
    return ok


def replies(row):
    """memchr counts lines, not replies: its replies/s is -1."""
    return "-" if row["replies_s"] < 0 else f"{row['replies_s'] / 1e6:.1f} M"


def markdown(res):
    out = []
    add = out.append
    meta = res["meta"]
    add(f"Measured by `{meta['command']}` at commit {meta['commit']} on "
        f"{meta['machine']}, {meta['date']}.\n")
    mix = {r["name"]: r for r in res["parser"]["mix"]}
    one = mix["srp in 1 MiB pieces"]
    c4096 = mix["srp 4096-byte chunks"]
    add("### Parser throughput, corpus mix\n")
    add(f"Each figure the median over {res['parser']['runs']} runs of "
        f"`parser_bench --mb {res['parser']['mb']} --reps "
        f"{res['parser']['reps']}`; ratios of times measured side by side; "
        "the memchr range is over the runs.\n")
    add("| method | MB/s | replies/s | x memchr (range) | x one piece | "
        "x naive |")
    add("|---|---:|---:|---:|---:|---:|")
    for r in res["parser"]["mix"]:
        lo, hi = r["vs_memchr_range"]
        add(f"| {r['name']} | {r['mb_s']:.0f} | "
            f"{replies(r)} | {fmt(r['vs_memchr'])} "
            f"({fmt(lo)}-{fmt(hi)}) | {fmt(r['vs_one_piece'])} | "
            f"{fmt(r['vs_naive'])} |")
    chunked = [r for r in res["parser"]["mix"]
               if r["name"].startswith("srp") and r["chunk"] > 1]
    add("\nAgainst the targets:\n")
    add(f"- at least 0.5 x memchr on the mix with large chunks: "
        f"{fmt(one['vs_memchr'])} in 1 MiB pieces, "
        f"{fmt(c4096['vs_memchr'])} in 4096-byte chunks "
        f"(runs ranged {fmt(c4096['vs_memchr_range'][0])}-"
        f"{fmt(c4096['vs_memchr_range'][1])})")
    add(f"- at least 3x the naive reader: {fmt(c4096['vs_naive'])}x, both "
        "reading 4096-byte chunks")
    add("- chunked within 2x of one piece (one-byte pieces aside): "
        + ", ".join(f"{r['chunk']}-byte chunks {fmt(r['vs_one_piece'])}"
                    for r in chunked)
        + " of the one-piece speed")
    sw = res["parser"]["sweep"]
    add("\n### Parser throughput, corpus mix, by chunk size\n")
    add(f"The mix (mean line {res['parser']['mix_mean_line']:.0f} bytes) in "
        "every chunk size of the same runs (`parser_bench --sweep` adds 8 "
        "to 1024 bytes to the turns).\n")
    add("| chunk | MB/s | x one piece | x memchr |")
    add("|---:|---:|---:|---:|")
    for r in sw:
        add(f"| {r['chunk'] or 'one piece'} | {r['mb_s']:.0f} | "
            f"{fmt(r['vs_one_piece'])} | {fmt(r['vs_memchr'])} |")
    from_ = within_2x_from(sw)
    add("\nWithin 2x of one piece: " + (f"from {from_}-byte chunks up."
                                       if from_ else "no chunk size."))
    for shape in SHAPES[1:]:
        add(f"\n### Parser throughput, {shape}\n")
        add("| method | MB/s | x memchr | x one piece | x naive |")
        add("|---|---:|---:|---:|---:|")
        for r in res["parser"][shape]:
            add(f"| {r['name']} | {r['mb_s']:.0f} | {fmt(r['vs_memchr'])} "
                f"| {fmt(r['vs_one_piece'])} | {fmt(r['vs_naive'])} |")
    mem = res["memory"]
    add("\n### Memory\n")
    add(f"- parser state: {mem['state_bytes']} bytes "
        "(`sizeof(struct srp_parser)`, 8192 of them the line buffer)")
    add(f"- heap calls while parsing, all shapes and chunkings: "
        f"{mem['heap_calls']}")
    add("\n### smtp-split speed (reference subject, push shape)\n")
    add("| case | stream bytes | schedules | seconds | schedules/s |")
    add("|---|---:|---:|---:|---:|")
    for r in res["tester"]:
        add(f"| {r['name']} | {r['bytes']} | {r['schedules']} | "
            f"{r['seconds']:.3f} | {r['per_s']:.0f} |")
    c = res["corpus"]
    add("\n### smtp-split on the shipped corpus (reference subject)\n")
    add(f"Median of {c['rounds']} round(s), the runs taking turns; "
        "`--no-differential`.\n")
    add("| run | families | schedules | seconds | schedules/s |")
    add("|---|---|---:|---:|---:|")
    for r in c["rows"]:
        add(f"| {r['name']} | {r['families']} | {r['schedules']} | "
            f"{r['seconds']:.3f} | {r['per_s']:.0f} |")
    add(f"\n- guarded / unguarded (push): {c['guard_ratio']:.2f} "
        f"(mprotect only: {c['pages_ratio']:.2f}; ASan shadow in the "
        f"sanitizer build: {c['shadow_ratio']:.2f})")
    add(f"- fd / push (single+uniform): {c['fd_ratio']:.2f}")
    add("\n### Fuzzer speed (one job, inputs up to 1024 bytes)\n")
    add("| target | engine | build | exec/s |")
    add("|---|---|---|---:|")
    for r in res["fuzz"]:
        add(f"| {r['target']} | {r['engine']} | {r['build']} | "
            f"{r['exec_per_s']:.0f} |")
    g = res["growth"]
    add("\n### Growth as the input doubles\n")
    add("Exponent k in t ~ n^k between neighbouring sizes: 1 is linear. "
        f"Each size is the fastest of {g['rounds']} round(s), taken in "
        "turns.\n")
    add("| parser input | 1 MiB pieces, ns/byte | 64-byte chunks, ns/byte "
        "| k |")
    add("|---:|---:|---:|---:|")
    for r in g["parser"]:
        add(f"| {r['bytes']} | {r['one_piece_s'] / r['bytes'] * 1e9:.3f} | "
            f"{r['chunks64_s'] / r['bytes'] * 1e9:.3f} | "
            f"{fmt(r['exponent']) if 'exponent' in r else ''} |")
    add("\nsmtp-split on one multiline reply of n bytes: `--families "
        "random --random 200` (a fixed number of schedules, each feeding "
        "all n bytes: linear per schedule), and the default families (pairs "
        "stop above `--pairs-max` 160 bytes, so the count drops there).\n")
    add("| reply | random: schedules | us per schedule | k | defaults: "
        "schedules | seconds |")
    add("|---:|---:|---:|---:|---:|---:|")
    for r, dflt in zip(g["split"], g["default"]):
        add(f"| {r['bytes']} B | {r['schedules']} | "
            f"{r['us_per_schedule']:.0f} | "
            f"{fmt(r['exponent']) if 'exponent' in r else ''} | "
            f"{dflt['schedules']} | {dflt['seconds']:.3f} |")
    add("\nExhaustive partitions are exponential by design (2^(n-1) "
        "schedules): the factor per added byte, 2 when each schedule costs "
        "the same.\n")
    add("| exhaustive partitions of | schedules | seconds | x per byte |")
    add("|---:|---:|---:|---:|")
    for r in g["exhaustive"]:
        add(f"| {r['bytes']} B | {r['schedules']} | {r['seconds']:.3f} | "
            f"{fmt(r['per_byte']) if 'per_byte' in r else ''} |")
    add("\n![growth](growth.png)")
    add("\n### Long streams\n")
    add("smtp-split on a stream of `250 ok` replies, in one piece and byte "
        "by byte (`--families none --shape push`): the peak resident memory "
        "of its largest process, and as a multiple of the stream.\n")
    add("| stream | guard pages | seconds | peak memory | x the stream |")
    add("|---:|---|---:|---:|---:|")
    for r in res.get("long", []):
        add(f"| {r['bytes'] / 1048576:g} MiB | "
            f"{'yes' if r['guard'] else 'no'} | {r['seconds']:.1f} | "
            f"{r['peak_bytes'] / 1048576:.1f} MiB | {r['ratio']:.1f} |")
    return "\n".join(out) + "\n"


# ---- the README's Performance section ----

README = os.path.join(ROOT, "README.md")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def readme_section(r, md):
    """The README's Performance section, from this run's figures (the
    results.md tables and results.json), so that ./run bench rewrites
    it rather than anyone copying numbers by hand."""
    mix = md[md.index("| method | MB/s | replies/s"):
             md.index("\nAgainst the targets")].strip()
    targets = md[md.index("Against the targets:"):
                 md.index("\n### Parser throughput, corpus mix, by")].strip()
    sweep = md[md.index("| chunk | MB/s | x one piece"):
               md.index("\nWithin 2x of one piece")].strip()
    sw = {x["chunk"]: x for x in r["parser"]["sweep"]}
    from_ = within_2x_from(r["parser"]["sweep"])
    mean_line = r["parser"]["mix_mean_line"]
    if from_:
        chunk_text = (
            f"So chunked feeding stays within 2x of one piece from {from_}-"
            f"byte chunks up ({from_ / mean_line:.0f} mean lines a chunk; one "
            f"TCP segment, 1448 bytes: {sw[1448]['vs_one_piece']:.2f}), but "
            "**not in smaller chunks**: 64-byte chunks run at "
            f"{sw[64]['vs_one_piece']:.2f} of the one-piece speed.")
    else:
        chunk_text = ("So chunked feeding is **not** within 2x of one "
                      "piece in any chunk size measured.")
    targets = targets.replace("Against the targets:",
                              "Against the issue's targets:")
    c = r["corpus"]
    split = md[md.index("| case | stream bytes"):
               md.index("\n### Fuzzer speed")].strip()
    fz = {}
    for x in r["fuzz"]:
        fz.setdefault(x["target"], {})[
            (x["engine"], x["build"].startswith("ASan"))] = x["exec_per_s"]
    fuzz = ["| target | libFuzzer, ASan+UBSan | AFL++, ASan+UBSan | "
            "libFuzzer, no sanitizers | AFL++, no sanitizers |",
            "|---|---:|---:|---:|---:|"]
    fuzz += [f"| {t} | {v[('libfuzzer', True)]:.0f} | "
             f"{v[('afl', True)]:.0f} | {v[('libfuzzer', False)]:.0f} | "
             f"{v[('afl', False)]:.0f} |" for t, v in fz.items()]
    fuzz = "\n".join(fuzz)
    g = r["growth"]
    # Linear from the size where every later step's exponent is near 1.
    pts = g["parser"]
    first = len(pts) - 1
    while first > 0 and abs(pts[first].get("exponent", 1) - 1) <= 0.1:
        first -= 1
    if first > len(pts) - 3:
        first = 0  # no linear stretch of two steps: say so over all
    ks = [p["exponent"] for p in pts[first + 1:]]
    verdict = "linear" if all(abs(k - 1) <= 0.1 for k in ks) else \
        "not linear"
    ns = [p["one_piece_s"] / p["bytes"] * 1e9 for p in pts[first:]]
    small = [p["one_piece_s"] / p["bytes"] * 1e9 for p in pts[:first]]
    linear_from = pts[first]["bytes"]
    small_text = ""
    if small:
        sizes = " and ".join(f"{p['bytes'] // 1000} KB" for p in pts[:first])
        faster = min(small) < min(ns)
        small_text = (
            f" Smaller inputs ({sizes}) run "
            f"{'faster' if faster else 'slower'} per byte "
            f"({min(small) if faster else max(small):.2f} ns)"
            + (": read over and over by the repetitions, an input this "
               "small is likely learned in part by the branch predictor."
               if faster else
               f": a run over {pts[0]['bytes'] // 1000} KB takes "
               f"{pts[0]['one_piece_s'] * 1e6:.0f} us, where the timer and "
               "the VM's scheduling weigh most."))
    exh, sp, meta = g["exhaustive"], g["split"], r["meta"]
    shapes = {shape: {x["name"]: x for x in r["parser"][shape]}
              for shape in SHAPES[1:]}
    one_byte = {x["name"]: x for x in r["parser"]["mix"]}[
        "srp 1-byte chunks"]
    L = shapes["longlines"]["srp in 1 MiB pieces"]
    M = shapes["manylines"]["srp in 1 MiB pieces"]
    return f"""## Performance

`./run bench` measures everything here in one run ({meta.get('seconds', 0) / 60:.0f} minutes on
this machine, builds included) and writes `bench/results/`: `results.md` with every table,
`results.json`, and `growth.png`. The figures below are its output at
commit {meta['commit']} on {meta['machine']}. This VM is shared and its
speed swings by up to 2x from one run to the next, so every ratio is of
times measured side by side (the methods take turns on 1 MiB slices of
the same bytes), the median over 11 repetitions, and the table gives the
median of 5 runs for each figure, with the range of the memchr ratio
over them. The methods take turns on each slice, so all but the first
read it from cache: the MB/s are those of cached data, memchr's too,
and the ratios compare like with like. `./run
bench --quick` runs every part once, briefly; `./run-tests` runs that to
prove that `bench/` builds and works, and judges no timing.

### Parser throughput

The corpus mix: the streams in `corpus/replies/` that the strict parser
accepts, drawn in a random order (a fixed seed) to 16 MB; most of its
lines are short (mean {mean_line:.0f} bytes with CR LF). Random, not the
corpus repeated as it is: the branch predictor learned a repeated 15 KB
cycle, which made one piece and memchr look faster than on real traffic. The yardsticks:
a memchr scan for line ends over the same bytes (the physical limit), a
reader shaped like msmtp's `smtp_get_msg()` (bytes copied one at a time
into a line buffer, a `strdup()` per line, `atoi()`: what many clients
do), and a leaner `strstr()` reader that allocates nothing
(`bench/naive_parser.c`). Both yardsticks read 4096 bytes at a time.

{mix}

{targets}

How the chunk size matters, in the same runs (`parser_bench --sweep`
adds chunks of 8 to 1024 bytes to the turns):

{sweep}

{chunk_text} With lines this short, nearly every
small chunk cuts a line, and a cut line costs a second call, a copy into
the line buffer and branches no predictor can learn; the parse of the
whole lines in between is unchanged. One-byte pieces run at about
{one_byte['mb_s']:.0f} MB/s. On 8000-byte lines the parser reaches {L['mb_s']:.0f} MB/s
({L['vs_memchr']:.2f} of memchr), and on replies of 5000 continuation lines
{M['mb_s']:.0f} MB/s ({M['vs_memchr']:.2f} of memchr, {M['vs_naive']:.0f}x the msmtp-like reader,
which copies every line).

Memory: the parser's state is {r['memory']['state_bytes']} bytes whatever the input, 8192 of
them the line buffer; **{r['memory']['heap_calls']} heap calls** while parsing, counted by
interposing `malloc`, `calloc`, `realloc` and `free`, over every shape and
chunking (the run fails unless the same counter sees the msmtp-like
reader's calls).

### smtp-split speed

The reference parser as the subject, push shape. With the subject's
`clone`, the exhaustive family feeds each piece of the partition tree
once. Guarding the pieces (the default: a read past a piece, or of one
whose feed returned, faults) uses protection keys where the CPU has them
(`harness/core/guard.h`): a register write a piece and one `mprotect` call
for every 15 pieces of a run, instead of two `mprotect` calls a piece
(`--guard-pages`). Where smtp-split and the subject are both built with
ASan (the sanitizer build), the pieces are guarded by ASan's shadow
instead: poisoned but for the piece being fed, no system call at all.
On the corpus the guarded run is {c['guard_ratio']:.2f} of the unguarded
one's schedules/s ({c['pages_ratio']:.2f} with `--guard-pages`; in the
sanitizer build, {c['shadow_ratio']:.2f} with the shadow), and the fd
shape {c['fd_ratio']:.2f} of the push shape's on the families both run.

{split}

### Fuzzer speed

exec/s of one job for 5 seconds, inputs of at most 1024 bytes, as `./run`
builds the targets (ASan+UBSan, the SMTP mutator) and without sanitizers:

{fuzz}

AFL++ runs its ASan builds with `malloc_context_size=0`
(`scripts/fuzzing.py`): afl-fuzz keeps only the inputs, never the
sanitizer's report, and the stack ASan otherwise records at every malloc
and free took most of its time under ASan (libgcc's unwinder alone was
46% of the profile; without it AFL++ ran several times faster).
A saved crash is run again with ASan's defaults, full stacks and all.

### Growth

As the input doubles from {linear_from // 1000} KB to {pts[-1]['bytes'] // 1000000} MB, the parser's time per byte
stays between {min(ns):.2f} and {max(ns):.2f} ns (the exponent k in t ~ n^k between
neighbours: {min(ks):.2f} to {max(ks):.2f}): {verdict}.{small_text} smtp-split's time per schedule grows
less than linearly up to {sp[-1]['bytes']} bytes, as a fixed cost of about
{sp[0]['us_per_schedule']:.0f} us a schedule dominates; all partitions of n bytes are
2^(n-1) schedules, and their time per added byte approaches a factor
of 2 as fixed costs fade ({exh[-1]['per_byte']:.2f} at {exh[-1]['bytes']} bytes, {exh[-1]['seconds']:.2f} s in all). The tables
are in `bench/results/results.md`.

![growth: parser time per byte, smtp-split time per schedule and for all partitions](bench/results/growth.png)

"""


def update_readme(section):
    with open(README) as f:
        s = f.read()
    a, b = s.index(BEGIN) + len(BEGIN), s.index(END)
    with open(README, "w") as f:
        f.write(s[:a] + "\n" + section.strip() + "\n" + s[b:])


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} " \
           f"CPUs ({model})"


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="each part once and briefly (what CI runs)")
    ap.add_argument("--out", help="results folder (default bench/results; "
                    "with --quick BUILD/quick-results)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "bench"),
                    help="build folder (default build/bench)")
    a = ap.parse_args()
    out = a.out or (os.path.join(a.build, "quick-results") if a.quick
                    else os.path.join(HERE, "results"))
    os.makedirs(out, exist_ok=True)
    q = a.quick
    t0 = time.monotonic()
    # What is measured: "-dirty" when the work tree differs from the
    # commit. Taken first, as this run rewrites tracked files itself.
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always",
                             "--dirty", "--exclude=*"],
                            stdout=subprocess.PIPE, text=True
                            ).stdout.strip() or "unknown"
    try:
        pb, split, split_san = build(a.build)
        mb, reps, runs = (0.5, 3, 1) if q else (16, 11, 5)
        parser, heap, state = {}, 0, 0
        for shape in SHAPES:
            print(f"bench: parser, {shape}", file=sys.stderr)
            # The mix also in chunks of 8 to 1024 bytes, in the same turns.
            results = parser_runs(pb, shape, mb, reps, runs,
                                  sweep=shape == "mix")
            parser[shape] = summarize(results)
            heap += sum(r["heap_calls_parsing"] for r in results)
            state = results[0]["state_bytes"]
            if shape == "mix":
                parser["sweep"] = sorted(
                    (x for x in parser["mix"] if x["name"].startswith("srp")),
                    key=lambda x: x["chunk"])
                parser["mix"] = [x for x in parser["mix"] if x["name"] in
                                 MAIN_METHODS]
                parser["mix_mean_line"] = results[0]["bytes"] / \
                    results[0]["lines"]
        parser.update(mb=mb, reps=reps, runs=runs)
        print("bench: smtp-split", file=sys.stderr)
        tester_rows = tester(split, q)
        print("bench: smtp-split on the corpus", file=sys.stderr)
        corpus_rows = corpus_speed(split, split_san, q)
        print(f"bench: guarded/unguarded {corpus_rows['guard_ratio']:.2f} "
              f"(mprotect only {corpus_rows['pages_ratio']:.2f}, ASan "
              f"shadow {corpus_rows['shadow_ratio']:.2f}), "
              f"fd/push {corpus_rows['fd_ratio']:.2f}", file=sys.stderr)
        print("bench: fuzzers", file=sys.stderr)
        fuzz_rows = fuzzers(q)
        print("bench: growth", file=sys.stderr)
        grow = growth(pb, split, q)
        plot(grow, os.path.join(out, "growth.png"))
        print("bench: long streams", file=sys.stderr)
        long_rows = long_streams(split, q)
    except (Failed, fuzz_speed.BenchError) as e:
        sys.exit(f"bench: {e}")
    res = {"meta": {"command": "./run bench" + (" --quick" if q else ""),
                    "commit": commit, "machine": machine(),
                    "date": time.strftime("%Y-%m-%d"),
                    "seconds": round(time.monotonic() - t0)},
           "parser": parser, "memory": {"state_bytes": state,
                                        "heap_calls": heap},
           "tester": tester_rows, "corpus": corpus_rows, "fuzz": fuzz_rows,
           "growth": grow, "long": long_rows}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    text = markdown(res)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    if not q and not a.out:
        update_readme(readme_section(res, text))
        print("bench: README.md's Performance section rewritten",
              file=sys.stderr)
    print(f"bench: results in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
