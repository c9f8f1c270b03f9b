"""Core throughput and rank-scaling benchmark: compress/decompress MB/s and ratio per
ranks x threads configuration and level.

    python benchmarks/bench_core.py [--size-mib 1024] [--configs 1x2,2x1] [--writers ticket,shared]
                                    [--levels 5] [--source repeat|sim] [--data DIR] [--table FILE]

Inputs (built under --work at benchmark time, never in git):
- ``repeat``: the real ERR127302_1/2 reads repeated to the size (the paper scaled its 1 TB
  input the same way). Every read recurs hundreds of times, so ratios at levels with a
  seed model are far above what real data gives; use it for speed only.
- ``sim``: a deep simulated run in sequencer order: reads of 72 bp drawn at random
  positions and strands of a random 10 Mbp genome, each carrying the quality string of a
  random real ERR127302 read and substitution errors drawn from those qualities
  (``p = 10^(-Q/10)``; 1 % of Q 2 bases are N: 0.06 %, as in ERR127302), titles in the
  ERR127302 style. About 190 bytes a read: 1 GiB is about 40x of the genome.

Prints one table; every row is a whole `python -m phyngsc` process (start-up, Numba cache
load, I/O included), timed with a warm page cache; "x 1x1" is the speed relative to the
1 rank x 1 thread row of the same level and writer. MB = 10^6 bytes. ``--table`` also
appends each row to a Markdown file as soon as it is measured.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or "mpiexec"


def build_input(work: Path, size: int, data: Path = SHARED) -> Path:
    """The real ERR127302_1/2 files repeated until at least ``size`` bytes."""
    path = work / f"ERR127302_x{size >> 20}MiB.fastq"
    if path.exists() and path.stat().st_size >= size:
        return path
    parts = [gzip.open(data / f"ERR127302_{m}.fastq.gz").read() for m in (1, 2)]
    with open(path, "wb") as f:
        written = 0
        while written < size:
            for p in parts:
                f.write(p)
                written += len(p)
    return path


def real_qualities(data: Path) -> np.ndarray:
    """Quality strings of every ERR127302_1/2 record, one row each (uint8 ASCII, 72 wide)."""
    rows = []
    for m in (1, 2):
        lines = gzip.open(data / f"ERR127302_{m}.fastq.gz").read().split(b"\n")
        rows += [q for q in lines[3::4] if len(q) == 72]
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, 72)


def simulate_input(work: Path, size: int, data: Path = SHARED, genome_bp: int = 10_000_000,
                   seed: int = 7) -> Path:
    """A deep simulated run of at least ``size`` bytes (see the module docstring)."""
    path = work / f"sim_{genome_bp // 1_000_000}Mbp_{size >> 20}MiB.fastq"
    if path.exists() and path.stat().st_size >= size:
        return path
    rng = np.random.default_rng(seed)
    quals = real_qualities(data)
    length = quals.shape[1]
    genome = rng.integers(0, 4, genome_bp, dtype=np.uint8)
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    offsets = np.arange(length)
    written, serial, batch = 0, 0, 100_000
    with open(path.with_suffix(".part"), "wb") as f:
        while written < size:
            pos = rng.integers(0, genome_bp - length + 1, batch)
            bases = genome[pos[:, None] + offsets]
            minus = rng.random(batch) < 0.5
            bases[minus] = 3 - bases[minus, ::-1]
            q = quals[rng.integers(0, len(quals), batch)]
            p_err = 10.0 ** (-(q.astype(np.float64) - 33) / 10)
            wrong = rng.random(q.shape) < p_err
            bases = np.where(wrong, (bases + rng.integers(1, 4, q.shape, dtype=np.uint8)) % 4,
                             bases)
            no_call = (q <= 35) & (rng.random(q.shape) < 0.01)
            bases[no_call] = 4                        # 1 % of Q 2 ('#') bases: N
            seq = letters[bases]
            tiles = 1 + (serial + np.arange(batch)) // 400_000
            xs = rng.integers(0, 20_000, batch)
            ys = rng.integers(0, 3_000, batch)
            chunk = []
            for i in range(batch):
                n = serial + i
                chunk.append(b"@SIM.%d HWI-SIM_0001:1:%d:%d:%d#0/1\n%b\n+\n%b\n"
                             % (n + 1, tiles[i], xs[i], ys[i], seq[i].tobytes(), q[i].tobytes()))
            blob = b"".join(chunk)
            f.write(blob)
            written += len(blob)
            serial += batch
    path.with_suffix(".part").rename(path)
    return path


def compile_bytecode() -> None:
    """Write phyngsc's bytecode (``__pycache__``), as ``pip install`` does, so that no timed
    process compiles its modules from source: where ``PYTHONDONTWRITEBYTECODE`` is set
    (this project's machines set it), an editable install would otherwise compile about 85
    modules at every start (0.04-0.06 s of a 0.5 s ``decompress`` of a tiny archive).
    ``compileall`` writes them whatever that variable says."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "phyngsc")],
                   check=True, stdout=subprocess.DEVNULL)


def warm_numba(work: Path, levels: list[int]) -> None:
    """Compile (or load) every kernel that compress and decompress use at ``levels``,
    seeded ones included (small windows and an explicit seed), so that no timed run
    counts a compilation. The levels compile side by side, then once more in turn: two
    processes that compiled the same kernel may each have rewritten its cache index, and
    a timed run must not recompile what the other one lost."""
    compile_bytecode()
    # four copies of 200 reads: the later copies repeat the seed's reads, so DNA_SEEDED
    # wins sub-blocks and the reader trains the seed model (it does so only when needed)
    warm = work / "warm_input.fastq"
    warm.write_bytes(4 * (ROOT / "tests/data/err127302_1_200.fastq").read_bytes())

    def warm_level(level: int) -> None:
        arc, out = work / f"warm{level}.ngsc", work / f"warm{level}.fastq"
        # one rank, then two: a rank > 0 finds its first record with the scanner's
        # kernels, which one rank never calls
        for ranks in (1, 2):
            timed(phyngsc_cmd(ranks, 1, "compress", str(warm), "-o", str(arc), "--level",
                              str(level), "--window", "8K",
                              *(["--seed", "16K"] if level > 1 else [])))
            timed(phyngsc_cmd(ranks, 1, "decompress", str(arc), "-o", str(out)))
            arc.unlink()
            out.unlink()

    with ThreadPoolExecutor(len(levels)) as pool:
        list(pool.map(warm_level, levels))
    for level in levels:
        warm_level(level)
    warm.unlink()


def same_file(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (``cmp`` where installed, else compared in
    16 MiB pieces here)."""
    if shutil.which("cmp"):
        return subprocess.run(["cmp", "-s", str(a), str(b)]).returncode == 0
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 24), fb.read(1 << 24)
            if x != y:
                return False
            if not x:
                return True


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
    global MPIEXEC
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--configs", default="1x2,2x1", help="RANKSxTHREADS,...")
    ap.add_argument("--writers", default="ticket,shared")
    ap.add_argument("--levels", default="5", help="compression levels, e.g. 1,5")
    ap.add_argument("--source", choices=("repeat", "sim"), default="repeat")
    ap.add_argument("--data", default=str(SHARED), help="folder holding ERR127302_[12].fastq.gz")
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "work"))
    ap.add_argument("--table", help="append each measured row to this Markdown file")
    ap.add_argument("--mpiexec", help=f"MPI launcher (default: {MPIEXEC})")
    ap.add_argument("--phase", choices=("input", "warm", "all"), default="all",
                    help="input: only build the input; warm: only compile the levels' kernels "
                         "(several levels may warm side by side, each with its own "
                         "NUMBA_CACHE_DIR); all: both, then measure")
    args = ap.parse_args()
    if args.mpiexec:
        MPIEXEC = args.mpiexec
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    levels = [int(v) for v in args.levels.split(",")]
    if args.phase == "warm":
        t = time.perf_counter()
        warm_numba(work, levels)
        print(f"levels {args.levels}: Numba cache warmed in {time.perf_counter() - t:.1f} s",
              flush=True)
        return
    build = simulate_input if args.source == "sim" else build_input
    t = time.perf_counter()
    src = build(work, args.size_mib << 20, Path(args.data))
    size = src.stat().st_size
    print(f"input: {src.name}, {size:,} bytes ({size / 2**30:.2f} GiB), built in "
          f"{time.perf_counter() - t:.1f} s; {os.cpu_count()} CPUs", flush=True)
    if args.phase == "input":
        return
    arc, out = work / "bench.ngsc", work / "bench.out.fastq"
    subprocess.run(["cat", str(src)], stdout=subprocess.DEVNULL)   # warm the page cache
    t = time.perf_counter()
    warm_numba(work, levels)
    print(f"Numba cache warmed in {time.perf_counter() - t:.1f} s", flush=True)
    header = ("| tool | level | ranks x threads | writer | ratio | compress MB/s | x 1x1 "
              "| decompress MB/s | x 1x1 |\n| --- | ---: | --- | --- | ---: | ---: | ---: | ---: "
              "| ---: |\n")
    if args.table:
        with open(args.table, "a") as f:
            f.write(f"\ninput: {src.name}, {size:,} bytes, {os.cpu_count()} CPUs\n\n{header}")

    def emit(row: str) -> None:
        print(row, flush=True)
        if args.table:
            with open(args.table, "a") as f:
                f.write(row + "\n")

    print(header, end="", flush=True)
    if shutil.which("zstd"):
        tz = timed(["zstd", "-3", "-T1", "-q", "-f", str(src), "-o", str(work / "z.zst")])
        emit(f"| zstd -3 -T1 | - | 1 x 1 | - | {size / (work / 'z.zst').stat().st_size:.3f} "
             f"| {size / tz / 1e6:.1f} | | - | |")
    for level in levels:
        for writer in args.writers.split(","):
            base: tuple[float, float] | None = None
            for cfg in args.configs.split(","):
                ranks, threads = map(int, cfg.split("x"))
                tc = timed(phyngsc_cmd(ranks, threads, "compress", str(src), "-o", str(arc),
                                       "--writer", writer, "--level", str(level)))
                td = timed(phyngsc_cmd(ranks, threads, "decompress", str(arc), "-o", str(out)))
                if not same_file(src, out):
                    raise SystemExit("round trip differs!")
                out.unlink()
                c, d = size / tc / 1e6, size / td / 1e6
                if (ranks, threads) == (1, 1):
                    base = (c, d)
                sc = f"{c / base[0]:.2f}" if base else ""
                sd = f"{d / base[1]:.2f}" if base else ""
                emit(f"| phyngsc | {level} | {ranks} x {threads} | {writer} "
                     f"| {size / arc.stat().st_size:.3f} | {c:.1f} | {sc} | {d:.1f} | {sd} |")


if __name__ == "__main__":
    main()
