"""Runners under MPI: run with ``mpiexec -n N python -m pytest --with-mpi tests/mpi``.

Inside one world of N ranks, sub-communicators of every size k <= N compress and
decompress, so compressing with one rank count and decompressing with another
is exercised in a single run. Uses small windows to get many sub-blocks and
uneven splits.
"""

import filecmp
import os
from pathlib import Path

import pytest

import phyngsc
from phyngsc.errors import FastqFormatError
from phyngsc.runners import compress as compress_mod
from phyngsc.runners.plan import even_share

from ..conftest import DATA

pytestmark = pytest.mark.mpi(min_size=1)


def sub(world, k):
    """A communicator of the first k ranks (None on the others)."""
    from mpi4py import MPI
    color = 0 if world.rank < k else MPI.UNDEFINED
    return world.Split(color, world.rank)


def run_on(world, k, fn):
    """Run ``fn(comm)`` on the first k ranks; the others wait. Returns fn's value on rank 0."""
    from mpi4py import MPI
    c = sub(world, k)
    value = None
    try:
        if c != MPI.COMM_NULL:
            value = fn(c)
    finally:
        if c != MPI.COMM_NULL:
            c.Free()
        world.Barrier()
    return value


def compress_sizes(world):
    return list(range(1, world.size + 1)) if world.size >= 4 else [world.size]


def roundtrip(world, src: Path, tmp: Path, writer: str, window: int = 64 * 1024):
    digests = set()
    for cp in compress_sizes(world):
        arc = tmp / f"{src.name}.{cp}.{writer}.ngsc"
        run_on(world, cp, lambda c: phyngsc.compress(str(src), str(arc), comm=c, threads=1,
                                                     window=window, writer=writer))
        if world.rank == 0:
            with phyngsc.open(str(arc)) as a:
                digests.add(a.index.digest())
                assert a.footer.ranks == cp
        for dp in (1, 2, 3):
            if dp > world.size:
                continue
            out = tmp / f"{src.name}.{cp}.{dp}.out"
            run_on(world, dp, lambda c: phyngsc.decompress(str(arc), str(out), comm=c,
                                                           threads=1))
            if world.rank == 0:
                assert filecmp.cmp(src, out, shallow=False), (src.name, writer, cp, dp)
                out.unlink()
        world.Barrier()
    if world.rank == 0:
        assert len(digests) == 1   # the same content digest for every rank count


@pytest.mark.parametrize("name", ["ERR127302_1", "ERR127302_2", "ont_1k", "sim_reads_1",
                                  "sim_reads_2"])
@pytest.mark.parametrize("writer", ["ticket", "shared"])
def test_shared_data_roundtrip(world, shared_fastq, shared_tmp, name, writer):
    roundtrip(world, shared_fastq[name], shared_tmp, writer)


@pytest.mark.parametrize("path", sorted((DATA / "edge").glob("*.fq")), ids=lambda p: p.name)
def test_edge_cases_roundtrip(world, shared_tmp, path):
    roundtrip(world, path, shared_tmp, "ticket", window=1024)


def test_fastq_error_is_the_same_on_every_rank(world, shared_tmp):
    src = shared_tmp / "bad.fastq"
    if world.rank == 0:
        good = (DATA / "err127302_1_200.fastq").read_bytes()
        k = good.index(b"\n+\n", len(good) * 3 // 4) + 3
        src.write_bytes(good[:k] + b"II" + good[k:])   # quality 2 longer than sequence
    world.Barrier()
    with pytest.raises(FastqFormatError) as exc:
        phyngsc.compress(str(src), str(shared_tmp / "bad.ngsc"), comm=world, threads=1,
                         window=1024)
    msgs = world.allgather(str(exc.value))
    assert len(set(msgs)) == 1
    assert "quality length 74 does not match sequence length 72" in msgs[0]
    assert f"line {good_line(src)}" in msgs[0] if world.rank == 0 else True
    world.Barrier()
    assert sorted(p.name for p in shared_tmp.iterdir()) == ["bad.fastq"]


def good_line(src: Path) -> int:
    data = src.read_bytes()
    k = data.index(b"\n+\n", len(data) * 3 // 4) + 3
    return data[:k].count(b"\n") + 1


def test_false_resync_is_detected_and_redone(world, shared_tmp, monkeypatch):
    """With a weak resync check, a wrapped quality line starting '@' passes for a record
    start; the range-chain proof must catch it and redo with exact starts."""
    src = shared_tmp / "wrapped.fastq"
    rec = (b"@r{}\nACGT\nACGT\nACGT\n+\n@III\nIIII\n+III\n@bcd\nACGT\n+\nIIII\n")
    if world.rank == 0:
        src.write_bytes(b"".join(rec.replace(b"{}", str(i).encode()) for i in range(400)))
    world.Barrier()
    monkeypatch.setattr(compress_mod, "RESYNC_CONFIRM", 1)
    window = world.bcast(pick_window(src.read_bytes(), world.size) if world.rank == 0 else None)
    arc = shared_tmp / "wrapped.ngsc"
    res = phyngsc.compress(str(src), str(arc), comm=world, threads=1, window=window)
    out = shared_tmp / "wrapped.out"
    phyngsc.decompress(str(arc), str(out), comm=world, threads=1)
    if world.rank == 0:
        assert out.read_bytes() == src.read_bytes()
    if world.size > 1:
        assert res.redone


def pick_window(data: bytes, ranks: int) -> int:
    """A window size that puts rank 1's first window just before a false candidate."""
    if ranks == 1:
        return 1024
    for w in range(1024, 8192):
        x = even_share(1, ranks, -(-len(data) // w))[0] * w
        j = data.index(b"\n@", x - 1) + 1
        if data.startswith(b"@III", j):
            return w
    raise AssertionError("no window size gives a false candidate")


def test_verify_names_the_corrupt_subblock(world, shared_fastq, shared_tmp):
    arc = shared_tmp / "v.ngsc"
    phyngsc.compress(str(shared_fastq["sim_reads_1"]), str(arc), comm=world, threads=1,
                     window=64 * 1024)
    assert phyngsc.verify(str(arc), comm=world, threads=1).subblocks > 10
    if world.rank == 0:
        with phyngsc.open(str(arc)) as a:
            target = int(a.index.offset[7]) + 100
        data = bytearray(arc.read_bytes())
        data[target] ^= 0xFF
        arc.write_bytes(bytes(data))
    world.Barrier()
    with pytest.raises(phyngsc.ArchiveError) as exc:
        phyngsc.decompress(str(arc), str(shared_tmp / "v.out"), comm=world, threads=1)
    assert "sub-block 7" in str(exc.value)
    assert not (shared_tmp / "v.out").exists()
    with pytest.raises(phyngsc.ArchiveError) as exc:
        phyngsc.verify(str(arc), comm=world, threads=1)
    assert "block" in str(exc.value)


@pytest.mark.parametrize("kind", ["gzip", "bgzf", "fifo"])
def test_stream_input_gives_the_same_archive_content(world, shared_fastq, shared_tmp, kind):
    """Reader rank 0 -> encoder ranks; the same sub-blocks (digest) as file input."""
    import gzip
    import threading

    from ..bgzf import bgzf
    src = shared_fastq["ERR127302_2"]
    data = src.read_bytes()
    ref, arc = shared_tmp / "ref.ngsc", shared_tmp / f"{kind}.ngsc"
    phyngsc.compress(str(src), str(ref), comm=world, threads=1, window=64 * 1024)
    stream = shared_tmp / f"in.{kind}"
    feeder = None
    if world.rank == 0:
        if kind == "fifo":
            os.mkfifo(stream)
            feeder = threading.Thread(target=lambda: open(stream, "wb").write(data))
            feeder.start()
        else:
            stream.write_bytes(gzip.compress(data) if kind == "gzip" else bgzf(data))
    world.Barrier()
    res = phyngsc.compress(str(stream), str(arc), comm=world, threads=1, window=64 * 1024)
    if feeder is not None:
        feeder.join()
    assert res.input_size == len(data)
    out = shared_tmp / f"{kind}.out"
    phyngsc.decompress(str(arc), str(out), comm=world, threads=1)
    if world.rank == 0:
        with phyngsc.open(str(arc)) as a, phyngsc.open(str(ref)) as b:
            assert a.index.digest() == b.index.digest()
            assert a.footer.ranks == world.size
        assert out.read_bytes() == data


def test_stream_input_error_on_every_rank(world, shared_tmp):
    import gzip
    src = shared_tmp / "bad.fq.gz"
    if world.rank == 0:
        good = (DATA / "err127302_1_200.fastq").read_bytes()
        k = good.index(b"\n+\n", len(good) // 2) + 3
        src.write_bytes(gzip.compress(good[:k] + b"II" + good[k:]))
    world.Barrier()
    with pytest.raises(FastqFormatError) as exc:
        phyngsc.compress(str(src), str(shared_tmp / "bad.ngsc"), comm=world, threads=1,
                         window=2048)
    msgs = world.allgather(str(exc.value))
    assert len(set(msgs)) == 1 and "quality length 74" in msgs[0] and "line " in msgs[0]
    world.Barrier()
    assert sorted(p.name for p in shared_tmp.iterdir()) == ["bad.fq.gz"]
