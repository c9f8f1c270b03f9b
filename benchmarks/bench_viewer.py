"""Viewer response times on a large archive: every callback of ``phyngsc view`` timed as the
web server runs it (the functions of phyngsc.viewer.callbacks), cold (sub-block not yet
decoded) and warm (moving a slider within a shown sub-block).

    python benchmarks/bench_viewer.py [--size-mib 1024] [--level 5] [--threads 2]

Builds (or reuses) the repeated-ERR127302 input of bench_core.py and compresses it at the
given level. Browser rendering time is not included (the test suite checks the page).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import ROOT, build_input  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--level", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    src = build_input(work, args.size_mib << 20)
    arc = work / f"view-l{args.level}.ngsc"
    if not arc.exists():
        subprocess.run([sys.executable, "-m", "phyngsc", "compress", str(src), "-o", str(arc),
                        "-q", "--level", str(args.level), "-t", str(args.threads)], check=True)
    from phyngsc.viewer import callbacks as cb
    from phyngsc.viewer.data import ViewerData
    t0 = time.perf_counter()
    data = ViewerData(str(arc))
    rows = [("open archive (footer + all sub-block headers)", time.perf_counter() - t0)]
    n = data.arch.n_subblocks
    data.reads(n // 3)     # compile the kernels once (cached across runs anyway)
    data._cache.clear()

    def timed(label: str, fn) -> None:
        t = time.perf_counter()
        fn()
        rows.append((label, time.perf_counter() - t))

    for i in (n // 2, n - 1):
        r = cb.on_subblock(data, i)
        rec, pos = r["records_value"], r["positions_value"]
        timed(f"pick sub-block {i}: heatmap (decodes it, cold)",
              lambda: cb.heatmap(data, i, rec, pos, "qdist"))
        timed("  composition + lengths + table",
              lambda: (cb.composition(data, i, rec, pos), cb.lengths(data, i, rec),
                       cb.table(data, i, rec, pos)))
        timed("  alignment chart", lambda: cb.alignment(data, i, rec, pos, ""))
        rec2 = [100, 2099]
        timed("  move record slider (2,000 reads): heatmap + composition + lengths + table",
              lambda: (cb.heatmap(data, i, rec2, pos, "qdist"),
                       cb.composition(data, i, rec2, pos), cb.lengths(data, i, rec2),
                       cb.table(data, i, rec2, pos)))
        timed("  metric: quality of each read", lambda: cb.heatmap(data, i, rec2, pos, "reads"))
        timed("  pattern search GGATCC in the sub-block",
              lambda: cb.alignment(data, i, rec2, pos, "GGATCC"))
    pos = [0, 71]
    timed("start-up, in the background: across-sub-blocks sample (16 sub-blocks)",
          lambda: cb.heatmap(data, 0, None, pos, "subblocks"))
    timed("metric: across sub-blocks, positions 0-71",
          lambda: cb.heatmap(data, 0, None, pos, "subblocks"))
    size = src.stat().st_size
    print(f"archive {arc.name}: {arc.stat().st_size:,} bytes from {size:,} bytes of FASTQ "
          f"({size / 2**30:.2f} GiB), level {args.level}, {n} sub-blocks, "
          f"{args.threads} Numba threads")
    print(f"{'interaction':<78} {'seconds':>8}")
    for label, sec in rows:
        print(f"{label:<78} {sec:>8.3f}")
    worst = max(sec for label, sec in rows if not label.startswith(("open", "start-up")))
    print(f"slowest interaction: {worst:.3f} s")


if __name__ == "__main__":
    main()
