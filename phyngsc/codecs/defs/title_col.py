"""TITLE_COL (id 4): titles by column against the previous title."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..context_models import title_col_decode, title_col_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return title_col_encode(src, out)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return title_col_decode(src, out)


SPEC = CodecSpec(4, "title-col", frozenset({"titles"}), encode, decode,
                 lambda n: 2 * n + 16, summary="adaptive model, context = column and the "
                 "byte above in the previous title")
