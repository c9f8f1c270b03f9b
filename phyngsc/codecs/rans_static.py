"""Static-model codecs over the rANS coder: RANS_BYTES (any stream) and QUAL_RANS.

Both code a dense alphabet (the sorted bytes that occur) with per-sub-block
frequency tables, so they make one counting pass and one coding pass and need no
adaptation; see docs/format.md (*RANS_BYTES*, *QUAL_RANS*) for the encoded forms.
The tables are packed as in :mod:`.rans` (zero runs take two bytes).

Contexts:

- RANS_BYTES order 0: one context; order 1: the previous byte's alphabet index
  (``n`` before the first byte), ``n + 1`` contexts.
- QUAL_RANS variant 0: the previous value of the read (``n`` at the read start);
  variant 1: previous value and ``min(q2, q3)`` folded to 4 levels of distance
  below q1 (see :func:`qual_context`), ``4 (n + 1)`` contexts; variant 2 (NGSC 1.4):
  variant 1's context times 32 position bands, ``min(position // 8, 31)``,
  ``128 (n + 1)`` contexts. Binned Illumina qualities change along the read, which a
  static table can follow by position (ART's HS25 profile: 1.51 bits a value against
  1.71 with variant 1); on wide alphabets the tables cost more than they save and
  the level's trial keeps variant 1. Read lengths (``aux``) must add up to the stream
  length. Any variant may be coded in two lanes (``| TWO_LANES``, NGSC 1.10): the same
  tables, the reads' values split between two bodies (:mod:`.qual_rans_lanes`).
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import put_varint
from .context_models import dense_alphabet
from .qual_rans_lanes import TWO_LANES, decode_lanes, encode_lanes, lane_split
from .rans import (M, cumulative, dec_advance, dec_start, encode_body, lookup_row,
                   normalise, pack_tables, packed_rows, padded_body, unpack_tables)
from .rans_qual_context import (MAX_POSITION_ALPHABET, QUAL_VARIANTS, qual_context,
                                qual_contexts)

@kernel
def write_model(counts: np.ndarray, out: np.ndarray, pos: int) -> tuple:
    """Normalise ``counts`` (nctx x nsym) and write the tables at ``out[pos:]``:
    ``(pos, freqs, cums)``; pos -1 if ``out`` is too small."""
    nctx, nsym = counts.shape[0], counts.shape[1]
    freqs = np.zeros((nctx, nsym), np.int32)
    present = np.zeros(nctx, np.bool_)
    for c in range(nctx):
        present[c] = normalise(counts[c], freqs[c])
    cums = np.zeros((nctx, nsym), np.int32)
    cumulative(freqs, cums)
    return pack_tables(freqs, present, out, pos), freqs, cums


@kernel
def read_model(src: np.ndarray, pos: int, nctx: int, nsym: int) -> tuple:
    """Read what :func:`write_model` wrote: ``(pos, freqs, cums, present, lut, ready)``
    with the lookup rows empty (see ``rans.lookup_row``); pos -1 if damaged."""
    freqs = np.zeros((nctx, nsym), np.int32)
    cums = np.zeros((nctx, nsym), np.int32)
    present = np.zeros(nctx, np.bool_)
    lut = np.empty((nctx, M), np.uint8)
    ready = np.zeros(nctx, np.bool_)
    pos = unpack_tables(src, pos, src.size, freqs, present)
    if pos >= 0:
        cumulative(freqs, cums)
    return pos, freqs, cums, present, lut, ready


@kernel
def _header(src: np.ndarray, out: np.ndarray, kind: int) -> tuple:
    """Write ``kind``, alphabet size and alphabet; ``(pos, index, n)``, pos -1 if short."""
    index, alphabet = dense_alphabet(src)
    n = alphabet.size
    if out.size < 2 + n:
        return -1, index, n
    out[0] = kind
    out[1] = n & 0xFF
    out[2:2 + n] = alphabet
    return 2 + n, index, n


@kernel
def rans_bytes_encode(src: np.ndarray, out: np.ndarray, order: int) -> int:
    """RANS_BYTES: order 0 or 1 static model over the stream's dense alphabet."""
    if order < 0 or order > 1:
        return -1
    pos, index, n = _header(src, out, order)
    if pos < 0 or n <= 1:
        return pos
    nctx = n + 1 if order == 1 else 1
    sym = np.empty(src.size, np.uint8)
    ctx = np.empty(src.size, np.int32)
    counts = np.zeros((nctx, n), np.int64)
    prev = n
    for i in range(src.size):
        s = index[src[i]]
        c = prev if order == 1 else 0
        sym[i] = s
        ctx[i] = c
        counts[c, s] += 1
        prev = s
    pos, freqs, cums = write_model(counts, out, pos)
    if pos < 0:
        return -1
    return encode_body(sym, ctx, freqs, cums, out, pos)


@kernel
def rans_bytes_decode(src: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (any prefix of the stream); 0 ok, 1 corrupt."""
    if out.size == 0:
        return 0
    if src.size < 2 or src[0] > 1:
        return 1
    order = int(src[0])
    n = int(src[1])
    if n == 0:
        n = 256
    if src.size < 2 + n:
        return 1
    alphabet = src[2:2 + n]
    if n == 1:
        out[:] = alphabet[0]
        return 0
    nctx = n + 1 if order == 1 else 1
    pos, freqs, cums, present, lut, ready = read_model(src, 2 + n, nctx, n)
    if pos < 0:
        return 1
    end = src.size
    x0, x1, pos = dec_start(src, pos, end)
    if pos < 0:
        return 1
    fc = packed_rows(freqs, cums)
    body = padded_body(src, pos, end)
    bend = end - pos
    bp = 0
    un = np.uint64(n)
    prev = np.uint64(n)
    for i in range(out.size):
        c = prev if order == 1 else np.uint64(0)
        if not present[c]:
            return 1
        if not ready[c]:
            lookup_row(freqs, cums, lut, ready, c)
        slot = x0 & (M - 1)        # the states take turns: x0 codes this symbol
        s = np.uint64(lut[c, np.uint64(slot)])
        x, bp = dec_advance(x0, fc[c * un + s], slot, body, bp)
        if bp > bend:
            return 1
        x0 = x1
        x1 = x
        out[i] = alphabet[s]
        prev = s
    return 0


@kernel
def lengths_match(aux: np.ndarray, size: int) -> bool:
    """Whether read lengths ``aux`` (none negative) add up to ``size`` values."""
    total = 0
    for r in range(aux.size):
        if aux[r] < 0:
            return False
        total += aux[r]
    return total == size


@kernel
def qual_rans_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    """QUAL_RANS: static model, contexts from the previous values of the same read;
    ``param`` the variant, ``| TWO_LANES`` for two lanes (:mod:`.qual_rans_lanes`)."""
    variant = param & ~TWO_LANES
    lanes = param != variant
    if variant < 0 or variant >= QUAL_VARIANTS or not lengths_match(aux, src.size):
        return -1
    pos, index, n = _header(src, out, param)
    if pos < 0 or n <= 1:
        return pos
    if variant == 2 and n > MAX_POSITION_ALPHABET:
        return -1
    nctx = qual_contexts(variant, n)
    sym = np.empty(src.size, np.uint8)
    ctx = np.empty(src.size, np.int32)
    counts = np.zeros((nctx, n), np.int64)
    # in lanes, lane 0's values (even reads) first, then lane 1's, each in read order;
    # in one lane every read is lane 0's, so ``d`` follows ``p``
    nxt = np.zeros(2, np.uint64)      # where the next value of lane 0 / lane 1 goes
    split = lane_split(aux) if lanes else src.size
    nxt[1] = split
    p = np.uint64(0)
    for r in range(aux.size):
        lane = r & 1 if lanes else 0
        d = nxt[lane]
        q1, q2, q3 = n, n, n
        for at in range(aux[r]):
            s = index[src[p]]
            c = qual_context(variant, q1, q2, q3, n, at)
            sym[d] = s
            ctx[d] = c
            counts[np.uint64(c), np.uint64(s)] += 1
            q3, q2, q1 = q2, q1, s
            p += np.uint64(1)
            d += np.uint64(1)
        nxt[lane] = d
    pos, freqs, cums = write_model(counts, out, pos)
    if pos < 0:
        return -1
    if lanes:
        return encode_lanes(sym, ctx, split, freqs, cums, out, pos)
    return encode_body(sym, ctx, freqs, cums, out, pos)


@kernel
def qual_rans_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (any prefix of the stream); 0 ok, 1 corrupt."""
    if out.size == 0:
        return 0
    if src.size < 2:
        return 1
    lanes = int(src[0]) & TWO_LANES
    variant = int(src[0]) & ~TWO_LANES
    if variant >= QUAL_VARIANTS:
        return 1
    n = int(src[1])
    if n == 0:
        n = 256
    if src.size < 2 + n:
        return 1
    alphabet = src[2:2 + n]
    if n == 1:
        out[:] = alphabet[0]
        return 0
    if variant == 2 and n > MAX_POSITION_ALPHABET:
        return 1
    nctx = qual_contexts(variant, n)
    pos, freqs, cums, present, lut, ready = read_model(src, 2 + n, nctx, n)
    if pos < 0:
        return 1
    fc = packed_rows(freqs, cums)
    if lanes:
        return decode_lanes(src, pos, variant, n, alphabet, aux, out, freqs, cums, present,
                            lut, ready, fc)
    end = src.size
    x0, x1, pos = dec_start(src, pos, end)
    if pos < 0:
        return 1
    body = padded_body(src, pos, end)
    bend = end - pos
    bp = 0
    un = np.uint64(n)
    p = 0
    for r in range(aux.size):
        q1, q2, q3 = n, n, n
        for at in range(aux[r]):
            if p >= out.size:
                return 0
            c = np.uint64(qual_context(variant, q1, q2, q3, n, at))
            if not present[c]:
                return 1
            if not ready[c]:
                lookup_row(freqs, cums, lut, ready, c)
            slot = x0 & (M - 1)    # the states take turns: x0 codes this symbol
            s = np.uint64(lut[c, np.uint64(slot)])
            x, bp = dec_advance(x0, fc[c * un + s], slot, body, bp)
            if bp > bend:
                return 1
            x0 = x1
            x1 = x
            out[p] = alphabet[s]
            q3, q2, q1 = q2, q1, np.int64(s)
            p += 1
    # a prefix of the reads (the head of a sub-block) may end before the body does,
    # so the final states are not checked here; the sub-block CRC covers the text
    return 0 if p >= out.size else 1


@kernel
def put_symbols(sym: np.ndarray, ctx: np.ndarray, nctx: int, nsym: int, out: np.ndarray,
                pos: int) -> int:
    """A self-contained static stream: varint count, coded tables, body. ``sym[i] <
    nsym`` is coded in context ``ctx[i] < nctx``. New position, or -1 if ``out`` is
    too small. An empty stream is the single varint 0."""
    pos = put_varint(out, pos, sym.size)
    if pos < 0 or sym.size == 0:
        return pos
    counts = np.zeros((nctx, nsym), np.int64)
    for i in range(sym.size):
        counts[ctx[i], sym[i]] += 1
    pos, freqs, cums = write_model(counts, out, pos)
    if pos < 0:
        return -1
    blen_at = pos
    pos += 4        # body length, filled in below
    if pos > out.size:
        return -1
    end = encode_body(sym, ctx, freqs, cums, out, pos)
    if end < 0:
        return -1
    blen = end - pos
    for j in range(4):
        out[blen_at + j] = (blen >> (8 * j)) & 0xFF
    return end
