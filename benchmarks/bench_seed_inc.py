"""Counter increment of the seed model: bits a base of seeded sub-blocks per increment.

Usage: python benchmarks/bench_seed_inc.py --input deep_shuf.fq [--levels 5,9]
       [--incs 1,2,3,4,6,8,12,16] [--orders 13,14] [--test-subblocks 2]

For each level with a seed preset, the script reads the seed exactly as `compress` does
(the records of the first sub-blocks, `runners.compress.seed_input`), learns the seed
model once per increment (`seed.train`), then codes the DNA of the next
``--test-subblocks`` sub-blocks with DNA_SEEDED from that model and the same increment,
and prints their bits a base. The seed's size is the level's preset; its order is the
plan's, or each of ``--orders``. The 0.9 presets (3 at order 12, 8 at order 13) and 0.12's
order 14 with increment 24 at level 9 come from this table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from phyngsc.codecs.dna_k8 import dna_k8_encode
from phyngsc.runners.compress import scan_batch, seed_input
from phyngsc.runners.mpiio import PlainReadFile
from phyngsc.seed import plan_seed, train
from phyngsc.subblocks import bases_and_lengths

WINDOW = 8 << 20


def seed_and_tests(src: PlainReadFile, path: str, level: int, n_test: int) -> tuple | None:
    """``(plan, seed text, tests)`` for ``level`` on input ``src``: the seed plan as
    `compress` makes it, the seed's records read as `compress` reads them (its bases and
    read lengths: ``text.dna``, ``text.lengths``), and the bases and read lengths of each
    of the ``n_test`` sub-blocks that follow; None if the input gets no seed."""
    plan = plan_seed(level, src.size, WINDOW)
    if plan is None:
        return None
    _seed, end, text = seed_input(src, path, src.size, WINDOW, plan)
    buf, bounds, nxt = scan_batch(src, path, src.size, end, end + n_test * WINDOW, WINDOW,
                                  n_test + 2)
    cuts = np.append(bounds, nxt)[:n_test + 1]
    return plan, text, [bases_and_lengths(buf[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]


def each_level(path: str, levels: str, n_test: int, header: str):
    """Open input ``path``, print its size and the table ``header``, then yield
    ``(level,) + seed_and_tests(...)`` for each level of the comma-separated ``levels``
    that gets a seed (a line says so for the others)."""
    src = PlainReadFile(path)
    print(f"{path}: {src.size:,} bytes; window {WINDOW:,}")
    print(header)
    try:
        for level in [int(x) for x in levels.split(",")]:
            got = seed_and_tests(src, path, level, n_test)
            if got is None:
                print(f"{level:>5}: no seed for this input")
                continue
            yield (level,) + got
    finally:
        src.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True, help="a deep FASTQ (e.g. ART reads)")
    ap.add_argument("--levels", default="5,9")
    ap.add_argument("--incs", default="1,2,3,4,6,8,12,16")
    ap.add_argument("--orders", default="", help="seed orders to try (default: the plan's)")
    ap.add_argument("--test-subblocks", type=int, default=2)
    args = ap.parse_args()
    header = f"{'level':>5} {'k':>3} {'seed sb':>7} {'inc':>4} {'bits/base':>10} {'learn s':>8}"
    for level, plan, text, tests in each_level(args.input, args.levels, args.test_subblocks,
                                               header):
        # learned joined (as NGSC 1.3 did): a chained seed's table differs from it only
        # in the first k contexts of each seed sub-block
        dna, lengths = text.dna, text.lengths
        orders = [int(x) for x in args.orders.split(",")] if args.orders else [plan.k]
        for k in orders:
            for inc in [int(x) for x in args.incs.split(",")]:
                info = dataclasses.replace(plan, inc=inc, k=k)
                t = time.perf_counter()
                model = train(dna.copy(), lengths, info)   # train overwrites its input
                learn = time.perf_counter() - t
                bits = total = 0
                for d, ln in tests:
                    out = np.empty(d.size + 1024, np.uint8)
                    n = dna_k8_encode(d, ln, out, k, plan.revcomp, inc, model)
                    bits += 8 * n
                    total += d.size
                del model
                mark = " (preset)" if (k, inc) == (plan.k, plan.inc) else ""
                print(f"{level:>5} {k:>3} {plan.n_subblocks:>7} {inc:>4} "
                      f"{bits / total:>10.4f} {learn:>8.1f}{mark}", flush=True)


if __name__ == "__main__":
    main()
