"""DNA_K8 (id 10): order-k bases with four 8-bit counters per context (NGSC 1.2)."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..dna_k8 import dna_k8_decode, dna_k8_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return dna_k8_encode(src, aux, out, param & 255, (param >> 8) & 1 == 1,
                         (param >> 16) & 255, np.zeros(0, np.uint8), 1 << ((param >> 9) & 7))


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return dna_k8_decode(src, aux, out, np.zeros(0, np.uint8))


def param(k: int, revcomp: bool, inc: int, lanes: int = 1) -> int:
    """The codec parameter for order ``k`` (1..14), reverse-complement learning, counter
    increment (1..127; 0: a static model, NGSC 1.11) and lanes (1, 2, 4, 8 or 16 range
    coders taking turns over the reads, NGSC 1.7)."""
    if lanes not in (1, 2, 4, 8, 16):
        raise ValueError(f"lanes must be 1, 2, 4, 8 or 16, not {lanes}")
    return k | int(revcomp) << 8 | (lanes.bit_length() - 1) << 9 | inc << 16


def worst_case(n: int, exceptions: int | None = None) -> int:
    """Header 3 + exception list (10 + 2 x (11 e) + 64 + 20, e exceptions: at most n)
    + bases: a counter is >= 1 of a total <= 1020, so <= 10 bits a base, + 5 flush
    bytes, + 4 length bytes and 5 more flush bytes for each lane past the first (16 lanes
    counted always). ``exceptions``: e when the caller counted them (a tighter bound)."""
    e = n if exceptions is None else exceptions
    return 3 + 22 * e + 94 + (10 * n + 7) // 8 + 5 + 9 * 15


SPEC = CodecSpec(10, "dna-k8", frozenset({"dna"}), encode, decode, worst_case,
                 params="k | revcomp << 8 | log2(lanes) << 9 | inc << 16 (lanes: NGSC 1.7)",
                 since="1.2",
                 summary="adaptive order-k bases, 8-bit counters, both strands")
