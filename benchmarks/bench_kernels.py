"""Per-codec kernel speed on one sub-block: where the time of a level goes.

    python benchmarks/bench_kernels.py [--mib 4] [--seed-mib S] [FILE ...]

Splits the first MIB of each FASTQ (default: ERR127302_1 and ont_1k from
../shared/data) into phyngsc's streams, then codes each stream with every codec a
level may pick and prints bits per symbol and nanoseconds per symbol to encode and
decode (one thread, kernels compiled and warm, best of 3). Each round trip is checked.
The first row of each file times the split itself (FASTQ text into streams, in ns per
input byte, in the enc column), the second putting the streams back together into the
text (``assemble_records``, ns per output byte, in the dec column).

Two versions side by side (same machine, same hour): run this script once as is and
once with ``PYTHONPATH`` naming a worktree of the other commit, from a directory that
holds no ``phyngsc`` package (``git worktree add /tmp/old COMMIT; cd /tmp;
PYTHONPATH=/tmp/old python /path/to/benchmarks/bench_kernels.py ...``).

With ``--seed-mib S`` the first S MiB of each file are a seed instead: the MIB after
them are coded, and rows for the seed model follow: learning it (ns per seed base,
in the enc column) and DNA_SEEDED from it, at the orders levels 5 and 9 use.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import SHARED  # noqa: E402

from phyngsc.codecs.dna_k8 import dna_k8_train  # noqa: E402
from phyngsc.codecs.models import kernel_models  # noqa: E402
from phyngsc.codecs.registry import (SEEDS, decode_stream, decode_stream_with,  # noqa: E402
                                     encode_stream, encode_stream_with)
from phyngsc.codecs.qual_rans_lanes import TWO_LANES  # noqa: E402
from phyngsc.core.varint import varints_to_array  # noqa: E402
from phyngsc.fastq.assemble import assemble_records  # noqa: E402
from phyngsc.fastq.streams import (N_STATS, ST_LEN_LAYOUT, ST_LEN_LENGTHS,  # noqa: E402
                                   ST_LEN_TITLES, ST_NB, ST_NR, layout_capacity,
                                   split_records)
from phyngsc.codecs.defs import dna_k8  # noqa: E402
from phyngsc.codecs.registry import CODEC_ID, LANES  # noqa: E402

CANDIDATES = [
    ("titles", CODEC_ID["title-rans"], 0, "title-rans 0"),
    ("titles", CODEC_ID["title-rans"], 1, "title-rans 1"),
    ("titles", CODEC_ID["title-rans"], 2, "title-rans 2"),
    ("titles", CODEC_ID["title-tok"], 0, "title-tok"),
    ("dna", CODEC_ID["rans-bytes"], 1, "rans-bytes o1"),
    ("dna", CODEC_ID["dna-k8"], 11 | 256 | 2 << 16, "dna-k8 k=11 rc"),
    ("dna", CODEC_ID["dna-k8"], 12 | 256 | 2 << 16, "dna-k8 k=12 rc"),
    ("dna", CODEC_ID["dna-k8"], 12 | 256 | 1 << 9 | 2 << 16, "k=12 rc 2 lanes"),
    ("dna", CODEC_ID["dna-k8"], 12 | 256 | 2 << 9 | 2 << 16, "k=12 rc 4 lanes"),
    ("dna", CODEC_ID["dna-k8"], 12 | 256 | 3 << 9 | 2 << 16, "k=12 rc 8 lanes"),
    ("dna", CODEC_ID["dna-k8"], 13 | 256 | 2 << 16, "dna-k8 k=13 rc"),
    ("dna", CODEC_ID["dna-k8"], 4 | 3 << 16, "dna-k8 k=4"),
    ("dna", CODEC_ID["dna-cm"], 11 | 256 | 4 << 16, "dna-cm k=11 rc (0.5)"),
    ("dna", CODEC_ID["dna2"], 0, "dna2"),
    ("qual", CODEC_ID["qual-rans"], 2, "qual-rans v2"),
    ("qual", CODEC_ID["qual-rans"], 1, "qual-rans v1"),
    ("qual", CODEC_ID["qual-rans"], 0, "qual-rans v0"),
    ("qual", CODEC_ID["qual-rans"], 2 | TWO_LANES, "qual-rans v2 x2"),
    ("qual", CODEC_ID["qual-rans"], 1 | TWO_LANES, "qual-rans v1 x2"),
    ("qual", CODEC_ID["qual-rans"], 0 | TWO_LANES, "qual-rans v0 x2"),
    ("qual", CODEC_ID["qual-sorted"], 3, "qual-sorted v3"),
    ("qual", CODEC_ID["qual-sorted"], 2, "qual-sorted v2"),
    ("qual", CODEC_ID["qual-sorted"], 1, "qual-sorted v1"),
    ("qual", CODEC_ID["qual-sorted"], 0, "qual-sorted v0"),
    ("qual", CODEC_ID["qual-cm"], 1, "qual-cm v1 (0.5)"),
]


def streams_of(text: bytes) -> tuple[dict[str, np.ndarray], np.ndarray]:
    buf = np.frombuffer(text, np.uint8)
    n = buf.size
    titles, dna, qual = np.empty(n + 1, np.uint8), np.empty(n, np.uint8), np.empty(n, np.uint8)
    lens, layout = np.empty(n + 16, np.uint8), np.empty(layout_capacity(n), np.uint8)
    stats, qseen = np.zeros(N_STATS, np.int64), np.zeros(256, np.bool_)
    st = split_records(buf, 0, n, True, titles, dna, qual, lens, layout, stats, qseen)
    if st[0] != 0:
        raise SystemExit(f"not FASTQ: status {st}")
    aux = varints_to_array(lens[:stats[ST_LEN_LENGTHS]], stats[ST_NR])
    return {"titles": titles[:stats[ST_LEN_TITLES]], "dna": dna[:stats[ST_NB]],
            "qual": qual[:stats[ST_NB]], "lengths": lens[:stats[ST_LEN_LENGTHS]],
            "layout": layout[:stats[ST_LEN_LAYOUT]]}, aux


def best_of(fn, runs: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--mib", type=float, default=4)
    ap.add_argument("--seed-mib", type=float, default=0)
    args = ap.parse_args()
    files = args.files or [SHARED / "ERR127302_1.fastq.gz", SHARED / "ont_1k.fastq.gz"]
    print(f"{'file':<22} {'stream':<7} {'codec':<15} {'symbols':>9} {'bits/sym':>8} "
          f"{'enc ns/sym':>10} {'dec ns/sym':>10}")
    for path in files:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            text = f.read(int((args.mib + args.seed_mib) * 2**20))
        text = text[:text.rfind(b"\n@") + 1]
        seed = None
        if args.seed_mib:
            cut = text.find(b"\n@", int(args.seed_mib * 2**20)) + 1
            seed, text = streams_of(text[:cut]), text[cut:]
        streams_of(text[:text.find(b"\n@", 4096) + 1])                     # compile / load
        t_split, (streams, aux) = best_of(lambda: streams_of(text))
        print(f"{path.name[:22]:<22} {'text':<7} {'split (per byte)':<15} {len(text):>9,} "
              f"{'':>8} {1e9 * t_split / len(text):>10.2f} {'':>10}")
        back = np.empty(len(text), np.uint8)
        parts = [streams[k] for k in ("titles", "dna", "qual", "lengths", "layout")]
        t_asm, status = best_of(lambda: assemble_records(*parts, aux.size, back))
        if status != 0 or back.tobytes() != text:
            raise SystemExit(f"{path.name}: assembly failed")
        print(f"{path.name[:22]:<22} {'text':<7} {'assemble (/byte)':<15} {len(text):>9,} "
              f"{'':>8} {'':>10} {1e9 * t_asm / len(text):>10.2f}")
        for name, codec, param, label in CANDIDATES:
            src = streams[name]
            out = np.empty(2 * src.size + 1024, np.uint8)
            encode_stream(codec, param, src[:1000], aux[:1], out)          # compile / load
            t_enc, m = best_of(lambda: encode_stream(codec, param, src, aux, out))
            if m < 0:       # a variant that refuses this input (QUAL_SORTED 3: wide alphabet)
                print(f"{path.name[:22]:<22} {name:<7} {label:<15} {src.size:>9,} refused")
                continue
            enc = out[:m].copy()
            dst = np.empty(src.size, np.uint8)
            t_dec, status = best_of(lambda: decode_stream(codec, enc, aux, dst))
            if status != 0 or not np.array_equal(dst, src):
                raise SystemExit(f"{path.name} {label}: round trip failed")
            print(f"{path.name[:22]:<22} {name:<7} {label:<15} {src.size:>9,} "
                  f"{8 * m / src.size:>8.3f} {1e9 * t_enc / src.size:>10.2f} "
                  f"{1e9 * t_dec / src.size:>10.2f}")
        if seed is not None:
            seeded_rows(path, seed, streams["dna"], aux)


def seeded_rows(path: Path, seed: tuple, src: np.ndarray, aux: np.ndarray) -> None:
    """Learning the seed model from ``seed`` and DNA_SEEDED on ``src`` at each preset."""
    (sstreams, saux) = seed
    sdna = sstreams["dna"]
    for level in sorted(SEEDS):
        p = SEEDS[level]
        dna_k8_train(sdna[:1000], saux[:1], p.k, p.revcomp, p.inc)        # compile / load
        t_train, table = best_of(lambda: dna_k8_train(sdna, saux, p.k, p.revcomp, p.inc))
        model = kernel_models(table)
        print(f"{path.name[:22]:<22} {'seed':<7} {f'learn k={p.k}':<15} {sdna.size:>9,} "
              f"{'':>8} {1e9 * t_train / sdna.size:>10.1f} {'':>10}")
        for lanes in (1, LANES):
            codec, param = CODEC_ID["dna-seeded"], dna_k8.param(p.k, p.revcomp, p.inc, lanes)
            out = np.empty(2 * src.size + 1024, np.uint8)
            t_enc, m = best_of(lambda: encode_stream_with(codec, param, src, aux, out, model))
            enc = out[:m].copy()
            dst = np.empty(src.size, np.uint8)
            t_dec, status = best_of(lambda: decode_stream_with(codec, enc, aux, dst, model))
            if status != 0 or not np.array_equal(dst, src):
                raise SystemExit(f"{path.name} dna-seeded: round trip failed")
            label = f"seeded k={p.k} x{lanes}"
            print(f"{path.name[:22]:<22} {'dna':<7} {label:<15} {src.size:>9,} "
                  f"{8 * m / src.size:>8.3f} {1e9 * t_enc / src.size:>10.2f} "
                  f"{1e9 * t_dec / src.size:>10.2f}")


if __name__ == "__main__":
    main()
