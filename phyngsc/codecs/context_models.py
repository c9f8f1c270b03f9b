"""Context-modelled byte codecs over the range coder: RC_O1, QUAL_O2, TITLE_COL.

See docs/format.md (*Codecs*) for the models; each encoder returns the number
of bytes written or -1 if ``out`` is too small; each decoder fills ``out``
(its length is the decoded length) and returns 0.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .rangecoder import INC, dec_init, dec_symbol, enc_finish, enc_init, enc_symbol, model_new


@kernel
def rc_o1_encode(src: np.ndarray, out: np.ndarray) -> int:
    """Order-1 adaptive model: context = previous byte (0 at the start)."""
    F, T = model_new(256, 256)
    st = enc_init()
    prev = 0
    for i in range(src.size):
        s = int(src[i])
        enc_symbol(st, out, F, T, prev, s, INC)
        prev = s
    return enc_finish(st, out)


@kernel
def rc_o1_decode(src: np.ndarray, out: np.ndarray) -> int:
    F, T = model_new(256, 256)
    ds = dec_init(src, 0)
    prev = 0
    for i in range(out.size):
        s = dec_symbol(ds, src, F, T, prev, INC)
        out[i] = s
        prev = s
    return 0


@kernel
def dense_alphabet(src: np.ndarray) -> tuple:
    """``(index, alphabet)``: byte -> rank among the bytes that occur, and those bytes sorted."""
    present = np.zeros(256, np.bool_)
    for i in range(src.size):
        present[src[i]] = True
    index = np.zeros(256, np.int64)
    alphabet = np.empty(256, np.uint8)
    n = 0
    for b in range(256):
        if present[b]:
            index[b] = n
            alphabet[n] = b
            n += 1
    return index, alphabet[:n]


@kernel
def qual_o2_encode(src: np.ndarray, out: np.ndarray) -> int:
    """Qualities: dense alphabet, context = previous two symbols of the stream."""
    index, alphabet = dense_alphabet(src)
    n = alphabet.size
    if out.size < 1 + n:
        return -1
    out[0] = n & 0xFF  # n <= 256; 256 is stored as 0 (only possible for non-FASTQ data)
    out[1:1 + n] = alphabet
    k = 1 + n
    if n <= 1:
        return k  # zero or one symbol: the count and alphabet say it all
    F, T = model_new(n * n, n)
    st = enc_init()
    st[4] = k
    q1 = 0
    q2 = 0
    for i in range(src.size):
        s = index[src[i]]
        enc_symbol(st, out, F, T, q1 * n + q2, s, INC)
        q2 = q1
        q1 = s
    return enc_finish(st, out)


@kernel
def qual_o2_decode(src: np.ndarray, out: np.ndarray) -> int:
    if out.size == 0:
        return 0
    if src.size < 1:
        return 1
    n = int(src[0])
    if n == 0:
        n = 256
    if src.size < 1 + n:
        return 1
    alphabet = src[1:1 + n]
    if n == 1:
        for i in range(out.size):
            out[i] = alphabet[0]
        return 0
    F, T = model_new(n * n, n)
    ds = dec_init(src, 1 + n)
    q1 = 0
    q2 = 0
    for i in range(out.size):
        s = dec_symbol(ds, src, F, T, q1 * n + q2, INC)
        out[i] = alphabet[s]
        q2 = q1
        q1 = s
    return 0


@kernel
def _title_ctx(prev_title: np.ndarray, plen: int, col: int, prev_byte: int) -> int:
    above = int(prev_title[col]) if col < plen else 10
    before = int(prev_title[col - 1]) if 0 < col <= plen else (10 if col == 0 else -1)
    sync = 1 if before == prev_byte else 0
    return above * 2 + sync


@kernel
def title_col_encode(src: np.ndarray, out: np.ndarray) -> int:
    """Titles separated by '\\n'; context = byte above in the previous title and whether
    the byte before matched the previous title."""
    F, T = model_new(512, 256)
    st = enc_init()
    prev_title = np.zeros(max(src.size, 1), np.uint8)
    cur = np.zeros(max(src.size, 1), np.uint8)
    plen = 0
    col = 0
    prev_byte = 10
    for i in range(src.size):
        s = int(src[i])
        enc_symbol(st, out, F, T, _title_ctx(prev_title, plen, col, prev_byte), s, INC)
        if s == 10:
            prev_title[:col] = cur[:col]
            plen = col
            col = 0
        else:
            cur[col] = s
            col += 1
        prev_byte = s
    return enc_finish(st, out)


@kernel
def title_col_decode(src: np.ndarray, out: np.ndarray) -> int:
    F, T = model_new(512, 256)
    ds = dec_init(src, 0)
    prev_title = np.zeros(max(out.size, 1), np.uint8)
    cur = np.zeros(max(out.size, 1), np.uint8)
    plen = 0
    col = 0
    prev_byte = 10
    for i in range(out.size):
        s = dec_symbol(ds, src, F, T, _title_ctx(prev_title, plen, col, prev_byte), INC)
        out[i] = s
        if s == 10:
            prev_title[:col] = cur[:col]
            plen = col
            col = 0
        else:
            cur[col] = s
            col += 1
        prev_byte = s
    return 0
