"""Build the deep simulated Illumina sets of docs/performance.md at benchmark time.

Usage: python benchmarks/make_deep.py OUTDIR

Writes into OUTDIR: ``ref.fa`` (two random chromosomes of 10 Mbp each, numpy seed 11),
``deep.fq`` (Debian's ``art_illumina -ss HS25 -l 150 -f 25 -na -rs 11``: 25x, 150 bp,
3,333,300 reads written chromosome by chromosome, 1,057,767,192 bytes) and
``deep_shuf.fq`` (the same reads in a random order, numpy seed 7, as a sequencer writes
them, renamed ``@deep.1``, ``@deep.2``, ...: 1,058,878,296 bytes). Needs
``art_illumina`` on the PATH (``apt-get install art-nextgen-simulation-tools``), about
2.2 GB of disk and two minutes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

CHROMOSOMES = 2
CHROMOSOME_BP = 10_000_000


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


def shuffle_reads(src: Path, dst: Path) -> None:
    """The reads of ``src`` in a random order (seed 7), titles renumbered from 1."""
    lines = src.read_bytes().split(b"\n")
    n = len(lines) // 4
    order = np.random.default_rng(7).permutation(n)
    with dst.open("wb") as f:
        for i, r in enumerate(order.tolist()):
            f.write(b"@deep.%d\n%s\n+\n%s\n" % (i + 1, lines[4 * r + 1], lines[4 * r + 3]))


def main(outdir: str) -> None:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("art_illumina") is None:
        sys.exit("make_deep.py: art_illumina not found (apt-get install art-nextgen-simulation-tools)")
    write_reference(out / "ref.fa")
    subprocess.run(["art_illumina", "-ss", "HS25", "-i", "ref.fa", "-l", "150", "-f", "25",
                    "-na", "-rs", "11", "-o", "deep"], cwd=out, check=True,
                   stdout=subprocess.DEVNULL)
    shuffle_reads(out / "deep.fq", out / "deep_shuf.fq")
    for name in ("deep.fq", "deep_shuf.fq"):
        print(f"{out / name}: {(out / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
