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
#: packed byte -> its four bases as one uint32 whose bytes in memory are the bases in
#: order (native byte order): the decoder stores four bases at a time (0.58 -> 0.10 ns a
#: base in ``bench_kernels.py`` on a MiSeq sub-block).
_FOUR_BASES = np.frombuffer(bytes(int(_BASES[(_i >> (2 * _k)) & 3]) for _i in range(256)
                                  for _k in range(4)), np.uint32).copy()


@kernel(inline=True)
def _is_base(b: int) -> int:
    """1 if byte ``b`` is ``A``, ``C``, ``G`` or ``T``, else 0 (an exception), branch-free."""
    return np.int64((b == 65) | (b == 67) | (b == 71) | (b == 84))


@kernel(inline=True)
def _code2(b: int) -> int:
    """The 2-bit code of byte ``b`` if it is ``A``, ``C``, ``G`` or ``T``, else 0 (how an
    exception packs): ``((b >> 1) ^ (b >> 2)) & 3`` maps 65, 67, 71, 84 to 0, 1, 2, 3.
    Arithmetic instead of a table lookup, so that LLVM vectorises the packing loop."""
    return ((b >> 1) ^ (b >> 2)) & 3 & -_is_base(b)


@kernel
def dna2_encode(src: np.ndarray, out: np.ndarray) -> int:
    """Varint exception count, the exceptions (varint gap from the previous one, byte),
    then the bases packed four a byte, first in the low bits (an exception packs as
    0); bytes written, or -1 if ``out`` is too small. Loops run on unsigned indices,
    which Numba does not check for wrap-around, and code bases arithmetically
    (:func:`_code2`), so that they vectorise (docs/performance.md)."""
    size = np.uint64(src.size)
    n_exc = 0
    for i in range(size):
        n_exc += 1 - _is_base(np.int64(src[i]))
    pos = put_varint(out, 0, n_exc)
    last = 0
    if n_exc > 0:
        for i in range(size):
            if _is_base(np.int64(src[i])) == 0:
                if pos < 0:
                    return -1
                pos = put_varint(out, pos, np.int64(i) - last)
                if pos < 0 or pos >= out.size:
                    return -1
                out[pos] = src[i]
                pos += 1
                last = np.int64(i)
    if pos < 0:
        return -1
    nbytes = (src.size + 3) >> 2
    if pos + nbytes > out.size:
        return -1
    whole = size >> np.uint64(2)
    at = np.uint64(pos)
    for j in range(whole):
        i = j << np.uint64(2)
        out[at + j] = (_code2(np.int64(src[i])) | (_code2(np.int64(src[i + np.uint64(1)])) << 2)
                       | (_code2(np.int64(src[i + np.uint64(2)])) << 4)
                       | (_code2(np.int64(src[i + np.uint64(3)])) << 6))
    if whole < np.uint64(nbytes):
        v = 0
        for i in range(whole << np.uint64(2), size):
            v |= _code2(np.int64(src[i])) << (2 * (np.int64(i) & 3))
        out[at + whole] = v
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
    four = _FOUR_BASES
    whole = out.size >> 2
    words = out[:4 * whole].view(np.uint32)
    for i in range(whole):
        words[i] = four[src[packed + i]]
    for i in range(4 * whole, out.size):
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
