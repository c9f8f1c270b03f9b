"""TITLE_RANS (id 12): tokenised titles, one static rANS stream per field (NGSC 1.2)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..spec import CodecSpec
from ..title_rans import title_rans_encode
from ..title_rans_decode import title_rans_decode


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return title_rans_encode(src, out, param)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return title_rans_decode(src, out)


#: Packed table bytes at most, per stream T D L G S C: bitmap + rows of <= 2 x symbols.
_TABLES = (20 + 2 * 160 * 5) + (4 + 2 * 32 * 256) + (4 + 2 * 32 * 18) + \
    (64 + 2 * 512 * 10) + (4 + 2 * 32 * 256) + (32 + 2 * 256 * 256)


def worst_case(n: int) -> int:
    """Mode and N (11 bytes); six streams of count (10), body length (4) and 8 state
    bytes each; the tables; 2 bytes a symbol, the counts adding up to <= 6 n + 6."""
    return 11 + 6 * 22 + _TABLES + 2 * (6 * n + 6)


SPEC = CodecSpec(12, "title-rans", frozenset({"titles"}), encode, decode, worst_case,
                 params="tokeniser 0 (as title-tok) or 1 (digits cut off a run's end); "
                        "2 (as 1, deltas -128..128; NGSC 1.3)",
                 since="1.2", summary="tokenised titles, static rANS per field")
