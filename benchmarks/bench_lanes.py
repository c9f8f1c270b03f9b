"""DNA_K8 lanes (NGSC 1.7): one seeded sub-block of a real archive coded and decoded in
1, 2, 4, 8 and 16 lanes, from the archive's seed model, one thread.

Usage: python benchmarks/bench_lanes.py ARCHIVE [--subblock I] [--repeat R]

ARCHIVE: a level-5 (or 9) archive with a seed model, e.g. the 1 GiB ART set compressed
with ``python -m phyngsc compress deep_shuf.fq -o big.ngsc --index``; I: a seeded
sub-block (default: the middle one). Prints, per lane count, the stream's bytes and
the best of R timings of the coder and of the decoder (the kernel alone: the working
row is reset from the model before each run, outside the timing). The figure the
lane count of ``registry.LANES`` rests on; docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archive")
    ap.add_argument("--subblock", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import numba

    from phyngsc.archive.decode import decode_streams_of
    from phyngsc.archive.reader import Archive
    from phyngsc.codecs.dna_k8 import dna_k8_decode_codes, dna_k8_encode_into
    from phyngsc.format.constants import SID_DNA, SID_LENGTHS

    numba.set_num_threads(1)
    arch = Archive(args.archive)
    seed = arch.footer.seed
    if seed is None:
        raise SystemExit(f"{args.archive}: no seed model (compress at level 5 or 9)")
    i = arch.n_subblocks // 2 if args.subblock is None else args.subblock
    if i < seed.n_subblocks:
        raise SystemExit(f"sub-block {i} belongs to the seed; pick one from {seed.n_subblocks}")
    _, streams = decode_streams_of(arch, np.array([i]), (SID_DNA, SID_LENGTHS))
    dna = streams[0][SID_DNA]
    from phyngsc.core.varint import varints_to_array
    lengths = varints_to_array(streams[0][SID_LENGTHS], arch.index.n_records[i])
    size = 4 << (2 * seed.k)
    ws = arch.seed_workspace(1)
    model, F = ws[:size], ws[size:2 * size]
    own_rc = False        # seeded sub-blocks learn their forward strand (0.13)
    inc = seed.inc
    print(f"{args.archive}: sub-block {i}, {dna.size:,} bases in {lengths.size:,} reads, "
          f"order {seed.k}, one thread, best of {args.repeat}")
    print(f"{'lanes':>5} {'bytes':>10} {'vs 1':>8} {'encode s':>9} {'decode s':>9} "
          f"{'ns/base':>8} {'speed-up':>8}")
    one_size = one_dec = None
    for lanes in (1, 2, 4, 8, 16):
        out = np.empty(2 * dna.size + 4096, np.uint8)
        t_enc = t_dec = float("inf")
        for _ in range(args.repeat + 1):          # the first run compiles
            F[:] = model
            t = time.perf_counter()
            m = dna_k8_encode_into(dna, lengths, out, seed.k, own_rc, inc, F, lanes)
            t_enc = min(t_enc, time.perf_counter() - t)
        enc = out[:m].copy()
        got = np.empty(dna.size, np.uint8)
        codes = np.empty(dna.size, np.uint8)
        for _ in range(args.repeat + 1):
            F[:] = model
            t = time.perf_counter()
            status = dna_k8_decode_codes(enc, lengths, got, F, codes)
            t_dec = min(t_dec, time.perf_counter() - t)
        if status != 0 or not np.array_equal(got, dna):
            raise SystemExit(f"{lanes} lanes: round trip failed")
        F[:] = model
        one_size = one_size or m
        one_dec = one_dec or t_dec
        print(f"{lanes:>5} {m:>10,} {100 * (m / one_size - 1):>+7.3f}% {t_enc:>9.3f} "
              f"{t_dec:>9.3f} {1e9 * t_dec / dna.size:>8.1f} {one_dec / t_dec:>7.2f}x")


if __name__ == "__main__":
    main()
