"""Seeded archives (NGSC 1.3) under MPI: every rank builds the same seed model (and
quality model, NGSC 1.12), so the archive is the same at any rank count and from any
input kind, and decodes at any other. Small inputs and 4 KiB windows keep the seed's
sub-blocks few."""

import filecmp
import gzip

import pytest

import phyngsc

from ..conftest import DATA
from .test_parallel import run_on

pytestmark = pytest.mark.mpi(min_size=1)

R1, R2 = DATA / "err127302_1_200.fastq", DATA / "err127302_2_200.fastq"
SEED = dict(threads=1, window=4096, seed=16384)


@pytest.fixture(params=["dna", "quality-model"])
def quality_model(request, monkeypatch):
    """Whether the archives carry a quality model (NGSC 1.12): inputs this small get one
    only with ``seed.QUALITY_MODEL_PAYS`` 0, set on every rank."""
    import phyngsc.seed
    if request.param == "quality-model":
        monkeypatch.setattr(phyngsc.seed, "QUALITY_MODEL_PAYS", 0)
    return request.param == "quality-model"


@pytest.mark.parametrize("level", [5, 9])
def test_seeded_single_end_any_ranks(world, shared_tmp, level, quality_model):
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
                    assert bool(a.footer.seed.quality) == quality_model
                    digests.add((a.index.digest(), a.footer.seed))
            for dp in range(1, min(world.size, 2) + 1):
                out = shared_tmp / "o.fq"
                run_on(world, dp, lambda c: phyngsc.decompress(str(arc), str(out), comm=c,
                                                               threads=1))
                if world.rank == 0:
                    assert filecmp.cmp(out, R1, shallow=False)
    if world.rank == 0:
        assert len(digests) == 1


def test_seeded_paired_any_ranks(world, shared_tmp, quality_model):
    digests = set()
    for cp in range(1, min(world.size, 3) + 1):
        arc = shared_tmp / f"p{cp}.ngsc"
        run_on(world, cp, lambda c: phyngsc.compress((str(R1), str(R2)), str(arc), comm=c,
                                                     **SEED))
        if world.rank == 0:
            with phyngsc.open(str(arc)) as a:
                assert a.footer.seed is not None
                assert bool(a.footer.seed.quality) == quality_model
                digests.add((a.index.digest(), a.footer.seed))
        o1, o2 = shared_tmp / "o1.fq", shared_tmp / "o2.fq"
        run_on(world, min(world.size, 2), lambda c: phyngsc.decompress(
            str(arc), str(o1), comm=c, threads=1, mate=str(o2)))
        if world.rank == 0:
            assert filecmp.cmp(o1, R1, shallow=False) and filecmp.cmp(o2, R2, shallow=False)
    if world.rank == 0:
        assert len(digests) == 1


def _deep_reads(path, pairs=False):
    """Reads of both strands of one 3 kbp sequence (the unit tests' deep set): the seed
    sub-blocks after the first code their bases from the chain."""
    import numpy as np
    rng = np.random.default_rng(5)
    genome = rng.choice(list(b"ACGT"), 3000).astype(np.uint8).tobytes()
    comp = bytes.maketrans(b"ACGT", b"TGCA")
    out = [[], []]
    for i in range(1200):
        at = int(rng.integers(0, 3000 - 60))
        read = genome[at:at + 60]
        if i % 2:
            read = read.translate(comp)[::-1]
        q = bytes(int(x) for x in rng.integers(35, 74, len(read)))
        out[i % 2 if pairs else 0].append(b"@r%d\n%s\n+\n%s\n" % (i // 2 if pairs else i,
                                                                  read, q))
    paths = [path.with_suffix(f".{k}.fq") for k in (1, 2)]
    for p, recs in zip(paths, out):
        p.write_bytes(b"".join(recs))
    return paths if pairs else paths[:1]


@pytest.mark.parametrize("pairs", [False, True])
def test_chained_seed_is_the_same_at_any_rank_count(world, shared_tmp, pairs):
    """NGSC 1.5: every rank walks the whole chain, coding only the seed sub-blocks it
    owns (learning the others), and takes their chained streams; any rank count decodes
    it, walking from its first seed sub-block. The seed index that ``--index`` writes
    (from the table the encoders hold, or learned back from the archive when rank 0
    only reads a stream) is the one ``phyngsc.index`` learns from the archive."""
    import hashlib
    from phyngsc.codecs.registry import CODEC_ID
    srcs = _deep_reads(shared_tmp / "deep", pairs) if world.rank == 0 else None
    srcs = world.bcast(srcs, root=0)
    gz = shared_tmp / "deep.fq.gz"      # a stream: rank 0 deals the seed to the encoders
    if world.rank == 0 and not pairs:
        gz.write_bytes(gzip.compress(srcs[0].read_bytes()))
    world.Barrier()
    digests, indexes = set(), set()
    runs = [(cp, tuple(map(str, srcs)) if pairs else str(srcs[0]))
            for cp in range(1, min(world.size, 4) + 1)]
    if not pairs:
        runs += [(cp, str(gz)) for cp in range(1, min(world.size, 3) + 1)]
    for cp, inp in runs:
        arc = shared_tmp / f"c{cp}.ngsc"
        run_on(world, cp, lambda c: phyngsc.compress(inp, str(arc), comm=c, level=5,
                                                     threads=1, window=4096, seed=20000,
                                                     index=True))
        if world.rank == 0:
            ngsi = shared_tmp / f"c{cp}.ngsc.ngsi"
            written = hashlib.sha256(ngsi.read_bytes()).hexdigest()
            assert phyngsc.index(str(arc)) == str(ngsi)
            assert hashlib.sha256(ngsi.read_bytes()).hexdigest() == written
            indexes.add(hashlib.sha256(ngsi.read_bytes()[52:]).hexdigest())   # the table
            # (the header names this archive, whose footer records the rank count)
            with phyngsc.open(str(arc)) as a:
                seed = a.footer.seed
                assert (seed.form, seed.lanes, seed.n_subblocks) == (2, 16, 5)
                codecs = [a.subblock_header(i).streams[1].codec for i in range(5)]
                # 4 KiB windows in 16 lanes: the first may keep 2-bit packing (which
                # every rank then learns in lanes: the archive is the same all the same)
                assert codecs[2:] == [CODEC_ID["dna-seeded"]] * 3
                digests.add(a.index.digest())
        for dp in range(1, min(world.size, 3) + 1):
            outs = [shared_tmp / "o1.fq", shared_tmp / "o2.fq"]
            kw = dict(mate=str(outs[1])) if pairs else {}
            run_on(world, dp, lambda c: phyngsc.decompress(str(arc), str(outs[0]), comm=c,
                                                           threads=1, **kw))
            if world.rank == 0:
                for o, s in zip(outs, srcs):
                    assert filecmp.cmp(o, s, shallow=False)
    if world.rank == 0:
        assert len(digests) == 1 and len(indexes) == 1
