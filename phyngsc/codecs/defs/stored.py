"""STORED (id 0): the stream's bytes as they are."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    if src.size > out.size:
        return -1
    out[:src.size] = src
    return src.size


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    if src.size < out.size:
        return 1
    out[:] = src[:out.size]
    return 0


SPEC = CodecSpec(0, "stored", None, encode, decode, lambda n: n,
                 summary="bytes as they are; used when no codec is smaller")
