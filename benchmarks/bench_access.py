"""Random access to a seeded archive, with and without its seed index (ARCHIVE.ngsi).

    python benchmarks/bench_access.py --input deep.fq [--level 5] [--reps 3]
                                      [--decompress] [--archive existing.ngsc]

Compresses ``--input`` with ``--index`` (or takes ``--archive``, indexing it with
``phyngsc index``), then times, whole process and best of ``--reps``:
``extract --records M:M+10`` from the middle (a seeded sub-block) and from the seed's
last sub-block, each without the index (the reader walks the seed) and with it; the
``index`` command itself; and with ``--decompress`` a full ``decompress`` at 1 and 2
ranks, with and without it (with it no rank walks the seed). Every
output is compared byte for byte with the run without the index. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_codecs import PY, run  # noqa: E402
from bench_core import ROOT, same_file, warm_numba  # noqa: E402
from bench_seed import info, seed_figures  # noqa: E402


def best(cmd: str, reps: int) -> tuple[float, float]:
    """Fastest wall time of ``reps`` runs and the peak memory of that run (MiB)."""
    return min(run(cmd) for _ in range(reps))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", help="a deep FASTQ to compress (e.g. ART reads)")
    ap.add_argument("--archive", help="an existing seeded archive instead of --input")
    ap.add_argument("--level", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--decompress", action="store_true",
                    help="also time decompress at 1 and 2 ranks with and without the index")
    args = ap.parse_args()
    if bool(args.input) == bool(args.archive):
        raise SystemExit("give --input or --archive")
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    warm_numba(work, [args.level])
    ext, ref, back = work / "access.ext", work / "access.ref", work / "access.out"
    rows: list[tuple[str, float, float]] = []
    if args.input:
        arc = work / "access.ngsc"
        tc, mc = run(f"{PY} -m phyngsc compress {args.input} -o {arc} --level {args.level} "
                     f"-t 1 -q --index")
        rows.append(("compress --index", tc, mc))
    else:
        arc = Path(args.archive)
    idx = Path(str(arc) + ".ngsi")
    aside = work / "access.ngsi.aside"
    ti, mi = run(f"{PY} -m phyngsc index {arc} -q")
    rows.append(("index", ti, mi))
    meta = info(arc)
    mid = meta["records"] // 2
    _bits, in_seed = seed_figures(arc)
    if in_seed < 0:
        raise SystemExit(f"{arc}: no seed model, nothing to compare")
    for where, first in (("middle", mid), ("last seed sub-block", in_seed)):
        cmd = f"{PY} -m phyngsc extract {arc} --records {first}:{first + 10} -t 1 -q -o "
        shutil.move(idx, aside)
        t0, m0 = best(cmd + str(ref), args.reps)
        shutil.move(aside, idx)
        t1, m1 = best(cmd + str(ext), args.reps)
        if not same_file(ext, ref):
            raise SystemExit(f"extract from the {where}: the index changed the output")
        rows += [(f"extract, {where}, no index", t0, m0),
                 (f"extract, {where}, index", t1, m1)]
    if args.decompress:
        for n in (1, 2):
            mpiexec = shutil.which("mpiexec", path=os.path.dirname(PY)) or "mpiexec"
            pre = f"{mpiexec} -n {n} " if n > 1 else ""
            cmd = f"{pre}{PY} -m phyngsc decompress {arc} -t 1 -q -o "
            shutil.move(idx, aside)
            t0, m0 = run(cmd + str(ref))
            shutil.move(aside, idx)
            t1, m1 = run(cmd + str(back))
            if not same_file(back, ref):
                raise SystemExit(f"decompress at {n} ranks: the index changed the output")
            rows += [(f"decompress {n} rank(s), no index", t0, m0),
                     (f"decompress {n} rank(s), index", t1, m1)]
    print(f"{arc.name}: {arc.stat().st_size:,} bytes, level {args.level}, "
          f"{meta['records']:,} records; index {idx.stat().st_size:,} bytes")
    print(f"{'what':<40} {'s':>8} {'MiB':>6}")
    for what, t, m in rows:
        print(f"{what:<40} {t:>8.2f} {m:>6.0f}")
    for p in (ext, ref, back):
        p.unlink(missing_ok=True)
    if args.input:
        arc.unlink(missing_ok=True)
        idx.unlink(missing_ok=True)
    os.sync()


if __name__ == "__main__":
    main()
