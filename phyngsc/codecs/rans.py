"""Static-model rANS coder with two interleaved states (no model in here).

Frequencies are normalised per context to ``M = 2**12``; states are 32-bit values
kept in ``[L, 256 L)`` with ``L = 2**23`` and renormalised a byte at a time. Symbol
``i`` of a message uses state ``i & 1``, so consecutive symbols have independent
dependency chains. The encoder runs from the last symbol to the first and writes
bytes downwards; the decoder reads them upwards.

Body layout (what :func:`encode_body` writes and :func:`dec_start` reads):
``x0`` (4 bytes LE), ``x1`` (4 bytes LE), then the renormalisation bytes. A complete
message ends with both states back at ``L``.

Frequency tables (:func:`pack_tables` / :func:`unpack_tables`) are written for
``nctx`` contexts over an alphabet of ``nsym`` symbols: a bitmap of the contexts
present (``ceil(nctx / 8)`` bytes), then for each present context its ``nsym``
frequencies in symbol order: 1..127 as one byte, 128..4096 as two (``0x80 | f >> 8``,
``f & 255``), and a zero as byte 0 followed by a byte r: r more zeros follow (0..255).
Each present row sums to exactly ``M``; absent contexts never occur in the message.

Worst case: the body is at most ``8 + 2 * n`` bytes for ``n`` symbols (a symbol of
frequency 1 costs 12 bits); the tables at most ``ceil(nctx / 8) + 2 * nctx * nsym``.
The decoder's slot-to-symbol rows are built on a context's first use
(:func:`lookup_row`), so a prefix decode costs little more than its symbols.
Decoders check every read against the end of their input and every state and
table value, and report corruption instead of reading outside their arrays.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel

M_BITS = 12
M = 1 << M_BITS
L = 1 << 23
#: x_max(f) = XMAX_UNIT * f: a state at or above it must shed a byte before coding f.
XMAX_UNIT = (L >> M_BITS) << 8


@kernel
def normalise(counts: np.ndarray, freqs: np.ndarray) -> bool:
    """Scale ``counts`` (int64, one row) into ``freqs`` (int32, same length) summing to M.

    Every symbol with a count gets a frequency >= 1; the rounding remainder goes to
    the most frequent symbol. Returns False (``freqs`` all zero) when ``counts`` is
    all zero. Invariant: ``sum(freqs) == M`` otherwise.
    """
    total = 0
    k = 0
    top = 0
    for s in range(counts.size):
        c = counts[s]
        total += c
        if c > 0:
            k += 1
            if c > counts[top]:
                top = s
    for s in range(counts.size):
        freqs[s] = 0
    if total == 0:
        return False
    spare = M - k
    used = 0
    for s in range(counts.size):
        c = counts[s]
        if c > 0:
            f = 1 + (c * spare) // total
            freqs[s] = f
            used += f
    freqs[top] += M - used
    return True


@kernel
def cumulative(freqs: np.ndarray, cums: np.ndarray) -> None:
    """Row-wise exclusive prefix sums of ``freqs`` (nctx, nsym) into ``cums``."""
    for c in range(freqs.shape[0]):
        acc = 0
        for s in range(freqs.shape[1]):
            cums[c, s] = acc
            acc += freqs[c, s]


@kernel
def pack_tables(freqs: np.ndarray, present: np.ndarray, out: np.ndarray, pos: int) -> int:
    """Write the tables of the ``present`` contexts at ``out[pos:]``; new position or -1."""
    nctx, nsym = freqs.shape[0], freqs.shape[1]
    nbits = (nctx + 7) >> 3
    if pos + nbits > out.size:
        return -1
    for j in range(nbits):
        out[pos + j] = 0
    for c in range(nctx):
        if present[c]:
            out[pos + (c >> 3)] |= 1 << (c & 7)
    pos += nbits
    for c in range(nctx):
        if not present[c]:
            continue
        if pos + 2 * nsym > out.size:
            return -1
        s = 0
        while s < nsym:
            f = freqs[c, s]
            if f == 0:
                run = 0
                while s + 1 + run < nsym and run < 255 and freqs[c, s + 1 + run] == 0:
                    run += 1
                out[pos] = 0
                out[pos + 1] = run
                pos += 2
                s += 1 + run
            elif f < 128:
                out[pos] = f
                pos += 1
                s += 1
            else:
                out[pos] = 0x80 | (f >> 8)
                out[pos + 1] = f & 0xFF
                pos += 2
                s += 1
    return pos


@kernel
def unpack_tables(src: np.ndarray, pos: int, end: int, freqs: np.ndarray,
                  present: np.ndarray) -> int:
    """Read tables written by :func:`pack_tables`; new position, or -1 if they are cut
    short, a zero run passes the row's end or a present row does not sum to M."""
    nctx, nsym = freqs.shape[0], freqs.shape[1]
    nbits = (nctx + 7) >> 3
    if pos + nbits > end:
        return -1
    for c in range(nctx):
        present[c] = (src[pos + (c >> 3)] >> (c & 7)) & 1 == 1
    pos += nbits
    for c in range(nctx):
        for s in range(nsym):
            freqs[c, s] = 0
        if not present[c]:
            continue
        acc = 0
        s = 0
        while s < nsym:
            if pos >= end:
                return -1
            b = int(src[pos])
            pos += 1
            if b == 0:
                if pos >= end:
                    return -1
                s += 1 + int(src[pos])
                pos += 1
                if s > nsym:
                    return -1
                continue
            if b >= 0x80:
                if pos >= end:
                    return -1
                b = ((b & 0x7F) << 8) | int(src[pos])
                pos += 1
            freqs[c, s] = b
            acc += b
            s += 1
        if acc != M:
            return -1
    return pos


@kernel
def lookup_row(freqs: np.ndarray, cums: np.ndarray, lut: np.ndarray, ready: np.ndarray,
               c: int) -> None:
    """Fill ``lut[c]`` (slot -> symbol of context ``c``, uint8 x M) and mark it ready.
    Decoders call it on a context's first use (``if not ready[c]``), so that decoding a
    prefix builds only the rows it needs."""
    ready[c] = True
    for s in range(freqs.shape[1]):
        a = cums[c, s]
        for j in range(a, a + freqs[c, s]):
            lut[c, j] = s


@kernel
def encoder_table(freqs: np.ndarray, cums: np.ndarray) -> np.ndarray:
    """Per (context, symbol) row ``c * nsym + s`` of int64: ``[rcp, shift, xmax, b << 16
    | (M - f)]`` for a symbol of frequency ``f > 0`` and start ``b`` (rows of absent
    symbols are zero).

    ``(x * rcp) >> shift == x // f`` for every state ``x < 2**31``: with ``2**(shift
    - 31)`` the least power of two ``>= f`` and ``rcp = ceil(2**shift / f)``, the
    rounding error ``rcp * f - 2**shift < f`` times ``x`` stays below ``2**shift``
    (Alverson's exact division by a reciprocal), and ``x * rcp < 2**63``.
    """
    nctx, nsym = freqs.shape[0], freqs.shape[1]
    tab = np.zeros((nctx * nsym, 4), np.int64)
    for c in range(nctx):
        for s in range(nsym):
            f = np.int64(freqs[c, s])
            if f <= 0:
                continue
            sh = 0
            while (np.int64(1) << sh) < f:
                sh += 1
            k = c * nsym + s
            tab[k, 0] = ((np.int64(1) << (31 + sh)) + f - 1) // f
            tab[k, 1] = 31 + sh
            tab[k, 2] = XMAX_UNIT * f
            tab[k, 3] = (np.int64(cums[c, s]) << 16) | (M - f)
    return tab


@kernel(inline=True)
def enc_put(x: int, k: int, tab: np.ndarray, tmp: np.ndarray, p: int) -> tuple:
    """Code the symbol of :func:`encoder_table` row ``k`` into state ``x``, shedding
    its low bytes downwards into ``tmp`` below ``p``: ``(x, p)``.

    Branch-free: a state sheds 0, 1 or 2 bytes (``x < 2**31`` and ``xmax >= 2**19``),
    so both candidate bytes are stored and ``p`` moves by the count; a byte stored
    below the final ``p`` is overwritten later or never read. Needs ``p >= 2``.
    """
    k = np.uint64(k)        # unsigned: no wrap-around checks (see padded_body's note)
    xmax = tab[k, 2]
    nb = np.int64(x >= xmax) + np.int64((x >> 8) >= xmax)
    tmp[np.uint64(p - 1)] = x & 0xFF
    tmp[np.uint64(p - 2)] = (x >> 8) & 0xFF
    p -= nb
    x >>= 8 * nb
    q = (x * tab[k, 0]) >> tab[k, 1]
    bc = tab[k, 3]
    # q * M + (x - q * f) + b, with x - q * f the remainder
    return x + (bc >> 16) + q * (bc & 0xFFFF), p


@kernel
def encode_body(sym: np.ndarray, ctx: np.ndarray, freqs: np.ndarray, cums: np.ndarray,
                out: np.ndarray, pos: int) -> int:
    """Code ``sym[i]`` in context ``ctx[i]`` (every one with a non-zero frequency) at
    ``out[pos:]``; return the end position, or -1 if ``out`` is too small.

    The divisions by ``f`` are multiplications by reciprocals (:func:`encoder_table`),
    and the loop codes two symbols per turn, one per state."""
    nsym = freqs.shape[1]
    tab = encoder_table(freqs, cums)
    n = sym.size
    cap = 2 * n + 8
    tmp = np.empty(cap, np.uint8)
    p = cap          # >= 8 at the end: each symbol sheds at most 2 bytes
    x0 = np.int64(L)
    x1 = np.int64(L)
    i = n - 1
    if n & 1:
        x0, p = enc_put(x0, np.int64(ctx[i]) * nsym + sym[i], tab, tmp, p)
        i -= 1
    while i > 0:     # i odd: state 1, then i - 1 with state 0
        x1, p = enc_put(x1, np.int64(ctx[i]) * nsym + sym[i], tab, tmp, p)
        x0, p = enc_put(x0, np.int64(ctx[i - 1]) * nsym + sym[i - 1], tab, tmp, p)
        i -= 2
    size = cap - p + 8
    if pos + size > out.size:
        return -1
    for j in range(4):
        out[pos + j] = (x0 >> (8 * j)) & 0xFF
        out[pos + 4 + j] = (x1 >> (8 * j)) & 0xFF
    out[pos + 8:pos + size] = tmp[p:]
    return pos + size


@kernel(inline=True)
def dec_start(src: np.ndarray, pos: int, end: int) -> tuple:
    """``(x0, x1, pos)`` read from a body at ``src[pos:end]``; pos -1 if invalid."""
    if pos + 8 > end:
        return L, L, -1
    x0 = 0
    x1 = 0
    for j in range(4):
        x0 |= np.int64(src[pos + j]) << (8 * j)
        x1 |= np.int64(src[pos + 4 + j]) << (8 * j)
    if x0 < L or x0 >= L << 8 or x1 < L or x1 >= L << 8:
        return x0, x1, -1
    return x0, x1, pos + 8


#: Zero bytes after a body copied by :func:`padded_body`: the most one step takes.
PAD = 2


@kernel
def padded_body(src: np.ndarray, pos: int, end: int) -> np.ndarray:
    """A copy of the body bytes ``src[pos:end]`` followed by :data:`PAD` zero bytes, for
    :func:`dec_advance` (the copy costs a fraction of a nanosecond a symbol)."""
    body = np.zeros(max(end - pos, 0) + PAD, np.uint8)
    if end > pos:
        body[:end - pos] = src[pos:end]
    return body


@kernel
def packed_rows(freqs: np.ndarray, cums: np.ndarray) -> np.ndarray:
    """``freqs`` and ``cums`` (nctx x nsym) as one int64 per (context, symbol), row
    ``c * nsym + s``: ``f | b << 16``, so that a decoder loads a symbol's frequency and
    start at once."""
    nctx, nsym = freqs.shape[0], freqs.shape[1]
    fc = np.empty(nctx * nsym, np.int64)
    for c in range(nctx):
        for s in range(nsym):
            fc[c * nsym + s] = np.int64(freqs[c, s]) | (np.int64(cums[c, s]) << 16)
    return fc


@kernel(inline=True)
def dec_advance(x: int, v: int, slot: int, body: np.ndarray, bp: int) -> tuple:
    """:func:`dec_step` over a body from :func:`padded_body`, for the symbol of packed
    row ``v`` (:func:`packed_rows`): ``(x, bp)``; ``bp`` past the body's real end (its
    size less PAD) means the input ran out, and the caller reports corruption. The
    state takes 0, 1 or 2 bytes (after a step it is at least ``2**11``), read without
    branches: a byte-at-a-time loop mispredicted its exit (a level-1 quality stream
    decoded at 12.7 ns a value that way, 8.6 this way and with packed rows;
    docs/performance.md)."""
    x = (v & 0xFFFF) * (x >> M_BITS) + slot - (v >> 16)
    t = np.int64(x < L)
    x = (x << (8 * t)) | (np.int64(body[np.uint64(bp)]) * t)
    bp += t
    t = np.int64(x < L)
    x = (x << (8 * t)) | (np.int64(body[np.uint64(bp)]) * t)
    return x, bp + t


@kernel(inline=True)
def dec_step(x: int, f: int, b: int, slot: int, src: np.ndarray, pos: int,
             end: int) -> tuple:
    """Advance state ``x`` past a symbol of frequency ``f`` and start ``b`` whose slot
    was ``slot`` = x mod M, refilling from ``src[pos:end]``: ``(x, pos)``; pos -1 if
    the input ran out."""
    x = f * (x >> M_BITS) + slot - b
    while x < L:
        if pos >= end:
            return x, -1
        x = (x << 8) | np.int64(src[pos])
        pos += 1
    return x, pos
