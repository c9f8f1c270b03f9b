"""QUAL_SORTED: adaptive quality contexts with frequency-sorted symbol lists (codec id 11).

Encoded form (docs/format.md, *QUAL_SORTED*): byte variant, byte n, n bytes alphabet
(the sorted quality bytes that occur; n = 0 means 256), then range-coded alphabet
indices (:mod:`.arith`). Contexts restart at every read (``aux`` = read lengths,
which must add up to the stream length); a previous value before the read start is
the index n. Contexts (q1, q2, q3: the previous three values; pos: the position in
the read; d: the running sum of ``|q_i - q_{i-1}|`` in the read):

- variant 0: (q1, q2): (n+1)^2 contexts;
- variant 1: (q1, max(q2, q3), min(pos / 8, 7)): 8 (n+1)^2 contexts;
- variant 2: (q1, max(q2, q3), band(d)) with band 0, 1, 2-3, 4-7, 8-15, 16+ as 0..5
  (and 6, 7 unused): 8 (n+1)^2 contexts.
- variant 3 (NGSC 1.4): (q1, max(q2, q3), min(pos, 255)): 256 (n+1)^2 contexts. The
  exact position suits binned Illumina profiles, whose distribution changes along the
  read (ART's HS25 qualities: 1.473 bits a value against 1.551 with variant 1). Its
  tables grow with n^3, so it is refused (encoder -1, decoder corrupt) when they would
  hold more than :data:`MAX_ENTRIES` symbols (``n`` <= 24).

Model: each context keeps its n symbols in a list ordered by frequency (ties keep
their order); all start at frequency 1 in alphabet order. A coded symbol gains
``INC`` = 16 and moves one place up when it now outnumbers its predecessor; when a
context's total would pass 2**16 its frequencies are halved (rounding up). The
interval of a symbol is the sum of the frequencies before it in the list, so the
common symbols sit at the front and the encoder and decoder scan only a few entries.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .arith import dec_start, dec_take, dec_unit, enc_end, enc_put, enc_start
from .context_models import dense_alphabet

INC = 16
LIMIT = 1 << 16
N_VARIANTS = 4
#: Positions variant 3 tells apart (later ones share the last context).
POSITIONS = 256
#: Most symbols (contexts x alphabet) a model may hold: 20 MiB of lists and frequencies.
MAX_ENTRIES = 1 << 22


@kernel(inline=True)
def _context(variant: int, q1: int, q2: int, q3: int, pos: int, d: int, n: int) -> int:
    if variant == 0:
        return q1 * (n + 1) + q2
    hi = q2 if q2 > q3 or q3 == n else q3
    if q2 == n:
        hi = n
    if variant == 3:
        return (q1 * (n + 1) + hi) * POSITIONS + (pos if pos < POSITIONS else POSITIONS - 1)
    if variant == 1:
        band = pos >> 3
        if band > 7:
            band = 7
    else:
        band = 0 if d == 0 else (1 if d == 1 else (2 if d < 4 else (3 if d < 8 else
                                                               (4 if d < 16 else 5))))
    return (q1 * (n + 1) + hi) * 8 + band


@kernel
def _n_contexts(variant: int, n: int) -> int:
    return (n + 1) * (n + 1) * (1 if variant == 0 else (POSITIONS if variant == 3 else 8))


@kernel
def _fits(variant: int, n: int) -> bool:
    """Whether ``variant``'s model over an alphabet of ``n`` may be used: variant 3 only
    while it stays within MAX_ENTRIES (variants 0-2 take any alphabet, as before 1.4)."""
    return variant != 3 or _n_contexts(variant, n) * n <= MAX_ENTRIES


@kernel
def _tables(nctx: int, n: int) -> tuple:
    syms = np.empty((nctx, n), np.uint8)
    for c in range(nctx):
        for j in range(n):
            syms[c, j] = j
    freqs = np.ones((nctx, n), np.int32)
    totals = np.full(nctx, n, np.int32)
    return syms, freqs, totals


@kernel(inline=True)
def _update(syms: np.ndarray, freqs: np.ndarray, totals: np.ndarray, c: int, j: int,
            n: int) -> None:
    f = np.int64(freqs[c, j]) + INC
    freqs[c, j] = f
    t = np.int64(totals[c]) + INC
    if j > 0 and f > freqs[c, j - 1]:
        s = syms[c, j]
        syms[c, j] = syms[c, j - 1]
        syms[c, j - 1] = s
        freqs[c, j] = freqs[c, j - 1]
        freqs[c, j - 1] = f
    if t > LIMIT:
        t = 0
        for i in range(n):
            h = (np.int64(freqs[c, i]) + 1) >> 1
            freqs[c, i] = h
            t += h
    totals[c] = t


@kernel
def _delta(d: int, a: int, b: int) -> int:
    return d + (a - b if a > b else b - a)


@kernel
def qual_sorted_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray,
                       variant: int) -> int:
    index, alphabet = dense_alphabet(src)
    n = alphabet.size
    if out.size < 2 + n or variant < 0 or variant >= N_VARIANTS or not _fits(variant, n):
        return -1
    out[0] = variant
    out[1] = n & 0xFF
    out[2:2 + n] = alphabet
    if n <= 1:
        return 2 + n
    total = 0
    for r in range(aux.size):
        total += aux[r]
    if total != src.size:
        return -1
    syms, freqs, totals = _tables(_n_contexts(variant, n), n)
    low, rng, cache, run, pos = enc_start(2 + n)
    p = 0
    for r in range(aux.size):
        q1, q2, q3, d = n, n, n, 0
        for at in range(aux[r]):
            s = index[src[p]]
            c = _context(variant, q1, q2, q3, at, d, n)
            j = 0
            cum = 0
            while syms[c, j] != s:
                cum += freqs[c, j]
                j += 1
            low, rng, cache, run, pos = enc_put(low, rng, cache, run, pos, out, cum,
                                                np.int64(freqs[c, j]), np.int64(totals[c]))
            _update(syms, freqs, totals, c, j, n)
            if q1 != n:
                d = _delta(d, s, q1)
            q3, q2, q1 = q2, q1, s
            p += 1
    return enc_end(low, cache, run, pos, out)


@kernel
def qual_sorted_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (any prefix of the stream); 0 ok, 1 corrupt."""
    if out.size == 0:
        return 0
    if src.size < 2:
        return 1
    variant = np.int64(src[0])
    n = np.int64(src[1])
    if n == 0:
        n = 256
    if src.size < 2 + n or variant >= N_VARIANTS or not _fits(variant, n):
        return 1
    alphabet = src[2:2 + n]
    if n == 1:
        out[:] = alphabet[0]
        return 0
    syms, freqs, totals = _tables(_n_contexts(variant, n), n)
    code, rng, pos = dec_start(src, 2 + n)
    p = 0
    for r in range(aux.size):
        q1, q2, q3, d = n, n, n, 0
        for at in range(aux[r]):
            if p >= out.size:
                return 0
            c = _context(variant, q1, q2, q3, at, d, n)
            q = dec_unit(rng, np.int64(totals[c]))
            j = 0
            cum = 0
            while j < n - 1 and (cum + freqs[c, j]) * q <= code:
                cum += freqs[c, j]
                j += 1
            code, rng, pos = dec_take(code, rng, pos, src, q, cum, np.int64(freqs[c, j]))
            s = np.int64(syms[c, j])
            _update(syms, freqs, totals, c, j, n)
            out[p] = alphabet[s]
            if q1 != n:
                d = _delta(d, s, q1)
            q3, q2, q1 = q2, q1, s
            p += 1
    return 0 if p >= out.size else 1
