"""In compresso commands under MPI (N = 1..4 ranks): same output as the plain-Python
reference on the uncompressed file, whatever the rank count."""

import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

import phyngsc
from phyngsc.errors import UsageError
from phyngsc.runners import compresso
from tests.reference import ref_compresso

from ..conftest import DATA

pytestmark = pytest.mark.mpi(min_size=1)
EDGE = sorted((DATA / "edge").glob("*.fq"))


@pytest.fixture(scope="module")
def archives(comm, shared_fastq):
    """Archives of the shared data (small windows: many sub-blocks) and of the edge cases."""
    d = Path(comm.bcast(tempfile.mkdtemp(prefix="phyngsc-ic-") if comm.rank == 0 else None))
    sources = {"ERR127302_1": shared_fastq["ERR127302_1"], "ont_1k": shared_fastq["ont_1k"],
               "sim_reads_1": shared_fastq["sim_reads_1"]}
    sources.update({p.stem: p for p in EDGE})
    nreads = d / "nonly.fq"
    if comm.rank == 0:
        nreads.write_bytes(b"@n1\nNNNN\n+\n!!!!\n@n2\nNNNNNN\n+\n######\n@e\n\n+\n\n")
    comm.barrier()
    sources["nonly"] = nreads
    out = {}
    for name, src in sources.items():
        arc = d / f"{name}.ngsc"
        phyngsc.compress(str(src), str(arc), comm=comm.comm, threads=1,
                         window=16 * 1024 if src.stat().st_size > 100_000 else 1024)
        out[name] = (src, arc)
    yield out
    comm.barrier()
    if comm.rank == 0:
        shutil.rmtree(d, ignore_errors=True)


def to_bytes(comm, fn, *args, **kw):
    buf = io.BytesIO()
    fn(comm, *args, stdout=buf, dst=None, **kw)
    return buf.getvalue() if comm.rank == 0 else None


NAMES = ["ERR127302_1", "ont_1k", "sim_reads_1", "nonly", *[p.stem for p in EDGE]]


@pytest.mark.parametrize("name", NAMES)
def test_count_and_stats(comm, archives, name):
    src, arc = archives[name]
    data = src.read_bytes()
    ref = ref_compresso.stats(data)
    assert compresso.count(comm, str(arc)) == ref["records"]
    res = compresso.stats(comm, str(arc))
    assert res == comm.bcast(res)
    assert res["records"] == ref["records"] and res["bases"] == ref["bases"]
    assert res["nucleotides"] == ref["nucleotides"]
    assert res["quality"]["alphabet"] == ref["alphabet"]
    assert [tuple(x) for x in res["read_length"]["histogram"]] == ref["histogram"]
    assert (res["read_length"]["min"], res["read_length"]["max"]) == (ref["min"], ref["max"])
    offset = res["quality"]["offset"]
    assert res["quality"]["mean_per_position"] == \
        ref_compresso.mean_quality_per_position(data, offset)
    head = compresso.stats(comm, str(arc), headers_only=True)
    assert "histogram" not in head["read_length"] and head["nucleotides"] == ref["nucleotides"]


def test_encoding_guess(comm, archives):
    assert compresso.stats(comm, str(archives["ERR127302_1"][1]), headers_only=True)[
        "quality"]["encoding"] == "Sanger/Phred+33"
    # the edge file has ';' (59) qualities: only Solexa+64 scores go that low
    assert compresso.stats(comm, str(archives["phred64"][1]), headers_only=True)[
        "quality"]["encoding"] == "Solexa+64"
    assert compresso.guess_encoding(66, 104)[0] == "Illumina 1.3+/Phred+64"
    assert compresso.guess_encoding(35, 73)[1] == 33


@pytest.mark.parametrize("name,pattern,revcomp", [
    ("ERR127302_1", "GGGGGGGGGG", False), ("ERR127302_1", "CCGGAATTC", True),
    ("ERR127302_1", "GATTACAGATTACAGATTACA", True), ("sim_reads_1", "ACNNNNGT", False),
    ("sim_reads_1", "RYRYRYRYRY", True), ("ont_1k", "GGATCCNNNNNNGGATCC", True),
    ("multi", "ACGT", False), ("nonly", "N", False), ("nonly", "A", False)])
def test_grep(comm, archives, name, pattern, revcomp):
    src, arc = archives[name]
    ref = ref_compresso.grep(src.read_bytes(), pattern, revcomp)
    got = to_bytes(comm, compresso.grep, str(arc), pattern, revcomp=revcomp)
    if comm.rank == 0:
        assert got == b"".join(ref)
    first = to_bytes(comm, compresso.grep, str(arc), pattern, revcomp=revcomp, first=True)
    three = to_bytes(comm, compresso.grep, str(arc), pattern, revcomp=revcomp, max_records=3)
    if comm.rank == 0:
        assert first == b"".join(ref[:1]) and three == b"".join(ref[:3])


@pytest.mark.parametrize("name", NAMES)
def test_fasta_filter_extract(comm, archives, name, tmp_path_factory):
    src, arc = archives[name]
    data = src.read_bytes()
    d = Path(comm.bcast(str(tmp_path_factory.mktemp("o")) if comm.rank == 0 else None))
    compresso.fasta(comm, str(arc), str(d / "out.fa"))
    opts = compresso.FilterOptions(min_mean_quality=20, max_n=2, min_length=10, trim_quality=15)
    kept, dropped = compresso.filter_records(comm, str(arc), str(d / "out.fq"), opts)
    n = ref_compresso.stats(data)["records"]
    offset = compresso.stats(comm, str(arc), headers_only=True)["quality"]["offset"]
    ref_text, ref_kept = ref_compresso.filter_fastq(data, offset, 15, 20, 2, 10)
    recs = ref_compresso.records(data)
    if n >= 1:
        a, b = n // 3, max(n // 3 + 1, 2 * n // 3)
        compresso.extract(comm, str(arc), str(d / "range.fq"), start=a, stop=b)
        pick = {recs[i]["title"] for i in range(0, n, 3)}
        names = {t.split()[0] if t.split() else t for t in pick}
        compresso.extract(comm, str(arc), str(d / "names.fq"), names=names)
    if comm.rank == 0:
        assert (d / "out.fa").read_bytes() == ref_compresso.fasta(data)
        assert (kept, dropped) == (ref_kept, n - ref_kept)
        assert (d / "out.fq").read_bytes() == ref_text
        if n >= 1:
            assert (d / "range.fq").read_bytes() == b"".join(r["text"] for r in recs[a:b])
            want = [r["text"] for r in recs
                    if r["title"] in names or (r["title"].split()[:1] and r["title"].split()[0] in names)]
            assert (d / "names.fq").read_bytes() == b"".join(want)


def test_extract_range_past_the_end(comm, archives):
    src, arc = archives["ERR127302_1"]
    with pytest.raises(UsageError, match="outside the archive's 20000 records"):
        compresso.extract(comm, str(arc), None, start=19_999, stop=20_001)


def test_hdf5_per_subblock_arrays(comm, archives):
    import h5py
    src, arc = archives["ERR127302_1"]
    path = comm.bcast(str(Path(tempfile.mkdtemp()) / "s.h5") if comm.rank == 0 else None)
    res = compresso.stats(comm, str(arc), hdf5=path)
    if comm.rank == 0:
        with h5py.File(path) as f:
            g = f["subblocks"]
            assert g["records"][()].sum() == 20_000
            assert g["nucleotides"][()].sum(axis=0).tolist() == list(res["nucleotides"].values())
            assert (g["first_record"][()] == np.concatenate(([0], np.cumsum(g["records"][()])[:-1]))).all()
            qs, qc = g["quality_sum"][()].sum(axis=0), g["quality_count"][()].sum(axis=0)
            mean = [round(float(x), 4) for x in (qs - 33 * qc) / qc]
            assert mean == res["quality"]["mean_per_position"]
            assert f.attrs["quality_encoding"] == "Sanger/Phred+33"


def test_api_records_and_grep(comm, archives):
    src, arc = archives["sim_reads_1"]
    recs = ref_compresso.records(src.read_bytes())
    with phyngsc.open(str(arc)) as a:
        got = list(a.records(100, 105))
        assert [r.title.encode() for r in got] == [r["title"] for r in recs[100:105]]
        assert [r.sequence.encode() for r in got] == [r["seq"] for r in recs[100:105]]
        assert [r.quality.encode() for r in got] == [r["qual"] for r in recs[100:105]]
        hits = a.grep("ACNNNNGT", comm=comm.comm)
        if comm.rank == 0:
            assert hits == ref_compresso.grep(src.read_bytes(), "ACNNNNGT")
