"""DNA_K8 (id 10): order-k bases with four 8-bit counters per context (NGSC 1.2)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..dna_k8 import dna_k8_decode, dna_k8_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return dna_k8_encode(src, aux, out, param & 255, (param >> 8) & 1 == 1,
                         (param >> 16) & 255, np.zeros(0, np.uint8))


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return dna_k8_decode(src, aux, out, np.zeros(0, np.uint8))


def param(k: int, revcomp: bool, inc: int) -> int:
    """The codec parameter for order ``k`` (1..14), reverse-complement learning and
    counter increment (1..127)."""
    return k | int(revcomp) << 8 | inc << 16


def worst_case(n: int, exceptions: int | None = None) -> int:
    """Header 3 + exception list (10 + 2 x (11 e) + 64 + 20, e exceptions: at most n)
    + bases: a counter is >= 1 of a total <= 1020, so <= 10 bits a base, + 5 flush
    bytes. ``exceptions``: e when the caller counted them (a tighter bound)."""
    e = n if exceptions is None else exceptions
    return 3 + 22 * e + 94 + (10 * n + 7) // 8 + 5


SPEC = CodecSpec(10, "dna-k8", frozenset({"dna"}), encode, decode, worst_case,
                 params="k | revcomp << 8 | inc << 16", since="1.2",
                 summary="adaptive order-k bases, 8-bit counters, both strands")
