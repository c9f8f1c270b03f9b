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

#: (name, kind) in the order printed; kind selects the context in :func:`code_length`.
CONTEXTS = (
    ("variant 1: (q1, hi, min(pos / 8, 7))", 0),
    ("variant 3: (q1, hi, min(pos, 255))", 1),
    ("(q1, hi, pos / 16)", 2),
    ("(q1, hi, pos / 32)", 3),
    ("(q1, q2 relative to q1, pos / 8)", 4),
    ("(q1, pos)", 5),
    ("(q1, pos / 2)", 6),
    ("(q1, pos / 3)", 7),
    ("(q1, pos / 4)", 8),
    ("(q1, min(pos / 4, 31))", 9),
    ("(q1, hi > q1, pos / 5)", 10),
    ("variant 4: (q1, min(pos / 5, 63))", 11),
    ("(q1, pos / 6)", 12),
)
#: Position slots each q1 (and hi) context keeps apart; later positions share the last.
SLOTS = 256


@numba.njit(cache=True)
def _context(kind: int, q1: int, q2: int, q3: int, at: int, n: int) -> int:
    hi = q2 if (q2 > q3 or q3 == n) else q3
    if q2 == n:
        hi = n
    pair = q1 * (n + 1) + hi
    if kind == 0:
        return pair * SLOTS + min(at >> 3, 7)
    if kind == 1:
        return pair * SLOTS + min(at, SLOTS - 1)
    if kind == 2:
        return pair * SLOTS + min(at >> 4, SLOTS - 1)
    if kind == 3:
        return pair * SLOTS + min(at >> 5, SLOTS - 1)
    if kind == 4:
        rel = 0 if q2 == n else (1 if q2 == q1 else (2 if q2 > q1 else 3))
        return (q1 * 4 + rel) * SLOTS + min(at >> 3, SLOTS - 1)
    if kind == 10:
        return (q1 * 2 + (1 if hi > q1 and hi != n else 0)) * SLOTS + min(at // 5, SLOTS - 1)
    # (q1, position band): kinds 5-9, 11, 12 as (band width, last band)
    if kind == 5:
        width, last = 1, SLOTS - 1
    elif kind == 6:
        width, last = 2, SLOTS - 1
    elif kind == 7:
        width, last = 3, SLOTS - 1
    elif kind == 8:
        width, last = 4, SLOTS - 1
    elif kind == 9:
        width, last = 4, 31
    elif kind == 11:
        width, last = 5, 63
    else:
        width, last = 6, SLOTS - 1
    return q1 * SLOTS + min(at // width, last)


@numba.njit(cache=True)
def n_contexts(kind: int, n: int) -> int:
    """Contexts :func:`_context` may return for ``kind`` over ``n`` symbols."""
    if kind <= 3:
        return (n + 1) * (n + 1) * SLOTS
    return (n + 1) * 4 * SLOTS


@numba.njit(cache=True)
def code_length(sym: np.ndarray, lengths: np.ndarray, n: int, kind: int) -> float:
    """Bits the adaptive model spends on ``sym`` (alphabet indices < n) in context
    ``kind``, reads of ``lengths`` values each."""
    nctx = n_contexts(kind, n)
    freq = np.ones((nctx, n), np.int64)
    total = np.full(nctx, n, np.int64)
    bits = 0.0
    p = 0
    for r in range(lengths.size):
        q1, q2, q3 = n, n, n
        for at in range(lengths[r]):
            c = _context(kind, q1, q2, q3, at, n)
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
    for name, kind in CONTEXTS:
        print(f"{name:40s} {code_length(sym, lengths, n, kind) / values.size:12.4f}")


if __name__ == "__main__":
    main()
