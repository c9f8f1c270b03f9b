"""QUAL_SHARED (id 14): qualities coded with the archive quality model (NGSC 1.12).

The stream holds no model: its contexts, alphabet and frequencies are the footer's
quality model (:mod:`..qual_model`), read once by every decoder. Body: QUAL_RANS's
two-lane form (:mod:`..qual_rans_lanes`: u32 little endian the byte length of lane 0's
body, lane 0's body, lane 1's body), reads ``0, 2, 4, ...`` in lane 0. A value outside
the model's alphabet, or of frequency 0 in its context, cannot be coded: the encoder
refuses the stream (-1) and the level's next candidate codes it.
"""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..qual_rans_lanes import decode_lanes, encode_lanes, lane_split
from ..rans_qual_context import qual_context
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int, info: np.ndarray,
           freqs: np.ndarray, cums: np.ndarray, lut: np.ndarray, fc: np.ndarray) -> int:
    """``param`` 0; ``info .. fc``: :func:`..qual_model.tables` (empty: no model, -1)."""
    if param != 0 or info.size < 4:
        return -1
    variant = info[0]
    n = info[1]
    index = np.full(256, -1, np.int64)
    for j in range(n):
        index[info[2 + j]] = j
    total = 0
    for r in range(aux.size):
        total += aux[r]
    if total != src.size:
        return -1
    sym = np.empty(src.size, np.uint8)
    ctx = np.empty(src.size, np.int32)
    split = lane_split(aux)
    nxt = np.array([0, split], np.int64)
    p = 0
    for r in range(aux.size):
        d = nxt[r & 1]
        q1, q2, q3 = n, n, n
        for at in range(aux[r]):
            s = index[src[p]]
            if s < 0:
                return -1
            c = qual_context(variant, q1, q2, q3, n, at)
            if freqs[c, s] == 0:
                return -1
            sym[d] = s
            ctx[d] = c
            q3, q2, q1 = q2, q1, s
            p += 1
            d += 1
        nxt[r & 1] = d
    return encode_lanes(sym, ctx, split, freqs, cums, out, 0)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, info: np.ndarray,
           freqs: np.ndarray, cums: np.ndarray, lut: np.ndarray, fc: np.ndarray) -> int:
    """Fills ``out`` (any prefix of the stream): 0 ok, 1 damaged or no model."""
    if out.size == 0:
        return 0
    if info.size < 4:
        return 1
    n = info[1]
    alphabet = info[2:2 + n]
    ready = np.ones(freqs.shape[0], np.bool_)     # every row built with the model
    return decode_lanes(src, 0, info[0], n, alphabet, aux, out, freqs, cums, ready, lut,
                        ready, fc)


def worst_case(n: int) -> int:
    """A length word and two bodies of at most ``2 m + 16`` bytes for ``m`` values."""
    return 2 * n + 36


SPEC = CodecSpec(14, "qual-shared", frozenset({"qual"}), encode, decode, worst_case,
                 since="1.12", summary="qualities with the archive quality model, rANS",
                 uses_quality_model=True)
