"""Seeded archives (NGSC 1.3) under MPI: every rank builds the same seed model, so the
archive is the same at any rank count and from any input kind, and decodes at any
other. Small inputs and 4 KiB windows keep the seed's sub-blocks few."""

import filecmp
import gzip

import pytest

import phyngsc

from ..conftest import DATA
from .test_parallel import run_on

pytestmark = pytest.mark.mpi(min_size=1)

R1, R2 = DATA / "err127302_1_200.fastq", DATA / "err127302_2_200.fastq"
SEED = dict(threads=1, window=4096, seed=16384)


@pytest.mark.parametrize("level", [5, 9])
def test_seeded_single_end_any_ranks(world, shared_tmp, level):
    gz = shared_tmp / "r1.fq.gz"
    if world.rank == 0:
        gz.write_bytes(gzip.compress(R1.read_bytes()))
    world.Barrier()
    digests = set()
    for cp in range(1, min(world.size, 3) + 1):
        for src in (R1, gz):
            arc = shared_tmp / f"s{cp}{src.suffix}.ngsc"
            run_on(world, cp, lambda c: phyngsc.compress(str(src), str(arc), comm=c,
                                                         level=level, **SEED))
            if world.rank == 0:
                with phyngsc.open(str(arc)) as a:
                    assert a.footer.seed is not None and a.footer.seed.n_subblocks == 4
                    digests.add(a.index.digest())
            for dp in range(1, min(world.size, 2) + 1):
                out = shared_tmp / "o.fq"
                run_on(world, dp, lambda c: phyngsc.decompress(str(arc), str(out), comm=c,
                                                               threads=1))
                if world.rank == 0:
                    assert filecmp.cmp(out, R1, shallow=False)
    if world.rank == 0:
        assert len(digests) == 1


def test_seeded_paired_any_ranks(world, shared_tmp):
    digests = set()
    for cp in range(1, min(world.size, 3) + 1):
        arc = shared_tmp / f"p{cp}.ngsc"
        run_on(world, cp, lambda c: phyngsc.compress((str(R1), str(R2)), str(arc), comm=c,
                                                     **SEED))
        if world.rank == 0:
            with phyngsc.open(str(arc)) as a:
                assert a.footer.seed is not None
                digests.add(a.index.digest())
        o1, o2 = shared_tmp / "o1.fq", shared_tmp / "o2.fq"
        run_on(world, min(world.size, 2), lambda c: phyngsc.decompress(
            str(arc), str(o1), comm=c, threads=1, mate=str(o2)))
        if world.rank == 0:
            assert filecmp.cmp(o1, R1, shallow=False) and filecmp.cmp(o2, R2, shallow=False)
    if world.rank == 0:
        assert len(digests) == 1
