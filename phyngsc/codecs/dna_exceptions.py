"""The exception list of the order-k DNA codecs: bytes of the DNA stream that are not
``A C G T`` (N, IUPAC codes, lower case), coded apart while the model sees ``A``.

Form (docs/format.md, *DNA_CM*): varint E (number of exceptions); if E > 0, varint D,
varint L and L bytes: RC_O1 of D bytes, the E varint position gaps (from the previous
exception, the first from 0) followed by the E exception bytes.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import get_varint, put_varint
from .context_models import rc_o1_decode, rc_o1_encode
from .dna import BASE_CODE


@kernel
def base_codes_in_place(src: np.ndarray) -> None:
    """Overwrite ``src`` with :func:`base_codes` of it (no second array)."""
    code = BASE_CODE
    for i in range(src.size):
        c = code[src[i]]
        src[i] = 0 if c == 4 else c


@kernel
def base_codes(src: np.ndarray) -> np.ndarray:
    """2-bit codes of ``src`` (A=0 C=1 G=2 T=3), exceptions coded as A (0)."""
    codes = src.copy()
    base_codes_in_place(codes)
    return codes


@kernel
def put_exceptions(src: np.ndarray, out: np.ndarray, pos: int) -> int:
    """Write the exception list of ``src`` at ``out[pos:]``; new position, or -1."""
    code = BASE_CODE
    n_exc = 0
    for i in range(src.size):
        if code[src[i]] == 4:
            n_exc += 1
    pos = put_varint(out, pos, n_exc)
    if n_exc == 0 or pos < 0:
        return pos
    exc = np.empty(11 * n_exc, np.uint8)
    e = 0
    last = 0
    for i in range(src.size):
        if code[src[i]] == 4:
            e = put_varint(exc, e, i - last)
            last = i
    for i in range(src.size):
        if code[src[i]] == 4:
            exc[e] = src[i]
            e += 1
    coded = np.empty(2 * e + 64, np.uint8)
    m = rc_o1_encode(exc[:e], coded)
    if m < 0:
        return -1
    pos = put_varint(out, pos, e)
    if pos < 0:
        return -1
    pos = put_varint(out, pos, m)
    if pos < 0 or pos + m > out.size:
        return -1
    out[pos:pos + m] = coded[:m]
    return pos + m


@kernel
def read_exceptions(src: np.ndarray, pos: int) -> tuple:
    """``(pos, E, list)``: the exception list at ``src[pos:]`` (its D decoded bytes) and
    the position after it; pos -1 if it is cut short or inconsistent."""
    n_exc, pos = get_varint(src, pos, src.size)
    exc = np.zeros(0, np.uint8)
    if pos < 0 or n_exc == 0:
        return pos, 0, exc
    d, pos = get_varint(src, pos, src.size)
    if pos < 0:
        return -1, 0, exc
    m, pos = get_varint(src, pos, src.size)
    # each exception takes at least 2 list bytes and at most 11; RC_O1 codes a byte in
    # no less than 0.0056 bits, so D <= 1430 L: bounds on what a damaged stream allocates
    if pos < 0 or pos + m > src.size or d > 11 * n_exc or 2 * n_exc > d or \
            d > 2048 * m + 64:
        return -1, 0, exc
    exc = np.empty(d, np.uint8)
    rc_o1_decode(src[pos:pos + m], exc)
    return pos + m, n_exc, exc


@kernel
def apply_exceptions(out: np.ndarray, n_exc: int, exc: np.ndarray) -> int:
    """Put the exception bytes into decoded bases ``out`` (a prefix of the stream is
    fine); 0 ok, 1 if the list is inconsistent."""
    e = 0
    gaps = np.empty(n_exc, np.int64)
    for j in range(n_exc):
        g, e = get_varint(exc, e, exc.size)
        if e < 0:
            return 1
        gaps[j] = g
    if e + n_exc > exc.size:
        return 1
    at = 0
    for j in range(n_exc):
        at += gaps[j]
        if at >= out.size:
            break           # beyond a decoded prefix
        out[at] = exc[e + j]
    return 0
