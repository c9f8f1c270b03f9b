"""Paired-end archives under MPI: compress with 1..3 ranks, decompress with 1..2, byte-exact."""

import filecmp

import pytest

import phyngsc
from phyngsc.errors import DataError

from .test_parallel import run_on

pytestmark = pytest.mark.mpi(min_size=1)


@pytest.fixture()
def tmp(shared_tmp):
    return shared_tmp


@pytest.mark.parametrize("pair", [("ERR127302_1", "ERR127302_2"), ("sim_reads_1", "sim_reads_2")])
def test_paired_roundtrip(world, shared_fastq, tmp, pair):
    r1, r2 = (shared_fastq[p] for p in pair)
    digests = set()
    for cp in [k for k in (1, 2, 3) if k <= world.size]:
        arc = tmp / f"pe{cp}.ngsc"
        run_on(world, cp, lambda c: phyngsc.compress((str(r1), str(r2)), str(arc), comm=c,
                                                     threads=1, window=64 * 1024))
        if world.rank == 0:
            with phyngsc.open(str(arc)) as a:
                digests.add(a.index.digest())
                assert a.index.paired and a.count() == 2 * r1.read_bytes().count(b"\n") // 4
        for dp in [k for k in (1, 2) if k <= world.size]:
            o1, o2 = tmp / "o1.fq", tmp / "o2.fq"
            run_on(world, dp, lambda c: phyngsc.decompress(str(arc), str(o1), comm=c, threads=1,
                                                           mate=str(o2)))
            if world.rank == 0:
                assert filecmp.cmp(o1, r1, shallow=False) and filecmp.cmp(o2, r2, shallow=False)
    if world.rank == 0:
        assert len(digests) == 1


def test_interleaved_output(world, shared_fastq, tmp):
    r1, r2 = shared_fastq["sim_reads_1"], shared_fastq["sim_reads_2"]
    arc = tmp / "pe.ngsc"
    phyngsc.compress((str(r1), str(r2)), str(arc), comm=world, threads=1, window=32 * 1024)
    phyngsc.decompress(str(arc), str(tmp / "il.fq"), comm=world, threads=1, interleaved=True)
    if world.rank == 0:
        a, b = r1.read_bytes().split(b"\n"), r2.read_bytes().split(b"\n")
        expected = b"".join(b"\n".join(a[i:i + 4]) + b"\n" + b"\n".join(b[i:i + 4]) + b"\n"
                            for i in range(0, len(a) - 1, 4))
        assert (tmp / "il.fq").read_bytes() == expected


def test_mismatched_record_counts(world, shared_fastq, tmp):
    r1 = shared_fastq["ERR127302_1"]
    short = tmp / "short_2.fastq"
    if world.rank == 0:
        lines = shared_fastq["ERR127302_2"].read_bytes().split(b"\n")
        short.write_bytes(b"\n".join(lines[:4 * 19_990]) + b"\n")
    world.Barrier()
    with pytest.raises(DataError) as exc:
        phyngsc.compress((str(r1), str(short)), str(tmp / "x.ngsc"), comm=world, threads=1,
                         window=64 * 1024)
    msg = str(exc.value)
    assert world.allgather(msg) == [msg] * world.size
    assert "has 20000 records but" in msg and "short_2.fastq ends after record 19990" in msg
    world.Barrier()
    assert sorted(p.name for p in tmp.iterdir()) == ["short_2.fastq"]
