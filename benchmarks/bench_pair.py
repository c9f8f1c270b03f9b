"""Head to head: phyngsc levels against anchors, alternating, several rounds, medians.

    python benchmarks/bench_pair.py FASTQ [--pairs 1:fqzcomp5 -1,5:fqzcomp5] [--rounds 5]
                                          [--prefault MIB]

``bench_codecs.py`` times every tool once; on a shared VM one run moves by 10 % or more
(fqzcomp5 -1 compressed the same 1.12 GB in 5.02 s in one run and 5.58-5.81 s in the
next three), too much for a bar such as "level 1 compresses at least as fast as
fqzcomp5 -1". Here each pair (a phyngsc level, one thread, and an anchor, one thread)
runs in turns, compress then decompress, the pair's order swapped every round, outputs
removed before each run; it prints every round and the medians, and the ratio of the
medians (phyngsc's speed / the anchor's). Every round trip is checked byte for byte.
Anchors come from ``bench_codecs.tools`` (``$ANCHORS/bin``, see its docstring).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_codecs  # noqa: E402
from bench_codecs import PY, run, tools  # noqa: E402
from bench_core import ROOT, same_file, warm_numba  # noqa: E402


def phyngsc_commands(src: Path, work: Path, level: int) -> tuple:
    arc, back = work / f"pair{level}.ngsc", work / f"pair{level}.out"
    return (f"phyngsc level {level}", f"{PY} -m phyngsc compress {src} -o {arc} --level {level} "
            f"-t 1 -q", f"{PY} -m phyngsc decompress {arc} -o {back} -t 1 -q", arc, back)


def one_round(entry: tuple) -> tuple[float, float, float, float]:
    """(compress s, decompress s, compress MiB, decompress MiB) of one tool, its outputs
    removed before and after."""
    _name, comp, decomp, path, back = entry
    path.unlink(missing_ok=True)
    back.unlink(missing_ok=True)
    tc, mc = run(comp)
    td, md = run(decomp)
    return tc, td, mc, md


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("fastq")
    ap.add_argument("--pairs", default="1:fqzcomp5 -1,5:fqzcomp5",
                    help="comma-separated LEVEL:ANCHOR (an anchor's name in bench_codecs)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--prefault", type=int, default=0, metavar="MIB",
                    help="touch MIB MiB in a helper process before each timed command "
                         "(bench_codecs.prefault; 0: off)")
    args = ap.parse_args()
    bench_codecs.PREFAULT_MIB = args.prefault
    src = Path(args.fastq)
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    size = src.stat().st_size
    anchors = {t[0]: t for t in tools(src, work, False, "ont" in src.name)}
    pairs = []
    for item in args.pairs.split(","):
        level, name = item.split(":", 1)
        if name not in anchors:
            raise SystemExit(f"anchor {name!r} not found (build them: ../shared/tools/"
                             "anchors-build.sh)")
        pairs.append((int(level), anchors[name]))
    warm_numba(work, sorted({p[0] for p in pairs}))
    print(f"{src.name}: {size:,} bytes; MB = 10^6 bytes; one thread each; seconds"
          + (f"; {args.prefault} MiB prefaulted before each timed run" if args.prefault else ""))
    for level, theirs in pairs:
        ours = phyngsc_commands(src, work, level)
        times: dict[str, list] = {ours[0]: [], theirs[0]: []}
        for r in range(args.rounds):
            order = (ours, theirs) if r % 2 == 0 else (theirs, ours)
            for entry in order:
                t = one_round(entry)
                if not same_file(entry[4], src):
                    raise SystemExit(f"{entry[0]}: round trip differs on {src.name}")
                entry[3].unlink(missing_ok=True)
                entry[4].unlink(missing_ok=True)
                times[entry[0]].append(t)
                print(f"round {r + 1}  {entry[0]:<16} compress {t[0]:7.2f}  "
                      f"decompress {t[1]:7.2f}  MiB {t[2]:.0f} / {t[3]:.0f}", flush=True)
        med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
               for k, v in times.items()}
        (a, (ac, ad)), (b, (bc, bd)) = med.items()
        print(f"medians: {a} {ac:.2f} / {ad:.2f} s ({size / ac / 1e6:.1f} / "
              f"{size / ad / 1e6:.1f} MB/s); {b} {bc:.2f} / {bd:.2f} s "
              f"({size / bc / 1e6:.1f} / {size / bd / 1e6:.1f} MB/s)")
        print(f"{a} / {b} speed: compress {bc / ac:.2f}x, decompress {bd / ad:.2f}x\n",
              flush=True)


if __name__ == "__main__":
    main()
