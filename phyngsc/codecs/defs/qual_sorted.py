"""QUAL_SORTED (id 11): adaptive quality contexts, frequency-sorted symbols (NGSC 1.2)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..qual_sorted import qual_sorted_decode, qual_sorted_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return qual_sorted_encode(src, aux, out, param)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return qual_sorted_decode(src, aux, out)


def worst_case(n: int) -> int:
    """Header 258 + a symbol of frequency >= 1 in a total <= 2**16: <= 16 bits, + 5."""
    return 258 + 2 * n + 5


SPEC = CodecSpec(11, "qual-sorted", frozenset({"qual"}), encode, decode, worst_case,
                 params="variant 0 (q1,q2), 1 (+position band), 2 (+running delta), "
                        "3 (+exact position; NGSC 1.4), 4 (q1, five-position band; "
                        "NGSC 1.9)",
                 since="1.2", summary="adaptive qualities, sorted symbol lists")
