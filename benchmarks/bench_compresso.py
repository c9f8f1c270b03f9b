"""In compresso speed: count, header-only stats, full stats, grep --first, fasta, filter,
extract, against a full decompress of the same archive, same ranks, whole processes.

    python benchmarks/bench_compresso.py [--size-mib 1024 | --input FASTQ] [--ranks 1]
                                         [--threads 2] [--level 5] [--prefault MIB]
                                         [--only NAME,...]

Builds (or reuses) the repeated-ERR127302 input of bench_core.py, or takes ``--input``
(e.g. the ART deep set of docs/performance.md), and its archive at ``--level``.
``extract`` takes the 10 records in the middle of the archive.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_codecs import prefault  # noqa: E402
from bench_core import MPIEXEC, ROOT, build_input, compile_bytecode  # noqa: E402

#: MiB touched in a helper process before each timed run (``--prefault``; 0: none).
PREFAULT_MIB = 0


def timed(cmd: list[str], runs: int = 3, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Best wall seconds of ``runs`` runs of ``cmd``, and the largest peak RSS (MiB) of
    the process (under mpiexec: of the launcher, not of the ranks)."""
    best, peak = float("inf"), 0.0
    for _ in range(runs):
        if PREFAULT_MIB:
            prefault(PREFAULT_MIB)
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _pid, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode not in ok:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()}")
        best = min(best, time.perf_counter() - t)
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--level", type=int, default=5, help="compression level of the archive")
    ap.add_argument("--input", type=Path, help="FASTQ to archive instead of the built one")
    ap.add_argument("--prefault", type=int, default=0, metavar="MIB",
                    help="touch MIB MiB in a helper process before each timed run "
                         "(bench_codecs.prefault; 0: off)")
    ap.add_argument("--only", default="",
                    help="comma-separated words: run only the commands whose names start "
                         "with one of them (decompress always runs: the reference)")
    args = ap.parse_args()
    global PREFAULT_MIB
    PREFAULT_MIB = args.prefault
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    src = args.input or build_input(work, args.size_mib << 20)
    arc = work / f"ic-{src.stem}-l{args.level}.ngsc"
    base = [sys.executable, "-m", "phyngsc"]
    launch = [MPIEXEC, "-n", str(args.ranks)] if args.ranks > 1 else []
    t = ["-t", str(args.threads)]
    if not arc.exists():
        subprocess.run(base + ["compress", str(src), "-o", str(arc), "-q", "--level",
                               str(args.level)] + t, check=True)
    # patterns from the first read and from read 10,000, both in the first sub-block: the
    # first is found by the first look (no Numba), the second needs the compiled decoder
    with src.open("rb") as f:
        lines = [f.readline() for _ in range(4 * 10_001)]
    first_seq = lines[1][10:30].decode()
    deep_seq = lines[4 * 10_000 + 1][10:30].decode()
    n = int(subprocess.run(base + ["count", str(arc)], capture_output=True, text=True,
                           check=True).stdout.split()[0])
    mid = f"{n // 2}:{n // 2 + 10}"
    cases = [
        ("decompress", ["decompress", str(arc), "-o", str(work / "ic.out"), "-q"] + t, 1),
        ("decompress to /dev/null", ["decompress", str(arc), "-o", "/dev/null", "-q"] + t, 1),
        ("count", ["count", str(arc)], 3),
        ("stats --headers-only", ["stats", str(arc), "--headers-only", "--json"], 3),
        ("stats (lengths+qualities)", ["stats", str(arc), "--json"] + t, 1),
        ("grep --first (match in read 1)", ["grep", str(arc), first_seq, "--first"] + t, 3),
        ("grep --first (match in read 10,001)", ["grep", str(arc), deep_seq, "--first"] + t,
         3),
        ("grep (every match, 20 bases)", ["grep", str(arc), deep_seq, "-o",
                                          str(work / "ic.g.fq")] + t, 1),
        ("fasta", ["fasta", str(arc), "-o", str(work / "ic.fa")] + t, 1),
        ("fasta to /dev/null", ["fasta", str(arc), "-o", "/dev/null"] + t, 1),
        ("filter --trim-quality 20", ["filter", str(arc), "-o", str(work / "ic.f.fq"),
                                      "--trim-quality", "20", "-q"] + t, 1),
        (f"extract --records {mid}", ["extract", str(arc), "--records", mid, "-o", "-"] + t,
         3),
    ]
    if args.only:
        words = tuple(w.strip() for w in args.only.split(",") if w.strip())
        cases = [c for c in cases if c[0].startswith(("decompress",) + words)]
    times, peaks = {}, {}
    for name, cmd, runs in cases:
        ok = (0, 1) if cmd[0] == "grep" else (0,)      # grep: 1 when nothing matched
        times[name], peaks[name] = timed(launch + base + cmd, runs, ok)
    dec = times["decompress"]
    size = src.stat().st_size
    print(f"archive of {size:,} bytes of FASTQ ({size / 2**30:.2f} GiB), {args.ranks} rank(s) "
          f"x {args.threads} thread(s); best of 3 for the fast commands")
    print("(x faster: than decompress to the same kind of output, a file or /dev/null)")
    print(f"{'command':<40} {'seconds':>8} {'x faster':>9} {'peak MiB':>9}")
    for name, _cmd, _r in cases:
        ref = times["decompress to /dev/null"] if "/dev/null" in name else dec
        print(f"{name:<40} {times[name]:>8.3f} {ref / times[name]:>9.2f} {peaks[name]:>9.0f}")
    for f in ("ic.out", "ic.fa", "ic.f.fq", "ic.g.fq"):
        (work / f).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
