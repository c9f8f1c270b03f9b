"""split, partition and paired extract under MPI (N = 1..4 ranks): parts concatenate to the
originals, are the same for any rank count and match the planner's reference cuts."""

import gzip
import shutil
import tempfile
from pathlib import Path

import pytest

import phyngsc
from phyngsc.errors import UsageError
from phyngsc.runners import compresso
from tests.reference import ref_compresso
from tests.unit.test_partitions import reference_cuts

pytestmark = pytest.mark.mpi(min_size=1)


@pytest.fixture(scope="module")
def archives(comm, shared_fastq):
    """Paired and single-end archives with many sub-blocks (16 KiB windows)."""
    d = Path(comm.bcast(tempfile.mkdtemp(prefix="phyngsc-split-") if comm.rank == 0 else None))
    out = {}
    for name, src in (("err_pe", ("ERR127302_1", "ERR127302_2")),
                      ("sim_pe", ("sim_reads_1", "sim_reads_2")),
                      ("ont", ("ont_1k",)), ("err_se", ("ERR127302_1",))):
        paths = tuple(str(shared_fastq[s]) for s in src)
        arc = d / f"{name}.ngsc"
        phyngsc.compress(paths if len(paths) == 2 else paths[0], str(arc), comm=comm.comm,
                         threads=1, window=16 * 1024)
        out[name] = ([Path(p) for p in paths], arc)
    yield out
    comm.barrier()
    if comm.rank == 0:
        shutil.rmtree(d, ignore_errors=True)


def interleaved_records(srcs):
    """Records of the input file(s) in archive order (mates alternate)."""
    per_file = [ref_compresso.records(p.read_bytes()) for p in srcs]
    if len(per_file) == 1:
        return per_file[0]
    return [r for pair in zip(*per_file) for r in pair]


@pytest.mark.parametrize("name", ["err_pe", "sim_pe", "ont", "err_se"])
@pytest.mark.parametrize("parts,gz", [(1, False), (3, False), (7, True), (50, False)])
def test_split_parts(comm, archives, shared_tmp, name, parts, gz):
    srcs, arc = archives[name]
    infos = phyngsc.split(str(arc), str(shared_tmp / "p"), parts, comm=comm.comm, threads=1,
                          gzip=gz)
    if comm.rank != 0:
        return
    paired = len(srcs) == 2
    assert len(infos) == parts
    read = (lambda p: gzip.decompress(p.read_bytes())) if gz else (lambda p: p.read_bytes())
    for m, src in enumerate(srcs):   # concatenating the parts in order gives the original
        files = [Path(info.paths[m]) for info in infos]
        assert all(f.exists() for f in files)
        assert b"".join(read(f) for f in files) == src.read_bytes()
    recs = interleaved_records(srcs)
    lengths = [len(r["seq"]) for r in recs]
    step = 2 if paired else 1
    want = reference_cuts([lengths], parts, step)
    assert [info.records * step for info in infos] == [b - a for a, b in zip(want, want[1:])]
    for info, a, b in zip(infos, want, want[1:]):   # each part holds exactly its records
        texts = [read(Path(p)) for p in info.paths]
        if paired:
            assert texts[0] == b"".join(r["text"] for r in recs[a:b:2])
            assert texts[1] == b"".join(r["text"] for r in recs[a + 1:b:2])
        else:
            assert texts[0] == b"".join(r["text"] for r in recs[a:b])
    assert sorted(p.name for p in shared_tmp.iterdir()) == sorted(
        Path(p).name for info in infos for p in info.paths)   # nothing else left behind


@pytest.mark.parametrize("name", ["sim_pe", "err_se"])
def test_partition_is_this_ranks_part(comm, archives, name):
    srcs, arc = archives[name]
    part = phyngsc.partition(str(arc), comm.comm)
    assert (part.part, part.parts) == (comm.rank, comm.size)
    text = b"".join(part.fastq())
    recs = list(part)
    everything = comm.comm.gather((part.start, part.stop, text, len(recs)), root=0)
    if comm.rank == 0:
        ref = interleaved_records(srcs)
        assert b"".join(t for _a, _b, t, _n in everything) == b"".join(r["text"] for r in ref)
        assert [s for s, *_ in everything] == sorted(s for s, *_ in everything)
        assert sum(n for *_, n in everything) == (len(ref) // len(srcs))
    if recs:
        first = recs[0] if len(srcs) == 1 else recs[0][1]
        ref_first = interleaved_records(srcs)[part.start + len(srcs) - 1]
        assert first.sequence == ref_first["seq"].decode()
    if len(srcs) == 2:
        pairs = list(part.fastq(mates=True))
        assert b"".join(a for a, _ in pairs).count(b"\n") == 4 * part.n_records


def test_partition_matches_split_parts(comm, archives, shared_tmp):
    srcs, arc = archives["sim_pe"]
    infos = phyngsc.split(str(arc), str(shared_tmp / "q"), 5, comm=comm.comm, threads=1)
    if comm.rank == 0:
        from mpi4py import MPI
        for k, info in enumerate(infos):   # any part can be read by one process alone
            p = phyngsc.partition(str(arc), MPI.COMM_SELF, part=k, parts=5)
            pairs = list(p.fastq(mates=True))
            assert b"".join(a for a, _ in pairs) == Path(info.paths[0]).read_bytes()
            assert b"".join(b for _, b in pairs) == Path(info.paths[1]).read_bytes()
            assert p.n_records == info.records


def test_paired_extract(comm, archives, shared_tmp):
    srcs, arc = archives["err_pe"]
    r1, r2 = (ref_compresso.records(p.read_bytes()) for p in srcs)
    n = compresso.extract(comm, str(arc), str(shared_tmp / "a.fq"), start=10, stop=5000,
                          mate=str(shared_tmp / "b.fq"))
    inter = compresso.extract(comm, str(arc), str(shared_tmp / "i.fq"), start=4999, stop=5001)
    names = {r1[7]["title"].split()[0], r2[12345]["title"].split()[0]}
    by_name = compresso.extract(comm, str(arc), str(shared_tmp / "n1.fq"), names=names,
                                mate=str(shared_tmp / "n2.fq"))
    if comm.rank == 0:
        out = shared_tmp
        assert (n, inter, by_name) == (4990, 2, 2)
        assert (out / "a.fq").read_bytes() == b"".join(r["text"] for r in r1[10:5000])
        assert (out / "b.fq").read_bytes() == b"".join(r["text"] for r in r2[10:5000])
        assert (out / "i.fq").read_bytes() == b"".join(
            r1[i]["text"] + r2[i]["text"] for i in (4999, 5000))
        assert (out / "n1.fq").read_bytes() == r1[7]["text"] + r1[12345]["text"]
        assert (out / "n2.fq").read_bytes() == r2[7]["text"] + r2[12345]["text"]
    with pytest.raises(UsageError, match="outside the archive's 20000 pairs"):
        compresso.extract(comm, str(arc), None, start=0, stop=20_001)


def test_split_errors_leave_nothing(comm, archives, shared_tmp):
    srcs, arc = archives["err_se"]
    with pytest.raises(UsageError, match="at least 1"):
        phyngsc.split(str(arc), str(shared_tmp / "x"), 0, comm=comm.comm, threads=1)
    with pytest.raises(UsageError, match="does not exist"):
        phyngsc.split(str(arc), str(shared_tmp / "nodir" / "x"), 2, comm=comm.comm, threads=1)
    # a damaged sub-block in the last part: the parts written before it go too
    bad = shared_tmp / "bad.ngsc"
    if comm.rank == 0:
        data = bytearray(arc.read_bytes())
        with phyngsc.open(str(arc)) as a:
            last = a.n_subblocks - 1
            pos = int(a.index.offset[last]) + int(a.index.length[last]) // 2
        data[pos] ^= 0xFF
        bad.write_bytes(bytes(data))
    comm.barrier()
    with pytest.raises(phyngsc.ArchiveError, match="checksum"):
        phyngsc.split(str(bad), str(shared_tmp / "y"), 4, comm=comm.comm, threads=1)
    comm.barrier()
    if comm.rank == 0:
        assert sorted(p.name for p in shared_tmp.iterdir()) == ["bad.ngsc"]
