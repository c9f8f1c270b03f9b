"""The seed model of an archive (NGSC 1.3): pure planning and training, no MPI.

An 8 MiB sub-block of a deep run holds a small share of the genome, so a DNA model
learned inside it alone sees few contexts twice. An archive with a seed model takes
its first sub-blocks as the *seed*: their bases (coded 2-bit, so that reading them
back costs memory speed) train one DNA_K8 table of order k, both strands, and every
later sub-block may code its bases with DNA_SEEDED, starting from a copy of that
table. Any sub-block still decodes on its own, given the archive: a reader decodes
the seed sub-blocks' DNA and LENGTHS streams (nothing else) and trains the same table.
Which sub-blocks are the seed depends only on the input size, window and level, so
the archive is the same for any rank or thread count.
"""

from __future__ import annotations

import math

import numpy as np

from .codecs.dna_exceptions import base_codes_in_place
from .codecs.dna_k8 import dna_k8_learn
from .codecs.registry import ROLE_PLAIN, ROLE_SEED, ROLE_SEEDED, SEEDS
from .format.footer import SeedInfo

#: Smallest window that gets the level's seed model by default (an explicit seed size
#: applies to any window).
MIN_SEEDED_WINDOW = 1 << 20


def plan_seed(level: int, file_size: int, window: int,
              seed_bytes: int | None = None) -> SeedInfo | None:
    """The seed of an input of ``file_size`` bytes cut into ``window``-byte sub-blocks, or
    None. ``seed_bytes``: input bytes to train on (None: the level's preset; 0: no seed).

    The seed is the first ``ceil(seed_bytes / window)`` sub-blocks, but never more than
    half of them (a smaller input gets a smaller seed); levels without a preset and
    inputs of one window get none. Without an explicit ``seed_bytes``, windows under
    :data:`MIN_SEEDED_WINDOW` get none either: every seeded sub-block copies the model
    (64 MiB at level 5), which would cost more than coding a small window.
    """
    preset = SEEDS.get(level)
    if preset is None or seed_bytes == 0:
        return None
    if seed_bytes is None and window < MIN_SEEDED_WINDOW:
        return None
    want = preset.seed_bytes if seed_bytes is None else seed_bytes
    n_windows = math.ceil(file_size / window) if file_size > 0 else 0
    n = min(math.ceil(want / window), n_windows // 2)
    if n < 1:
        return None
    return SeedInfo(n, preset.k, preset.revcomp, preset.inc)


def roles(seed: SeedInfo | None, first: int, count: int) -> np.ndarray:
    """Roles (``registry.ROLE_*``) of sub-blocks ``first .. first + count - 1``."""
    idx = np.arange(first, first + count, dtype=np.int64)
    if seed is None:
        return np.full(count, ROLE_PLAIN, np.int64)
    return np.where(idx < seed.n_subblocks, ROLE_SEED, ROLE_SEEDED).astype(np.int64)


def train(dna: np.ndarray, lengths: np.ndarray, seed: SeedInfo) -> np.ndarray:
    """The seed model: ``4 ** (k + 1)`` uint8 counters learned from the seed's bases
    ``dna`` (every seed sub-block's DNA stream, in order) with read lengths ``lengths``
    (int64, adding up to ``dna.size``): the same table as
    :func:`~.codecs.dna_k8.dna_k8_train`. ``dna`` is overwritten with its 2-bit codes when
    it is a writable contiguous uint8 array (the callers' buffers, which they no longer
    need), so that learning a large seed holds its bases once, not twice; any other array
    is copied first."""
    if int(lengths.sum()) != dna.size:
        raise ValueError("seed read lengths do not add up to its bases")
    if dna.dtype != np.uint8 or not dna.flags.c_contiguous or not dna.flags.writeable:
        dna = np.array(dna, np.uint8)
    base_codes_in_place(dna)
    return dna_k8_learn(dna, np.ascontiguousarray(lengths, np.int64), seed.k, seed.revcomp,
                        seed.inc)


def model_bytes(seed: SeedInfo | None) -> int:
    """Memory of one copy of the seed model, in bytes (0 without a seed)."""
    return 0 if seed is None else 4 << (2 * seed.k)


__all__ = ["plan_seed", "roles", "train", "model_bytes"]
