"""QUAL_RANS in two lanes (NGSC 1.10): two reads' qualities decoded side by side.

A quality context is built from the previous values of the same read, so a one-lane
decoder cannot find a value's slot-table row before the value in front of it is
decoded: context -> slot-table load -> symbol -> next context is one chain through the
whole stream, and the two interleaved rANS states of :mod:`.rans` do not shorten it.
With two lanes, read ``r`` belongs to lane ``r % 2``; each lane has its own body (its
own two states) and the decoder takes the reads in pairs, position by position: value
``t`` of read ``2m``, then value ``t`` of read ``2m + 1``, so two chains run side by
side. The static model (tables, contexts, alphabet) is the one-lane stream's, counted
over all reads. On MiSeq qualities (variant 0) decoding went from 3.9 to 3.1 ns a
value; four lanes in the same loop were no faster than two (docs/performance.md).

Encoded form (the variant byte with bit 4 set, :data:`TWO_LANES`): the one-lane
stream's header and tables, then u32 (little endian) the byte length of lane 0's body,
lane 0's body, and lane 1's body to the end of the stream. Lane ``k``'s message is the
values of reads ``k, k + 2, k + 4, ...`` in read order, each body in :mod:`.rans`'s
form. A prefix of the stream decodes exactly: the pair of reads where it ends is
decoded whole and only the values inside the prefix are written.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .rans import M, dec_advance, dec_start, encode_body, lookup_row, padded_body
from .rans_qual_context import qual_context

#: Variant-byte flag: the stream is coded in two lanes.
TWO_LANES = 0x10


@kernel
def lane_split(aux: np.ndarray) -> int:
    """Values in lane 0: the lengths of reads 0, 2, 4, ... added up."""
    total = 0
    for r in range(0, aux.size, 2):
        total += aux[r]
    return total


@kernel
def lane_contexts(sym_in: np.ndarray, aux: np.ndarray, n: int, variant: int) -> tuple:
    """``(sym, ctx, split)``: alphabet indices ``sym_in`` (``n`` values) of reads ``aux``
    in two-lane order, lane 0's values (reads 0, 2, ...) first, each with its context
    (:func:`.rans_qual_context.qual_context` ``variant``); ``split`` values are lane 0's."""
    sym = np.empty(sym_in.size, np.uint8)
    ctx = np.empty(sym_in.size, np.int32)
    split = lane_split(aux)
    nxt = np.array([0, split], np.int64)
    p = 0
    for r in range(aux.size):
        d = nxt[r & 1]
        q1, q2, q3 = n, n, n
        for at in range(aux[r]):
            s = np.int64(sym_in[p])
            sym[d] = s
            ctx[d] = qual_context(variant, q1, q2, q3, n, at)
            q3, q2, q1 = q2, q1, s
            p += 1
            d += 1
        nxt[r & 1] = d
    return sym, ctx, split


@kernel
def encode_lanes(sym: np.ndarray, ctx: np.ndarray, split: int, freqs: np.ndarray,
                 cums: np.ndarray, out: np.ndarray, pos: int) -> int:
    """Lane 0's message is ``sym[:split]`` (contexts ``ctx[:split]``), lane 1's the rest;
    write the length word and both bodies at ``out[pos:]``: the end, or -1 if ``out`` is
    too small."""
    if pos + 4 > out.size:
        return -1
    end0 = encode_body(sym[:split], ctx[:split], freqs, cums, out, pos + 4)
    if end0 < 0:
        return -1
    blen = end0 - pos - 4
    for j in range(4):
        out[pos + j] = (blen >> (8 * j)) & 0xFF
    return encode_body(sym[split:], ctx[split:], freqs, cums, out, end0)


@kernel(inline=True)
def _step(x0: int, x1: int, bp: int, c: np.uint64, lut: np.ndarray, fc: np.ndarray,
          un: np.uint64, body: np.ndarray) -> tuple:
    """Decode one value of a lane in context ``c`` (its slot row built): the lane's ``(x0,
    x1, bp)`` after it and the symbol. The caller builds rows: with the call to
    :func:`.rans.lookup_row` in here (never taken once the rows exist) the loop ran at
    55 ns a value instead of 3, apparently Numba's reference counting of the arrays."""
    slot = x0 & (M - 1)           # the lane's states take turns, as in one lane
    s = np.uint64(lut[c, np.uint64(slot)])
    x, bp = dec_advance(x0, fc[c * un + s], slot, body, bp)
    return x1, x, bp, np.int64(s)


@kernel
def _pair(variant: int, n: int, la: int, lb: int, a0: int, a1: int, bpa: int, b0: int,
          b1: int, bpb: int, dst: np.ndarray, oa: int, ob: int, alphabet: np.ndarray,
          freqs: np.ndarray, cums: np.ndarray, present: np.ndarray, lut: np.ndarray,
          ready: np.ndarray, fc: np.ndarray, body_a: np.ndarray, end_a: int,
          body_b: np.ndarray, end_b: int) -> tuple:
    """Decode a pair of reads, ``la`` values from lane 0 into ``dst[oa:]`` and ``lb`` from
    lane 1 into ``dst[ob:]``, position by position: both lanes' states after them and 0,
    or 1 for a damaged stream."""
    un = np.uint64(n)
    qa1, qa2, qa3 = n, n, n
    qb1, qb2, qb3 = n, n, n
    # the two lanes are written out, not a helper called twice: the row builder must be
    # called from this loop itself (see _step), and each lane's state stays in registers
    for t in range(max(la, lb)):
        if t < la:
            c = np.uint64(qual_context(variant, qa1, qa2, qa3, n, t))
            if not ready[c]:          # rows are built on first use (ready: present)
                if not present[c]:
                    return a0, a1, bpa, b0, b1, bpb, 1
                lookup_row(freqs, cums, lut, ready, c)
            a0, a1, bpa, s = _step(a0, a1, bpa, c, lut, fc, un, body_a)
            if bpa > end_a:
                return a0, a1, bpa, b0, b1, bpb, 1
            dst[oa + t] = alphabet[s]
            qa3, qa2, qa1 = qa2, qa1, s
        if t < lb:
            c = np.uint64(qual_context(variant, qb1, qb2, qb3, n, t))
            if not ready[c]:
                if not present[c]:
                    return a0, a1, bpa, b0, b1, bpb, 1
                lookup_row(freqs, cums, lut, ready, c)
            b0, b1, bpb, s = _step(b0, b1, bpb, c, lut, fc, un, body_b)
            if bpb > end_b:
                return a0, a1, bpa, b0, b1, bpb, 1
            dst[ob + t] = alphabet[s]
            qb3, qb2, qb1 = qb2, qb1, s
    return a0, a1, bpa, b0, b1, bpb, 0


@kernel
def decode_lanes(src: np.ndarray, pos: int, variant: int, n: int, alphabet: np.ndarray,
                 aux: np.ndarray, out: np.ndarray, freqs: np.ndarray, cums: np.ndarray,
                 present: np.ndarray, lut: np.ndarray, ready: np.ndarray, fc: np.ndarray) -> int:
    """Decode the two lanes that start at ``src[pos]`` (after the tables, if any) into
    ``out`` (any prefix of the stream): 0 ok, 1 damaged. ``alphabet``: the byte of each
    of the ``n`` symbols."""
    end = src.size
    if pos + 4 > end:
        return 1
    blen = 0
    for j in range(4):
        blen |= np.int64(src[pos + j]) << (8 * j)
    pos += 4
    if blen > end - pos:
        return 1
    a0, a1, at = dec_start(src, pos, pos + blen)
    if at < 0:
        return 1
    body_a = padded_body(src, at, pos + blen)
    end_a = pos + blen - at
    b0, b1, bt = dec_start(src, pos + blen, end)
    if bt < 0:
        return 1
    body_b = padded_body(src, bt, end)
    end_b = end - bt
    lim = out.size
    bpa = 0
    bpb = 0
    p = 0
    for g in range(0, aux.size, 2):
        if p >= lim:
            return 0
        la = aux[g]
        lb = aux[g + 1] if g + 1 < aux.size else 0
        partial = p + la + lb > lim   # the pair where a prefix ends: decoded aside
        if partial:
            dst, oa, ob = np.empty(la + lb, np.uint8), 0, la
        else:
            dst, oa, ob = out, p, p + la
        a0, a1, bpa, b0, b1, bpb, bad = _pair(variant, n, la, lb, a0, a1, bpa, b0, b1, bpb,
                                              dst, oa, ob, alphabet, freqs, cums, present,
                                              lut, ready, fc, body_a, end_a, body_b, end_b)
        if bad:
            return 1
        if partial:
            out[p:lim] = dst[:lim - p]
        p += la + lb
    # as in one lane, a prefix may end before the bodies do: final states not checked
    return 0 if p >= lim else 1
