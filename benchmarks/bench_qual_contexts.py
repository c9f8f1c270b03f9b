"""Bits a quality value for candidate QUAL_SORTED contexts, before writing a codec variant.

Usage: python benchmarks/bench_qual_contexts.py FASTQ [--mib 8]

Reads the first ``--mib`` MiB of FASTQ (whole records), and for each context below
computes the code length of QUAL_SORTED's adaptive model (every symbol of a context
starts at frequency 1, a coded symbol gains 16, a context's frequencies are halved once
its total passes 2**16) as a range coder would spend it: the sum of -log2(f / total).
Contexts restart at every read; q1, q2, q3 are the previous three values of the read
(``n``, the alphabet size, before its start), ``hi`` is max(q2, q3) as QUAL_SORTED's
variants 1-3 take it, pos the position in the read. This is how NGSC 1.9's variant 4 was
chosen (docs/performance.md, phyngsc 0.20): no archive is written.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np

#: Context shapes: q1 alone, q1 with hi (the pair QUAL_SORTED's variants 1-3 take), q1
#: with q2 against q1 (none, equal, above, below), q1 with whether hi is above q1.
Q1, Q1_HI, Q1_Q2REL, Q1_HI_ABOVE = 0, 1, 2, 3
#: Position slots a context keeps apart at most; later positions share the last.
SLOTS = 256
#: (name, shape, positions a band, last band) in the order printed.
CONTEXTS = (
    ("variant 1: (q1, hi, min(pos / 8, 7))", Q1_HI, 8, 7),
    ("variant 3: (q1, hi, min(pos, 255))", Q1_HI, 1, SLOTS - 1),
    ("(q1, hi, pos / 16)", Q1_HI, 16, SLOTS - 1),
    ("(q1, hi, pos / 32)", Q1_HI, 32, SLOTS - 1),
    ("(q1, q2 relative to q1, pos / 8)", Q1_Q2REL, 8, SLOTS - 1),
    ("(q1, pos)", Q1, 1, SLOTS - 1),
    ("(q1, pos / 2)", Q1, 2, SLOTS - 1),
    ("(q1, pos / 3)", Q1, 3, SLOTS - 1),
    ("(q1, pos / 4)", Q1, 4, SLOTS - 1),
    ("(q1, min(pos / 4, 31))", Q1, 4, 31),
    ("(q1, hi > q1, pos / 5)", Q1_HI_ABOVE, 5, SLOTS - 1),
    ("variant 4: (q1, min(pos / 5, 63))", Q1, 5, 63),
    ("(q1, pos / 6)", Q1, 6, SLOTS - 1),
)


@numba.njit(cache=True)
def _context(shape: int, width: int, last: int, q1: int, q2: int, q3: int, at: int,
             n: int) -> int:
    if shape == Q1:
        group = q1
    else:
        hi = q2 if (q2 > q3 or q3 == n) else q3
        if q2 == n:
            hi = n
        if shape == Q1_HI:
            group = q1 * (n + 1) + hi
        elif shape == Q1_Q2REL:
            group = q1 * 4 + (0 if q2 == n else (1 if q2 == q1 else (2 if q2 > q1 else 3)))
        else:
            group = q1 * 2 + (1 if hi > q1 and hi != n else 0)
    return group * SLOTS + min(at // width, last)


def n_contexts(shape: int, n: int) -> int:
    """Contexts :func:`_context` may return for ``shape`` over ``n`` symbols."""
    return (n + 1) * ((n + 1) if shape == Q1_HI else 4) * SLOTS


@numba.njit(cache=True)
def code_length(sym: np.ndarray, lengths: np.ndarray, n: int, shape: int, width: int,
                last: int, nctx: int) -> float:
    """Bits the adaptive model spends on ``sym`` (alphabet indices < n), reads of
    ``lengths`` values each, in the contexts of (``shape``, ``width``, ``last``), at most
    ``nctx`` of them."""
    freq = np.ones((nctx, n), np.int64)
    total = np.full(nctx, n, np.int64)
    bits = 0.0
    p = 0
    for r in range(lengths.size):
        q1, q2, q3 = n, n, n
        for at in range(lengths[r]):
            c = _context(shape, width, last, q1, q2, q3, at, n)
            s = sym[p]
            bits -= np.log2(freq[c, s] / total[c])
            freq[c, s] += 16
            total[c] += 16
            if total[c] > 1 << 16:
                t = 0
                for k in range(n):
                    freq[c, k] = (freq[c, k] + 1) >> 1
                    t += freq[c, k]
                total[c] = t
            q3, q2, q1 = q2, q1, s
            p += 1
    return bits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fastq")
    ap.add_argument("--mib", type=float, default=8)
    args = ap.parse_args()
    with open(args.fastq, "rb") as f:
        text = f.read(int(args.mib * (1 << 20)))
    text = text[:text.rfind(b"\n@") + 1]
    quals = text.split(b"\n")[3::4]
    values = np.frombuffer(b"".join(quals), np.uint8)
    lengths = np.array([len(q) for q in quals], np.int64)
    alphabet = np.unique(values)
    index = np.zeros(256, np.int64)
    index[alphabet] = np.arange(alphabet.size)
    sym = index[values]
    n = int(alphabet.size)
    print(f"{args.fastq}: {len(quals):,} reads, {values.size:,} values, {n} symbols")
    print(f"{'context':40s} {'bits a value':>12s}")
    for name, shape, width, last in CONTEXTS:
        bits = code_length(sym, lengths, n, shape, width, last, n_contexts(shape, n))
        print(f"{name:40s} {bits / values.size:12.4f}")


if __name__ == "__main__":
    main()
