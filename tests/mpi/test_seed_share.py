"""One walk of a chained seed per node (phyngsc.runners.seed_share): the ranks that hold
no seed sub-block take the model from the node's provider instead of walking, the text
is the same at every rank count, and a damaged seed fails alike on every rank (no rank
waits for another, no output is left)."""

import filecmp

import pytest

import phyngsc
from phyngsc.runners import decode_ahead
from phyngsc.runners.comm import MPIComm
from phyngsc.runners.decompress import _share

from ..conftest import count_seed_steps
from .test_seed import _deep_reads

pytestmark = pytest.mark.mpi(min_size=1)


@pytest.fixture
def chained(world, shared_tmp):
    """A level-5 archive of the deep reads with a chained seed of 5 sub-blocks (of 40)."""
    src = _deep_reads(shared_tmp / "deep")[0] if world.rank == 0 else None
    src = world.bcast(src, root=0)
    arc = shared_tmp / "chain.ngsc"
    phyngsc.compress(str(src), str(arc), comm=world, level=5, threads=1, window=4096,
                     seed=20000)
    with phyngsc.open(str(arc)) as a:
        assert a.footer.seed.chained and a.footer.seed.n_subblocks == 5
        assert a.n_subblocks > 4 * 5
    world.Barrier()         # every rank has read it before a test may damage it
    return src, arc


def _spend(monkeypatch, spent):
    """With ``spent``, no qualities are decoded ahead of a walk beside the decoders: a
    walking rank with two threads waits for the walk's steps instead, giving its runs of
    seed sub-blocks as the walk passes them when the timing lets it (a provider gives
    none before it has published); the in-line path does the rest."""
    if spent:
        monkeypatch.setattr(decode_ahead, "ahead_budget", lambda seed: 0)


@pytest.mark.parametrize("threads, spent", [(1, False), (2, False), (2, True)])
def test_only_ranks_holding_seed_subblocks_walk(world, shared_tmp, chained, monkeypatch,
                                                threads, spent):
    src, arc = chained
    _spend(monkeypatch, spent)
    calls = count_seed_steps(monkeypatch)
    out = shared_tmp / "o.fq"
    phyngsc.decompress(str(arc), str(out), comm=world, threads=threads)
    if world.rank == 0:
        assert filecmp.cmp(out, src, shallow=False)
    with phyngsc.open(str(arc)) as a:
        i0, i1 = _share(MPIComm(world), a, world.size > 1)
        n = a.footer.seed.n_subblocks
    if i0 < min(i1, n):         # holds seed sub-blocks: walks the chain once
        assert calls == list(range(n))
    elif world.size > 1:        # one node: rank 0 walked; the model came from it
        assert calls == []
    else:
        assert calls == list(range(n))
    walked = world.allgather(len(calls))
    assert walked[0] == n
    if world.size > 1:
        assert sum(walked) < world.size * n     # not every rank walked
    calls.clear()
    assert phyngsc.verify(str(arc), comm=world, threads=threads).subblocks > 20
    assert world.allgather(len(calls)) == walked


@pytest.mark.parametrize("threads, spent", [(1, False), (2, False), (2, True)])
def test_damaged_seed_fails_alike_on_every_rank(world, shared_tmp, chained, monkeypatch,
                                                threads, spent):
    _src, arc = chained
    _spend(monkeypatch, spent)
    if world.rank == 0:
        with phyngsc.open(str(arc)) as a:
            target = int(a.index.offset[2]) + int(a.index.length[2]) - 20
        data = bytearray(arc.read_bytes())
        data[target] ^= 0x5A
        arc.write_bytes(bytes(data))
    world.Barrier()
    out = shared_tmp / "bad.fq"
    with pytest.raises(phyngsc.ArchiveError) as exc:
        phyngsc.decompress(str(arc), str(out), comm=world, threads=threads)
    assert "sub-block 2" in str(exc.value)
    assert world.allgather(str(exc.value)) == [str(exc.value)] * world.size
    world.Barrier()
    assert not out.exists()
    with pytest.raises(phyngsc.ArchiveError) as exc:
        phyngsc.verify(str(arc), comm=world, threads=threads)
    assert "block" in str(exc.value)
    assert world.allgather(str(exc.value)) == [str(exc.value)] * world.size


def test_ordered_outputs_share_the_walk_too(world, shared_tmp, chained, monkeypatch):
    """BGZF output goes through the ordered writer (every rank's share in order): the
    same shared walk, the same text."""
    import gzip
    src, arc = chained
    calls = count_seed_steps(monkeypatch)
    out = shared_tmp / "o.fq.gz"
    phyngsc.decompress(str(arc), str(out), comm=world, threads=1)
    if world.rank == 0:
        assert gzip.decompress(out.read_bytes()) == src.read_bytes()
    walked = world.allgather(len(calls))
    n = walked[0]
    assert n == 5 and all(w in (0, n) for w in walked)
    if world.size > 1:
        assert sum(walked) < world.size * n
