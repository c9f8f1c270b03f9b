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
The decoder (:mod:`.title_rans_decode`) decodes each stream whole, then rebuilds the
titles from the symbols (a prefix costs its sub-block's whole title streams); a title
is followed by ``\\n`` unless the stream ends there. Counters that go up by one from
title to title cost a fraction of a bit per title.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import put_varint
from .rans_static import put_symbols
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
