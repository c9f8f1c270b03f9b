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
    return enc_put_to(low, rng, pos, out, out.size, cum, freq, total)


@kernel(inline=True)
def enc_put_to(low: int, rng: int, pos: int, out: np.ndarray, end: int, cum: int, freq: int,
               total: int) -> tuple:
    """:func:`enc_put` for a coder that owns ``out[:end]`` only (several coders sharing one
    buffer, each in its own region; a region's first byte is its coder's leading 0, so a
    carry never leaves the region)."""
    r = np.int64(np.uint32(rng) // np.uint32(total))
    low += r * cum
    rng = r * freq
    if low > MASK32:
        low &= MASK32
        if pos <= end:      # else overflowed already: enc_end reports it
            k = pos - 1
            while out[k] == 0xFF:
                out[k] = 0
                k -= 1
            out[k] += 1
    while rng < TOP:
        if pos < end:
            out[pos] = low >> 24
        pos += 1
        low = (low << 8) & MASK32
        rng <<= 8
    return low, rng, pos


@kernel(inline=True)
def enc_end(low: int, pos: int, out: np.ndarray) -> int:
    """Flush the 4 bytes of ``low``; bytes written in all (from position 0), or -1 if
    ``out`` overflowed."""
    return enc_end_to(low, pos, out, out.size)


@kernel(inline=True)
def enc_end_to(low: int, pos: int, out: np.ndarray, end: int) -> int:
    """:func:`enc_end` for a coder that owns ``out[:end]`` only: the end of its bytes, or
    -1 if they passed ``end``."""
    for _ in range(4):
        if pos < end:
            out[pos] = low >> 24
        pos += 1
        low = (low << 8) & MASK32
    if pos > end:
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
    return dec_start_from(src, pos, src.size)


@kernel(inline=True)
def dec_start_from(src: np.ndarray, pos: int, end: int) -> tuple:
    """:func:`dec_start` for a stream that ends at ``src[end]`` (bytes from there on read
    as 0, as past the end of ``src``)."""
    code = np.int64(0)
    for _ in range(5):
        b = np.int64(src[pos]) if pos < end else np.int64(0)
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
    return dec_take_from(code, rng, pos, src, src.size, r, cum, freq)


@kernel(inline=True)
def dec_take_from(code: int, rng: int, pos: int, src: np.ndarray, end: int, r: int, cum: int,
                  freq: int) -> tuple:
    """:func:`dec_take` for a stream that ends at ``src[end]``."""
    code -= cum * r
    rng = r * freq
    while rng < TOP:
        b = np.int64(src[pos]) if pos < end else np.int64(0)
        code = ((code << 8) | b) & MASK32
        rng <<= 8
        pos += 1
    return code, rng, pos


@kernel(inline=True)
def dec_take_two(code: int, rng: int, pos: int, src: np.ndarray, end: int, r: int, cum: int,
                 freq: int) -> tuple:
    """:func:`dec_take_from` without a loop, for totals of at most 2**16: ``r`` is then at
    least 2**8 and the range at least ``r``, so it takes 0, 1 or 2 bytes, counted and
    shifted in without branches. Same state as :func:`dec_take_from`. It pays where the
    coder, not memory, sets the pace (a sixteen-lane DNA decoder from a 64 MiB static
    table: 8.1 -> 7.0 ns a base); from 256 MiB tables up the loop's well-predicted
    branch lets the CPU run ahead to the next loads, and the loop is faster
    (docs/performance.md, phyngsc 0.23.1)."""
    code -= cum * r
    rng = r * freq
    nb = np.int64(rng < TOP) + np.int64(rng < (TOP >> 8))
    b0 = np.int64(src[pos]) if pos < end else np.int64(0)
    b1 = np.int64(src[pos + 1]) if pos + 1 < end else np.int64(0)
    sh = 8 * nb
    code = ((code << sh) | (((b0 << 8) | b1) >> (16 - sh))) & MASK32
    return code, rng << sh, pos + nb
