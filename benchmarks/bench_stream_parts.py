"""Where a reader's time goes, stream by stream, in a seeded archive (levels 5 and 9).

    python benchmarks/bench_stream_parts.py ARCHIVE [--batch 8] [--rounds 2]

With one Numba thread: the walk of the chained seed (the seed model learned from the seed
sub-blocks, what every reader of a seeded sub-block pays first), then each stream of the
seeded sub-blocks decoded alone, ``--batch`` sub-blocks at a time through
``decode_streams_of`` (the path of ``fasta``, ``grep`` and ``stats``), and all of them
together. Seconds for the whole archive: the walk once, each stream best of ``--rounds``.
What ``fasta`` needs (titles, lengths, bases) against what ``decompress`` needs in
addition (qualities, the records put together and checked) shows how far ``fasta`` and
``grep`` can get ahead of ``decompress`` (docs/performance.md, phyngsc 0.25.2).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["NUMBA_NUM_THREADS"] = "1"      # before Numba is imported

import numpy as np  # noqa: E402

import phyngsc  # noqa: E402
from phyngsc.archive.decode import decode_streams_of, decode_text  # noqa: E402
from phyngsc.format.constants import SID_DNA, SID_LENGTHS, SID_QUAL, SID_TITLES  # noqa: E402

PARTS = [("lengths", (SID_LENGTHS,)), ("titles", (SID_TITLES,)), ("bases", (SID_DNA,)),
         ("titles + bases (fasta)", (SID_TITLES, SID_DNA)), ("qualities", (SID_QUAL,))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("--batch", type=int, default=8, help="sub-blocks a call")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with phyngsc.open(args.archive) as arch:
        if arch.footer.seed is None:
            raise SystemExit(f"{args.archive}: no seed model (levels 5 and 9, inputs of two "
                             "windows or more)")
        n_seed = arch.footer.seed.n_subblocks
        t = time.perf_counter()
        arch.seed_model()
        print(f"{'walk of the seed (' + str(n_seed) + ' sub-blocks)':<36} "
              f"{time.perf_counter() - t:8.3f} s")
        idx = np.arange(n_seed, arch.n_subblocks)
        data = [arch.subblock_bytes(int(i)) for i in idx]
        cuts = range(0, idx.size, args.batch)
        print(f"{idx.size} seeded sub-blocks, {args.batch} a call, best of {args.rounds}:")
        for name, wanted in PARTS:
            best = min(_timed(lambda: [decode_streams_of(arch, idx[k:k + args.batch], wanted,
                                                         data[k:k + args.batch])
                                       for k in cuts]) for _ in range(args.rounds))
            print(f"  {name:<34} {best:8.3f} s")
        best = min(_timed(lambda: [decode_text(arch, idx[k:k + args.batch],
                                               data[k:k + args.batch]) for k in cuts])
                   for _ in range(args.rounds))
        print(f"  {'records, CRC-checked (decompress)':<34} {best:8.3f} s")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
