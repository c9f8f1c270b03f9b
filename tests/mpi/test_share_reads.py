"""``decompress`` at P ranks reads only its share (#15): each rank reads the archive's file
header, trailer and footer, the sub-blocks of its share (``decompress._share``, the same
balance by decoding work every rank computes) and, in a seeded archive, the seed's
sub-blocks when it walks the seed: one rank walks alone, and at two or more ranks only
those holding seed sub-blocks do (the others take the model by broadcast,
``runners/seed_share.py``); no other byte of the archive."""

from types import SimpleNamespace

import pytest

import phyngsc
from phyngsc.archive.reader import Archive
from phyngsc.format.constants import FILE_HEADER_SIZE
from phyngsc.runners.decompress import _share

from ..conftest import DATA
from .test_parallel import run_on

pytestmark = pytest.mark.mpi(min_size=1)

#: 64 KiB of 15x coverage: at 4 KiB windows and a 16 KiB seed, the sub-blocks after the
#: seed code their bases from the seed model (DNA_SEEDED), so a rank holding them walks it.
SRC = DATA / "synthetic_cov15.fastq"


def _allowed(arch: Archive, i0: int, i1: int, walks: bool) -> list[tuple[int, int]]:
    """Byte ranges ``[a, b)`` a rank whose share is sub-blocks ``[i0, i1)`` may read (the
    seed's sub-blocks too when it ``walks`` the seed)."""
    ix = arch.index
    ranges = [(0, FILE_HEADER_SIZE), (int(ix.content_end), arch.size)]
    seed = arch.footer.seed
    mine = set(range(i0, i1))
    if walks and seed is not None:
        mine |= set(range(seed.n_subblocks))
    ranges += [(int(ix.offset[i]), int(ix.offset[i] + ix.length[i])) for i in sorted(mine)]
    return ranges


@pytest.mark.parametrize("seed", [0, 16384])
def test_each_rank_reads_only_its_share(world, shared_tmp, monkeypatch, seed):
    arc = shared_tmp / f"share{seed}.ngsc"
    run_on(world, 1, lambda c: phyngsc.compress(str(SRC), str(arc), comm=c, threads=1,
                                                window=4096, seed=seed, level=5))
    reads: list[tuple[int, int]] = []
    real = Archive._read

    def spy(self, offset, n):
        reads.append((offset, n))
        return real(self, offset, n)

    monkeypatch.setattr(Archive, "_read", spy)
    out = shared_tmp / "share.fq"
    phyngsc.decompress(str(arc), str(out), comm=world, threads=1)
    monkeypatch.undo()
    with phyngsc.open(str(arc)) as a:
        assert (a.footer.seed is not None) == (seed > 0)
        coded = {c for st in a.stream_sizes().values() for c in st["codecs"]}
        assert ("dna-seeded" in coded) == (seed > 0)
        shared = world.size > 1 and seed > 0
        i0, i1 = _share(SimpleNamespace(rank=world.rank, size=world.size), a, shared)
        n_seed = a.footer.seed.n_subblocks if seed else 0
        allowed = _allowed(a, i0, i1, not shared or i0 < min(i1, n_seed))
        outside = [(o, n) for o, n in reads
                   if n > 0 and not any(lo <= o and o + n <= hi for lo, hi in allowed)]
        assert not outside, (world.rank, outside[:5], allowed[:8])
        for i in range(i0, i1):     # and it did read its whole share
            assert (int(a.index.offset[i]), int(a.index.length[i])) in reads
    world.Barrier()
    if world.rank == 0:
        assert out.read_bytes() == SRC.read_bytes()
