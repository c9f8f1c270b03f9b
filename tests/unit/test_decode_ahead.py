"""A rank's decoded batches with the seed walked beside them (``runners/decode_ahead.py``):
the same text as in line, qualities decoded ahead while the walk runs, and every damage
reported exactly as in line."""

import threading

import numpy as np
import pytest

import phyngsc
from phyngsc.archive.decode import decode_checked
from phyngsc.archive.seed_chain import SeedChain
from phyngsc.core.jit import concurrent_launches_safe, interpreted, set_threads, thread_count
from phyngsc.errors import ArchiveError
from phyngsc.format.constants import SID_QUAL
from phyngsc.format.footer import SeedInfo
from phyngsc.format.subblock import SubBlockHeader
from phyngsc.runners import decode_ahead
from phyngsc.runners.decode_ahead import decoded_batches, with_qualities_decoded
from phyngsc.subblock_decode import decode_subblocks

from .test_seed import deep_fastq  # noqa: F401 - fixture

STORED = decode_ahead.STORED


@pytest.fixture
def seeded(deep_fastq, tmp_path):
    arch = tmp_path / "c.ngsc"
    phyngsc.compress(str(deep_fastq), str(arch), threads=1, level=5, window=4096,
                     seed=4096 * 6)
    return arch


@pytest.fixture
def two_threads():
    before = thread_count()
    set_threads(2)
    yield
    set_threads(before)


def _runs(n, per=3):
    return [(a, min(n, a + per)) for a in range(0, n, per)]


def test_concurrent_launches_are_safe_with_this_numba():
    assert concurrent_launches_safe()
    with interpreted():
        assert concurrent_launches_safe()


def test_qualities_decoded_ahead_give_the_same_text(seeded):
    with phyngsc.open(str(seeded)) as a:
        idx = [0, 7, 8]
        plain = [a.subblock_bytes(i) for i in idx]
        swapped = with_qualities_decoded(a, idx)
        assert swapped is not None
        for p, s in zip(plain, swapped):
            h, _ = SubBlockHeader.unpack(s)
            assert h.streams[SID_QUAL].codec == STORED and len(s) > len(p)
        _h, want, _s = decode_subblocks(*a.prepared(idx, plain))
        _h, got, _s = decode_subblocks(*a.prepared(idx, swapped))
        assert np.array_equal(want, got)


def _hold_walk(monkeypatch, release: int) -> list[list[int]]:
    """Hold the seed walk back (10 s at most) until the decoders have decoded qualities
    ahead ``release`` times; returns the list of the sub-blocks of each such call. The
    held walk raises when it was never released (the decoders stopped decoding ahead):
    the walk then fails beside them and the in-line path walks again."""
    go, calls = threading.Event(), []
    real_walk, real_q = SeedChain.walk, decode_ahead.with_qualities_decoded

    def slow_walk(self, upto, keep, have=None, **kw):
        assert go.wait(10), "no qualities were decoded ahead"
        return real_walk(self, upto, keep, have, **kw)

    def counted(arch, indices):
        calls.append(list(indices))
        if len(calls) == release:
            go.set()
        return real_q(arch, indices)

    monkeypatch.setattr(SeedChain, "walk", slow_walk)
    monkeypatch.setattr(decode_ahead, "with_qualities_decoded", counted)
    return calls


def test_the_walk_runs_beside_the_first_batches(seeded, two_threads, monkeypatch):
    """The walk is held back until the decoders have decoded qualities ahead twice: the
    batches then use them, the walk's bases and its table, with the text of each batch
    exactly as decoded in line."""
    real_walk = SeedChain.walk
    calls = _hold_walk(monkeypatch, 2)
    with phyngsc.open(str(seeded)) as a:
        runs = _runs(a.n_subblocks)
        got = [(x, y, t.tobytes()) for x, y, _h, t, _s in decoded_batches(a, runs)]
        assert a.chain().next == a.footer.seed.n_subblocks
    assert calls[:2] == [[0], [1]] and thread_count() == 2
    monkeypatch.setattr(SeedChain, "walk", real_walk)
    with phyngsc.open(str(seeded)) as a:
        want = [(x, y, decode_checked(a, x, y)[1].tobytes()) for x, y in runs]
    assert got == want


def test_the_budget_grows_with_the_seed_model():
    """Order 12 (64 MiB model) keeps the 256 MiB floor; order 14 (1 GiB) raises it."""
    assert decode_ahead.ahead_budget(SeedInfo(24, 12, True, 3, 2, 16)) == 256 << 20
    assert decode_ahead.ahead_budget(SeedInfo(32, 14, True, 24, 2, 16)) == 1 << 30
    assert decode_ahead.ahead_budget(SeedInfo(2, 4, True, 3, 2, 16)) == 256 << 20


def test_the_model_size_sets_the_budget(seeded, two_threads, monkeypatch):
    """With the floor at one byte, the archive's 64 MiB order-12 model still lets the
    decoders go on decoding qualities ahead while the walk is held back (with the floor
    alone they would stop before the first sub-block and the walk would wait 10 s)."""
    monkeypatch.setattr(decode_ahead, "AHEAD_BYTES", 1)
    calls = _hold_walk(monkeypatch, 3)
    with phyngsc.open(str(seeded)) as a:
        assert a.footer.seed.k == 12
        n = len(list(decoded_batches(a, _runs(a.n_subblocks))))
    assert calls[:3] == [[0], [1], [2]] and n == len(_runs(a.n_subblocks))


@pytest.mark.parametrize("case", ["one thread", "seed only", "index"])
def test_no_walk_ahead_where_it_does_not_pay(seeded, two_threads, monkeypatch, case):
    class Refused:
        def __init__(self, *args):
            raise AssertionError("walked ahead")

    monkeypatch.setattr(decode_ahead, "SeedAhead", Refused)
    if case == "one thread":
        set_threads(1)
    if case == "index":
        phyngsc.index(str(seeded))
    with phyngsc.open(str(seeded)) as a:
        runs = _runs(a.footer.seed.n_subblocks if case == "seed only" else a.n_subblocks)
        assert len(list(decoded_batches(a, runs))) == len(runs)


def _damage(arch, i, where=0.5):
    with phyngsc.open(str(arch)) as a:
        at = int(a.index.offset[i]) + int(int(a.index.length[i]) * where)
    data = bytearray(arch.read_bytes())
    data[at] ^= 0x5A
    arch.write_bytes(bytes(data))


@pytest.mark.parametrize("damaged", [2, 7, "last"])
def test_damage_is_reported_as_in_line(seeded, tmp_path, damaged):
    """A damaged seed sub-block (2: the walk fails beside the decoders) or seeded one (7:
    its qualities fail ahead): every thread count names the same sub-block, no output."""
    with phyngsc.open(str(seeded)) as a:
        i = a.n_subblocks - 1 if damaged == "last" else damaged
    _damage(seeded, i)
    errors, checks = set(), set()
    for threads in (1, 2, 3):
        out = tmp_path / f"o{threads}.fq"
        with pytest.raises(ArchiveError) as got:
            phyngsc.decompress(str(seeded), str(out), threads=threads)
        errors.add(str(got.value))
        assert not out.exists()
        with pytest.raises(ArchiveError) as again:
            phyngsc.verify(str(seeded), threads=threads)
        checks.add(str(again.value))
    assert len(errors) == 1 and f"sub-block {i}" in errors.pop() and len(checks) == 1


def test_decompress_and_verify_at_two_and_three_threads(seeded, deep_fastq, tmp_path):
    for threads in (2, 3):
        out = tmp_path / f"o{threads}.fq"
        phyngsc.decompress(str(seeded), str(out), threads=threads)
        assert out.read_bytes() == deep_fastq.read_bytes()
        assert phyngsc.verify(str(seeded), threads=threads).bytes_checked == \
            deep_fastq.stat().st_size
    gz = tmp_path / "o.fq.gz"     # ordered output (BGZF) goes the same way
    phyngsc.decompress(str(seeded), str(gz), threads=2)
    import gzip
    assert gzip.decompress(gz.read_bytes()) == deep_fastq.read_bytes()


def test_walked_seed_runs_come_before_the_walk_is_over(seeded, two_threads, monkeypatch):
    """The walk is held before the last seed sub-block until the first run has been
    given: once the qualities ahead are decoded (here every sub-block's: the budget is
    far larger than this archive), runs of seed sub-blocks come out as soon as the walk
    is past them (their bases from the walk, decoded on the other thread), then the rest;
    every text as in line."""
    given, real_walk = threading.Event(), SeedChain.walk
    held = []

    def held_walk(self, upto, keep, have=None, **kw):
        if upto == self.seed.n_subblocks:
            held.append(given.wait(10))
        return real_walk(self, upto, keep, have, **kw)

    monkeypatch.setattr(SeedChain, "walk", held_walk)
    with phyngsc.open(str(seeded)) as a:
        n_seed = a.footer.seed.n_subblocks
        runs = _runs(a.n_subblocks, per=2)
        assert runs[0][1] < n_seed
        got = []
        for x, y, _h, t, _s in decoded_batches(a, runs):
            got.append((x, y, t.tobytes()))
            given.set()
        assert a.chain().next == n_seed
    assert held == [True]
    monkeypatch.setattr(SeedChain, "walk", real_walk)
    with phyngsc.open(str(seeded)) as a:
        want = [(x, y, decode_checked(a, x, y)[1].tobytes()) for x, y in runs]
    assert got == want


def test_a_run_without_its_walked_bases_is_left_in_line(seeded):
    """A run of seed sub-blocks whose bases the walk has not given (here: none) is not
    decoded beside the walk: the qualities decoded ahead for it stay ready for the in-line
    path. With the walk's bases it decodes, with no walk, to the text in line."""
    from phyngsc.archive.seed_chain import chained_indices
    with phyngsc.open(str(seeded)) as a:
        seed = a.footer.seed
        batch = list(range(seed.n_subblocks))
        assert chained_indices(seed, batch, [a.subblock_bytes(i) for i in batch])
        ahead = with_qualities_decoded(a, [1])
        ready = {1: ahead[0]}
        assert decode_ahead._walked_run(a, 0, seed.n_subblocks, ready, {}) is None
        assert ready[1] == ahead[0] and sorted(ready) == batch
        walked = a.chain().walk(seed.n_subblocks, batch, packed=True)
        data = decode_ahead._walked_run(a, 0, seed.n_subblocks, {}, walked)
        assert data is not None and not chained_indices(seed, batch, data)
        got = decode_checked(a, 0, seed.n_subblocks, data)[1].tobytes()
        a.chain().table = None      # the in-line text walks again
        assert got == decode_checked(a, 0, seed.n_subblocks)[1].tobytes()


def test_decompress_batches_end_where_the_seed_ends(seeded):
    """decompress cuts its runs where a chained seed ends, so that its seed sub-blocks
    make runs of their own (given beside the walk); the runs still cover the share."""
    from phyngsc.runners.decompress import _batches
    with phyngsc.open(str(seeded)) as a:
        n_seed, n = a.footer.seed.n_subblocks, a.n_subblocks
        for threads in (1, 2, 3):
            runs = _batches(a, 0, n, threads)
            assert [x for x, _y in runs[1:]] == [y for _x, y in runs[:-1]]
            assert runs[0][0] == 0 and runs[-1][1] == n
            assert n_seed in [y for _x, y in runs] and all(y - x <= 4 * threads
                                                          for x, y in runs)
        runs = _batches(a, 1, n_seed - 1, 2)       # a share inside the seed
        assert runs[0][0] == 1 and runs[-1][1] == n_seed - 1
