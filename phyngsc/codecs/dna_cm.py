"""DNA_CM: order-k context model over bases, range coded (codec id 5).

Encoded form (docs/format.md): byte k (1..12), byte flags (bit 0: after each read
the model also learns the read's reverse complement), byte inc (1..255), varint E
(number of exceptions: bytes that are not ``A C G T``, coded in the model as
``A``); if E > 0, varint D and varint L and L bytes: the exception list — E varint
position gaps, then the E exception bytes, D bytes in all — coded with RC_O1;
then the range-coded bases.

Model: the context is the last k bases of the stream (2 bits each, across read
boundaries); each context holds four 16-bit frequencies, starting at 1, growing
by inc per use and halved (rounding up) when their sum would exceed 2**16 - 1. Read lengths (``aux``) are needed only for the reverse-complement
update.
"""

from __future__ import annotations

import numpy as np

from .dna_exceptions import apply_exceptions, base_codes, put_exceptions, read_exceptions
from ..core.jit import kernel
from .rangecoder import dec_consume, dec_init, dec_target, enc_code, enc_finish, enc_init

_LIMIT = (1 << 16) - 1
_BASES = np.frombuffer(b"ACGT", np.uint8).copy()


@kernel
def _bump(F: np.ndarray, c: int, s: int, inc: int) -> None:
    j = 4 * c
    F[j + s] += inc
    if int(F[j]) + int(F[j + 1]) + int(F[j + 2]) + int(F[j + 3]) > _LIMIT:
        for t in range(4):
            F[j + t] = (F[j + t] + 1) >> 1


@kernel
def _skip_empty(aux: np.ndarray, r: int) -> int:
    """Index of the first read at or after ``r`` with at least one base."""
    while r < aux.size and aux[r] == 0:
        r += 1
    return r


@kernel
def _reads_start(aux: np.ndarray) -> np.ndarray:
    """Read bookkeeping [current read, bases left in it, offset of its first base]."""
    r = _skip_empty(aux, 0)
    return np.array([r, aux[r] if r < aux.size else -1, 0], np.int64)


@kernel
def _read_done(F: np.ndarray, codes: np.ndarray, aux: np.ndarray, i: int, k: int, inc: int,
               reads: np.ndarray) -> None:
    """After base ``i``: if it ends the current read, learn the read's reverse complement
    and move on to the next non-empty read."""
    reads[1] -= 1
    if reads[1] == 0:
        _learn_revcomp(F, codes, reads[2], i + 1 - reads[2], k, inc)
        reads[2] = i + 1
        r = _skip_empty(aux, reads[0] + 1)
        reads[0] = r
        reads[1] = aux[r] if r < aux.size else -1


@kernel
def _learn_revcomp(F: np.ndarray, codes: np.ndarray, a: int, n: int, k: int, inc: int) -> None:
    """Update the model with the reverse complement of ``codes[a:a+n]``."""
    mask = (1 << (2 * k)) - 1
    ctx = 0
    for i in range(a + n - 1, a - 1, -1):
        s = 3 - int(codes[i])
        _bump(F, ctx, s, inc)
        ctx = ((ctx << 2) | s) & mask


@kernel
def dna_cm_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                  revcomp: bool, inc: int) -> int:
    if out.size < 3 or not 1 <= k <= 12 or not 1 <= inc <= 255:
        return -1
    out[0] = k
    out[1] = 1 if revcomp else 0
    out[2] = inc
    pos = put_exceptions(src, out, 3)
    if pos < 0:
        return -1
    codes = base_codes(src)
    F = np.ones(4 << (2 * k), np.uint16)
    mask = (1 << (2 * k)) - 1
    st = enc_init()
    st[4] = pos
    ctx = 0
    reads = _reads_start(aux)
    for i in range(src.size):
        s = int(codes[i])
        j = 4 * ctx
        f0, f1, f2, f3 = int(F[j]), int(F[j + 1]), int(F[j + 2]), int(F[j + 3])
        cum = 0
        if s > 0:
            cum += f0
        if s > 1:
            cum += f1
        if s > 2:
            cum += f2
        enc_code(st, out, cum, int(F[j + s]), f0 + f1 + f2 + f3)
        _bump(F, ctx, s, inc)
        ctx = ((ctx << 2) | s) & mask
        if revcomp:
            _read_done(F, codes, aux, i, k, inc, reads)
    return enc_finish(st, out)


@kernel
def dna_cm_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (any prefix length of the decoded stream); 0 ok, 1 corrupt."""
    if src.size < 3:
        return 1 if out.size else 0
    k = int(src[0])
    revcomp = (src[1] & 1) == 1
    inc = int(src[2])
    if k < 1 or k > 12 or inc < 1:
        return 1
    pos, n_exc, exc = read_exceptions(src, 3)
    if pos < 0:
        return 1
    F = np.ones(4 << (2 * k), np.uint16)
    mask = (1 << (2 * k)) - 1
    ds = dec_init(src, pos)
    codes = np.empty(out.size, np.uint8)
    ctx = 0
    reads = _reads_start(aux)
    for i in range(out.size):
        j = 4 * ctx
        f0, f1, f2, f3 = int(F[j]), int(F[j + 1]), int(F[j + 2]), int(F[j + 3])
        v = dec_target(ds, f0 + f1 + f2 + f3)
        if v < f0:
            s, cum, f = 0, 0, f0
        elif v < f0 + f1:
            s, cum, f = 1, f0, f1
        elif v < f0 + f1 + f2:
            s, cum, f = 2, f0 + f1, f2
        else:
            s, cum, f = 3, f0 + f1 + f2, f3
        dec_consume(ds, src, cum, f)
        codes[i] = s
        _bump(F, ctx, s, inc)
        ctx = ((ctx << 2) | s) & mask
        if revcomp:
            _read_done(F, codes, aux, i, k, inc, reads)
    bases = _BASES
    for i in range(out.size):
        out[i] = bases[codes[i]]
    return apply_exceptions(out, n_exc, exc)
