"""DNA2 (id 2): 2 bits per base, other bytes in an exception list."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..dna import dna2_decode, dna2_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return dna2_encode(src, out)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return dna2_decode(src, out)


SPEC = CodecSpec(2, "dna2", frozenset({"dna"}), encode, decode, lambda n: 12 * n + 16,
                 summary="2-bit bases + exception list")
