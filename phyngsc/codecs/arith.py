"""Adaptive range coder whose state lives in the caller's local variables.

The same byte-oriented range coder with carry propagation as :mod:`.rangecoder`
(identical output for identical ``(cum, freq, total)`` calls), written as small
helpers that take the state as scalars and return the new state. Numba inlines
them, so a model's coding loop keeps the whole coder in registers and never
stores it to memory between symbols; the output array cannot alias the state.

Encoder state ``(low, rng, pos)``: low (33 bits), range (32 bits) and the next output
position. The encoder writes each byte as soon as it leaves ``low`` and adds a carry
straight into the bytes already written (through any run of 0xFF before it), where
:mod:`.rangecoder` holds bytes back in a cache until no carry can reach them. Both give
the same bytes: the first is the 0 byte :func:`enc_start` writes, and a carry never
reaches it, because the coded interval never leaves the initial ``[0, 2**32 - 1)``.
Writing at once keeps the state at three registers and the loop free of the cache's
branches (a quality coder ran 3x faster). Positions past ``out.size`` are counted but
not written; :func:`enc_end` then reports the overflow.

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
def enc_start(out: np.ndarray, pos: int) -> tuple:
    """Initial encoder state ``(low, rng, pos)``: writes the leading 0 byte at ``pos``
    (if it fits) and codes from ``pos + 1``."""
    if pos < out.size:
        out[pos] = 0
    return np.int64(0), np.int64(MASK32), np.int64(pos + 1)


@kernel(inline=True)
def enc_put(low: int, rng: int, pos: int, out: np.ndarray, cum: int, freq: int,
            total: int) -> tuple:
    """Code the interval ``[cum, cum + freq)`` of ``total``; the new state."""
    r = np.int64(np.uint32(rng) // np.uint32(total))
    low += r * cum
    rng = r * freq
    if low > MASK32:
        low &= MASK32
        if pos <= out.size:      # else overflowed already: enc_end reports it
            k = pos - 1
            while out[k] == 0xFF:
                out[k] = 0
                k -= 1
            out[k] += 1
    while rng < TOP:
        if pos < out.size:
            out[pos] = low >> 24
        pos += 1
        low = (low << 8) & MASK32
        rng <<= 8
    return low, rng, pos


@kernel(inline=True)
def enc_end(low: int, pos: int, out: np.ndarray) -> int:
    """Flush the 4 bytes of ``low``; bytes written in all (from position 0), or -1 if
    ``out`` overflowed."""
    for _ in range(4):
        if pos < out.size:
            out[pos] = low >> 24
        pos += 1
        low = (low << 8) & MASK32
    if pos > out.size:
        return -1
    return pos


@kernel
def encode_intervals(cums: np.ndarray, freqs: np.ndarray, totals: np.ndarray,
                     out: np.ndarray) -> int:
    """Code the intervals ``[cums[i], cums[i] + freqs[i])`` of ``totals[i]`` in order
    (the coder alone: tests/unit/test_arith.py checks it against the reference); bytes
    written or -1."""
    low, rng, pos = enc_start(out, 0)
    for i in range(cums.size):
        low, rng, pos = enc_put(low, rng, pos, out, np.int64(cums[i]), np.int64(freqs[i]),
                                np.int64(totals[i]))
    return enc_end(low, pos, out)


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
