"""TITLE_RANS decoding (codec id 12; the encoded form is in :mod:`.title_rans`).

Each of the six field streams is decoded in its own loop, the token types first
(their order gives the other streams' contexts), as far as the titles asked for
need; then :func:`rebuild` writes the titles from the symbols. A loop per stream
keeps the coder state and the tables in its own variables: before phyngsc 0.15 one
helper, inlined at every field, took the stream's seven arrays as arguments, and
Numba counted references to them on every symbol (about 100 ns a symbol, four
times what a whole decode costs now; docs/performance.md).
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import get_varint
from .rans import M, dec_start, dec_step, lookup_row
from .rans_static import read_model
from .title_rans import MAX_SIGNED, N_TYPES, SIGNED_DELTA
from .title_tok import (DELTA, DIGITS, END, MATCH, MAX_T, TEXT, is_numeric, numeric_value,
                        put_decimal)


@kernel
def open_stream(src: np.ndarray, pos: int, nctx: int, nsym: int, limit: int) -> tuple:
    """Open a stream written by ``put_symbols`` at ``src[pos:]``: ``(next, count, freqs,
    cums, present, lut, ready, x0, x1, body, end)``; next -1 if it is damaged."""
    count, pos = get_varint(src, pos, src.size)
    if pos < 0 or count > limit:
        pos = -1
    if pos < 0 or count == 0:
        f, c, p, lut, ready = read_model(src, src.size, 1, 1)[1:]
        return pos, 0, f, c, p, lut, ready, 0, 0, 0, 0
    pos, freqs, cums, present, lut, ready = read_model(src, pos, nctx, nsym)
    if pos < 0 or pos + 4 > src.size:
        return -1, 0, freqs, cums, present, lut, ready, 0, 0, 0, 0
    blen = 0
    for j in range(4):
        blen |= np.int64(src[pos + j]) << (8 * j)
    pos += 4
    end = pos + blen
    if end > src.size:
        return -1, 0, freqs, cums, present, lut, ready, 0, 0, 0, 0
    x0, x1, body = dec_start(src, pos, end)
    if body < 0:
        return -1, 0, freqs, cums, present, lut, ready, 0, 0, 0, 0
    return end, count, freqs, cums, present, lut, ready, x0, x1, body, end


@kernel
def decode_symbols(src: np.ndarray, x0: int, x1: int, pos: int, end: int,
                   freqs: np.ndarray, cums: np.ndarray, present: np.ndarray, lut: np.ndarray,
                   ready: np.ndarray, ctx: np.ndarray, syms: np.ndarray) -> int:
    """Decode ``syms.size`` symbols of a stream opened by :func:`open_stream` (states
    ``x0``, ``x1``, body ``src[pos:end]``), symbol i in context ``ctx[i]``, or in the previous
    symbol's context where ``ctx[i]`` is -1 (the TEXT bytes); 0 ok, 1 damaged."""
    prev = 0
    for i in range(syms.size):
        c = np.int64(ctx[i])
        if c < 0:
            c = prev
        if c >= present.size or not present[c]:
            return 1
        x = x1 if i & 1 else x0
        slot = x & (M - 1)
        if not ready[c]:
            lookup_row(freqs, cums, lut, ready, c)
        s = np.int64(lut[c, slot])
        x, pos = dec_step(x, np.int64(freqs[c, s]), np.int64(cums[c, s]), slot, src, pos, end)
        if pos < 0:
            return 1
        if i & 1:
            x1 = x
        else:
            x0 = x
        syms[i] = s
        prev = s
    return 0


@kernel
def decode_types(src: np.ndarray, x0: int, x1: int, pos: int, end: int,
                 freqs: np.ndarray, cums: np.ndarray, present: np.ndarray, lut: np.ndarray,
                 ready: np.ndarray, kinds: np.ndarray, tcs: np.ndarray) -> int:
    """Decode the token types (stream T) whole: ``kinds[i]`` and the capped token index
    ``tcs[i]`` of each, each in its context (token index, type of the same token in
    the previous title); 0 ok, 1 damaged."""
    n = kinds.size
    ptypes = np.full(n + 2, END, np.int64)
    t = 0
    last_nt = 0
    for i in range(n):
        tc = min(t, MAX_T)
        c = tc * N_TYPES + ptypes[t]
        if not present[c]:
            return 1
        x = x1 if i & 1 else x0
        slot = x & (M - 1)
        if not ready[c]:
            lookup_row(freqs, cums, lut, ready, c)
        s = np.int64(lut[c, slot])
        x, pos = dec_step(x, np.int64(freqs[c, s]), np.int64(cums[c, s]), slot, src, pos, end)
        if pos < 0:
            return 1
        if i & 1:
            x1 = x
        else:
            x0 = x
        kinds[i] = s
        tcs[i] = tc
        ptypes[t] = s
        if s == END:
            for u in range(t + 1, last_nt + 1):
                ptypes[u] = END
            last_nt = t
            t = 0
        else:
            t += 1
    return 0


@kernel
def field_contexts(kinds: np.ndarray, tcs: np.ndarray, kind: int, scale: int) -> np.ndarray:
    """Contexts ``tc * scale`` of the tokens of type ``kind``, in order."""
    m = 0
    for i in range(kinds.size):
        m += kinds[i] == kind
    ctx = np.empty(m, np.int32)
    m = 0
    for i in range(kinds.size):
        if kinds[i] == kind:
            ctx[m] = tcs[i] * scale
            m += 1
    return ctx


@kernel
def run_contexts(lengths: np.ndarray, tc: np.ndarray, positions: bool, limit: int) -> tuple:
    """Contexts of the bytes of tokens ``j`` of ``lengths[j] + 1`` bytes: DIGITS
    (``positions``) ``tc[j] + min(k, 15)``, TEXT 0 then -1 (previous byte). ``(ok,
    ctx)``; not ok if they would pass ``limit``."""
    total = 0
    for j in range(lengths.size):
        total += np.int64(lengths[j]) + 1
    if total > limit:
        return False, np.empty(0, np.int32)
    ctx = np.empty(total, np.int32)
    k = 0
    for j in range(lengths.size):
        for u in range(np.int64(lengths[j]) + 1):
            if positions:
                ctx[k] = tc[j] + min(u, 15)
            else:
                ctx[k] = 0 if u == 0 else -1
            k += 1
    return True, ctx


@kernel
def title_rans_decode(src: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (the decoded length or any prefix); 0 ok, 1 corrupt.

    Each field stream is decoded in its own loop (the token types first, whose order
    gives the other streams' contexts), as far as ``out.size`` bytes of titles can
    need, then the titles are rebuilt from the symbols."""
    if src.size < 1 or src[0] > SIGNED_DELTA:
        return 1
    signed = src[0] == SIGNED_DELTA
    N, pos = get_varint(src, 1, src.size)
    if pos < 0 or N < out.size or (N > out.size and N > 1 << 31):
        return 1
    n = out.size
    if n == 0:
        return 0
    pos, nT, fT, cT, pT, lT, rT, a0, a1, ab, ae = open_stream(src, pos, (MAX_T + 1) * N_TYPES,
                                                        N_TYPES, 2 * N + 2)
    if pos < 0:
        return 1
    pos, nD, fD, cD, pD, lD, rD, d0, d1, db, de = open_stream(src, pos, MAX_T + 1, 256, N + 1)
    if pos < 0:
        return 1
    pos, nL, fL, cL, pL, lL, rL, l0, l1, lb, le = open_stream(src, pos, MAX_T + 1, 18, N + 1)
    if pos < 0:
        return 1
    pos, nG, fG, cG, pG, lG, rG, g0, g1, gb, ge = open_stream(src, pos, (MAX_T + 1) * 16, 10,
                                                        N + 1)
    if pos < 0:
        return 1
    pos, nS, fS, cS, pS, lS, rS, s0, s1, sb, se = open_stream(src, pos, MAX_T + 1, 256, N + 1)
    if pos < 0:
        return 1
    pos, nC, fC, cC, pC, lC, rC, c0, c1, cb, ce = open_stream(src, pos, 256, 256, N + 1)
    if pos != src.size:
        return 1
    # every token type makes at least one byte of the titles: n of them make any
    # prefix of n bytes (and bound what a damaged count could make us allocate)
    kinds = np.empty(min(nT, n), np.uint8)
    tcs = np.empty(kinds.size, np.int32)
    if decode_types(src, a0, a1, ab, ae, fT, cT, pT, lT, rT, kinds, tcs) != 0:
        return 1
    dctx = field_contexts(kinds, tcs, DELTA, 1)
    lctx = field_contexts(kinds, tcs, DIGITS, 1)
    sctx = field_contexts(kinds, tcs, TEXT, 1)
    if dctx.size > nD or lctx.size > nL or sctx.size > nS:
        return 1
    dsym = np.empty(dctx.size, np.uint8)
    lsym = np.empty(lctx.size, np.uint8)
    ssym = np.empty(sctx.size, np.uint8)
    if decode_symbols(src, d0, d1, db, de, fD, cD, pD, lD, rD, dctx, dsym) != 0 or \
            decode_symbols(src, l0, l1, lb, le, fL, cL, pL, lL, rL, lctx, lsym) != 0 or \
            decode_symbols(src, s0, s1, sb, se, fS, cS, pS, lS, rS, sctx, ssym) != 0:
        return 1
    ok_g, gctx = run_contexts(lsym, lctx * 16, True, nG)
    ok_c, cctx = run_contexts(ssym, sctx, False, nC)
    if not ok_g or not ok_c:
        return 1
    gsym = np.empty(gctx.size, np.uint8)
    csym = np.empty(cctx.size, np.uint8)
    if decode_symbols(src, g0, g1, gb, ge, fG, cG, pG, lG, rG, gctx, gsym) != 0 or \
            decode_symbols(src, c0, c1, cb, ce, fC, cC, pC, lC, rC, cctx, csym) != 0:
        return 1
    return rebuild(kinds, dsym, lsym, gsym, ssym, csym, signed, out)


@kernel
def rebuild(kinds: np.ndarray, dsym: np.ndarray, lsym: np.ndarray, gsym: np.ndarray,
             ssym: np.ndarray, csym: np.ndarray, signed: bool, out: np.ndarray) -> int:
    """Write the titles that the decoded fields describe into ``out`` (or its length's
    prefix of them); 0 ok, 1 if the fields do not make titles that long."""
    n = out.size
    prev = np.zeros(n + 1, np.uint8)
    pstarts = np.empty(n + 2, np.int64)
    pends = np.empty(n + 2, np.int64)
    starts = np.empty(n + 2, np.int64)
    ends = np.empty(n + 2, np.int64)
    iT = iD = iL = iG = iS = iC = 0
    np_tok = 0
    o = 0
    a = 0
    t = 0
    while o < n:
        if t > n or iT >= kinds.size:
            return 1
        kind = kinds[iT]
        iT += 1
        if kind == END:
            for u in range(t):
                pstarts[u] = starts[u]
                pends[u] = ends[u]
            for j in range(o - a):
                prev[j] = out[a + j]
            np_tok = t
            t = 0
            out[o] = 10
            o += 1
            a = o
            continue
        starts[t] = o - a
        if (kind == MATCH or kind == DELTA) and t >= np_tok:
            return 1
        if kind == MATCH:
            m = min(pends[t] - pstarts[t], n - o)
            b = pstarts[t]
            for j in range(m):
                out[o + j] = prev[b + j]
            o += m
        elif kind == DELTA:
            d = np.int64(dsym[iD])
            iD += 1
            if not is_numeric(prev, pstarts[t], pends[t]):
                return 1
            if signed and d >= MAX_SIGNED:
                v = numeric_value(prev, pstarts[t], pends[t]) - (d - 127)
                if v < 0:
                    return 1
            else:
                v = numeric_value(prev, pstarts[t], pends[t]) + d + 1
            o = put_decimal(out, o, v, n - o)
        elif kind == DIGITS:
            m = np.int64(lsym[iL]) + 1
            iL += 1
            for k in range(min(m, n - o)):
                out[o + k] = 48 + gsym[iG + k]
            iG += m
            o += min(m, n - o)
        else:
            m = np.int64(ssym[iS]) + 1
            iS += 1
            for k in range(min(m, n - o)):
                out[o + k] = csym[iC + k]
            iC += m
            o += min(m, n - o)
        ends[t] = o - a
        t += 1
    return 0
