"""Seeded sub-blocks that learn their own reads against static ones (NGSC 1.11).

    python benchmarks/bench_seeded_static.py FASTQ [--seed-mib 192] [--k 12] [--seed-inc 3]
                                             [--incs 3,0] [--subblocks 4]

Trains the seed model on the first ``--seed-mib`` MiB of FASTQ (both strands, the
seed's increment, as the chain's table learns), then codes each of the next
``--subblocks`` 8 MiB sub-blocks' bases with DNA_SEEDED in 16 lanes from it, once per
increment in ``--incs`` (0: static), and prints bits a base and ns a base to encode and
to decode (best of 3, one thread; a learning coder works in a workspace row and puts it
back, as phyngsc does). Level 5 is ``--k 12 --seed-inc 3``, level 9 ``--seed-mib 256
--k 14 --seed-inc 24``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import best_of as best, streams_of  # noqa: E402

from phyngsc.codecs.dna_k8 import dna_k8_train  # noqa: E402
from phyngsc.codecs.seed_workspace import seeded_decode, seeded_encode, workspace  # noqa: E402

SUB = 8 << 20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("fastq", type=Path)
    ap.add_argument("--seed-mib", type=int, default=192)
    ap.add_argument("--k", type=int, default=12)
    ap.add_argument("--seed-inc", type=int, default=3)
    ap.add_argument("--incs", default="3,0")
    ap.add_argument("--subblocks", type=int, default=4)
    args = ap.parse_args()
    incs = [int(x) for x in args.incs.split(",")]
    with open(args.fastq, "rb") as f:
        text = f.read((args.seed_mib << 20) + (args.subblocks + 1) * SUB)
    cut = text.find(b"\n@", args.seed_mib << 20) + 1
    (seed, saux), rest = streams_of(text[:cut]), text[cut:]
    t = time.perf_counter()
    model = dna_k8_train(seed["dna"], saux, args.k, True, args.seed_inc)
    print(f"seed: {seed['dna'].size:,} bases, order {args.k}, inc {args.seed_inc}, "
          f"learned in {time.perf_counter() - t:.1f} s")
    ws = workspace(model, 1)          # the model and one working row
    del model
    print(f"{'sub-block':>9} {'inc':>4} {'bits/base':>9} {'enc ns':>7} {'dec ns':>7}")
    a = 0
    for sb in range(args.subblocks):
        b = rest.find(b"\n@", a + SUB) + 1
        if b <= a:
            break
        streams, aux = streams_of(rest[a:b])
        a = b
        src = streams["dna"]
        for inc in incs:
            out = np.empty(2 * src.size + 4096, np.uint8)
            t_enc, m = best(lambda: seeded_encode(src, aux, out, args.k, False, inc, ws, 16))
            enc = out[:m].copy()
            dec = np.empty(src.size, np.uint8)
            t_dec, status = best(lambda: seeded_decode(enc, aux, dec, ws))
            if status != 0 or not np.array_equal(dec, src):
                raise SystemExit(f"sub-block {sb} inc {inc}: round trip failed")
            print(f"{sb:>9} {inc:>4} {8 * m / src.size:>9.4f} {1e9 * t_enc / src.size:>7.2f} "
                  f"{1e9 * t_dec / src.size:>7.2f}")


if __name__ == "__main__":
    main()
