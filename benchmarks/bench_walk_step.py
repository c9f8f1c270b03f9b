"""Where one step of a chained seed's walk spends its time: one seed sub-block of a real
archive decoded from the table the walk has at that point, with and without learning
the reverse strand, and the same bases learned without decoding, in lanes and in one
coder. One thread; best of ``--repeat``; the table is reset (untimed) before each run.

Usage: python benchmarks/bench_walk_step.py ARCHIVE [--subblock I] [--repeat R]

ARCHIVE: a level-5 or 9 archive with a chained seed (e.g. the MiSeq set at level 5);
I: a seed sub-block coded from the chain (default: the middle of the seed). The row
"decode, forward strand only" flips the stream's reverse-complement flag, so its bases
are not the original ones: it times the same decoder without the reverse-strand updates.
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

    from phyngsc.archive.reader import Archive
    from phyngsc.codecs.dna_exceptions import base_codes
    from phyngsc.codecs.dna_k8 import dna_k8_decode_into, dna_k8_learn_into
    from phyngsc.codecs.registry import KNOWN_CODECS
    from phyngsc.core.tables import counter_table
    from phyngsc.core.varint import varints_to_array
    from phyngsc.format.constants import SID_DNA, SID_LENGTHS
    from phyngsc.format.subblock import SubBlockHeader
    from phyngsc.subblock_decode import decode_streams

    numba.set_num_threads(1)
    arch = Archive(args.archive)
    seed = arch.footer.seed
    if seed is None or not seed.chained:
        raise SystemExit(f"{args.archive}: no chained seed (compress at level 5 or 9)")
    i = seed.n_subblocks // 2 if args.subblock is None else args.subblock
    chain = arch.chain()
    chain.walk(i, ())
    start = chain.table.copy()
    data = arch.subblock_bytes(i)
    hdr, size = SubBlockHeader.unpack_checked(data, KNOWN_CODECS)
    info = hdr.streams[SID_DNA]
    _h, (streams,) = decode_streams([data], (SID_LENGTHS,))
    lengths = np.ascontiguousarray(varints_to_array(streams[SID_LENGTHS], hdr.n_records),
                                   np.int64)
    at = size + sum(s.encoded_length for s in hdr.streams[:SID_DNA])
    stream = np.frombuffer(data, np.uint8)[at:at + info.encoded_length].copy()
    k, inc = int(stream[0]), int(stream[2])
    lanes = 1 << ((int(stream[1]) >> 1) & 7)
    if not stream[1] & 1:
        raise SystemExit(f"sub-block {i}: its stream learns no reverse strand")
    n = info.decoded_length
    table = counter_table(start.size, -1)
    out = np.empty(n, np.uint8)

    def best(run) -> float:
        times = []
        for _ in range(args.repeat):
            table[:] = start
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        return min(times)

    table[:] = start
    if dna_k8_decode_into(stream, lengths, out, table) != 0:
        raise SystemExit(f"sub-block {i}: its bases do not decode")
    codes = base_codes(out.copy())
    forward = stream.copy()
    forward[1] &= 0xFE
    rows = [
        ("decode, both strands (the walk)", lambda: dna_k8_decode_into(stream, lengths, out,
                                                                        table)),
        ("decode, forward strand only", lambda: dna_k8_decode_into(forward, lengths, out,
                                                                    table)),
        (f"learn, both strands, {lanes} lanes", lambda: dna_k8_learn_into(
            table, codes, lengths, k, True, inc, lanes)),
        (f"learn, forward only, {lanes} lanes", lambda: dna_k8_learn_into(
            table, codes, lengths, k, False, inc, lanes)),
        ("learn, both strands, one coder", lambda: dna_k8_learn_into(
            table, codes, lengths, k, True, inc, 1)),
    ]
    for _label, run in rows:        # compile and warm up, untimed
        table[:] = start
        run()
    print(f"sub-block {i} of {seed.n_subblocks} seed sub-blocks: {n:,} bases, order {k}, "
          f"{lanes} lanes, increment {inc}")
    print("| step | s | ns a base |")
    print("| --- | ---: | ---: |")
    for label, run in rows:
        s = best(run)
        print(f"| {label} | {s:.3f} | {s / n * 1e9:.1f} |")


if __name__ == "__main__":
    main()
