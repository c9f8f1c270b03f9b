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
- variant 4 (NGSC 1.9): (q1, min(pos / 5, 63)): 64 (n+1) contexts, any alphabet. Unbinned
  profiles (MiSeq's 30-40 values) drift along the whole read, past variant 1's last
  band at position 56, while variant 3's exact position is too wide for them; the
  previous value and a band of five positions over the first 320 follow them with
  few contexts (ART's MSv3 profile, 250 bp: 1.846 bits a value against 1.903 with
  variant 1, docs/performance.md).

Model: each context keeps its n symbols in a list ordered by frequency (ties keep
their order); all start at frequency 1 in alphabet order. A coded symbol gains
``INC`` = 16 and moves one place up when it now outnumbers its predecessor; when a
context's total would pass 2**16 its frequencies are halved (rounding up). The
interval of a symbol is the sum of the frequencies before it in the list, so the
common symbols sit at the front and the encoder and decoder scan only a few entries.

Layout in memory (not part of the format): one row of ``1 + 2n`` uint16 per context,
``total - 1`` (so 2**16 fits), then the n frequencies, then the n symbols in list order.
A symbol costs one cache line instead of three separate tables' (with the coder of
:mod:`.arith`, 3x faster than 0.13's three tables). A frequency never passes
2**16 - 1: every other symbol keeps at least 1 and halving happens as soon as the total
passes 2**16, before the new frequency is stored.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .arith import dec_start, dec_take, dec_unit, enc_end, enc_put, enc_start
from .context_models import dense_alphabet

INC = 16
LIMIT = 1 << 16
N_VARIANTS = 5
#: Positions variant 3 tells apart (later ones share the last context).
POSITIONS = 256
#: Variant 4: positions per band, and bands (later positions share the last).
BAND_WIDTH = 5
BANDS = 64
#: Most symbols (contexts x alphabet) a variant-3 model may hold: at most 15 MiB of rows.
MAX_ENTRIES = 1 << 22


@kernel(inline=True)
def _context(variant: int, q1: int, q2: int, q3: int, pos: int, d: int, n: int) -> int:
    if variant == 0:
        return q1 * (n + 1) + q2
    if variant == 4:
        return q1 * BANDS + min(pos // BAND_WIDTH, BANDS - 1)
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
    if variant == 4:
        return (n + 1) * BANDS
    return (n + 1) * (n + 1) * (1 if variant == 0 else (POSITIONS if variant == 3 else 8))


@kernel
def _fits(variant: int, n: int) -> bool:
    """Whether ``variant``'s model over an alphabet of ``n`` may be used: variant 3 only
    while it stays within MAX_ENTRIES (variants 0-2 and 4 take any alphabet)."""
    return variant != 3 or _n_contexts(variant, n) * n <= MAX_ENTRIES


@kernel
def _tables(nctx: int, n: int) -> np.ndarray:
    """The rows of ``nctx`` contexts (see the module docstring), all symbols at frequency 1.
    The first row is written value by value, the others by doubling copies (a few dozen
    slice copies: fast interpreted too, where ``grep --first`` builds them)."""
    w = 1 + 2 * n
    tab = np.empty(nctx * w, np.uint16)
    if nctx == 0:
        return tab
    tab[0] = n - 1
    for j in range(n):
        tab[1 + j] = 1
        tab[1 + n + j] = j
    done = 1
    while done < nctx:
        m = min(done, nctx - done)
        tab[done * w:(done + m) * w] = tab[:m * w]
        done += m
    return tab


@kernel(inline=True)
def _update(tab: np.ndarray, b: np.uint64, j: np.uint64, n: np.uint64, f: int, t: int) -> None:
    """Count the symbol at place ``j`` of the row at ``b`` (its frequency ``f`` of total
    ``t``): add INC, move it up one place if it now outnumbers its predecessor, halve the
    row if the total passed LIMIT. ``b``, ``j`` and ``n`` are unsigned (see :func:`_row`)."""
    one = np.uint64(1)
    f += INC
    t += INC
    k = j
    if j > 0 and f > tab[b + j]:
        s = tab[b + one + n + j]
        tab[b + one + n + j] = tab[b + n + j]
        tab[b + n + j] = s
        tab[b + one + j] = tab[b + j]
        k = j - one
    if t > LIMIT:
        t = 0
        for i in range(n):
            h = ((f if i == k else np.int64(tab[b + one + i])) + 1) >> 1
            tab[b + one + i] = h
            t += h
    else:
        tab[b + one + k] = f
    tab[b] = t - 1


@kernel(inline=True)
def _row(variant: int, q1: int, q2: int, q3: int, pos: int, d: int, n: int,
         w: int) -> np.uint64:
    """Where the row of the context of ``(q1, q2, q3, pos, d)`` starts, as an unsigned
    index: Numba checks signed indices for wrap-around on every access, which kept
    the coders 10-15 % slower (docs/performance.md). Every row lies inside the table."""
    return np.uint64(_context(variant, q1, q2, q3, pos, d, n) * w)


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
    w = 1 + 2 * n
    tab = _tables(_n_contexts(variant, n), n)
    low, rng, pos = enc_start(out, 2 + n)
    un = np.uint64(n)
    one = np.uint64(1)
    p = 0
    for r in range(aux.size):
        q1, q2, q3, d = n, n, n, 0
        for at in range(aux[r]):
            s = index[src[p]]
            b = _row(variant, q1, q2, q3, at, d, n, w)
            j = np.uint64(0)
            cum = 0
            while tab[b + one + un + j] != s:
                cum += np.int64(tab[b + one + j])
                j += one
            f = np.int64(tab[b + one + j])
            t = np.int64(tab[b]) + 1
            low, rng, pos = enc_put(low, rng, pos, out, cum, f, t)
            _update(tab, b, j, un, f, t)
            if q1 != n:
                d = _delta(d, s, q1)
            q3, q2, q1 = q2, q1, s
            p += 1
    return enc_end(low, pos, out)


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
    w = 1 + 2 * n
    tab = _tables(_n_contexts(variant, n), n)
    code, rng, pos = dec_start(src, 2 + n)
    un = np.uint64(n)
    one = np.uint64(1)
    last = np.uint64(n - 1)
    p = 0
    for r in range(aux.size):
        q1, q2, q3, d = n, n, n, 0
        for at in range(aux[r]):
            if p >= out.size:
                return 0
            b = _row(variant, q1, q2, q3, at, d, n, w)
            t = np.int64(tab[b]) + 1
            q = dec_unit(rng, t)
            j = np.uint64(0)
            cum = 0
            while j < last and (cum + np.int64(tab[b + one + j])) * q <= code:
                cum += np.int64(tab[b + one + j])
                j += one
            f = np.int64(tab[b + one + j])
            code, rng, pos = dec_take(code, rng, pos, src, q, cum, f)
            s = np.int64(tab[b + one + un + j])
            _update(tab, b, j, un, f, t)
            out[p] = alphabet[s]
            if q1 != n:
                d = _delta(d, s, q1)
            q3, q2, q1 = q2, q1, s
            p += 1
    return 0 if p >= out.size else 1
