"""What the output-side guarantees cost: decompress with the whole output reserved first
(fallocate, non-blocking writes) and without (every write blocking and checked), the
start-up of the per-process watchdog, and how fast a full disk is reported (a 1 MiB
tmpfs; needs root, else that part is skipped with the reason).

    python benchmarks/bench_outputs.py [--size-mib 64] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import MPIEXEC, ROOT, build_input  # noqa: E402


def timed(cmd: list[str], env: dict[str, str] | None = None, ok: int = 0) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env={**os.environ, **(env or {})})
    took = time.perf_counter() - t
    if r.returncode != ok:
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr.decode()[-800:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=64)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    src = build_input(work, args.size_mib << 20)
    arc = work / f"{src.stem}.outputs.ngsc"
    py = [sys.executable, "-m", "phyngsc"]
    if not arc.exists():
        timed(py + ["compress", str(src), "-o", str(arc), "-q"])
    out = work / "outputs.fastq"
    size = src.stat().st_size / 1e6
    print(f"input: {src.name} ({size:.1f} MB), {args.runs} runs each, median\n")
    print(f"{'case':<46} {'seconds':>8} {'MB/s':>8}")
    for ranks in (1, 2):
        for pre in ("1", "0"):
            cmd = ([MPIEXEC, "-n", str(ranks)] if ranks > 1 else []) + py + [
                "decompress", str(arc), "-o", str(out), "-q", "-t", "1" if ranks > 1 else "2"]
            timed(cmd, {"PHYNGSC_PREALLOCATE": pre})        # warm the cache and the disk
            t = statistics.median(timed(cmd, {"PHYNGSC_PREALLOCATE": pre})
                                  for _ in range(args.runs))
            what = "reserved, non-blocking" if pre == "1" else "not reserved, blocking"
            print(f"{f'decompress {ranks} rank(s), {what}':<46} {t:8.2f} {size / t:8.1f}")
    out.unlink(missing_ok=True)
    dog = ROOT / "phyngsc" / "_watchdog.py"
    t = statistics.median(timed([sys.executable, "-I", "-S", str(dog)]) for _ in range(5))
    print(f"{'watchdog start and exit':<46} {t:8.3f}")
    if os.geteuid() != 0:
        print("full disk: skipped (mounting a tmpfs needs root)")
        return
    with tempfile.TemporaryDirectory() as d:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", d]).returncode:
            print("full disk: skipped (cannot mount a tmpfs)")
            return
        try:
            for ranks in (1, 2):
                for pre in ("1", "0"):
                    cmd = ([MPIEXEC, "-n", str(ranks)] if ranks > 1 else []) + py + [
                        "decompress", str(arc), "-o", f"{d}/o.fq", "-q", "-t", "1"]
                    t = statistics.median(timed(cmd, {"PHYNGSC_PREALLOCATE": pre}, ok=1)
                                          for _ in range(args.runs))
                    what = "reserved" if pre == "1" else "not reserved"
                    print(f"{f'full disk reported, {ranks} rank(s), {what}':<46} {t:8.2f}")
                assert not os.listdir(d), os.listdir(d)
        finally:
            subprocess.run(["umount", "-l", d])


if __name__ == "__main__":
    main()
