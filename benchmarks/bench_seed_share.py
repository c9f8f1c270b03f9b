"""What runs beside a chained seed's walk, on and off in the same code: ``decompress`` of an
archive at P ranks x T threads, rounds alternating. Variants:

- ``now``: as released.
- ``per rank`` (P > 1): no sharing (``runners/seed_share.py``; ``decompress.sharing_applies``
  patched to say no): every rank walks the seed itself, as phyngsc 0.24 did.
- ``late`` (T > 1): runs of seed sub-blocks are not given while the walk goes on
  (``SeedAhead.progress`` hidden, as phyngsc 0.25.0 did): the decoders only decode
  qualities ahead, up to their budget, then wait for the whole walk. (A node's provider
  with 2+ threads never gives them: ``decode_ahead._Published``.)

    python benchmarks/bench_seed_share.py ARCHIVE ORIGINAL [--configs 1x1,2x1] [--rounds 3]
                                          [--out FILE.fq] [--prefault MIB]

ARCHIVE must have a chained seed and no seed index beside it (else nothing is shared).
Each row is one ``mpiexec -n P python bench_seed_share.py --worker ...`` process group:
wall seconds of the whole launch, the slowest rank's seconds inside ``decompress``, and
each rank's peak resident memory (MiB, ``ru_maxrss``). Every output is compared with
ORIGINAL before its row is printed. Prints a Markdown table; medians across rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_codecs import prefault  # noqa: E402
from bench_core import MPIEXEC, compile_bytecode, same_file  # noqa: E402

PREFAULT_MIB = 0


VARIANTS = ("now", "per rank", "late")


def worker(archive: str, out: str, threads: int, variant: str) -> None:
    """One rank: decompress as ``variant`` says, then rank 0 prints every rank's seconds
    and peak memory as one JSON line."""
    import resource
    import phyngsc
    from phyngsc.runners import decode_ahead as da
    from phyngsc.runners import decompress as dc
    from phyngsc.runners.comm import get_comm
    if variant == "per rank":
        dc.sharing_applies = lambda comm, arch: False
    if variant == "late":
        da.SeedAhead.progress = None
    comm = get_comm()
    comm.barrier()
    t = time.perf_counter()
    phyngsc.decompress(archive, out, threads=threads, comm=comm)
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = comm.gather((took, peak), root=0)
    if comm.rank == 0:
        print(json.dumps(rows), flush=True)


def run(archive: Path, out: Path, ranks: int, threads: int, variant: str
        ) -> tuple[float, float, list[float]]:
    """(wall s, slowest rank's decompress s, peak MiB per rank) of one launch."""
    if PREFAULT_MIB:
        prefault(PREFAULT_MIB)
    cmd = [sys.executable, __file__, "--worker", str(archive), str(out), str(threads),
           str(VARIANTS.index(variant))]
    if ranks > 1:
        cmd = [MPIEXEC, "-n", str(ranks)] + cmd
    t = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True,
                          env=dict(os.environ, NUMBA_NUM_THREADS=str(max(threads, 1))))
    wall = time.perf_counter() - t
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, max(r[0] for r in rows), [r[1] for r in rows]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), VARIANTS[int(sys.argv[5])])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archive", type=Path)
    ap.add_argument("original", type=Path)
    ap.add_argument("--configs", default="1x1,2x1")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_seed_share.fq"))
    ap.add_argument("--prefault", type=int, default=0, metavar="MIB",
                    help="touch this much fresh memory before each launch (not timed; "
                         "bench_codecs.prefault)")
    args = ap.parse_args()
    global PREFAULT_MIB
    PREFAULT_MIB = args.prefault
    compile_bytecode()
    configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]
    rows: dict[tuple[int, int, str], list[tuple[float, float, list[float]]]] = {}
    for _ in range(args.rounds):
        for ranks, threads in configs:
            for variant in VARIANTS:
                if (variant == "per rank" and ranks < 2) or (variant == "late" and threads < 2):
                    continue
                got = run(args.archive, args.out, ranks, threads, variant)
                if not same_file(args.out, args.original):
                    raise SystemExit(f"{ranks}x{threads} {variant}: output differs")
                args.out.unlink()
                rows.setdefault((ranks, threads, variant), []).append(got)
                print(f"# {ranks}x{threads} {variant}: {got[0]:.2f} s, decompress "
                      f"{got[1]:.2f} s, peak {'/'.join(f'{m:.0f}' for m in got[2])} MiB",
                      file=sys.stderr)
    base = statistics.median(r[0] for r in rows[(1, 1, "now")]) if (1, 1, "now") in rows \
        else None
    print("| ranks x threads | variant | wall s (median) | decompress s | x 1x1 | "
          "peak MiB per rank |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for (ranks, threads, variant), got in rows.items():
        wall = statistics.median(r[0] for r in got)
        inner = statistics.median(r[1] for r in got)
        peak = [max(r[2][k] for r in got) for k in range(len(got[0][2]))]
        speed = f"{base / wall:.2f}" if base else ""
        print(f"| {ranks} x {threads} | {variant} | {wall:.2f} | {inner:.2f} | {speed} | "
              f"{' / '.join(f'{m:.0f}' for m in peak)} |")


if __name__ == "__main__":
    main()
