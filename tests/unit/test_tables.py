"""Large counter tables (core/tables.py) and the prefetch hint the DNA kernels use."""

import numpy as np
import pytest

from phyngsc.codecs.dna_k8 import dna_k8_decode, dna_k8_encode, dna_k8_train
from phyngsc.core.jit import interpreted, kernel
from phyngsc.core.tables import HUGE_PAGE, counter_table, prefetch


@pytest.mark.parametrize("n", [1, 4096, HUGE_PAGE - 1, HUGE_PAGE, 3 * HUGE_PAGE + 12])
def test_counter_table_holds_n_counters_of_fill(n):
    t = counter_table(n, 7)
    assert t.dtype == np.uint8 and t.size == n
    assert int(t.min()) == 7 and int(t.max()) == 7
    if n >= HUGE_PAGE:
        assert t.ctypes.data % HUGE_PAGE == 0


@kernel
def _sum_with_prefetch(a: np.ndarray, far: int) -> tuple:
    """Sum of ``a``, asking for lines inside it and at ``far`` (any address) meanwhile."""
    base = np.int64(a.ctypes.data)
    total = 0
    hints = 0
    for i in range(a.size):
        hints += prefetch(base + (i * 4099) % a.size)
        hints += prefetch(far)
        total += np.int64(a[i])
    return total, hints


@pytest.mark.parametrize("far", [0, 1 << 47, -64])
def test_prefetch_changes_nothing_and_never_faults(far):
    a = np.arange(10_000, dtype=np.int64).astype(np.uint8)
    assert _sum_with_prefetch(a, far) == (int(a.sum()), 0)
    with interpreted():
        assert _sum_with_prefetch(a, far) == (int(a.sum()), 0)


def test_prefetching_dna_kernels_equal_their_interpreted_selves():
    """The encoder asks for the context AHEAD bases on, the decoder for the
    grandchildren's line, the trainer as the encoder: same bytes as plain Python."""
    rng = np.random.default_rng(5)
    genome = rng.choice(np.frombuffer(b"ACGT", np.uint8), 3000)
    starts = rng.integers(0, genome.size - 60, 40)
    reads = [genome[s:s + 20 + int(s) % 40].copy() for s in starts]
    reads[3][5] = ord("N")
    src = np.concatenate(reads)
    aux = np.array([r.size for r in reads], np.int64)
    seed = dna_k8_train(src[:400], aux[:0], 5, True, 2)
    with interpreted():
        seed_py = dna_k8_train(src[:400], aux[:0], 5, True, 2)
    assert np.array_equal(seed, seed_py)
    for init in (np.zeros(0, np.uint8), seed):
        out = np.zeros(4 * src.size + 64, np.uint8)
        n = dna_k8_encode(src, aux, out, 5, True, 2, init)
        with interpreted():
            out_py = np.zeros_like(out)
            assert dna_k8_encode(src, aux, out_py, 5, True, 2, init) == n
        assert n > 0 and np.array_equal(out[:n], out_py[:n])
        back = np.zeros_like(src)
        assert dna_k8_decode(out[:n], aux, back, init) == 0
        assert np.array_equal(back, src)
