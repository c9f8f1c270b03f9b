"""Quality contexts: QUAL_RANS's (docs/format.md, *QUAL_RANS*; variants 0-2), shared by
its one-lane coder (:mod:`.rans_static`) and its two-lane coder (:mod:`.qual_rans_lanes`),
and the archive quality model's (variant 3, *Quality model*; :mod:`.qual_model`)."""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel

#: Variants a QUAL_RANS stream may name (0-2).
QUAL_VARIANTS = 3
#: Variants 3 and 4 (NGSC 1.12, the archive quality model's contexts only): the previous
#: value and ``min(position // 5, 63)``, or the exact position ``min(position, 255)``.
#: After 32 MiB of training, 3 coded the MiSeq benchmark set's qualities in 1.827 bits a
#: value (4: 1.833, variant 2: 1.841), 4 the deep set's (8 values) in 1.457 (3: 1.499;
#: QUAL_SORTED 1.473); docs/performance.md.
SHARED_VARIANT, EXACT_VARIANT = 3, 4
SHARED_BAND, SHARED_BANDS = 5, 64
EXACT_POSITIONS = 256
#: Variant 2: positions per band, and bands (later positions share the last).
POSITION_BAND = 8
POSITION_BANDS = 32
#: Widest alphabet variant 2 takes (its tables stay under 1.1 MB).
MAX_POSITION_ALPHABET = 64


@kernel(inline=True)
def qual_context(variant: int, q1: int, q2: int, q3: int, n: int, at: int) -> int:
    """Context of the next quality value from the previous three (``n``: none) and
    its position ``at`` in the read (variants 2 and 3)."""
    if variant == 0:
        return q1
    if variant == SHARED_VARIANT:
        return q1 * SHARED_BANDS + min(at // SHARED_BAND, SHARED_BANDS - 1)
    if variant == EXACT_VARIANT:
        return q1 * EXACT_POSITIONS + min(at, EXACT_POSITIONS - 1)
    lo = min(q2, q3)
    # d = 0 if q1 or lo is none, else 1 if lo >= q1, 2 if lo + 4 >= q1, else 3;
    # arithmetic rather than branches, which mispredict on quality data
    d = (3 - np.int64(lo + 4 >= q1) - np.int64(lo >= q1)) * np.int64(q1 != n) * \
        np.int64(lo != n)
    if variant == 1:
        return q1 * 4 + d
    return (q1 * 4 + d) * POSITION_BANDS + min(at // POSITION_BAND, POSITION_BANDS - 1)


@kernel
def qual_contexts(variant: int, n: int) -> int:
    if variant == 0:
        return n + 1
    if variant == SHARED_VARIANT:
        return (n + 1) * SHARED_BANDS
    if variant == EXACT_VARIANT:
        return (n + 1) * EXACT_POSITIONS
    return 4 * (n + 1) * (1 if variant == 1 else POSITION_BANDS)
