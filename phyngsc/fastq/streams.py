"""Split the records of a sub-block into the five streams.

:func:`split_records` turns FASTQ text into TITLES, DNA, QUAL, LENGTHS and
LAYOUT (decoded forms of docs/format.md, *Streams*) plus header statistics;
:func:`phyngsc.fastq.assemble.assemble_records` is its exact inverse.
"""

from __future__ import annotations

import numpy as np

from ..core.bytecopy import copy_bytes
from ..core.jit import kernel
from ..core.varint import put_varint
from ..format.constants import (EXC_EOLS, EXC_NOEOL, EXC_PLUS, EXC_QUALL, EXC_SEQL,
                                LAYOUT_DEFAULT_CRLF, LAYOUT_DEFAULT_PLUS_TITLE)
from .scan import CLASS, GROW, OK, scan_lines

# Indices into the int64 ``stats`` array filled by split_records.
ST_NR, ST_MTL, ST_MINSL, ST_MSL, ST_NB = 0, 1, 2, 3, 4
ST_NF = 5            # 6 counts: A C G T N other
ST_LEN_TITLES = 11   # decoded stream lengths
ST_LEN_LENGTHS = 12
ST_LEN_LAYOUT = 13
N_STATS = 14

#: byte -> nucleotide class 0..5 (A C G T N other), case-sensitive.
NUC_CLASS = np.full(256, 5, np.uint8)
for _i, _b in enumerate(b"ACGTN"):
    NUC_CLASS[_b] = _i


@kernel
def layout_capacity(raw_length: int) -> int:
    """Bytes that always suffice for the LAYOUT stream of ``raw_length`` bytes of text."""
    return 2 * raw_length + 64


@kernel
def _same(buf: np.ndarray, a0: int, a1: int, b0: int, b1: int) -> bool:
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):
        if buf[a0 + k] != buf[b0 + k]:
            return False
    return True


@kernel
def split_records(buf: np.ndarray, start: int, end: int, at_eof: bool,
                  titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                  lens: np.ndarray, layout: np.ndarray,
                  stats: np.ndarray, qseen: np.ndarray) -> tuple:
    """Split the records in ``buf[start:end]`` (whole records only) into streams.

    ``titles``, ``dna``, ``qual`` and ``lens`` need ``end - start`` bytes,
    ``layout`` needs :func:`layout_capacity` bytes, ``qseen`` is bool[256]
    (set for every quality byte seen). Returns ``(status, a, b, c)`` as
    :func:`phyngsc.fastq.scan.scan_record` for the first bad record, else
    ``(OK, 0, 0, 0)`` with ``stats`` filled; DNA and QUAL lengths are
    ``stats[ST_NB]``.

    One pass copies the lines without looking at their bytes; the byte
    histograms of the DNA and QUAL streams then check them all at once and give
    the nucleotide counts and ``qseen``. Only if that finds a bad byte (or the
    pass fails) does a second, byte-checking pass run, to name the first error
    exactly as :func:`scan_record` does.
    """
    st, a, b, c = _split_pass(buf, start, end, at_eof, titles, dna, qual, lens, layout,
                              stats, qseen, False)
    if st == OK:
        nb = stats[ST_NB]
        hd = byte_histogram(dna[:nb])
        hq = byte_histogram(qual[:nb])
        clean = True
        for v in range(256):
            if (hd[v] > 0 and (CLASS[v] & 1) == 0) or (hq[v] > 0 and (CLASS[v] & 2) == 0):
                clean = False
        if clean:
            for v in range(256):
                stats[ST_NF + NUC_CLASS[v]] += hd[v]
                if hq[v] > 0:
                    qseen[v] = True
            return OK, 0, 0, 0
    return _split_pass(buf, start, end, at_eof, titles, dna, qual, lens, layout, stats,
                       qseen, True)


@kernel
def byte_histogram(a: np.ndarray) -> np.ndarray:
    """Occurrences of each byte value in ``a`` (int64[256]); four interleaved tables
    so that runs of one value do not wait on the same counter."""
    h = np.zeros(4 * 256, np.int64)
    n = np.uint64(a.size)
    four = np.uint64(4)
    for j in range(n >> np.uint64(2)):
        i = j * four
        h[np.uint64(a[i]) * four] += 1
        h[np.uint64(a[i + np.uint64(1)]) * four + np.uint64(1)] += 1
        h[np.uint64(a[i + np.uint64(2)]) * four + np.uint64(2)] += 1
        h[np.uint64(a[i + np.uint64(3)]) * four + np.uint64(3)] += 1
    for i in range((n >> np.uint64(2)) * four, n):
        h[np.uint64(a[i]) * four] += 1
    h = h.reshape((256, 4)).T.copy()
    out = np.zeros(256, np.int64)
    for v in range(256):
        out[v] = h[0, v] + h[1, v] + h[2, v] + h[3, v]
    return out


@kernel
def _split_pass(buf: np.ndarray, start: int, end: int, at_eof: bool,
                titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                lens: np.ndarray, layout: np.ndarray,
                stats: np.ndarray, qseen: np.ndarray, check_bytes: bool) -> tuple:
    """One pass of :func:`split_records`; with ``check_bytes`` False, sequence and
    quality bytes are neither checked nor counted (``stats`` nucleotide counts stay 0,
    ``qseen`` untouched)."""
    nuc = NUC_CLASS
    lines = np.empty((64, 3), np.int64)
    for k in range(N_STATS):
        stats[k] = 0
    stats[ST_MINSL] = -1
    p = start
    nr = 0
    tp = 0
    dp = 0
    qp = 0
    lp = 0
    ly = 1
    last_exc = -1
    def_eol = 1
    def_plus_title = False
    while p < end:
        st, a, b, c = scan_lines(buf, p, end, at_eof, lines, check_bytes)
        while st == GROW:
            lines = np.empty((lines.shape[0] * 4, 3), np.int64)
            st, a, b, c = scan_lines(buf, p, end, at_eof, lines, check_bytes)
        if st != OK:
            return st, a, b, c
        n_seq = b
        n_lines = c
        t0 = lines[0, 0]
        t1 = lines[0, 1]
        pl = n_seq + 1
        if nr == 0:
            def_eol = 2 if lines[0, 2] == 2 else 1
            def_plus_title = t1 > t0 and _same(buf, t0, t1, lines[pl, 0], lines[pl, 1])
            layout[0] = (LAYOUT_DEFAULT_CRLF if def_eol == 2 else 0) | \
                (LAYOUT_DEFAULT_PLUS_TITLE if def_plus_title else 0)
        # title
        tp = copy_bytes(titles, tp, buf, t0, t1)
        titles[tp] = 10
        tp += 1
        if t1 - t0 > stats[ST_MTL]:
            stats[ST_MTL] = t1 - t0
        # sequence
        seq_len = 0
        for k in range(1, n_seq + 1):
            a0 = lines[k, 0]
            a1 = lines[k, 1]
            if check_bytes:
                for i in range(a0, a1):
                    stats[ST_NF + nuc[buf[i]]] += 1
            dp = copy_bytes(dna, dp, buf, a0, a1)
            seq_len += a1 - a0
        # quality
        for k in range(n_seq + 2, n_lines):
            a0 = lines[k, 0]
            a1 = lines[k, 1]
            if check_bytes:
                for i in range(a0, a1):
                    qseen[buf[i]] = True
            qp = copy_bytes(qual, qp, buf, a0, a1)
        lp = put_varint(lens, lp, seq_len)
        if seq_len > stats[ST_MSL]:
            stats[ST_MSL] = seq_len
        if stats[ST_MINSL] < 0 or seq_len < stats[ST_MINSL]:
            stats[ST_MINSL] = seq_len
        # layout exception
        flags = 0
        if def_plus_title:
            if not _same(buf, t0, t1, lines[pl, 0], lines[pl, 1]):
                flags |= EXC_PLUS
        elif lines[pl, 1] > lines[pl, 0]:
            flags |= EXC_PLUS
        if n_seq != 1:
            flags |= EXC_SEQL
        n_qual = n_lines - n_seq - 2
        if n_qual != 1:
            flags |= EXC_QUALL
        for k in range(n_lines):
            e = lines[k, 2]
            if e == 0:
                flags |= EXC_NOEOL
            elif e != def_eol:
                flags |= EXC_EOLS
        if flags:
            ly = put_varint(layout, ly, nr - last_exc - 1)
            layout[ly] = flags
            ly += 1
            last_exc = nr
            if flags & EXC_PLUS:
                ly = put_varint(layout, ly, lines[pl, 1] - lines[pl, 0])
                ly = copy_bytes(layout, ly, buf, lines[pl, 0], lines[pl, 1])
            if flags & EXC_SEQL:
                ly = put_varint(layout, ly, n_seq)
                for k in range(1, n_seq + 1):
                    ly = put_varint(layout, ly, lines[k, 1] - lines[k, 0])
            if flags & EXC_QUALL:
                ly = put_varint(layout, ly, n_qual)
                for k in range(n_seq + 2, n_lines):
                    ly = put_varint(layout, ly, lines[k, 1] - lines[k, 0])
            if flags & EXC_EOLS:
                ly = put_varint(layout, ly, n_lines)
                for j in range((n_lines + 7) >> 3):
                    v = 0
                    for k in range(8):
                        li = 8 * j + k
                        if li < n_lines and lines[li, 2] == 2:
                            v |= 1 << k
                    layout[ly] = v
                    ly += 1
        nr += 1
        p = a
    if nr == 0:
        stats[ST_MINSL] = 0
        ly = 0  # an empty sub-block has an empty layout
    stats[ST_NR] = nr
    stats[ST_NB] = dp
    stats[ST_LEN_TITLES] = tp
    stats[ST_LEN_LENGTHS] = lp
    stats[ST_LEN_LAYOUT] = ly
    return OK, 0, 0, 0
