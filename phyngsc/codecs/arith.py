"""Adaptive range coder whose state lives in the caller's local variables.

The same byte-oriented range coder with carry propagation as :mod:`.rangecoder`
(identical output for identical ``(cum, freq, total)`` calls), written as small
helpers that take the state as scalars and return the new state. Numba inlines
them, so a model's coding loop keeps the whole coder in registers and never
stores it to memory between symbols; the output array cannot alias the state.

Encoder state ``(low, rng, cache, run, pos)``: low (33 bits), range (32 bits), the
byte held back for a possible carry, how many bytes are held (the cache and any
0xFF run after it), and the next output position. Positions past ``out.size``
are counted but not written; :func:`enc_end` then reports the overflow.

Decoder state ``(code, rng, pos)``. Reading past the end of the input yields
zero bytes, so a damaged stream decodes to wrong symbols (caught by the CRC) but
never reads outside its array. Totals must stay <= 2**16 and every coded
frequency >= 1, so ``rng // total`` is never 0.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel

TOP = 1 << 24
MASK32 = 0xFFFFFFFF


@kernel(inline=True)
def enc_start(pos: int) -> tuple:
    """Initial encoder state writing from ``pos``."""
    return np.int64(0), np.int64(MASK32), np.int64(0), np.int64(1), np.int64(pos)


@kernel(inline=True)
def _shift(low: int, cache: int, run: int, pos: int, out: np.ndarray) -> tuple:
    if low < 0xFF000000 or low > MASK32:
        carry = low >> 32
        temp = cache
        while True:
            if pos < out.size:
                out[pos] = (temp + carry) & 0xFF
            pos += 1
            temp = 0xFF
            run -= 1
            if run == 0:
                break
        cache = (low >> 24) & 0xFF
    run += 1
    low = (low << 8) & MASK32
    return low, cache, run, pos


@kernel(inline=True)
def enc_put(low: int, rng: int, cache: int, run: int, pos: int, out: np.ndarray, cum: int,
            freq: int, total: int) -> tuple:
    """Code the interval ``[cum, cum + freq)`` of ``total``; the new state."""
    r = np.int64(np.uint32(rng) // np.uint32(total))
    low += r * cum
    rng = r * freq
    while rng < TOP:
        rng <<= 8
        low, cache, run, pos = _shift(low, cache, run, pos, out)
    return low, rng, cache, run, pos


@kernel(inline=True)
def enc_end(low: int, cache: int, run: int, pos: int, out: np.ndarray) -> int:
    """Flush; bytes written in all (from position 0), or -1 if ``out`` overflowed."""
    for _ in range(5):
        low, cache, run, pos = _shift(low, cache, run, pos, out)
    if pos > out.size:
        return -1
    return pos


@kernel(inline=True)
def dec_start(src: np.ndarray, pos: int) -> tuple:
    """Decoder state ``(code, rng, pos)`` for a stream starting at ``src[pos]``."""
    code = np.int64(0)
    for _ in range(5):
        b = np.int64(src[pos]) if pos < src.size else np.int64(0)
        code = ((code << 8) | b) & MASK32
        pos += 1
    return code, np.int64(MASK32), np.int64(pos)


@kernel(inline=True)
def dec_unit(rng: int, total: int) -> int:
    """``rng // total``: the width of one count of ``total``. The next symbol is the one
    whose interval ``[cum, cum + freq)`` has ``cum * r <= code < (cum + freq) * r``, the
    last symbol also taking every code above its end: a decoder that compares ``code``
    with these products finds the same symbol as one that looks the target
    ``min(code // r, total - 1)`` up in the cumulative counts, without that second,
    serial division. Products stay below 2**32."""
    return np.int64(np.uint32(rng) // np.uint32(total))


@kernel(inline=True)
def dec_take(code: int, rng: int, pos: int, src: np.ndarray, r: int, cum: int,
             freq: int) -> tuple:
    """Consume the symbol with interval ``[cum, cum + freq)``; the new ``(code, rng, pos)``."""
    code -= cum * r
    rng = r * freq
    while rng < TOP:
        b = np.int64(src[pos]) if pos < src.size else np.int64(0)
        code = ((code << 8) | b) & MASK32
        rng <<= 8
        pos += 1
    return code, rng, pos
