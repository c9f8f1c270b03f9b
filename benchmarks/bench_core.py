"""Core throughput benchmark: compress/decompress MB/s and ratio on a large file built by
repeating the real ERR127302_1/2 reads (the paper scaled its 1 TB input the same way).

    python benchmarks/bench_core.py [--size-mib 1024] [--configs 1x2,2x1] [--writers ticket,shared]

Prints one table; every row is a whole `python -m phyngsc` process (start-up, Numba cache
load, I/O included), timed with a warm page cache. MB = 10^6 bytes.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or "mpiexec"


def build_input(work: Path, size: int) -> Path:
    path = work / f"ERR127302_x{size >> 20}MiB.fastq"
    if path.exists() and path.stat().st_size >= size:
        return path
    parts = [gzip.open(SHARED / f"ERR127302_{m}.fastq.gz").read() for m in (1, 2)]
    with open(path, "wb") as f:
        written = 0
        while written < size:
            for p in parts:
                f.write(p)
                written += len(p)
    return path


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr.decode()}")
    return time.perf_counter() - t


def phyngsc_cmd(ranks: int, threads: int, *args: str) -> list[str]:
    base = [sys.executable, "-m", "phyngsc", *args, "-t", str(threads), "-q"]
    return [MPIEXEC, "-n", str(ranks), *base] if ranks > 1 else base


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--configs", default="1x2,2x1", help="RANKSxTHREADS,...")
    ap.add_argument("--writers", default="ticket,shared")
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "work"))
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    src = build_input(work, args.size_mib << 20)
    size = src.stat().st_size
    arc, out = work / "bench.ngsc", work / "bench.out.fastq"
    subprocess.run(["cat", str(src)], stdout=subprocess.DEVNULL)   # warm the page cache
    # warm the Numba cache
    timed(phyngsc_cmd(1, 1, "compress", str(ROOT / "tests/data/err127302_1_200.fastq"), "-o",
                      str(work / "warm.ngsc")))
    rows = []
    if shutil.which("zstd"):
        t = timed(["zstd", "-3", "-T1", "-q", "-f", str(src), "-o", str(work / "z.zst")])
        rows.append(("zstd -3 -T1", "-", "-", size / (work / "z.zst").stat().st_size,
                     size / t / 1e6, float("nan")))
    for cfg in args.configs.split(","):
        ranks, threads = map(int, cfg.split("x"))
        for writer in args.writers.split(","):
            tc = timed(phyngsc_cmd(ranks, threads, "compress", str(src), "-o", str(arc),
                                   "--writer", writer))
            td = timed(phyngsc_cmd(ranks, threads, "decompress", str(arc), "-o", str(out)))
            if subprocess.run(["cmp", "-s", str(src), str(out)]).returncode:
                raise SystemExit("round trip differs!")
            rows.append((f"phyngsc {ranks}x{threads}", writer, f"{ranks}x{threads}",
                         size / arc.stat().st_size, size / tc / 1e6, size / td / 1e6))
            out.unlink()
    print(f"input: {src.name}, {size:,} bytes ({size / 2**30:.2f} GiB), "
          f"{os.cpu_count()} CPUs")
    print(f"{'tool':<18} {'writer':<7} {'ratio':>7} {'compress MB/s':>14} {'decompress MB/s':>16}")
    for name, writer, _cfg, ratio, c, d in rows:
        dtxt = "-" if d != d else f"{d:.1f}"
        print(f"{name:<18} {writer:<7} {ratio:>7.3f} {c:>14.1f} {dtxt:>16}")


if __name__ == "__main__":
    main()
