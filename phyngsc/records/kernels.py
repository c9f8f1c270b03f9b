"""Numba kernels for work on decoded streams (no full decompression).

All functions are pure and take the decoded streams of one sub-block:
``titles`` (each title + ``\\n``), ``dna``, ``qual``, ``lens`` (LEB128 read
lengths). Each has a plain-Python reference in ``tests/reference/ref_compresso.py``.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import varints_to_array
from ..fastq.scan import OK, scan_span

#: IUPAC code -> bit mask over A=1 C=2 G=4 T/U=8 (0: not a nucleotide code).
IUPAC = np.zeros(256, np.uint8)
for _code, _mask in {"A": 1, "C": 2, "G": 4, "T": 8, "U": 8, "R": 5, "Y": 10, "S": 6, "W": 9,
                     "K": 12, "M": 3, "B": 14, "D": 13, "H": 11, "V": 7, "N": 15}.items():
    IUPAC[ord(_code)] = _mask
    IUPAC[ord(_code.lower())] = _mask
#: Read byte -> mask of the base it is (N and others: 0, matched only by pattern N).
BASE = np.zeros(256, np.uint8)
for _code, _mask in {"A": 1, "C": 2, "G": 4, "T": 8, "U": 8}.items():
    BASE[ord(_code)] = _mask
    BASE[ord(_code.lower())] = _mask
_COMPLEMENT_MASK = np.array([0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], np.uint8)


def pattern_masks(pattern: str) -> np.ndarray:
    """Masks of an IUPAC pattern; raises ValueError for other letters or an empty pattern."""
    if not pattern:
        raise ValueError("empty pattern")
    masks = np.array([IUPAC[b] for b in pattern.encode("ascii", "replace")], np.uint8)
    bad = [c for c, m in zip(pattern, masks) if m == 0]
    if bad:
        raise ValueError(f"not an IUPAC nucleotide code: {bad[0]!r}")
    return masks


def reverse_complement_masks(masks: np.ndarray) -> np.ndarray:
    """Masks matching the reverse complement of the pattern."""
    return _COMPLEMENT_MASK[masks[::-1]]


#: Decode the LENGTHS stream into int64 read lengths.
read_lengths = varints_to_array


@kernel
def quality_by_position(qual: np.ndarray, lengths: np.ndarray, width: int) -> tuple:
    """Sum of quality bytes and number of reads at each position ``< width``."""
    sums = np.zeros(width, np.int64)
    counts = np.zeros(width, np.int64)
    p = 0
    for i in range(lengths.size):
        n = lengths[i]
        m = min(n, width)
        for j in range(m):
            sums[j] += qual[p + j]
            counts[j] += 1
        p += n
    return sums, counts


@kernel
def _matches_at(dna: np.ndarray, p: int, masks: np.ndarray, base: np.ndarray) -> bool:
    for k in range(masks.size):
        m = masks[k]
        if m != 15 and (base[dna[p + k]] & m) == 0:
            return False
    return True


#: Longest pattern searched bit-parallel (one bit a pattern position in a uint64).
SHIFT_AND_MAX = 64


@kernel
def shift_and_table(masks: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Bit j of ``table[byte]`` is set when pattern position j (``masks[j]``) matches
    ``byte``: N (15) matches any byte, other codes the bases they name. At most
    :data:`SHIFT_AND_MAX` positions."""
    table = np.zeros(256, np.uint64)
    for b in range(256):
        v = np.uint64(0)
        for j in range(masks.size):
            if masks[j] == 15 or (base[b] & masks[j]) != 0:
                v |= np.uint64(1) << np.uint64(j)
        table[b] = v
    return table


@kernel
def grep_records(dna: np.ndarray, lengths: np.ndarray, fwd: np.ndarray, rev: np.ndarray,
                 use_rev: bool) -> np.ndarray:
    """For each record: True if its sequence contains the pattern (or, with ``use_rev``,
    its reverse complement). Pattern N matches any byte; other codes match bases only.
    Patterns of up to :data:`SHIFT_AND_MAX` bases are searched bit-parallel (shift-and:
    bit j of the state says the last j + 1 bytes match the pattern's first j + 1
    positions; both strands at once, about 1 ns a base), longer ones position by
    position."""
    base = BASE
    hit = np.zeros(lengths.size, np.bool_)
    m = fwd.size
    if m > SHIFT_AND_MAX:
        p = 0
        for i in range(lengths.size):
            n = lengths[i]
            for s in range(p, p + n - m + 1):
                if _matches_at(dna, s, fwd, base) or (use_rev and
                                                      _matches_at(dna, s, rev, base)):
                    hit[i] = True
                    break
            p += n
        return hit
    tf = shift_and_table(fwd, base)
    tr = shift_and_table(rev, base) if use_rev else np.zeros(256, np.uint64)
    one = np.uint64(1)
    top = one << np.uint64(m - 1)
    s = np.uint64(0)
    for i in range(lengths.size):
        end = s + np.uint64(lengths[i])
        df = np.uint64(0)
        dr = np.uint64(0)
        while s < end:
            b = dna[s]
            df = ((df << one) | one) & tf[b]
            dr = ((dr << one) | one) & tr[b]
            s += one
            if (df | dr) & top:
                hit[i] = True
                s = end
    return hit


@kernel
def fasta_text(titles: np.ndarray, dna: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``>title\\nSEQUENCE\\n`` for every record (sequence on one line)."""
    out = np.empty(titles.size + lengths.size + dna.size + lengths.size, np.uint8)
    o = 0
    t = 0
    d = 0
    for i in range(lengths.size):
        out[o] = 62
        o += 1
        while t < titles.size and titles[t] != 10:
            out[o] = titles[t]
            o += 1
            t += 1
        out[o] = 10
        o += 1
        t += 1
        n = lengths[i]
        out[o:o + n] = dna[d:d + n]
        o += n
        d += n
        out[o] = 10
        o += 1
    return out[:o]


@kernel
def trim_point(qual: np.ndarray, a: int, n: int, cutoff: int, offset: int) -> int:
    """Length to keep after 3' quality trimming as BWA / cutadapt ``-q`` do.

    Sums ``cutoff - (q - offset)`` from the 3' end and cuts where that sum
    is largest; stops as soon as the sum turns negative.
    """
    s = 0
    best = 0
    keep = n
    for i in range(n - 1, -1, -1):
        s += cutoff - (int(qual[a + i]) - offset)
        if s < 0:
            break
        if s > best:
            best = s
            keep = i
    return keep


@kernel
def filter_records(titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                   lengths: np.ndarray, offset: int, trim_q: int, min_mean_q: float,
                   max_n: int, min_length: int) -> tuple:
    """Trim (``trim_q`` >= 0) then filter records; return the kept records as 4-line
    FASTQ text (``+`` line empty, ``\\n`` line ends) and the number kept.

    Filters apply to the trimmed read: length >= ``min_length``, at most ``max_n``
    N/n bases (``max_n`` < 0: no limit), mean quality >= ``min_mean_q`` (a read of
    length 0 has mean 0).
    """
    out = np.empty(titles.size + 2 * dna.size + 6 * lengths.size, np.uint8)
    o = 0
    t = 0
    d = 0
    kept = 0
    for i in range(lengths.size):
        n = lengths[i]
        t0 = t
        while titles[t] != 10:
            t += 1
        t1 = t
        t += 1
        k = n if trim_q < 0 else trim_point(qual, d, n, trim_q, offset)
        ok = k >= min_length
        if ok and max_n >= 0:
            nn = 0
            for j in range(d, d + k):
                if dna[j] == 78 or dna[j] == 110:
                    nn += 1
            ok = nn <= max_n
        if ok and min_mean_q > 0:
            total = 0
            for j in range(d, d + k):
                total += int(qual[j]) - offset
            ok = k > 0 and total >= min_mean_q * k
        if ok:
            kept += 1
            out[o] = 64
            o += 1
            out[o:o + t1 - t0] = titles[t0:t1]
            o += t1 - t0
            out[o] = 10
            out[o + 1:o + 1 + k] = dna[d:d + k]
            o += 1 + k
            out[o] = 10
            out[o + 1] = 43
            out[o + 2] = 10
            o += 3
            out[o:o + k] = qual[d:d + k]
            o += k
            out[o] = 10
            o += 1
        d += n
    return out[:o], kept


@kernel
def record_starts(text: np.ndarray, n_records: int) -> np.ndarray:
    """Offsets of the records in a decoded sub-block's text, plus its length at the end."""
    bounds = np.empty(n_records + 1, np.int64)
    st, a, b, c, nb, nxt = scan_span(text, 0, text.size, True, text.size, 1, bounds)
    if st != OK or nb != n_records:
        bounds[:] = -1
        return bounds
    bounds[n_records] = text.size
    return bounds
