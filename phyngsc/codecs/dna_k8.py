"""DNA_K8: order-k base model with four 8-bit counters per context (codec id 10).

Encoded form (docs/format.md, *DNA_K8*): byte k (1..13), byte flags (bit 0: learn
each read's reverse complement too), byte inc (1..127), then the exception list
exactly as DNA_CM writes it (varint E; if E > 0, varint D, varint L and L bytes of
RC_O1-coded gaps and bytes), then the range-coded bases (:mod:`.arith`).

Model: the context is the last k bases of the stream, newest in the low 2 bits, so
the four successors of a context are adjacent and the 16 contexts two bases on
share one 64-byte line. Each context holds four uint8 counters starting at 1; the
coded base's counter gains ``inc``; when it would pass 255 all four are halved
(rounding up) first. The frequencies coded are the counters themselves, so the
total is at most 1020. The encoder touches the table entry three bases ahead, the
decoder the line of the 16 grandchildren, so that their cache misses overlap the
coding work. Both strands: after each read (``aux`` = read lengths) the model
learns the read's reverse complement, contexts running from the read's end.
Table: ``4**(k+1)`` bytes (16 MiB at k = 11, 64 MiB at k = 12).
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .arith import dec_get, dec_start, dec_take, enc_end, enc_put, enc_start
from .dna_exceptions import apply_exceptions, base_codes, put_exceptions, read_exceptions

MAX_K = 13
#: How many bases ahead the encoder (and the reverse-complement update) loads contexts.
AHEAD = 6
_BASES = np.frombuffer(b"ACGT", np.uint8).copy()


@kernel(inline=True)
def _learn(F: np.ndarray, j: int, s: int, inc: int) -> None:
    if np.int64(F[j + s]) + inc > 255:
        for t in range(4):
            F[j + t] = (np.int64(F[j + t]) + 1) >> 1
    F[j + s] = np.int64(F[j + s]) + inc


@kernel
def _learn_revcomp(F: np.ndarray, codes: np.ndarray, a: int, n: int, mask: int,
                   inc: int) -> int:
    """Update the model with the reverse complement of ``codes[a:a+n]``, loading the
    contexts :data:`AHEAD` bases on early (returns their sum, to keep those loads)."""
    ctx = 0
    ahead = 0
    warm = 0
    for i in range(a + n - 1, max(a + n - 1 - AHEAD, a - 1), -1):
        ahead = ((ahead << 2) | (3 - np.int64(codes[i]))) & mask
    for i in range(a + n - 1, a - 1, -1):
        if i - AHEAD >= a:
            ahead = ((ahead << 2) | (3 - np.int64(codes[i - AHEAD]))) & mask
            warm += np.int64(F[4 * ahead])
        s = 3 - np.int64(codes[i])
        _learn(F, 4 * ctx, s, inc)
        ctx = ((ctx << 2) | s) & mask
    return warm


@kernel(inline=True)
def _after_base(F: np.ndarray, codes: np.ndarray, aux: np.ndarray, i: int, r: int,
                left: int, start: int, mask: int, inc: int) -> tuple:
    """Read bookkeeping after base ``i`` (read ``r``, ``left`` bases of it to go, its
    first base at ``start``; empty reads skipped): when base i ends the read, learn
    its reverse complement. The new ``(r, left, start, loads)``."""
    while left == 0 and r < aux.size - 1:
        r += 1
        left = aux[r]
    left -= 1
    w = 0
    if left == 0:
        w = _learn_revcomp(F, codes, start, i + 1 - start, mask, inc)
        start = i + 1
    return r, left, start, w


@kernel
def dna_k8_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                  revcomp: bool, inc: int) -> int:
    if out.size < 3 or not 1 <= k <= MAX_K or not 1 <= inc <= 127:
        return -1
    out[0] = k
    out[1] = 1 if revcomp else 0
    out[2] = inc
    pos = put_exceptions(src, out, 3)
    if pos < 0:
        return -1
    codes = base_codes(src)
    F = np.ones(4 << (2 * k), np.uint8)
    mask = (1 << (2 * k)) - 1
    low, rng, cache, run, pos = enc_start(pos)
    ctx = 0
    r = 0
    left = aux[0] if aux.size else -1
    start = 0
    warm = 0
    n = codes.size
    ahead = 0       # the context of base i + AHEAD, loaded early
    for i in range(min(AHEAD, n)):
        ahead = ((ahead << 2) | np.int64(codes[i])) & mask
    for i in range(n):
        if i + AHEAD < n:
            ahead = ((ahead << 2) | np.int64(codes[i + AHEAD])) & mask
            warm += np.int64(F[4 * ahead])
        s = np.int64(codes[i])
        j = 4 * ctx
        f0 = np.int64(F[j])
        f1 = np.int64(F[j + 1])
        f2 = np.int64(F[j + 2])
        f3 = np.int64(F[j + 3])
        cum = 0
        if s > 0:
            cum += f0
        if s > 1:
            cum += f1
        if s > 2:
            cum += f2
        low, rng, cache, run, pos = enc_put(low, rng, cache, run, pos, out, cum,
                                            np.int64(F[j + s]), f0 + f1 + f2 + f3)
        _learn(F, j, s, inc)
        ctx = ((ctx << 2) | s) & mask
        if revcomp:
            r, left, start, w = _after_base(F, codes, aux, i, r, left, start, mask, inc)
            warm += w
    end = enc_end(low, cache, run, pos, out)
    if warm < 0:    # never true: keeps the early loads
        return -1
    return end


@kernel
def dna_k8_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (any prefix length of the decoded stream); 0 ok, 1 corrupt."""
    if src.size < 3:
        return 1 if out.size else 0
    k = np.int64(src[0])
    revcomp = (src[1] & 1) == 1
    inc = np.int64(src[2])
    if k < 1 or k > MAX_K or inc < 1 or inc > 127:
        return 1
    pos, n_exc, exc = read_exceptions(src, 3)
    if pos < 0:
        return 1
    F = np.ones(4 << (2 * k), np.uint8)
    mask = (1 << (2 * k)) - 1
    code, rng, pos = dec_start(src, pos)
    codes = np.empty(out.size, np.uint8)
    bases = _BASES
    ctx = 0
    r = 0
    left = aux[0] if aux.size else -1
    start = 0
    warm = 0
    for i in range(out.size):
        warm += np.int64(F[(ctx << 6) & (mask << 2)])   # the 16 grandchildren: one line
        j = 4 * ctx
        f0 = np.int64(F[j])
        f1 = np.int64(F[j + 1])
        f2 = np.int64(F[j + 2])
        f3 = np.int64(F[j + 3])
        v, q = dec_get(code, rng, f0 + f1 + f2 + f3)
        if v < f0:
            s, cum, f = 0, 0, f0
        elif v < f0 + f1:
            s, cum, f = 1, f0, f1
        elif v < f0 + f1 + f2:
            s, cum, f = 2, f0 + f1, f2
        else:
            s, cum, f = 3, f0 + f1 + f2, f3
        code, rng, pos = dec_take(code, rng, pos, src, q, cum, f)
        codes[i] = s
        out[i] = bases[s]
        _learn(F, j, s, inc)
        ctx = ((ctx << 2) | s) & mask
        if revcomp:
            r, left, start, w = _after_base(F, codes, aux, i, r, left, start, mask, inc)
            warm += w
    if warm < 0:
        return 1
    return apply_exceptions(out, n_exc, exc)
