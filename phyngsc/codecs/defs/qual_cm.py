"""QUAL_CM (id 6): adaptive per-read quality contexts (NGSC 1.1)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..quality_cm import qual_cm_decode, qual_cm_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return qual_cm_encode(src, aux, out, param)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return qual_cm_decode(src, aux, out)


SPEC = CodecSpec(6, "qual-cm", frozenset({"qual"}), encode, decode, lambda n: 2 * n + 300,
                 params="variant 0 or 1", since="1.1",
                 summary="adaptive qualities, contexts from the read")
