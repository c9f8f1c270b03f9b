"""Seeded sub-blocks with and without their own reads' reverse complements.

Usage: python benchmarks/bench_seeded_strands.py --input deep_shuf.fq [--levels 5,9]
       [--test-subblocks 4]

For each level with a seed preset, the script reads and learns the seed model exactly as
`bench_seed_inc.py` does (its ``seed_and_tests``: the level's preset size, order and
increment for this input),
then codes the DNA of the next ``--test-subblocks`` sub-blocks with DNA_SEEDED from that
model twice: learning the sub-block's reads on both strands (phyngsc 0.7-0.12) and on
their forward strand only (0.13). It prints bits a base and the encoder's and decoder's
nanoseconds a base (one thread; the working copy of the model is reset from the model
before each run, untimed; the two settings alternate per sub-block). Every decode is
checked against the input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from phyngsc.codecs.dna_k8 import dna_k8_decode_into, dna_k8_encode_into
from phyngsc.seed import train

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_seed_inc import each_level  # noqa: E402


def code_once(d: np.ndarray, ln: np.ndarray, model: np.ndarray, work: np.ndarray, k: int,
              revcomp: bool, inc: int) -> tuple[int, float, float]:
    """(encoded bytes, encode seconds, decode seconds) of bases ``d`` from ``model``."""
    out = np.empty(2 * d.size + 1024, np.uint8)
    work[:] = model
    t = time.perf_counter()
    n = dna_k8_encode_into(d, ln, out, k, revcomp, inc, work)
    enc = time.perf_counter() - t
    if n < 0:
        raise SystemExit("encoder failed")
    work[:] = model
    back = np.empty(d.size, np.uint8)
    t = time.perf_counter()
    status = dna_k8_decode_into(out[:n].copy(), ln, back, work)
    dec = time.perf_counter() - t
    if status != 0 or not np.array_equal(back, d):
        raise SystemExit("round trip failed")
    return n, enc, dec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True, help="a deep FASTQ (e.g. ART reads)")
    ap.add_argument("--levels", default="5,9")
    ap.add_argument("--test-subblocks", type=int, default=4)
    args = ap.parse_args()
    header = (f"{'level':>5} {'k':>3} {'inc':>4} {'strands':>8} {'bits/base':>10} "
              f"{'enc ns/base':>12} {'dec ns/base':>12}")
    for level, plan, text, tests in each_level(args.input, args.levels, args.test_subblocks,
                                               header):
        model = train(text.dna.copy(), text.lengths, plan)   # train overwrites its input
        work = np.empty_like(model)
        work[:] = model                                       # touch its pages once
        totals = {True: [0, 0, 0.0, 0.0], False: [0, 0, 0.0, 0.0]}
        for j, (d, ln) in enumerate(tests):
            for rc in ((True, False) if j % 2 == 0 else (False, True)):
                n, enc, dec = code_once(d, ln, model, work, plan.k, rc, plan.inc)
                t = totals[rc]
                t[0] += n
                t[1] += d.size
                t[2] += enc
                t[3] += dec
        for rc in (True, False):
            n, bases, enc, dec = totals[rc]
            print(f"{level:>5} {plan.k:>3} {plan.inc:>4} {'both' if rc else 'forward':>8} "
                  f"{8 * n / bases:>10.4f} {1e9 * enc / bases:>12.1f} {1e9 * dec / bases:>12.1f}",
                  flush=True)
        del model, work


if __name__ == "__main__":
    main()
