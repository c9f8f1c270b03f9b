"""In compresso commands from the command line (and FASTA against seqtk where installed)."""

import json
import shutil
import subprocess

import pytest

from tests.reference import ref_compresso

from ..conftest import DATA
from .test_cli import MPIEXEC, run


@pytest.fixture(scope="module")
def arc(tmp_path_factory, shared_fastq):
    d = tmp_path_factory.mktemp("c")
    src = shared_fastq["sim_reads_2"]
    a = d / "sim2.ngsc"
    assert run("compress", src, "-o", a, "--window", "64K", "-t", "1").returncode == 0
    return src, a


def test_count_prints_the_bare_integer_last(arc):
    r = run("count", arc[1])
    assert r.returncode == 0 and r.stdout.decode().splitlines()[-1] == "10000"


def test_stats_json_and_text(arc, tmp_path):
    src, a = arc
    r = run("stats", a, "--json", "--hdf5", tmp_path / "s.h5")
    doc = json.loads(r.stdout)
    ref = ref_compresso.stats(src.read_bytes())
    assert doc["nucleotides"] == ref["nucleotides"] and doc["records"] == 10_000
    assert (tmp_path / "s.h5").exists()
    text = run("stats", a, "--headers-only").stdout.decode()
    assert "GC fraction" in text and "Sanger/Phred+33" in text and "common lengths" not in text


def test_grep_first_and_errors(arc):
    src, a = arc
    data = src.read_bytes()
    pattern = ref_compresso.records(data)[5000]["seq"][20:34].decode()   # occurs mid-file
    ref = ref_compresso.grep(data, pattern, revcomp=True)
    r = run("grep", a, pattern, "--revcomp", "--first")
    assert len(ref) >= 1 and r.returncode == 0 and r.stdout == ref[0]
    r = run("grep", a, "AC!T")
    assert r.returncode == 2 and b"not an IUPAC nucleotide code" in r.stderr


def test_fasta_filter_extract(arc, tmp_path):
    src, a = arc
    data = src.read_bytes()
    assert run("fasta", a, "-o", tmp_path / "o.fa").returncode == 0
    assert (tmp_path / "o.fa").read_bytes() == ref_compresso.fasta(data)
    r = run("filter", a, "-o", tmp_path / "f.fq", "--trim-quality", "20", "--min-length", "50")
    text, kept = ref_compresso.filter_fastq(data, 33, trim_q=20, min_length=50)
    assert r.returncode == 0 and (tmp_path / "f.fq").read_bytes() == text
    assert f"kept {kept} records, dropped {10_000 - kept}".encode() in r.stderr
    r = run("extract", a, "--records", "9998:10000", "-o", "-")
    assert r.stdout == b"".join(x["text"] for x in ref_compresso.records(data)[9998:])
    r = run("extract", a, "--records", "9999:10001", "-o", tmp_path / "x.fq")
    assert r.returncode == 2 and not (tmp_path / "x.fq").exists()
    assert b"outside the archive's 10000 records" in r.stderr
    (tmp_path / "names").write_text("@r5\nr77\n")
    r = run("extract", a, "--names", tmp_path / "names", "-o", "-")
    recs = ref_compresso.records(data)
    assert r.stdout == recs[4]["text"] + recs[76]["text"]


@pytest.mark.skipif(shutil.which("seqtk") is None, reason="seqtk is not installed")
@pytest.mark.parametrize("name", ["err127302_1_200.fastq", "ont_5.fastq", "sim_reads_1_200.fastq"])
def test_fasta_equals_seqtk(name, tmp_path):
    src = DATA / name
    assert run("compress", src, "-o", tmp_path / "a.ngsc").returncode == 0
    ours = run("fasta", tmp_path / "a.ngsc", "-o", "-").stdout
    theirs = subprocess.run(["seqtk", "seq", "-A", str(src)], capture_output=True).stdout
    assert ours == theirs


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
def test_same_output_at_three_ranks(arc):
    src, a = arc
    for args in (["count", a], ["stats", a, "--json"], ["grep", a, "GGNCC", "--max", "5"],
                 ["fasta", a, "-o", "-"]):
        one = run(*args)
        three = run(*args, "-t", "1", mpi=3) if args[0] != "count" else run(*args, mpi=3)
        assert one.returncode == three.returncode == 0
        assert one.stdout == three.stdout, args
