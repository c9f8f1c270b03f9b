"""Trial groups across ranks (phyngsc.trials): a rank whose share begins inside a trial
group reads the group's anchor again and reuses its winners, so the archive is the same
at any rank count and from any input kind. 1 KiB windows cut 40 KB into 40 sub-blocks:
three trial groups of 16 windows, split unevenly by 1-4 ranks; a 12 KB seed puts the
first seeded sub-blocks inside the first group."""

import filecmp
import gzip

import pytest

import phyngsc

from ..conftest import DATA
from .test_parallel import run_on

pytestmark = pytest.mark.mpi(min_size=1)

R1, R2 = DATA / "err127302_1_200.fastq", DATA / "err127302_2_200.fastq"


@pytest.mark.parametrize("level,seed", [(1, None), (5, 12000)])
@pytest.mark.parametrize("pairs", [False, True])
def test_trial_groups_give_the_same_archive_at_any_rank_count(world, shared_tmp, level,
                                                              seed, pairs):
    gz = [shared_tmp / "r1.fq.gz", shared_tmp / "r2.fq.gz"]
    if world.rank == 0:
        for g, src in zip(gz, (R1, R2)):
            g.write_bytes(gzip.compress(src.read_bytes()))
    world.Barrier()
    files = (str(R1), str(R2)) if pairs else str(R1)
    streams = tuple(map(str, gz)) if pairs else str(gz[0])
    opts = dict(level=level, threads=1, window=1024)
    if seed:
        opts["seed"] = seed
    digests = set()
    runs = [(cp, files) for cp in range(1, min(world.size, 4) + 1)]
    runs += [(cp, streams) for cp in range(1, min(world.size, 3) + 1)]
    for cp, inp in runs:
        arc = shared_tmp / f"t{cp}.ngsc"
        run_on(world, cp, lambda c: phyngsc.compress(inp, str(arc), comm=c, **opts))
        if world.rank == 0:
            with phyngsc.open(str(arc)) as a:
                assert a.n_subblocks >= 40 and (a.footer.seed is not None) == bool(seed)
                digests.add(a.index.digest())
    if world.rank == 0:
        assert len(digests) == 1
    outs = [shared_tmp / "o1.fq", shared_tmp / "o2.fq"]
    kw = dict(mate=str(outs[1])) if pairs else {}
    run_on(world, min(world.size, 3), lambda c: phyngsc.decompress(
        str(shared_tmp / "t1.ngsc"), str(outs[0]), comm=c, threads=1, **kw))
    if world.rank == 0:
        for o, s in zip(outs, (R1, R2) if pairs else (R1,)):
            assert filecmp.cmp(o, s, shallow=False)
