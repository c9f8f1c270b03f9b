"""Byte-oriented range coder with carry propagation, and adaptive frequency models.

Encoder state ``st`` (int64[5]): low (33 bits), range (32 bits), cache byte,
cache run length, output position. Decoder state ``ds`` (int64[4]): code,
range, last quotient ``range // total``, input position. All arithmetic is in
int64 (never uint64, which Numba would mix into float64).

A frequency model is a pair ``F`` (int32[ctx, nsym]) and ``T`` (int32[ctx],
row totals). Symbols start with frequency 1, gain ``inc`` per use (``INC`` = 32
for the codecs of NGSC 1.0, each later codec states its own), and a row is
halved (rounding up) when its total would exceed ``MAX_TOTAL``; because range
stays >= 2**24 and totals <= 2**16, ``range // total`` is never 0.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel

TOP = 1 << 24
MASK32 = 0xFFFFFFFF
INC = 32
MAX_TOTAL = 1 << 16


@kernel
def enc_init() -> np.ndarray:
    st = np.zeros(5, np.int64)
    st[1] = MASK32
    st[3] = 1
    return st


@kernel
def _shift_low(st: np.ndarray, out: np.ndarray) -> None:
    low = st[0]
    if low < 0xFF000000 or low > MASK32:
        carry = low >> 32
        temp = st[2]
        while True:
            p = st[4]
            if p < out.size:
                out[p] = (temp + carry) & 0xFF
            st[4] = p + 1
            temp = 0xFF
            st[3] -= 1
            if st[3] == 0:
                break
        st[2] = (low >> 24) & 0xFF
    st[3] += 1
    st[0] = (low << 8) & MASK32


@kernel
def enc_code(st: np.ndarray, out: np.ndarray, cum: int, freq: int, total: int) -> None:
    """Narrow the interval to ``[cum, cum + freq)`` out of ``total``."""
    r = st[1] // total
    st[0] += r * cum
    st[1] = r * freq
    while st[1] < TOP:
        st[1] <<= 8
        _shift_low(st, out)


@kernel
def enc_finish(st: np.ndarray, out: np.ndarray) -> int:
    """Flush; return bytes written, or -1 if ``out`` overflowed at any point."""
    for _ in range(5):
        _shift_low(st, out)
    if st[4] > out.size:
        return -1
    return st[4]


@kernel
def dec_init(src: np.ndarray, start: int) -> np.ndarray:
    ds = np.zeros(4, np.int64)
    ds[1] = MASK32
    ds[3] = start
    code = 0
    for _ in range(5):
        code = ((code << 8) | _next_byte(ds, src)) & MASK32
    ds[0] = code
    return ds


@kernel
def _next_byte(ds: np.ndarray, src: np.ndarray) -> int:
    p = ds[3]
    ds[3] = p + 1
    if p < src.size:
        return int(src[p])
    return 0


@kernel
def dec_target(ds: np.ndarray, total: int) -> int:
    """The cumulative frequency the next symbol's interval contains."""
    r = ds[1] // total
    ds[2] = r
    v = ds[0] // r
    if v >= total:
        v = total - 1
    return v


@kernel
def dec_consume(ds: np.ndarray, src: np.ndarray, cum: int, freq: int) -> None:
    r = ds[2]
    ds[0] -= cum * r
    ds[1] = r * freq
    while ds[1] < TOP:
        ds[0] = ((ds[0] << 8) | _next_byte(ds, src)) & MASK32
        ds[1] <<= 8


@kernel
def model_new(nctx: int, nsym: int) -> tuple:
    F = np.ones((nctx, nsym), np.int32)
    T = np.full(nctx, nsym, np.int32)
    return F, T


@kernel
def _adapt(F: np.ndarray, T: np.ndarray, ctx: int, s: int, inc: int) -> None:
    F[ctx, s] += inc
    T[ctx] += inc
    if T[ctx] > MAX_TOTAL:
        tot = 0
        for i in range(F.shape[1]):
            f = (F[ctx, i] + 1) >> 1
            F[ctx, i] = f
            tot += f
        T[ctx] = tot


@kernel
def enc_symbol(st: np.ndarray, out: np.ndarray, F: np.ndarray, T: np.ndarray,
               ctx: int, s: int, inc: int) -> None:
    """Code symbol ``s`` in context ``ctx``, then add ``inc`` to its frequency."""
    total = int(T[ctx])
    n = F.shape[1]
    cum = 0
    if 2 * s < n:
        for i in range(s):
            cum += F[ctx, i]
    else:   # from the top: fewer terms
        cum = total
        for i in range(s, n):
            cum -= F[ctx, i]
    enc_code(st, out, cum, F[ctx, s], total)
    _adapt(F, T, ctx, s, inc)


@kernel
def dec_symbol(ds: np.ndarray, src: np.ndarray, F: np.ndarray, T: np.ndarray, ctx: int,
               inc: int) -> int:
    """Decode a symbol in context ``ctx`` (the one whose interval holds the target),
    searching from whichever end of the cumulative frequencies is nearer to it."""
    total = int(T[ctx])
    v = dec_target(ds, total)
    last = F.shape[1] - 1
    if 2 * v < total:
        cum = 0
        s = 0
        while s < last and cum + F[ctx, s] <= v:
            cum += F[ctx, s]
            s += 1
    else:   # every frequency is >= 1, so exactly one symbol's interval holds v
        s = last
        cum = total - int(F[ctx, last])
        while s > 0 and cum > v:
            s -= 1
            cum -= F[ctx, s]
    dec_consume(ds, src, cum, F[ctx, s])
    _adapt(F, T, ctx, s, inc)
    return s
