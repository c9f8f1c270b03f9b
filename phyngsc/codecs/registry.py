"""Codec ids -> kernels, and the per-stream dispatch used inside batch kernels.

Adding a codec: give it a new id in ``format/constants.py``, a row in
docs/format.md, a branch in :func:`encode_stream` / :func:`decode_stream`, and a
reference test. Ids are never reused: archives store them.
"""

from __future__ import annotations

import numpy as np

from ..format.constants import (CODEC_DNA2, CODEC_DNA_CM, CODEC_QUAL_CM, CODEC_QUAL_O2,
                                CODEC_RC_O1, CODEC_STORED, CODEC_TITLE_COL, CODEC_TITLE_TOK,
                                SID_DNA,
                                SID_LAYOUT, SID_LENGTHS, SID_QUAL, SID_TITLES)
from .context_models import (qual_o2_decode, qual_o2_encode, rc_o1_decode, rc_o1_encode,
                             title_col_decode, title_col_encode)
from .dna import dna2_decode, dna2_encode
from .dna_cm import dna_cm_decode, dna_cm_encode
from .quality_cm import qual_cm_decode, qual_cm_encode
from .title_tok import title_tok_decode, title_tok_encode
from ..core.jit import kernel

STREAM_IDS = (SID_TITLES, SID_DNA, SID_QUAL, SID_LENGTHS, SID_LAYOUT)

#: Which codecs may carry which streams (STORED and RC_O1 carry any).
ALLOWED = {
    CODEC_STORED: None, CODEC_RC_O1: None, CODEC_DNA2: {SID_DNA},
    CODEC_QUAL_O2: {SID_QUAL}, CODEC_TITLE_COL: {SID_TITLES}, CODEC_DNA_CM: {SID_DNA},
    CODEC_QUAL_CM: {SID_QUAL}, CODEC_TITLE_TOK: {SID_TITLES},
}

#: Per level, per stream id: the candidate (codec, parameter) pairs; the encoder codes
#: the stream with each and keeps the smallest (STORED if none is smaller than the
#: stream). DNA_CM's parameter: k | revcomp << 8 | inc << 16; QUAL_CM's: its variant.
LEVELS = {
    1: (((CODEC_TITLE_COL, 0),), ((CODEC_DNA2, 0),), ((CODEC_QUAL_O2, 0),),
        ((CODEC_RC_O1, 0),), ((CODEC_RC_O1, 0),)),
    5: (((CODEC_TITLE_TOK, 0), (CODEC_TITLE_COL, 0)),
        ((CODEC_DNA_CM, 11 | 256 | 4 << 16), (CODEC_DNA_CM, 4 | 4 << 16), (CODEC_DNA2, 0)),
        ((CODEC_QUAL_CM, 1), (CODEC_QUAL_CM, 0)), ((CODEC_RC_O1, 0),), ((CODEC_RC_O1, 0),)),
    9: (((CODEC_TITLE_TOK, 0), (CODEC_TITLE_COL, 0)),
        ((CODEC_DNA_CM, 12 | 256 | 4 << 16), (CODEC_DNA_CM, 4 | 4 << 16), (CODEC_DNA2, 0)),
        ((CODEC_QUAL_CM, 1), (CODEC_QUAL_CM, 0)), ((CODEC_RC_O1, 0),), ((CODEC_RC_O1, 0),)),
}
DEFAULT_LEVEL = 5
MAX_CANDIDATES = 3


def level_codecs(level: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate codec ids and parameters, shape (streams, MAX_CANDIDATES), for
    ``level`` (the nearest defined level at or below it); -1 marks no candidate."""
    known = sorted(LEVELS)
    chosen = max([k for k in known if k <= level] or known[:1])
    codecs = np.full((len(STREAM_IDS), MAX_CANDIDATES), -1, np.int64)
    params = np.zeros((len(STREAM_IDS), MAX_CANDIDATES), np.int64)
    for sid, cands in enumerate(LEVELS[chosen]):
        for j, (c, p) in enumerate(cands):
            codecs[sid, j], params[sid, j] = c, p
    return codecs, params


@kernel
def encode_stream(codec: int, param: int, src: np.ndarray, aux: np.ndarray,
                  out: np.ndarray) -> int:
    """Encode with ``codec``; -1 if ``out`` is too small or the codec is unknown.
    ``aux``: the read lengths of the sub-block (used by DNA_CM and QUAL_CM)."""
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
    if codec == CODEC_DNA_CM:
        return dna_cm_encode(src, aux, out, param & 255, (param >> 8) & 1 == 1,
                             (param >> 16) & 255)
    if codec == CODEC_QUAL_CM:
        return qual_cm_encode(src, aux, out, param)
    if codec == CODEC_TITLE_TOK:
        return title_tok_encode(src, out)
    return -1


@kernel
def decode_stream(codec: int, src: np.ndarray, aux: np.ndarray, out: np.ndarray) -> int:
    """Decode into ``out``; 0 ok, 1 corrupt, 2 unknown codec. ``out``'s size is the decoded
    length, or less: every codec can decode just a prefix of its stream."""
    if codec == CODEC_STORED:
        if src.size < out.size:
            return 1
        out[:] = src[:out.size]
        return 0
    if codec == CODEC_RC_O1:
        return rc_o1_decode(src, out)
    if codec == CODEC_DNA2:
        return dna2_decode(src, out)
    if codec == CODEC_QUAL_O2:
        return qual_o2_decode(src, out)
    if codec == CODEC_TITLE_COL:
        return title_col_decode(src, out)
    if codec == CODEC_DNA_CM:
        return dna_cm_decode(src, aux, out)
    if codec == CODEC_QUAL_CM:
        return qual_cm_decode(src, aux, out)
    if codec == CODEC_TITLE_TOK:
        return title_tok_decode(src, out)
    return 2


KNOWN_CODECS = frozenset(ALLOWED)
