"""QUAL_O2 (id 3): adaptive order-2 model over the quality stream."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..context_models import qual_o2_decode, qual_o2_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return qual_o2_encode(src, out)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return qual_o2_decode(src, out)


SPEC = CodecSpec(3, "qual-o2", frozenset({"qual"}), encode, decode,
                 lambda n: 2 * n + 300, summary="adaptive order-2 qualities (NGSC 1.0)")
