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
from ..qual_rans_lanes import decode_lanes, encode_lanes, lane_contexts
from ..rans_static import lengths_match
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
    if not lengths_match(aux, src.size):
        return -1
    idx = np.empty(src.size, np.uint8)
    for i in range(src.size):
        s = index[src[i]]
        if s < 0:
            return -1
        idx[i] = s
    sym, ctx, split = lane_contexts(idx, aux, n, variant)
    for i in range(sym.size):
        if freqs[ctx[i], sym[i]] == 0:
            return -1
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
