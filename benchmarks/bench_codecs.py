"""Codec benchmark: ratio, speed and memory of each phyngsc level beside common tools.

    python benchmarks/bench_codecs.py [--big-mib 256] [--skip-slow]

For each FASTQ in ../shared/data (decompressed) and a big file built by repeating
ERR127302_1/2, prints: original/compressed ratio, compress and decompress MB/s
(MB = 10^6 bytes; whole process, warm page cache) with one thread, peak resident
memory (MiB, GNU time), and for phyngsc the same with 2 ranks x 1 thread, plus bits
per base, per quality value and per title byte. All tools run in the same
invocation so that ratios of times are comparable. Tools missing on PATH are
skipped with a note (Debian: pigz pbzip2 samtools zstd xz-utils).
Ratios on the repeated file are inflated for tools with long-range windows
(zstd -19, xz): judge ratios on the real files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import MPIEXEC, ROOT, SHARED, build_input  # noqa: E402

PY = sys.executable
TIME = "/usr/bin/time"


def run(cmd: list[str] | str, stdout=None) -> tuple[float, float]:
    """(seconds, peak RSS in MiB, the largest over processes when several print)."""
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


def tools(src: Path, work: Path, skip_slow: bool) -> list[tuple[str, object, object, Path]]:
    """(name, compress command, decompress command, compressed path)."""
    out = []
    z = work / "x"
    if shutil.which("pigz"):
        out.append(("pigz -6", f"pigz -6 -p 1 -c {src} > {z}.gz", f"pigz -d -p 1 -c {z}.gz",
                    Path(f"{z}.gz")))
    if shutil.which("zstd"):
        out.append(("zstd -3", f"zstd -3 -T1 -q -f {src} -o {z}.zst",
                    f"zstd -d -T1 -q -c {z}.zst", Path(f"{z}.zst")))
        if not skip_slow:
            out.append(("zstd -19", f"zstd -19 -T1 -q -f {src} -o {z}.19.zst",
                        f"zstd -d -T1 -q -c {z}.19.zst", Path(f"{z}.19.zst")))
    if shutil.which("xz") and not skip_slow:
        out.append(("xz -6", f"xz -6 -T1 -c {src} > {z}.xz", f"xz -d -T1 -c {z}.xz",
                    Path(f"{z}.xz")))
    if shutil.which("pbzip2"):
        out.append(("pbzip2 -9", f"pbzip2 -9 -p1 -c {src} > {z}.bz2", f"pbzip2 -d -p1 -c {z}.bz2",
                    Path(f"{z}.bz2")))
    if shutil.which("samtools"):
        out.append(("CRAM 3.1 archive",
                    f"samtools import -0 {src} -O cram,version=3.1,archive -o {z}.cram",
                    f"samtools fastq {z}.cram", Path(f"{z}.cram")))
    return out


def phyngsc_rows(src: Path, work: Path, levels: list[int]) -> list[dict]:
    rows = []
    arc, back = work / "p.ngsc", work / "p.out"
    for level in levels:
        for ranks in (1, 2):
            launch = f"{MPIEXEC} -n {ranks} " if ranks > 1 else ""
            tc, mc = run(f"{launch}{PY} -m phyngsc compress {src} -o {arc} --level {level} "
                         f"-t 1 -q")
            td, md = run(f"{launch}{PY} -m phyngsc decompress {arc} -o {back} -t 1 -q")
            if back.read_bytes() != src.read_bytes():
                raise SystemExit(f"level {level}: round trip differs on {src.name}")
            info = json.loads(subprocess.run([PY, "-m", "phyngsc", "info", str(arc), "--json"],
                                             capture_output=True, text=True).stdout)
            st = info["streams"]
            rows.append({"tool": f"phyngsc level {level}", "ranks": ranks,
                         "ratio": src.stat().st_size / arc.stat().st_size,
                         "c": src.stat().st_size / tc / 1e6, "d": src.stat().st_size / td / 1e6,
                         "mem_c": mc, "mem_d": md,
                         "bits": {k: 8 * st[k]["encoded"] / st[k]["decoded"]
                                  for k in ("dna", "qual", "titles") if st[k]["decoded"]}})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big-mib", type=int, default=256)
    ap.add_argument("--levels", default="1,5,9")
    ap.add_argument("--skip-slow", action="store_true", help="no zstd -19 / xz on the big file")
    args = ap.parse_args()
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    files = []
    for gz in sorted(SHARED.glob("*_1.fastq.gz")) + [SHARED / "ont_1k.fastq.gz"]:
        p = work / gz.name[:-3]
        if not p.exists():
            p.write_bytes(gzip.open(gz).read())
        files.append(p)
    if args.big_mib:
        files.append(build_input(work, args.big_mib << 20))
    run(f"{PY} -m phyngsc compress {files[0]} -o {work / 'warm.ngsc'} -q")  # warm Numba cache
    levels = [int(x) for x in args.levels.split(",")]
    print(f"machine: {os.cpu_count()} CPUs; MB = 10^6 bytes; one thread unless noted")
    for src in files:
        size = src.stat().st_size
        big = src.name.startswith("ERR127302_x")
        rows = []
        for name, c, d, path in tools(src, work, args.skip_slow and big):
            tc, mc = run(c)
            td, md = run(d)
            rows.append({"tool": name, "ranks": 1, "ratio": size / path.stat().st_size,
                         "c": size / tc / 1e6, "d": size / td / 1e6, "mem_c": mc, "mem_d": md,
                         "bits": {}})
            path.unlink()
        rows += phyngsc_rows(src, work, levels)
        print(f"\n{src.name}: {size:,} bytes")
        print(f"{'tool':<18} {'ranks':>5} {'ratio':>7} {'comp MB/s':>10} {'decomp MB/s':>12} "
              f"{'MiB c/d':>12}  bits/base bits/qual bits/title-byte")
        for r in rows:
            b = r["bits"]
            bits = (f"{b.get('dna', 0):9.3f} {b.get('qual', 0):9.3f} {b.get('titles', 0):9.3f}"
                    if b else "")
            print(f"{r['tool']:<18} {r['ranks']:>5} {r['ratio']:>7.3f} {r['c']:>10.1f} "
                  f"{r['d']:>12.1f} {r['mem_c']:>5.0f}/{r['mem_d']:<6.0f}  {bits}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
