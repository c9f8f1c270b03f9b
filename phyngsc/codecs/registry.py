"""Codec ids -> kernels, and the per-stream dispatch used inside batch kernels.

Adding a codec: give it a new id in ``format/constants.py``, a row in
docs/format.md, a branch in :func:`encode_stream` / :func:`decode_stream`, and a
reference test. Ids are never reused: archives store them.
"""

from __future__ import annotations

import numpy as np

from ..format.constants import (CODEC_DNA2, CODEC_QUAL_O2, CODEC_RC_O1, CODEC_STORED,
                                CODEC_TITLE_COL, SID_DNA, SID_LAYOUT, SID_LENGTHS,
                                SID_QUAL, SID_TITLES)
from .context_models import (qual_o2_decode, qual_o2_encode, rc_o1_decode, rc_o1_encode,
                             title_col_decode, title_col_encode)
from .dna import dna2_decode, dna2_encode
from .jit import kernel

#: Which codecs may carry which streams (STORED and RC_O1 carry any).
ALLOWED = {
    CODEC_STORED: None, CODEC_RC_O1: None, CODEC_DNA2: {SID_DNA},
    CODEC_QUAL_O2: {SID_QUAL}, CODEC_TITLE_COL: {SID_TITLES},
}

#: Codec choice per level: index = stream id.
LEVELS = {
    1: (CODEC_TITLE_COL, CODEC_DNA2, CODEC_QUAL_O2, CODEC_RC_O1, CODEC_RC_O1),
}
DEFAULT_LEVEL = 1


def level_codecs(level: int) -> np.ndarray:
    """Codec ids per stream id for ``level`` (levels not yet distinct map to the nearest)."""
    known = sorted(LEVELS)
    chosen = max([k for k in known if k <= level] or known[:1])
    return np.array(LEVELS[chosen], np.int64)


@kernel
def encode_stream(codec: int, src: np.ndarray, out: np.ndarray) -> int:
    """Encode with ``codec``; -1 if ``out`` is too small or the codec is unknown."""
    if codec == CODEC_STORED:
        if src.size > out.size:
            return -1
        out[:src.size] = src
        return src.size
    if codec == CODEC_RC_O1:
        return rc_o1_encode(src, out)
    if codec == CODEC_DNA2:
        return dna2_encode(src, out)
    if codec == CODEC_QUAL_O2:
        return qual_o2_encode(src, out)
    if codec == CODEC_TITLE_COL:
        return title_col_encode(src, out)
    return -1


@kernel
def decode_stream(codec: int, src: np.ndarray, out: np.ndarray) -> int:
    """Decode into ``out`` (its size is the decoded length); 0 ok, 1 corrupt, 2 unknown codec."""
    if codec == CODEC_STORED:
        if src.size != out.size:
            return 1
        out[:] = src
        return 0
    if codec == CODEC_RC_O1:
        return rc_o1_decode(src, out)
    if codec == CODEC_DNA2:
        return dna2_decode(src, out)
    if codec == CODEC_QUAL_O2:
        return qual_o2_decode(src, out)
    if codec == CODEC_TITLE_COL:
        return title_col_decode(src, out)
    return 2


KNOWN_CODECS = frozenset(ALLOWED)
STREAM_IDS = (SID_TITLES, SID_DNA, SID_QUAL, SID_LENGTHS, SID_LAYOUT)
