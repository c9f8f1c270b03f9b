"""TITLE_RANS: tokenised titles, each token field in its own static rANS stream (codec id 12).

Titles are tokenised as by TITLE_TOK, or (modes 1 and 2) with a run that ends in
digits after other bytes cut before those digits (``r12``: ``r``, ``12``), and each
token t is compared with token t of the previous title as in TITLE_TOK (MATCH, DELTA,
DIGITS, TEXT, END; :mod:`.title_tok`). Mode 2 (NGSC 1.3) also takes deltas that go
down: d in -128..-1 or 1..128, its symbol ``d - 1`` for d > 0 and ``127 - d`` for d < 0
(names that count down, as ART writes them, cost as little as names that count up).
The
values go into six symbol streams, each written by ``rans_static.put_symbols`` with
its own per-sub-block tables (tc = min(t, 31)):

====  =======================  =================================  ========  ======
name  symbol                   context                            contexts  symbols
====  =======================  =================================  ========  ======
T     token type               tc * 5 + type of token t before    160       5
D     DELTA: d - 1             tc                                 32        256
L     DIGITS: length - 1       tc                                 32        18
G     DIGITS: each digit       tc * 16 + min(position, 15)        512       10
S     TEXT: length - 1         tc                                 32        256
C     TEXT: each byte          previous byte of the token (0)     256       256
====  =======================  =================================  ========  ======

Encoded form: byte mode (0 or 1), varint N (the decoded length), then the streams
T, D, L, G, S, C.
The decoder opens the six streams and rebuilds the titles in one pass, taking from
each stream the next symbol as the titles need it (so a prefix costs only its
symbols); a title is followed by ``\\n`` unless the stream ends there. Counters that go up by one from
title to title cost a fraction of a bit per title.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import get_varint, put_varint
from .rans import M, dec_start, dec_step, lookup_row
from .rans_static import put_symbols, read_model
from .title_tok import (DELTA, DIGITS, END, MATCH, MAX_T, SEPARATORS, TEXT, delta_of,
                        is_numeric, numeric_value, same_bytes)

N_TYPES = 5
_SEP = np.zeros(256, np.bool_)
for _c in SEPARATORS:
    _SEP[_c] = True
#: Tokeniser modes (the codec parameter); SIGNED_DELTA splits digits too.
PLAIN, SPLIT_DIGITS, SIGNED_DELTA = 0, 1, 2
#: Largest |d| of a signed delta (mode SIGNED_DELTA).
MAX_SIGNED = 128


@kernel(inline=True)
def _delta(src: np.ndarray, pa: int, pb: int, ca: int, cb: int, mode: int) -> int:
    """The DELTA of token ``src[ca:cb]`` from the previous ``src[pa:pb]``: 1..255 as
    TITLE_TOK (modes 0, 1) or -128..-1, 1..128 (mode 2); 0 if it is none."""
    if mode != SIGNED_DELTA:
        return delta_of(src, pa, pb, ca, cb, src)
    if not (is_numeric(src, pa, pb) and is_numeric(src, ca, cb)):
        return 0
    if (src[ca] == 48 and cb - ca > 1) or (src[pa] == 48 and pb - pa > 1):
        return 0
    d = numeric_value(src, ca, cb) - numeric_value(src, pa, pb)
    return d if d != 0 and -MAX_SIGNED <= d <= MAX_SIGNED else 0


@kernel
def tokenize(buf: np.ndarray, a: int, b: int, starts: np.ndarray, ends: np.ndarray,
             mode: int) -> int:
    """Token spans of ``buf[a:b]``: each separator alone and maximal runs of other bytes
    (cut at 255 bytes), as TITLE_TOK; in mode SPLIT_DIGITS a run that ends in digits
    after something else is cut there (``r12``: ``r``, ``12``). Returns the count."""
    sep = _SEP
    n = 0
    i = a
    while i < b:
        j = i + 1
        if not sep[buf[i]]:
            while j < b and not sep[buf[j]] and j - i < 255:
                j += 1
            if mode != PLAIN:
                d = j
                while d > i and 48 <= buf[d - 1] <= 57:
                    d -= 1
                if i < d < j:
                    starts[n] = i
                    ends[n] = d
                    n += 1
                    i = d
        starts[n] = i
        ends[n] = j
        i = j
        n += 1
    return n


@kernel
def title_rans_encode(src: np.ndarray, out: np.ndarray, mode: int) -> int:
    n = src.size
    if mode != PLAIN and mode != SPLIT_DIGITS and mode != SIGNED_DELTA:
        return -1
    starts = np.empty(n + 1, np.int64)
    ends = np.empty(n + 1, np.int64)
    pstarts = np.empty(n + 1, np.int64)
    pends = np.empty(n + 1, np.int64)
    ptypes = np.full(n + 2, END, np.int64)
    t_sym = np.empty(2 * n + 2, np.uint8)
    t_ctx = np.empty(2 * n + 2, np.int32)
    d_sym = np.empty(n + 1, np.uint8)
    d_ctx = np.empty(n + 1, np.int32)
    l_sym = np.empty(n + 1, np.uint8)
    l_ctx = np.empty(n + 1, np.int32)
    g_sym = np.empty(n + 1, np.uint8)
    g_ctx = np.empty(n + 1, np.int32)
    s_sym = np.empty(n + 1, np.uint8)
    s_ctx = np.empty(n + 1, np.int32)
    c_sym = np.empty(n + 1, np.uint8)
    c_ctx = np.empty(n + 1, np.int32)
    nT = nD = nL = nG = nS = nC = 0
    np_tok = 0
    pa_title = 0        # where the previous title starts in src
    a = 0
    while a < n:
        b = a
        while b < n and src[b] != 10:
            b += 1
        nt = tokenize(src, a, b, starts, ends, mode)
        for t in range(nt + 1):
            tc = min(t, MAX_T)
            ctx = tc * N_TYPES + ptypes[t]
            if t == nt:
                kind = END
            else:
                ca, cb = starts[t], ends[t]
                kind = TEXT
                d = 0
                if t < np_tok:
                    pa, pb = pstarts[t] + pa_title, pends[t] + pa_title
                    if same_bytes(src, ca, cb, src, pa, pb):
                        kind = MATCH
                    else:
                        d = _delta(src, pa, pb, ca, cb, mode)
                        if d != 0:
                            kind = DELTA
                if kind == TEXT and is_numeric(src, ca, cb):
                    kind = DIGITS
                if kind == DELTA:
                    d_sym[nD] = d - 1 if d > 0 else 127 - d
                    d_ctx[nD] = tc
                    nD += 1
                elif kind == DIGITS:
                    l_sym[nL] = cb - ca - 1
                    l_ctx[nL] = tc
                    nL += 1
                    for k in range(cb - ca):
                        g_sym[nG] = src[ca + k] - 48
                        g_ctx[nG] = tc * 16 + min(k, 15)
                        nG += 1
                elif kind == TEXT:
                    s_sym[nS] = cb - ca - 1
                    s_ctx[nS] = tc
                    nS += 1
                    pc = 0
                    for k in range(ca, cb):
                        c_sym[nC] = src[k]
                        c_ctx[nC] = pc
                        pc = src[k]
                        nC += 1
            t_sym[nT] = kind
            t_ctx[nT] = ctx
            nT += 1
            ptypes[t] = kind
        for t in range(nt + 1, np_tok + 1):
            ptypes[t] = END
        for t in range(nt):
            pstarts[t] = starts[t] - a
            pends[t] = ends[t] - a
        np_tok = nt
        pa_title = a
        a = b + 1
    if out.size < 1:
        return -1
    out[0] = mode
    pos = put_varint(out, 1, n)
    if pos >= 0:
        pos = put_symbols(t_sym[:nT], t_ctx[:nT], (MAX_T + 1) * N_TYPES, N_TYPES, out, pos)
    if pos >= 0:
        pos = put_symbols(d_sym[:nD], d_ctx[:nD], MAX_T + 1, 256, out, pos)
    if pos >= 0:
        pos = put_symbols(l_sym[:nL], l_ctx[:nL], MAX_T + 1, 18, out, pos)
    if pos >= 0:
        pos = put_symbols(g_sym[:nG], g_ctx[:nG], (MAX_T + 1) * 16, 10, out, pos)
    if pos >= 0:
        pos = put_symbols(s_sym[:nS], s_ctx[:nS], MAX_T + 1, 256, out, pos)
    if pos >= 0:
        pos = put_symbols(c_sym[:nC], c_ctx[:nC], 256, 256, out, pos)
    return pos


@kernel
def _open(src: np.ndarray, pos: int, nctx: int, nsym: int, limit: int) -> tuple:
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


@kernel(inline=True)
def _pull(st: np.ndarray, k: int, c: int, freqs: np.ndarray, cums: np.ndarray,
          present: np.ndarray, lut: np.ndarray, ready: np.ndarray, src: np.ndarray) -> int:
    """The next symbol of stream ``k`` in context ``c``; -1 if the stream has no more
    symbols, ``c`` never occurs in it or its body runs out. ``st[k]``: symbols read,
    count, x0, x1, position, end."""
    i = st[k, 0]
    if i >= st[k, 1] or c < 0 or c >= present.size or not present[c]:
        return -1
    x = st[k, 3] if i & 1 else st[k, 2]
    slot = x & (M - 1)
    if not ready[c]:
        lookup_row(freqs, cums, lut, ready, c)
    s = np.int64(lut[c, slot])
    x, p = dec_step(x, np.int64(freqs[c, s]), np.int64(cums[c, s]), slot, src, st[k, 4],
                    st[k, 5])
    if p < 0:
        return -1
    if i & 1:
        st[k, 3] = x
    else:
        st[k, 2] = x
    st[k, 4] = p
    st[k, 0] = i + 1
    return s


@kernel
def title_rans_decode(src: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (the decoded length or any prefix, pulling from each field stream
    only the symbols that prefix needs); 0 ok, 1 corrupt."""
    if src.size < 1 or src[0] > SIGNED_DELTA:
        return 1
    signed = src[0] == SIGNED_DELTA
    N, pos = get_varint(src, 1, src.size)
    if pos < 0 or N < out.size or (N > out.size and N > 1 << 31):
        return 1
    n = out.size
    if n == 0:
        return 0
    st = np.zeros((6, 6), np.int64)
    pos, st[0, 1], fT, cT, pT, lT, rT, st[0, 2], st[0, 3], st[0, 4], st[0, 5] = _open(
        src, pos, (MAX_T + 1) * N_TYPES, N_TYPES, 2 * N + 2)
    if pos < 0:
        return 1
    pos, st[1, 1], fD, cD, pD, lD, rD, st[1, 2], st[1, 3], st[1, 4], st[1, 5] = _open(
        src, pos, MAX_T + 1, 256, N + 1)
    if pos < 0:
        return 1
    pos, st[2, 1], fL, cL, pL, lL, rL, st[2, 2], st[2, 3], st[2, 4], st[2, 5] = _open(
        src, pos, MAX_T + 1, 18, N + 1)
    if pos < 0:
        return 1
    pos, st[3, 1], fG, cG, pG, lG, rG, st[3, 2], st[3, 3], st[3, 4], st[3, 5] = _open(
        src, pos, (MAX_T + 1) * 16, 10, N + 1)
    if pos < 0:
        return 1
    pos, st[4, 1], fS, cS, pS, lS, rS, st[4, 2], st[4, 3], st[4, 4], st[4, 5] = _open(
        src, pos, MAX_T + 1, 256, N + 1)
    if pos < 0:
        return 1
    pos, st[5, 1], fC, cC, pC, lC, rC, st[5, 2], st[5, 3], st[5, 4], st[5, 5] = _open(
        src, pos, 256, 256, N + 1)
    if pos != src.size:
        return 1
    prev = np.zeros(n + 1, np.uint8)
    pstarts = np.empty(n + 2, np.int64)
    pends = np.empty(n + 2, np.int64)
    ptypes = np.full(n + 2, END, np.int64)
    starts = np.empty(n + 2, np.int64)
    ends = np.empty(n + 2, np.int64)
    digits = np.empty(20, np.uint8)
    np_tok = 0
    last_nt = 0
    o = 0
    a = 0
    t = 0
    while o < n:
        if t > n:
            return 1
        tc = min(t, MAX_T)
        kind = _pull(st, 0, tc * N_TYPES + ptypes[t], fT, cT, pT, lT, rT, src)
        if kind < 0:
            return 1
        ptypes[t] = kind
        if kind == END:
            for u in range(t + 1, last_nt + 1):
                ptypes[u] = END
            last_nt = t
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
            d = _pull(st, 1, tc, fD, cD, pD, lD, rD, src)
            if d < 0 or not is_numeric(prev, pstarts[t], pends[t]):
                return 1
            if signed and d >= MAX_SIGNED:
                v = numeric_value(prev, pstarts[t], pends[t]) - (d - 127)
                if v < 0:
                    return 1
            else:
                v = numeric_value(prev, pstarts[t], pends[t]) + d + 1
            k = 0
            while True:
                digits[k] = 48 + v % 10
                v //= 10
                k += 1
                if v == 0:
                    break
            w = min(k, n - o)
            for j in range(w):
                out[o + j] = digits[k - 1 - j]
            o += w
        elif kind == DIGITS:
            m = _pull(st, 2, tc, fL, cL, pL, lL, rL, src) + 1
            if m <= 0:
                return 1
            for k in range(min(m, n - o)):
                g = _pull(st, 3, tc * 16 + min(k, 15), fG, cG, pG, lG, rG, src)
                if g < 0:
                    return 1
                out[o + k] = 48 + g
            o += min(m, n - o)
        else:
            m = _pull(st, 4, tc, fS, cS, pS, lS, rS, src) + 1
            if m <= 0:
                return 1
            pc = 0
            for k in range(min(m, n - o)):
                pc = _pull(st, 5, pc, fC, cC, pC, lC, rC, src)
                if pc < 0:
                    return 1
                out[o + k] = pc
            o += min(m, n - o)
        ends[t] = o - a
        t += 1
    return 0
