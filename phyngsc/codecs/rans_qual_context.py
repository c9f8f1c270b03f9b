"""QUAL_RANS's quality contexts (docs/format.md, *QUAL_RANS*), shared by its one-lane
coder (:mod:`.rans_static`) and its two-lane coder (:mod:`.qual_rans_lanes`)."""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel

QUAL_VARIANTS = 3
#: Variant 2: positions per band, and bands (later positions share the last).
POSITION_BAND = 8
POSITION_BANDS = 32
#: Widest alphabet variant 2 takes (its tables stay under 1.1 MB).
MAX_POSITION_ALPHABET = 64


@kernel(inline=True)
def qual_context(variant: int, q1: int, q2: int, q3: int, n: int, at: int) -> int:
    """Context of the next quality value from the previous three (``n``: none) and
    its position ``at`` in the read (variant 2 only)."""
    if variant == 0:
        return q1
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
    return 4 * (n + 1) * (1 if variant == 1 else POSITION_BANDS)
