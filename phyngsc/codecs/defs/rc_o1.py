"""RC_O1 (id 1): adaptive order-1 byte model over the range coder."""

from __future__ import annotations

import numpy as np

from ...core.jit import kernel
from ..context_models import rc_o1_decode, rc_o1_encode
from ..spec import CodecSpec


@kernel
def encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, param: int) -> int:
    return rc_o1_encode(src, out)


@kernel
def decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    return rc_o1_decode(src, out)


SPEC = CodecSpec(1, "rc-o1", None, encode, decode, lambda n: 2 * n + 16,
                 summary="adaptive order-1 bytes (slow; NGSC 1.0-1.1 lengths/layout)")
