"""This rank's sub-blocks of an archive-reading command (``collective.my_batches``):
by bytes, or by decoding work when the command decodes bases and the archive has a
seed; every rank's share computed alone, the shares tiling the sub-blocks asked for."""

from types import SimpleNamespace

import numpy as np
import pytest

from phyngsc.runners.collective import my_batches


def archive(n: int, seed_subblocks: int | None):
    seed = None if seed_subblocks is None else SimpleNamespace(n_subblocks=seed_subblocks)
    return SimpleNamespace(n_subblocks=n, index=SimpleNamespace(raw_length=np.full(n, 8 << 20)),
                           footer=SimpleNamespace(seed=seed))


def shares(arch, size, **kw):
    return [np.concatenate(my_batches(SimpleNamespace(rank=r, size=size), arch, **kw) or
                           [np.zeros(0, np.int64)]).tolist() for r in range(size)]


@pytest.mark.parametrize("size", [1, 2, 3, 4])
@pytest.mark.parametrize("bases", [False, True])
def test_shares_tile_whatever_the_weights(size, bases):
    arch = archive(40, 8)
    subset = np.array([0, 3, 5, 9, 10, 20, 33, 39], np.int64)
    got = shares(arch, size, subset=subset, bases=bases)
    assert sum(got, []) == subset.tolist()
    assert sum(shares(arch, size, bases=bases), []) == list(range(40))


def test_bases_move_seeded_sub_blocks_to_the_seed_s_rank():
    arch = archive(128, 24)
    by_bytes = shares(arch, 2)
    by_work = shares(arch, 2, bases=True)
    assert [len(s) for s in by_bytes] == [64, 64]
    assert len(by_work[0]) > 64 and by_work[0][0] == 0 and by_work[1][-1] == 127
    # the seed-free archive and the title- or header-only commands keep bytes
    assert shares(archive(128, None), 2, bases=True) == by_bytes


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_batches_of_four_a_thread_or_growing(threads, monkeypatch):
    """A batch holds 4 sub-blocks per Numba thread (its decoded streams are allocated
    together, so the batch bounds memory); ``growing`` doubles up to that."""
    monkeypatch.setattr("phyngsc.runners.collective.thread_count", lambda: threads)
    arch = archive(40, 8)
    one = SimpleNamespace(rank=0, size=1)
    most = 4 * threads
    assert [len(b) for b in my_batches(one, arch)] == \
        [most] * (40 // most) + ([40 % most] if 40 % most else [])
    grow, k, size = [], 0, 1
    while k < 40:
        grow.append(min(size, 40 - k))
        k += size
        size = min(2 * size, most)
    assert [len(b) for b in my_batches(one, arch, growing=True, bases=True)] == grow
    assert grow[:3] == [1, 2, 4]
