"""DNA2: bases packed 2 bits each (A=0 C=1 G=2 T=3), other bytes in an exception list."""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import get_varint, put_varint

#: byte -> 2-bit code, or 4 for an exception.
BASE_CODE = np.full(256, 4, np.uint8)
for _i, _b in enumerate(b"ACGT"):
    BASE_CODE[_b] = _i
_BASES = np.frombuffer(b"ACGT", np.uint8).copy()


@kernel
def dna2_encode(src: np.ndarray, out: np.ndarray) -> int:
    code = BASE_CODE
    n_exc = 0
    for i in range(src.size):
        if code[src[i]] == 4:
            n_exc += 1
    pos = put_varint(out, 0, n_exc)
    last = 0
    for i in range(src.size):
        if code[src[i]] == 4:
            if pos < 0:
                return -1
            pos = put_varint(out, pos, i - last)
            if pos < 0 or pos >= out.size:
                return -1
            out[pos] = src[i]
            pos += 1
            last = i
    if pos < 0:
        return -1
    nbytes = (src.size + 3) >> 2
    if pos + nbytes > out.size:
        return -1
    for j in range(nbytes):
        v = 0
        for k in range(4):
            i = 4 * j + k
            if i < src.size:
                c = code[src[i]]
                if c < 4:
                    v |= c << (2 * k)
        out[pos + j] = v
    return pos + nbytes


@kernel
def dna2_decode(src: np.ndarray, out: np.ndarray) -> int:
    bases = _BASES
    n_exc, pos = get_varint(src, 0, src.size)
    if pos < 0:
        return 1
    exc_start = pos
    # skip the exception list to find the packed bases
    for _ in range(n_exc):
        _d, pos = get_varint(src, pos, src.size)
        if pos < 0 or pos >= src.size:
            return 1
        pos += 1
    packed = pos
    if packed + ((out.size + 3) >> 2) > src.size:
        return 1
    for i in range(out.size):
        out[i] = bases[(src[packed + (i >> 2)] >> (2 * (i & 3))) & 3]
    pos = exc_start
    at = 0
    for _ in range(n_exc):
        d, pos = get_varint(src, pos, src.size)
        at += d
        if at >= out.size:
            break           # beyond a decoded prefix
        out[at] = src[pos]
        pos += 1
    return 0
