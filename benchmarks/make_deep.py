"""Build the deep simulated Illumina sets of docs/performance.md at benchmark time.

Usage: python benchmarks/make_deep.py OUTDIR [--set hiseq|miseq]

Writes into OUTDIR: ``ref.fa`` (two random chromosomes of 10 Mbp each, numpy seed 11)
and, with the default set ``hiseq``, ``deep.fq`` (Debian's ``art_illumina -ss HS25 -l 150
-f 25 -na -rs 11``: 25x, 150 bp, 3,333,300 reads written chromosome by chromosome,
1,057,767,192 bytes) and ``deep_shuf.fq`` (the same reads in a random order, numpy seed
7, as a sequencer writes them, renamed ``@deep.1``, ``@deep.2``, ...: 1,058,878,296
bytes). ``--set miseq``: ``miseq.fq`` and ``miseq_shuf.fq`` the same way from ART's MiSeq
v3 profile (``-ss MSv3 -l 250 -f 27``: 27x, 250 bp, unbinned qualities, 2,160,000 reads,
1,119,928,896 bytes shuffled), renamed
``@miseq.1``, ... Needs ``art_illumina`` on the PATH (``apt-get install
art-nextgen-simulation-tools``), about 2.2 GB of disk and two minutes a set.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

CHROMOSOMES = 2
CHROMOSOME_BP = 10_000_000
#: Simulated sets: name -> (file prefix, ART profile, read length, fold coverage).
SETS = {"hiseq": ("deep", "HS25", 150, 25), "miseq": ("miseq", "MSv3", 250, 27)}


def write_reference(path: Path) -> None:
    """Random genome, uniform bases, 80 bases per line."""
    rng = np.random.default_rng(11)
    acgt = np.frombuffer(b"ACGT", np.uint8)
    with path.open("w") as f:
        for c in range(1, CHROMOSOMES + 1):
            seq = acgt[rng.integers(0, 4, CHROMOSOME_BP)].tobytes().decode()
            f.write(f">chr{c}\n")
            for i in range(0, len(seq), 80):
                f.write(seq[i:i + 80] + "\n")


def shuffle_reads(src: Path, dst: Path, prefix: str = "deep") -> None:
    """The reads of ``src`` in a random order (seed 7), titles renumbered from 1 after
    ``prefix``."""
    lines = src.read_bytes().split(b"\n")
    n = len(lines) // 4
    order = np.random.default_rng(7).permutation(n)
    with dst.open("wb") as f:
        for i, r in enumerate(order.tolist()):
            f.write(b"@%s.%d\n%s\n+\n%s\n" % (prefix.encode(), i + 1, lines[4 * r + 1],
                                                 lines[4 * r + 3]))


def main(outdir: str, which: str = "hiseq") -> None:
    name, profile, length, fold = SETS[which]
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("art_illumina") is None:
        sys.exit("make_deep.py: art_illumina not found "
                 "(apt-get install art-nextgen-simulation-tools)")
    write_reference(out / "ref.fa")
    subprocess.run(["art_illumina", "-ss", profile, "-i", "ref.fa", "-l", str(length),
                    "-f", str(fold), "-na", "-rs", "11", "-o", name], cwd=out, check=True,
                   stdout=subprocess.DEVNULL)
    shuffle_reads(out / f"{name}.fq", out / f"{name}_shuf.fq", name)
    for f in (f"{name}.fq", f"{name}_shuf.fq"):
        print(f"{out / f}: {(out / f).stat().st_size:,} bytes")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--set", dest="which", choices=sorted(SETS), default="hiseq")
    args = ap.parse_args()
    main(args.outdir, args.which)
