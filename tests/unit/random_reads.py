"""Random reads and a random order-k model for the seed workspace and lane tests."""

import numpy as np


def random_reads(seed: int, n_reads: int = 40, k: int = 6):
    """``(bases, lengths, model)``: ``n_reads`` reads of 0-29 bases (about 4 % N) and a
    table of ``4 << 2k`` random counters (1-255), from generator seed ``seed``."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 30, n_reads).astype(np.int64)
    bases = rng.choice(np.frombuffer(b"ACGTN", np.uint8), int(lengths.sum()),
                       p=[0.24, 0.24, 0.24, 0.24, 0.04])
    model = rng.integers(1, 256, 4 << 2 * k).astype(np.uint8)
    return bases, lengths, model
