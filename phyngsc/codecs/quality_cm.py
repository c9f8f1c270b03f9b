"""QUAL_CM: per-read quality context models (codec id 6).

Encoded form: byte variant, byte n, n bytes alphabet (the sorted quality bytes that
occur), then range-coded alphabet indices; adaptive frequencies grow by
``QUAL_INC`` = 16. Contexts restart at every read (``aux`` = read lengths, which
must add up to the stream length); a "previous value" before the read start is
the index n:

- variant 0: (q1, q2), the two previous values: (n+1)^2 contexts.
- variant 1: (q1, max(q2, q3), position // 8 capped at 7): 8 (n+1)^2 contexts.

Variant 0 suits uniform or nanopore qualities, variant 1 Illumina's position
dependent decay; the encoder of the default level tries both and keeps the smaller.
"""

from __future__ import annotations

import numpy as np

from .context_models import dense_alphabet
from ..core.jit import kernel
from .rangecoder import dec_init, dec_symbol, enc_finish, enc_init, enc_symbol, model_new

QUAL_INC = 16
N_VARIANTS = 2


@kernel
def _context(variant: int, q1: int, q2: int, q3: int, pos: int, n: int) -> int:
    if variant == 0:
        return q1 * (n + 1) + q2
    hi = q2 if q2 > q3 or q3 == n else q3
    if q2 == n:
        hi = n
    return (q1 * (n + 1) + hi) * 8 + min(pos >> 3, 7)


@kernel
def _n_contexts(variant: int, n: int) -> int:
    return (n + 1) * (n + 1) * (1 if variant == 0 else 8)


@kernel
def qual_cm_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, variant: int) -> int:
    index, alphabet = dense_alphabet(src)
    n = alphabet.size
    if out.size < 2 + n or variant < 0 or variant >= N_VARIANTS:
        return -1
    out[0] = variant
    out[1] = n & 0xFF
    out[2:2 + n] = alphabet
    k = 2 + n
    if n <= 1:
        return k
    total = 0
    for r in range(aux.size):
        total += aux[r]
    if total != src.size:
        return -1
    F, T = model_new(_n_contexts(variant, n), n)
    st = enc_init()
    st[4] = k
    p = 0
    for r in range(aux.size):
        q1, q2, q3 = n, n, n
        for pos in range(aux[r]):
            s = index[src[p]]
            enc_symbol(st, out, F, T, _context(variant, q1, q2, q3, pos, n), s, QUAL_INC)
            q3, q2, q1 = q2, q1, s
            p += 1
    return enc_finish(st, out)


@kernel
def qual_cm_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (any prefix of the stream); 0 ok, 1 corrupt."""
    if out.size == 0:
        return 0
    if src.size < 2:
        return 1
    variant = int(src[0])
    n = int(src[1])
    if n == 0:
        n = 256
    if src.size < 2 + n or variant >= N_VARIANTS:
        return 1
    alphabet = src[2:2 + n]
    if n == 1:
        for i in range(out.size):
            out[i] = alphabet[0]
        return 0
    F, T = model_new(_n_contexts(variant, n), n)
    ds = dec_init(src, 2 + n)
    p = 0
    for r in range(aux.size):
        q1, q2, q3 = n, n, n
        for pos in range(aux[r]):
            if p >= out.size:
                return 0
            s = dec_symbol(ds, src, F, T, _context(variant, q1, q2, q3, pos, n), QUAL_INC)
            out[p] = alphabet[s]
            q3, q2, q1 = q2, q1, s
            p += 1
    return 0 if p >= out.size else 1
