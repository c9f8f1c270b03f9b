"""TITLE_TOK (id 7): titles split into tokens, each coded against the previous title's."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..spec import CodecSpec
from ..title_tok import title_tok_decode, title_tok_encode


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return title_tok_encode(src, out)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return title_tok_decode(src, out)


SPEC = CodecSpec(7, "title-tok", frozenset({"titles"}), encode, decode,
                 lambda n: 4 * n + 64, since="1.1", summary="tokenised titles")
