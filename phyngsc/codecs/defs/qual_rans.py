"""QUAL_RANS (id 9): static quality model over interleaved rANS (NGSC 1.2)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..rans_static import qual_rans_decode, qual_rans_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return qual_rans_encode(src, aux, out, param)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return qual_rans_decode(src, aux, out)


def worst_case(n: int) -> int:
    """Header 258; tables: variants 0 and 1 a bitmap of 129 bytes and 4 x 257 rows of
    <= 2 x 256 bytes, variant 2 (alphabet <= 64) 1,040 and 128 x 65 rows of <= 2 x 64;
    body 2 n + 8, in two lanes 2 n + 20 (a length word and a second pair of states)."""
    return 258 + max(129 + 4 * 257 * 512, 1040 + 128 * 65 * 128) + 2 * n + 20


SPEC = CodecSpec(9, "qual-rans", frozenset({"qual"}), encode, decode, worst_case,
                 params="variant 0 (q1), 1 (q1, min(q2, q3) band), 2 (as 1, x position // 8; "
                        "NGSC 1.4); | 0x10: two lanes (NGSC 1.10)", since="1.2",
                 summary="static qualities, rANS")
