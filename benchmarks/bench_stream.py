"""Streaming input: compress throughput of gzip input vs the plain file, and peak memory
per rank (GNU time, every rank measured), on the repeated ERR127302 file.

    python benchmarks/bench_stream.py [--size-mib 256]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import MPIEXEC, ROOT, build_input  # noqa: E402


def run(cmd: str) -> tuple[float, list[float]]:
    t = time.perf_counter()
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{cmd}\n{r.stderr[-800:]}")
    return time.perf_counter() - t, [int(x) / 1024 for x in re.findall(r"MAXRSS (\d+)", r.stderr)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=256)
    args = ap.parse_args()
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    src = build_input(work, args.size_mib << 20)
    gz = Path(str(src) + ".gz")
    if not gz.exists():
        subprocess.run(f"pigz -p 2 -6 -c {src} > {gz} || gzip -6 -c {src} > {gz}", shell=True,
                       check=True)
    size = src.stat().st_size
    py = sys.executable
    tm = "/usr/bin/time -f 'MAXRSS %M'"
    rows = []
    for label, inp in (("plain file", src), ("gzip file", gz), ("pipe (zcat |)", None)):
        for ranks, threads in ((1, 2), (3, 1)):
            if inp is None and ranks > 1:
                continue      # hydra cannot stream large stdin (see docs/cluster.md)
            launch = f"{MPIEXEC} -n {ranks} " if ranks > 1 else ""
            feed = f"zcat {gz} | " if inp is None else ""
            path = "-" if inp is None else inp
            cmd = (f"{feed}{launch}{tm} {py} -m phyngsc compress {path} -o {work / 's.ngsc'} "
                   f"-t {threads} -q")
            secs, rss = run(cmd)
            rows.append((label, f"{ranks}x{threads}", size / secs / 1e6, rss))
    print(f"input {size:,} bytes of FASTQ ({gz.stat().st_size:,} gzipped); default level")
    print(f"{'input':<16} {'ranks x threads':>15} {'MB/s of FASTQ':>14}  peak MiB per rank")
    for label, cfg, mbs, rss in rows:
        print(f"{label:<16} {cfg:>15} {mbs:>14.1f}  {', '.join(f'{x:.0f}' for x in rss)}")


if __name__ == "__main__":
    main()
