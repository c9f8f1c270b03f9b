"""TITLE_TOK: titles split into tokens, each coded against the previous title (codec id 7).

Tokens: every separator byte (``: / space _ . = # -``) is a token of its own, and
so is every maximal run of other bytes (runs longer than 255 bytes are cut into
pieces of 255). A token is numeric when it is 1..18 digits. Token t of a title is
compared with token t of the previous title and coded as one of:

- MATCH (0): the same bytes;
- DELTA (1): both numeric and the token is ``str(prev + d)`` for 1 <= d <= 255:
  then d - 1 as a byte;
- DIGITS (2): numeric: its length (1..18), then its digits;
- TEXT (3): its length (1..255), then its bytes;
- END (4): the title has no token t (the title is complete).

All values are range coded with adaptive frequencies (start 1, +32 per use):
the type in context (min(t, 31), type of token t in the previous title); the
delta in context min(t, 31); a DIGITS length in context min(t, 31) and each digit
in context (min(t, 31), min(position, 15)); a TEXT length in context min(t, 31)
and each byte in context (previous byte of the token, or 0 at its start).
The stream's decoded form is titles each followed by ``\\n`` (docs/format.md).
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .rangecoder import INC, dec_init, dec_symbol, enc_finish, enc_init, enc_symbol, model_new

MATCH, DELTA, DIGITS, TEXT, END = 0, 1, 2, 3, 4
MAX_T = 31
SEPARATORS = b":/ _.=#-"
_SEP = np.zeros(256, np.bool_)
for _c in SEPARATORS:
    _SEP[_c] = True


@kernel
def tokenize(buf: np.ndarray, a: int, b: int, starts: np.ndarray, ends: np.ndarray) -> int:
    """Token spans of ``buf[a:b]``; returns the number of tokens."""
    sep = _SEP
    n = 0
    i = a
    while i < b:
        if sep[buf[i]]:
            starts[n] = i
            ends[n] = i + 1
            i += 1
        else:
            j = i
            while j < b and not sep[buf[j]] and j - i < 255:
                j += 1
            starts[n] = i
            ends[n] = j
            i = j
        n += 1
    return n


@kernel
def is_numeric(buf: np.ndarray, a: int, b: int) -> bool:
    if b - a < 1 or b - a > 18:
        return False
    for i in range(a, b):
        if buf[i] < 48 or buf[i] > 57:
            return False
    return True


@kernel
def numeric_value(buf: np.ndarray, a: int, b: int) -> int:
    v = 0
    for i in range(a, b):
        v = v * 10 + int(buf[i]) - 48
    return v


@kernel
def put_decimal(out: np.ndarray, o: int, v: int, room: int) -> int:
    """Write the decimal digits of ``v`` >= 0 at ``out[o:]``, most significant first,
    as many of them as ``room`` allows (a prefix may end inside a number); returns the
    offset after the last digit written."""
    k = 1
    t = v // 10
    while t > 0:
        k += 1
        t //= 10
    w = min(k, room)
    for j in range(k - 1, -1, -1):
        if j < w:
            out[o + j] = 48 + v % 10
        v //= 10
    return o + w


@kernel
def delta_of(buf: np.ndarray, pa: int, pb: int, ca: int, cb: int, prev_buf: np.ndarray) -> int:
    """d in 1..255 if token ``buf[ca:cb]`` is ``str(prev + d)``, else 0."""
    if not (is_numeric(prev_buf, pa, pb) and is_numeric(buf, ca, cb)):
        return 0
    if buf[ca] == 48 and cb - ca > 1:      # leading zero: str() would not write it
        return 0
    if prev_buf[pa] == 48 and pb - pa > 1:
        return 0
    d = numeric_value(buf, ca, cb) - numeric_value(prev_buf, pa, pb)
    return d if 1 <= d <= 255 else 0


@kernel
def same_bytes(x: np.ndarray, xa: int, xb: int, y: np.ndarray, ya: int, yb: int) -> bool:
    if xb - xa != yb - ya:
        return False
    for k in range(xb - xa):
        if x[xa + k] != y[ya + k]:
            return False
    return True


@kernel
def _models() -> tuple:
    """Frequency tables: types, deltas, digit counts, digits, text lengths, text bytes."""
    Ft, Tt = model_new((MAX_T + 1) * 5, 5)
    Fd, Td = model_new(MAX_T + 1, 255)
    Fl, Tl = model_new(MAX_T + 1, 18)
    Fg, Tg = model_new((MAX_T + 1) * 16, 10)
    Fs, Ts = model_new(MAX_T + 1, 255)
    Fc, Tc = model_new(256, 256)
    return Ft, Tt, Fd, Td, Fl, Tl, Fg, Tg, Fs, Ts, Fc, Tc


@kernel
def _remember(text: np.ndarray, a: int, b: int, starts: np.ndarray, ends: np.ndarray, base: int,
              types: np.ndarray, nt: int, np_tok: int, prev: np.ndarray, pstarts: np.ndarray,
              pends: np.ndarray, ptypes: np.ndarray) -> int:
    """Make title ``text[a:b]`` (``nt`` tokens at ``starts - base``) the previous title;
    returns its token count."""
    prev[:b - a] = text[a:b]
    for t in range(nt):
        pstarts[t] = starts[t] - base
        pends[t] = ends[t] - base
    for t in range(nt + 1):
        ptypes[t] = types[t]
    for t in range(nt + 1, np_tok + 2):
        ptypes[t] = END
    return nt


@kernel
def title_tok_encode(src: np.ndarray, out: np.ndarray) -> int:
    n = src.size
    starts = np.empty(n + 1, np.int64)
    ends = np.empty(n + 1, np.int64)
    prev = np.zeros(n + 1, np.uint8)        # previous title's bytes
    pstarts = np.empty(n + 1, np.int64)
    pends = np.empty(n + 1, np.int64)
    ptypes = np.full(n + 2, END, np.int64)
    types = np.empty(n + 2, np.int64)
    np_tok = 0
    Ft, Tt, Fd, Td, Fl, Tl, Fg, Tg, Fs, Ts, Fc, Tc = _models()
    st = enc_init()
    a = 0
    while a < n:
        b = a
        while b < n and src[b] != 10:
            b += 1
        nt = tokenize(src, a, b, starts, ends)
        for t in range(nt + 1):
            tc = min(t, MAX_T)
            ctx = tc * 5 + ptypes[t]
            if t == nt:
                enc_symbol(st, out, Ft, Tt, ctx, END, INC)
                types[t] = END
                break
            ca, cb = starts[t], ends[t]
            kind = TEXT
            d = 0
            if t < np_tok:
                pa, pb = pstarts[t], pends[t]
                if same_bytes(src, ca, cb, prev, pa, pb):
                    kind = MATCH
                else:
                    d = delta_of(src, pa, pb, ca, cb, prev)
                    if d > 0:
                        kind = DELTA
            if kind == TEXT and is_numeric(src, ca, cb):
                kind = DIGITS
            enc_symbol(st, out, Ft, Tt, ctx, kind, INC)
            types[t] = kind
            if kind == DELTA:
                enc_symbol(st, out, Fd, Td, tc, d - 1, INC)
            elif kind == DIGITS:
                enc_symbol(st, out, Fl, Tl, tc, cb - ca - 1, INC)
                for k in range(cb - ca):
                    enc_symbol(st, out, Fg, Tg, tc * 16 + min(k, 15), int(src[ca + k]) - 48, INC)
            elif kind == TEXT:
                enc_symbol(st, out, Fs, Ts, tc, cb - ca - 1, INC)
                pc = 0
                for k in range(ca, cb):
                    enc_symbol(st, out, Fc, Tc, pc, int(src[k]), INC)
                    pc = int(src[k])
        np_tok = _remember(src, a, b, starts, ends, a, types, nt, np_tok, prev, pstarts, pends,
                           ptypes)
        a = b + 1
    return enc_finish(st, out)


@kernel
def title_tok_decode(src: np.ndarray, out: np.ndarray) -> int:
    """Fills ``out`` (the exact decoded length, or any prefix: tokens are cut where
    ``out`` ends); 0 ok, 1 corrupt."""
    n = out.size
    prev = np.zeros(n + 1, np.uint8)
    pstarts = np.empty(n + 2, np.int64)
    pends = np.empty(n + 2, np.int64)
    ptypes = np.full(n + 3, END, np.int64)
    types = np.empty(n + 3, np.int64)
    starts = np.empty(n + 2, np.int64)
    ends = np.empty(n + 2, np.int64)
    np_tok = 0
    Ft, Tt, Fd, Td, Fl, Tl, Fg, Tg, Fs, Ts, Fc, Tc = _models()
    ds = dec_init(src, 0)
    o = 0
    while o < n:
        a = o
        t = 0
        while True:
            if t > n:
                return 1
            tc = min(t, MAX_T)
            kind = dec_symbol(ds, src, Ft, Tt, tc * 5 + ptypes[t], INC)
            types[t] = kind
            if kind == END:
                break
            starts[t] = o - a
            if kind == MATCH:
                if t >= np_tok:
                    return 1
                m = min(pends[t] - pstarts[t], n - o)   # a prefix may end inside
                out[o:o + m] = prev[pstarts[t]:pstarts[t] + m]
                o += m
            elif kind == DELTA:
                # a damaged stream may claim DELTA on a token that is not a number
                if t >= np_tok or not is_numeric(prev, pstarts[t], pends[t]):
                    return 1
                v = numeric_value(prev, pstarts[t], pends[t]) + dec_symbol(ds, src, Fd, Td, tc, INC) + 1
                o = put_decimal(out, o, v, n - o)
            elif kind == DIGITS:
                m = min(dec_symbol(ds, src, Fl, Tl, tc, INC) + 1, n - o)
                for k in range(m):
                    out[o + k] = 48 + dec_symbol(ds, src, Fg, Tg, tc * 16 + min(k, 15), INC)
                o += m
            else:
                m = min(dec_symbol(ds, src, Fs, Ts, tc, INC) + 1, n - o)
                pc = 0
                for k in range(m):
                    pc = dec_symbol(ds, src, Fc, Tc, pc, INC)
                    out[o + k] = pc
                o += m
            if o >= n:
                return 0    # a prefix ends in this token
            ends[t] = o - a
            t += 1
        np_tok = _remember(out, a, o, starts, ends, 0, types, t, np_tok, prev, pstarts, pends,
                           ptypes)
        if o >= n:
            return 0       # a prefix ends here
        out[o] = 10
        o += 1
    return 0
