"""DNA_SEEDED (id 13): DNA_K8 starting from the archive's seed model (NGSC 1.3).

The encoded form is DNA_K8's, byte for byte; only the table the coder starts from
differs: a copy of the seed model (docs/format.md, *Seed model*) instead of all ones.
``model`` is the seed model or a workspace holding it (:mod:`..seed_workspace`).
The stream's k must be the seed's (the table size says so), and a stream of this
codec never decodes without its archive's seed.
"""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..seed_workspace import seeded_decode, seeded_encode
from ..spec import CodecSpec
from .dna_k8 import param, worst_case


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int,
           model: np.ndarray) -> int:
    return seeded_encode(src, aux, out, param & 255, (param >> 8) & 1 == 1, (param >> 16) & 255,
                         model, 1 << ((param >> 9) & 7))


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, model: np.ndarray) -> int:
    if model.size == 0:
        return 1 if out.size else 0
    return seeded_decode(src, aux, out, model)


SPEC = CodecSpec(13, "dna-seeded", frozenset({"dna"}), encode, decode, worst_case,
                 params="k | revcomp << 8 | log2(lanes) << 9 | inc << 16 (k: the seed model's)",
                 since="1.3",
                 summary="DNA_K8 starting from the archive's seed model", uses_model=True)


def static_stream(data: bytes, at: int, length: int) -> bool:
    """Whether the stream at ``data[at:at + length]`` is static (increment byte 0, NGSC
    1.11: its decoder only reads the model); one too short to say is not (its decoder
    reports it)."""
    return length >= 3 and at + 3 <= len(data) and data[at + 2] == 0


__all__ = ["SPEC", "param", "static_stream"]
