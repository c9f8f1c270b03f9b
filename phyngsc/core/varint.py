"""Unsigned LEB128 varints (7 bits per byte, low group first)."""

from __future__ import annotations

import numpy as np

from .jit import kernel


@kernel
def put_varint(out: np.ndarray, pos: int, value: int) -> int:
    """Write ``value`` >= 0 at ``out[pos:]``; return the new position, or -1 if it does not fit."""
    v = value
    while True:
        if pos >= out.size:
            return -1
        b = v & 0x7F
        v >>= 7
        if v:
            out[pos] = b | 0x80
            pos += 1
        else:
            out[pos] = b
            return pos + 1


@kernel
def get_varint(buf: np.ndarray, pos: int, end: int) -> tuple:
    """Read a varint from ``buf[pos:end]``; return ``(value, new_pos)``, new_pos -1 if cut short."""
    v = 0
    shift = 0
    while pos < end and shift < 64:
        b = int(buf[pos])
        pos += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, pos
        shift += 7
    return 0, -1


@kernel
def varints_to_array(buf: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` varints of ``buf`` as int64 (-1 for any missing)."""
    out = np.full(n, -1, np.int64)
    p = 0
    for i in range(n):
        v, p = get_varint(buf, p, buf.size)
        if p < 0:
            break
        out[i] = v
    return out
