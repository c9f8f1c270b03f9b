"""Pure work planning: which windows or sub-blocks rank r of P owns.

Nothing here communicates: every rank computes any rank's share from the
same inputs (like heat's chunk planner), so the plans are unit-tested
directly.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np


def n_windows(file_size: int, window: int) -> int:
    """Number of input windows of ``window`` bytes covering ``file_size`` bytes."""
    if window <= 0:
        raise ValueError("window must be positive")
    return math.ceil(file_size / window)


def even_share(rank: int, size: int, n_items: int) -> tuple[int, int]:
    """Contiguous share ``[start, stop)`` of ``n_items`` for ``rank`` of ``size``.

    The paper's Fig. 4 distribution: every rank gets ``n // size`` items and
    the *last* ``n % size`` ranks one more, so shares differ by at most one and
    tile ``[0, n_items)`` in rank order.
    """
    if not 0 <= rank < size:
        raise ValueError(f"rank {rank} out of range for {size} ranks")
    base, extra = divmod(n_items, size)
    first_big = size - extra
    start = rank * base + max(0, rank - first_big)
    stop = start + base + (1 if rank >= first_big else 0)
    return start, stop


def weighted_share(rank: int, size: int, weights: Sequence[int] | np.ndarray) -> tuple[int, int]:
    """Contiguous share of items balanced by weight (e.g. original bytes per sub-block).

    Item i goes to the rank whose interval ``[r·W/P, (r+1)·W/P)`` holds the
    midpoint of its weight span, W being the total weight; zero-weight items
    follow their neighbours. Shares tile ``[0, len(weights))`` in rank order.
    """
    if not 0 <= rank < size:
        raise ValueError(f"rank {rank} out of range for {size} ranks")
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    total = float(w.sum())
    if n == 0:
        return 0, 0
    if total <= 0:
        return even_share(rank, size, n)
    mid = np.cumsum(w) - w / 2.0
    owner = np.minimum((mid * size / total).astype(np.int64), size - 1)
    start = int(np.searchsorted(owner, rank, side="left"))
    stop = int(np.searchsorted(owner, rank, side="right"))
    return start, stop


#: Decoding work of a seed sub-block beside a seeded one of the same size, once the seed
#: model is built: every reader of seeded sub-blocks walks the whole seed first, which
#: decodes (or learns) the seed sub-blocks' bases, so decoding one of them later is its
#: other streams only. From the 1 GiB level-5 set: its batches took 18.3 s for its 24 seed
#: and 103 seeded sub-blocks, a seeded one's DNA about 0.116 s, which leaves about
#: 0.05 s for a sub-block's other streams (docs/performance.md, phyngsc 0.19.1).
SEED_DECODE_WEIGHT = 0.3


def decode_weights(raw_length: Sequence[int] | np.ndarray, seed_subblocks: int,
                   seed_weight: float = SEED_DECODE_WEIGHT) -> np.ndarray:
    """Weights for :func:`weighted_share` of a decoding pass: each sub-block's original
    bytes, times ``seed_weight`` for the first ``seed_subblocks`` (the seed). Where every
    rank that decodes a seeded sub-block walks the seed itself, weighing the seed's own
    sub-blocks by what is left of them (the default) moves seeded ones off the later
    ranks, which otherwise finish last by about that walk; where the ranks of a node
    share one walk, its readers pass a larger weight
    (:data:`~.seed_share.SHARED_SEED_WEIGHT`). 0 seed sub-blocks: the bytes alone."""
    w = np.asarray(raw_length, dtype=np.float64).copy()
    w[:max(0, seed_subblocks)] *= seed_weight
    return w


def default_threads(ranks_on_node: int, cpus: int | None = None) -> int:
    """Numba threads per rank when the user gives none.

    ``SLURM_CPUS_PER_TASK`` if set, else the CPUs this process may use divided
    among the ranks on this node (at least 1), so the node is never
    oversubscribed by default.
    """
    env = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if cpus is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - non-Linux
            cpus = os.cpu_count() or 1
    return max(1, cpus // max(1, ranks_on_node))


def batches(start: int, stop: int, per_batch: int) -> list[tuple[int, int]]:
    """Split ``[start, stop)`` into consecutive runs of at most ``per_batch`` items."""
    per_batch = max(1, per_batch)
    return [(a, min(a + per_batch, stop)) for a in range(start, stop, per_batch)]
