"""DNA_CM (id 5): adaptive order-k base model (16-bit counts), both strands."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..dna_cm import dna_cm_decode, dna_cm_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return dna_cm_encode(src, aux, out, param & 255, (param >> 8) & 1 == 1,
                         (param >> 16) & 255)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return dna_cm_decode(src, aux, out)


def param(k: int, revcomp: bool, inc: int) -> int:
    """The codec parameter for order ``k``, reverse-complement learning, increment."""
    return k | int(revcomp) << 8 | inc << 16


SPEC = CodecSpec(5, "dna-cm", frozenset({"dna"}), encode, decode, lambda n: 16 * n + 64,
                 params="k | revcomp << 8 | inc << 16", since="1.1",
                 summary="adaptive order-k bases, 16-bit counts")
