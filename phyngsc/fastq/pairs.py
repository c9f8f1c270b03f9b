"""Mates of paired-end files: record counting, interleaving and de-interleaving (pure).

A paired sub-block's text is R1 record 1, R2 record 1, R1 record 2, ... (the
records exactly as in their files); splitting it back needs only its record
starts.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .scan import GROW, NEED_MORE, OK, scan_record


@kernel
def record_starts(buf: np.ndarray, end: int, at_eof: bool, n: int) -> tuple:
    """Starts of the first ``n`` records of ``buf`` (from offset 0) and the end of the
    n-th: ``(status, a, b, c, starts[n + 1])``; status NEED_MORE if ``buf`` ends first,
    or a scan error with ``a, b, c`` as in ``scan_record``. Fewer than n records before
    the end of the data is status OK with ``starts`` cut short (its size says how many)."""
    starts = np.empty(n + 1, np.int64)
    lines = np.empty((64, 3), np.int64)
    p = 0
    for k in range(n):
        if p >= end:
            if at_eof:
                starts[k] = p
                return OK, 0, 0, 0, starts[:k + 1]
            return NEED_MORE, 0, 0, 0, starts[:0]
        starts[k] = p
        st, a, b, c = scan_record(buf, p, end, at_eof, lines)
        while st == GROW:
            lines = np.empty((lines.shape[0] * 4, 3), np.int64)
            st, a, b, c = scan_record(buf, p, end, at_eof, lines)
        if st != OK:
            return st, a, b, c, starts[:0]
        p = a
    starts[n] = p
    return OK, 0, 0, 0, starts


@kernel
def interleave(buf1: np.ndarray, starts1: np.ndarray, buf2: np.ndarray,
               starts2: np.ndarray) -> np.ndarray:
    """Records ``buf1[starts1[i]:starts1[i+1]]`` and ``buf2[starts2[i]:...]`` alternately."""
    n = starts1.size - 1
    size = (starts1[n] - starts1[0]) + (starts2[n] - starts2[0])
    out = np.empty(size, np.uint8)
    o = 0
    for i in range(n):
        a, b = starts1[i], starts1[i + 1]
        out[o:o + b - a] = buf1[a:b]
        o += b - a
        a, b = starts2[i], starts2[i + 1]
        out[o:o + b - a] = buf2[a:b]
        o += b - a
    return out


@kernel
def deinterleave(text: np.ndarray, starts: np.ndarray, size1: int) -> tuple:
    """Split interleaved ``text`` (record starts ``starts``, 2n + 1 entries) into the
    R1 text (``size1`` bytes) and the R2 text; ``ok`` False if the sizes disagree."""
    out1 = np.empty(size1, np.uint8)
    out2 = np.empty(max(text.size - size1, 0), np.uint8)
    o1 = 0
    o2 = 0
    n = (starts.size - 1) // 2
    for i in range(n):
        a, b = starts[2 * i], starts[2 * i + 1]
        if o1 + b - a > out1.size:
            return out1, out2, False
        out1[o1:o1 + b - a] = text[a:b]
        o1 += b - a
        a, b = starts[2 * i + 1], starts[2 * i + 2]
        if o2 + b - a > out2.size:
            return out1, out2, False
        out2[o2:o2 + b - a] = text[a:b]
        o2 += b - a
    return out1, out2, o1 == out1.size and o2 == out2.size
