"""Codec benchmark: ratio, speed and memory of each phyngsc level beside the anchors.

    python benchmarks/bench_codecs.py [--big FASTQ | --big-mib 1024] [--levels 1,5,9]
                                      [--files a.fastq,...] [--skip-slow]
                                      [--configs 1x1,2x1,1x2]

For each FASTQ in ../shared/data (decompressed) and a big file, prints per tool:
original/compressed ratio, compress and decompress MB/s (MB = 10^6 bytes; whole
process, warm page cache, one thread), peak resident memory (MiB, GNU time: the
largest process, i.e. per rank), bits per base / quality / title byte for phyngsc,
phyngsc also at 2 ranks x 1 thread and 1 rank x 2 threads, then each phyngsc
level's speed as a ratio to each anchor's. Every round trip is checked byte for
byte. All tools run in the same invocation, one after another, so that ratios of
times are comparable on a shared machine.

Anchors: fqzcomp5 (-1, default, -9), DSRC2 (-m0, -m2), Spring and the exact CRAM 3.1
wrapper, built by ``bash ../shared/tools/anchors-build.sh`` into ``$ANCHORS/bin``
(default ``$TMPDIR/anchors/bin``), plus zstd/pigz when on PATH; missing ones are
skipped with a note. The big file: ``--big`` (e.g. ART-simulated deep reads,
see docs/performance.md), else ERR127302_1/2 repeated to ``--big-mib`` (ratios on
a repeated file flatter long-range tools: judge ratios on the real files).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import MPIEXEC, ROOT, SHARED, build_input, same_file, warm_numba  # noqa: E402

PY = sys.executable
TIME = "/usr/bin/time"


#: MiB of memory a helper process touches and frees just before each timed command
#: (``--prefault``; 0: none). See :func:`prefault`.
PREFAULT_MIB = 0


def prefault(mib: int) -> None:
    """Touch ``mib`` MiB in a short-lived process, so that the next process finds that
    much memory freshly freed. On this project's VMs memory left free for even one
    second costs the next process to touch it about 1.2-2 s of system time a GiB (as if
    handed back to the host: the virtio-balloon driver is loaded), so a tool's
    time then depends on how long the machine sat idle before it and grows with its
    footprint (docs/performance.md, 0.22.0). Bare-metal nodes do not pay that."""
    subprocess.run([sys.executable, "-c", f"x = b'\\1' * ({int(mib)} << 20)"], check=True)


def run(cmd: list[str] | str, stdout=None) -> tuple[float, float]:
    """(seconds, peak RSS in MiB, the largest over processes when several print); with
    :data:`PREFAULT_MIB` set, :func:`prefault` runs first (not timed)."""
    if PREFAULT_MIB:
        prefault(PREFAULT_MIB)
    shell = isinstance(cmd, str)
    full = f"{TIME} -f 'MAXRSS %M' {cmd}" if shell else [TIME, "-f", "MAXRSS %M", *cmd]
    t = time.perf_counter()
    r = subprocess.run(full, shell=shell, stdout=stdout or subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if r.returncode:
        raise RuntimeError(f"{cmd}: {r.stderr[-500:]}")
    rss = max([int(x) for x in re.findall(r"MAXRSS (\d+)", r.stderr)] or [0]) / 1024
    return wall, rss


ANCHORS = Path(os.environ.get("ANCHORS", Path(os.environ.get("TMPDIR", "/tmp")) / "anchors"))


def anchor(name: str) -> str | None:
    p = ANCHORS / "bin" / name
    return str(p) if p.exists() else shutil.which(name)


def tools(src: Path, work: Path, skip_slow: bool, long_reads: bool) -> list[tuple]:
    """(name, compress command, decompress command writing to stdout or OUT, compressed
    path, output path or None for stdout)."""
    out = []
    z = work / "x"
    back = work / "x.out"
    if shutil.which("zstd"):
        out.append(("zstd -3", f"zstd -3 -T1 -q -f {src} -o {z}.zst",
                    f"zstd -d -T1 -q -f {z}.zst -o {back}", Path(f"{z}.zst"), back))
    if shutil.which("pigz"):
        out.append(("pigz -6", f"pigz -6 -p 1 -c {src} > {z}.gz",
                    f"pigz -d -p 1 -c {z}.gz > {back}", Path(f"{z}.gz"), back))
    fqz = anchor("fqzcomp5")
    if fqz:
        for flag, name in (("-1", "fqzcomp5 -1"), ("", "fqzcomp5"), ("-9", "fqzcomp5 -9")):
            if flag == "-9" and skip_slow:
                continue
            out.append((name, f"{fqz} -t1 {flag} {src} {z}.fqz",
                        f"{fqz} -d -t1 {z}.fqz {back}", Path(f"{z}.fqz"), back))
    dsrc = anchor("dsrc")
    if dsrc:
        for m in ("-m0", "-m2"):
            out.append((f"DSRC2 {m}", f"{dsrc} c -t1 {m} {src} {z}.dsrc",
                        f"{dsrc} d -t1 {z}.dsrc {back}", Path(f"{z}.dsrc"), back))
    spring = anchor("spring")
    if spring and not skip_slow:
        sw = work / "springwork"
        sw.mkdir(exist_ok=True)
        lflag = "-l " if long_reads else ""
        out.append(("Spring", f"{spring} -c -t 1 {lflag}-w {sw} -i {src} -o {z}.spring",
                    f"{spring} -d -t 1 -w {sw} -i {z}.spring -o {back}",
                    Path(f"{z}.spring"), back))
    cram = anchor("cram31")
    if cram:
        out.append(("CRAM 3.1 archive", f"{cram} c {src} {z}.cram", f"{cram} d {z}.cram {back}",
                    Path(f"{z}.cram"), back))
    return out


def phyngsc_rows(src: Path, work: Path, levels: list[int],
                 configs: list[tuple[int, int]]) -> list[dict]:
    rows = []
    arc, back = work / "p.ngsc", work / "p.out"
    for level in levels:
        for ranks, threads in configs:
            launch = f"{MPIEXEC} -n {ranks} " if ranks > 1 else ""
            tc, mc = run(f"{launch}{PY} -m phyngsc compress {src} -o {arc} --level {level} "
                         f"-t {threads} -q")
            td, md = run(f"{launch}{PY} -m phyngsc decompress {arc} -o {back} -t {threads} -q")
            if not same_file(back, src):
                raise SystemExit(f"level {level}: round trip differs on {src.name}")
            info = json.loads(subprocess.run([PY, "-m", "phyngsc", "info", str(arc), "--json"],
                                             capture_output=True, text=True).stdout)
            st = info["streams"]
            rows.append({"tool": f"phyngsc level {level}", "ranks": f"{ranks}x{threads}",
                         "ratio": src.stat().st_size / arc.stat().st_size,
                         "c": src.stat().st_size / tc / 1e6, "d": src.stat().st_size / td / 1e6,
                         "mem_c": mc, "mem_d": md,
                         "bits": {k: 8 * st[k]["encoded"] / st[k]["decoded"]
                                  for k in ("dna", "qual", "titles") if st[k]["decoded"]}})
    return rows


def print_table(src: Path, rows: list[dict]) -> None:
    print(f"\n{src.name}: {src.stat().st_size:,} bytes")
    print(f"{'tool':<18} {'rxt':>4} {'ratio':>7} {'comp MB/s':>10} {'decomp MB/s':>12} "
          f"{'MiB c/d':>12}  bits/base bits/qual bits/title-byte")
    for r in rows:
        b = r["bits"]
        bits = (f"{b.get('dna', 0):9.3f} {b.get('qual', 0):9.3f} {b.get('titles', 0):9.3f}"
                if b else "")
        print(f"{r['tool']:<18} {r['ranks']:>4} {r['ratio']:>7.3f} {r['c']:>10.1f} "
              f"{r['d']:>12.1f} {r['mem_c']:>5.0f}/{r['mem_d']:<6.0f}  {bits}")
    anchors = [r for r in rows if not r["tool"].startswith("phyngsc")]
    ours = [r for r in rows if r["tool"].startswith("phyngsc") and r["ranks"] == "1x1"]
    if anchors and ours:
        print("speed of each phyngsc level (1x1) / the anchor's, compress : decompress")
        print(f"{'':<18} " + " ".join(f"{a['tool'][:16]:>16}" for a in anchors))
        for r in ours:
            print(f"{r['tool']:<18} " + " ".join(
                f"{r['c'] / a['c']:>7.2f} : {r['d'] / a['d']:<6.2f}" for a in anchors))
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", help="the big FASTQ (default: ERR127302 repeated)")
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--files", help="comma-separated FASTQ files instead of ../shared/data")
    ap.add_argument("--levels", default="1,5,9")
    ap.add_argument("--skip-slow", action="store_true",
                    help="no fqzcomp5 -9 / Spring on the big file")
    ap.add_argument("--configs", default="1x1,2x1,1x2",
                    help="phyngsc ranks x threads to run (comma-separated)")
    ap.add_argument("--prefault", type=int, default=0, metavar="MIB",
                    help="touch MIB MiB in a helper process before each timed command "
                         "(see prefault(); 0: off)")
    args = ap.parse_args()
    global PREFAULT_MIB
    PREFAULT_MIB = args.prefault
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    files = []
    if args.files:
        files = [Path(f) for f in args.files.split(",")]
    else:
        for gz in sorted(SHARED.glob("*_1.fastq.gz")) + [SHARED / "ont_1k.fastq.gz"]:
            p = work / gz.name[:-3]
            if not p.exists():
                p.write_bytes(gzip.open(gz).read())
            files.append(p)
    if args.big:
        files.append(Path(args.big))
    elif args.big_mib:
        files.append(build_input(work, args.big_mib << 20))
    levels = [int(x) for x in args.levels.split(",")]
    warm_numba(work, levels)
    missing = [t for t in ("fqzcomp5", "dsrc", "spring", "cram31") if not anchor(t)]
    print(f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}); "
          f"MB = 10^6 bytes; rxt = ranks x threads"
          + (f"; {PREFAULT_MIB} MiB prefaulted before each timed run" if PREFAULT_MIB else "")
          + (f"; anchors missing: {', '.join(missing)}" if missing else ""))
    for src in files:
        big = src == files[-1] and (args.big or args.big_mib)
        long_reads = "ont" in src.name
        rows = []
        for name, c, d, path, back in tools(src, work, args.skip_slow and bool(big), long_reads):
            tc, mc = run(c)
            td, md = run(d)
            if not same_file(back, src):
                print(f"note: {name} did not round-trip {src.name} exactly", file=sys.stderr)
            rows.append({"tool": name, "ranks": "1x1", "ratio": src.stat().st_size /
                         path.stat().st_size, "c": src.stat().st_size / tc / 1e6,
                         "d": src.stat().st_size / td / 1e6, "mem_c": mc, "mem_d": md,
                         "bits": {}})
            path.unlink()
            back.unlink(missing_ok=True)
        configs = [tuple(int(v) for v in c.split("x")) for c in args.configs.split(",")]
        rows += phyngsc_rows(src, work, levels, configs)
        print_table(src, rows)


if __name__ == "__main__":
    main()
