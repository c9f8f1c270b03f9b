"""RANS_BYTES (id 8): static order-0/1 byte model over interleaved rANS (NGSC 1.2)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..rans_static import rans_bytes_decode, rans_bytes_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return rans_bytes_encode(src, out, param)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return rans_bytes_decode(src, out)


def worst_case(n: int) -> int:
    """Header 258, tables (bitmap 33 + 257 rows of <= 2 x 256 bytes), body 2 n + 8."""
    return 258 + 33 + 257 * 512 + 2 * n + 8


SPEC = CodecSpec(8, "rans-bytes", None, encode, decode, worst_case, params="order 0 or 1",
                 since="1.2", summary="static order-0/1 bytes, rANS")
