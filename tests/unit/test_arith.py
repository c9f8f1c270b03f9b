"""The locals-state range encoder (:mod:`phyngsc.codecs.arith`) writes bytes at once and
adds carries into what it wrote: it must give exactly the bytes of the format's
range coder (held-back cache, tests/reference/ref_coder.py), above all where carries
run back through long runs of 0xFF, and report every overflow."""

import numpy as np
import pytest

from phyngsc.codecs.arith import encode_intervals
from phyngsc.core.jit import interpreted
from tests.reference.ref_coder import RangeEncoder


def reference(intervals: list[tuple[int, int, int]]) -> bytes:
    enc = RangeEncoder()
    for cum, freq, total in intervals:
        enc.code(cum, freq, total)
    return enc.finish()


def arrays(intervals: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    a = np.array(intervals, np.int64).reshape(-1, 3)
    return a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy()


def encode(intervals: list[tuple[int, int, int]], size: int | None = None) -> bytes | int:
    cums, freqs, totals = arrays(intervals)
    out = np.zeros(size if size is not None else 8 * len(intervals) + 16, np.uint8)
    n = encode_intervals(cums, freqs, totals, out)
    return n if n < 0 else out[:n].tobytes()


def random_intervals(rng: np.random.Generator, n: int, skew: float) -> list:
    """Intervals out of totals up to 2**16; with ``skew`` near 1 most fall at the top of
    their total, which drives ``low`` towards 2**32 and makes long 0xFF runs and carries."""
    out = []
    for _ in range(n):
        total = int(rng.integers(2, 1 << 16, endpoint=True))
        if rng.random() < skew:
            freq = int(rng.integers(1, max(2, total // 64)))
            cum = total - freq
        else:
            cum = int(rng.integers(0, total))
            freq = int(rng.integers(1, total - cum + 1))
        out.append((cum, freq, total))
    return out


@pytest.mark.parametrize("skew", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("seed", range(4))
def test_encoder_gives_the_reference_bytes(seed, skew):
    intervals = random_intervals(np.random.default_rng(seed), 3000, skew)
    assert encode(intervals) == reference(intervals)


def straddling(steps: int, last_up: bool) -> list:
    """``steps`` intervals that each keep the coder's interval across the next carry
    point (``low`` just below 2**32, ``low + range`` above it), so every byte that
    leaves ``low`` is 0xFF and pending; then one interval at the top (``last_up``: the
    carry turns the whole run to 0x00) or at the bottom (no carry: the run stays)."""
    ref, total, out = RangeEncoder(), 1 << 16, []
    for _ in range(steps):
        r = ref.range // total
        cum = max(0, min(total - 2, ((1 << 32) - ref.low) // r - 1))
        out.append((cum, 2, total))
        ref.code(cum, 2, total)
    out.append((total - 1, 1, total) if last_up else (0, 1, total))
    return out


@pytest.mark.parametrize("last_up", [True, False])
def test_carries_run_back_through_long_0xff_runs(last_up):
    intervals = straddling(400, last_up)
    data = encode(intervals)
    assert data == reference(intervals)
    run = b"\x00" * 700 if last_up else b"\xff" * 700
    assert run in data
    rng = np.random.default_rng(7)
    mixed = []
    for _ in range(50):
        mixed += straddling(int(rng.integers(1, 60)), bool(rng.integers(2)))
        mixed += random_intervals(rng, 3, 0.0)
    assert encode(mixed) == reference(mixed)


def test_first_byte_is_zero_and_carries_never_reach_it():
    for seed in range(20):
        intervals = random_intervals(np.random.default_rng(100 + seed), 200, 0.99)
        data = encode(intervals)
        assert data[0] == 0 and data == reference(intervals)


def test_every_too_small_output_is_reported_and_the_exact_size_is_enough():
    intervals = random_intervals(np.random.default_rng(3), 400, 0.9)
    want = reference(intervals)
    for size in range(len(want)):
        assert encode(intervals, size) == -1, size
    assert encode(intervals, len(want)) == want


def test_interpreted_encoder_gives_the_same_bytes():
    intervals = random_intervals(np.random.default_rng(11), 300, 0.9)
    with interpreted():
        data = encode(intervals)
    assert data == reference(intervals)
