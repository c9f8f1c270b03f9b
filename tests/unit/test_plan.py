import pytest
from hypothesis import given, strategies as st

from phyngsc.runners.plan import (SEED_DECODE_WEIGHT, batches, decode_weights, default_threads,
                                  even_share, n_windows, weighted_share)


@given(st.integers(0, 10_000), st.integers(1, 300))
def test_even_share_tiles_and_balances(n, size):
    shares = [even_share(r, size, n) for r in range(size)]
    assert shares[0][0] == 0 and shares[-1][1] == n
    assert all(shares[r][1] == shares[r + 1][0] for r in range(size - 1))
    lengths = [b - a for a, b in shares]
    assert max(lengths) - min(lengths) <= 1
    # the paper's Fig. 4: the last n % size ranks take the extra item
    assert lengths == sorted(lengths)


def test_even_share_paper_example():
    # 14 sub-blocks on 4 ranks: 3, 3, 4, 4
    assert [even_share(r, 4, 14) for r in range(4)] == [(0, 3), (3, 6), (6, 10), (10, 14)]


@given(st.lists(st.integers(0, 10**9), max_size=300), st.integers(1, 64))
def test_weighted_share_tiles(weights, size):
    shares = [weighted_share(r, size, weights) for r in range(size)]
    assert shares[0][0] == 0 and shares[-1][1] == len(weights)
    assert all(shares[r][1] == shares[r + 1][0] for r in range(size - 1))


def test_weighted_share_balances_bytes():
    weights = [100] * 10 + [1000] + [100] * 9
    parts = [weighted_share(r, 2, weights) for r in range(2)]
    totals = [sum(weights[a:b]) for a, b in parts]
    assert abs(totals[0] - totals[1]) <= 1000
    assert parts == [(0, 10), (10, 20)] or parts == [(0, 11), (11, 20)]


def test_share_rejects_bad_rank():
    with pytest.raises(ValueError):
        even_share(4, 4, 10)


def test_n_windows():
    assert n_windows(0, 10) == 0
    assert n_windows(10, 10) == 1
    assert n_windows(11, 10) == 2


def test_default_threads(monkeypatch):
    monkeypatch.delenv("SLURM_CPUS_PER_TASK", raising=False)
    assert default_threads(4, cpus=16) == 4
    assert default_threads(32, cpus=16) == 1
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "6")
    assert default_threads(4, cpus=16) == 6


def test_batches():
    assert batches(3, 10, 3) == [(3, 6), (6, 9), (9, 10)]
    assert batches(5, 5, 3) == []


def test_decode_weights_lighten_the_seed_only():
    raw = [8, 8, 8, 4]
    assert decode_weights(raw, 0).tolist() == [8, 8, 8, 4]
    assert decode_weights(raw, 2, 0.5).tolist() == [4, 4, 8, 4]
    assert decode_weights(raw, 9, 0.5).tolist() == [4, 4, 4, 2]
    assert raw == [8, 8, 8, 4]                      # the caller's list is left alone


def test_decode_weights_move_seeded_sub_blocks_to_the_seed_s_rank():
    """About the 1 GiB level-5 layout: 24 seed and 104 seeded sub-blocks of equal size. By
    bytes alone two ranks split 64 / 64, and rank 1 does 64 seeded sub-blocks after the
    same walk of the seed as rank 0; weighted, rank 0 takes seeded ones too, until both
    do about the same work."""
    raw = [8 << 20] * 128
    assert weighted_share(0, 2, raw) == (0, 64)
    w = decode_weights(raw, 24)
    (a0, b0), (a1, b1) = weighted_share(0, 2, w), weighted_share(1, 2, w)
    assert a0 == 0 and b0 == a1 and b1 == 128
    work0 = 24 * SEED_DECODE_WEIGHT + (b0 - 24)
    work1 = b1 - a1
    assert b0 > 64 and abs(work0 - work1) <= 1
